# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect_fleet: connect every appliance of the play, with one list of approvals and one wait.

A person approves every new connection on GitHub.com. Waiting per host holds a fork per
appliance and shows the URLs a few at a time; this task, run once for the play, sends the
requests of a wave at once (bounded concurrency), writes and prints ONE list of
authorization URLs, then waits for the whole wave from one loop, telling each approval as it
arrives. A hand-shake GitHub.com forgot (about 5 minutes) is resumed and its fresh URL put in
the list. Waves are sized to what a person approves before a hand-shake expires.
"""

from __future__ import annotations

import functools
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import APPLIANCE_OPTIONS, appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.files import private_directory, write_private
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import HOST_VARS
from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import POLL_SECONDS, Wait, wait_until
from ansible_collections.ghes.connect.plugins.module_utils._connect import decision
from ansible_collections.ghes.connect.plugins.module_utils._connect.approval import request_approval, resume_if_expired
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import preflight
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import CONSOLE_NEVER, read_connect
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import Outstanding, tell_outstanding
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import HostOptions, task_cloud_options
from ansible_collections.ghes.connect.plugins.plugin_utils._run_record import build

# A round reads every appliance of the wave: half the pace of a single appliance's wait.
ROUND_SECONDS = 2 * POLL_SECONDS
# The console page is what shows an expired hand-shake (GHEC does not): read it this often per appliance.
CONSOLE_EVERY = 10.0
LIST_NAME = 'ghes-connect-approvals'
# The decisions this step carries out in waves; the others are ghe_connect's on each appliance (``_per_host``).
WAVE_STEPS = ('connect', 'await')


class ActionModule(GhesActionBase):
    BYPASS_HOST_LOOP = True

    def argument_spec(self):
        spec = appliance_spec(extra={
            'hosts': {'type': 'list', 'elements': 'str'},
            'target': {'type': 'str', 'default': 'github_com', 'choices': ['github_com', 'ghe_com']},
            'ghe_com_subdomain': {'type': 'str'},
            'wave_size': {'type': 'int', 'default': 10},
            'approval_timeout': {'type': 'int', 'default': 600},
            'concurrency': {'type': 'int', 'default': 10},
            'config_wait_timeout': {'type': 'int', 'default': 0},
            'force': {'type': 'bool', 'default': False},
            'approvals_dir': {'type': 'path'},
        })
        spec.options['url']['required'] = False
        return spec

    def make_appliance(self, params):
        return None

    def execute(self, appliance, params, task_vars):
        for option in ('wave_size', 'concurrency'):
            if params[option] < 1:
                raise InputError('%s must be 1 or more.' % option)
        problem = decision.input_problem(dict(params, method='console'), self.check_mode)
        if problem:
            raise InputError(problem)
        hosts = params['hosts'] if params.get('hosts') is not None else list(task_vars.get('ansible_play_batch') or [])
        # GHEC options as the task itself sets them: what it leaves out, each host takes from its own variables.
        options = HostOptions(appliance_spec(), task_cloud_options(self._task.args), HOST_VARS, host_only=APPLIANCE_OPTIONS)
        jobs = [(name, options(name, task_vars['hostvars'][name])) for name in hosts]
        self.secrets.extend(options.secrets)
        self._params = params
        self._list_dir = params.get('approvals_dir') or os.path.join(os.getcwd(), LIST_NAME)
        self._records = {}
        self._sent = []
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=params['concurrency']) as pool:
            self._pool = pool
            with Outstanding(functools.partial(tell_outstanding, self.say, 'reading')) as outstanding:
                for name, record in zip(hosts, pool.map(outstanding.watched(self._read, name=lambda job: job[0]), jobs)):
                    self._records[name] = record
            waiting = [name for name in hosts if self._records[name]['step'] in WAVE_STEPS and not self._records[name]['per_host']]
            for first in range(0, len(waiting), params['wave_size']):
                wave = waiting[first:first + params['wave_size']]
                if not self._wave(wave, dict(jobs)) and first + params['wave_size'] < len(waiting):
                    for name in waiting[first + params['wave_size']:]:
                        self._records[name].update(status='not_requested', error=(
                            'not requested: the wave before it was not approved within approval_timeout'))
                    break
        self._write_list()
        records = [self._records[name] for name in hosts]
        return {
            'changed': bool(self._sent),
            'appliances': dict((r['appliance'], r) for r in records),
            'connected': [r['appliance'] for r in records if r['connected']],
            'pending': [r['appliance'] for r in records if r['status'] == 'pending'],
            'unconnectable': [r['appliance'] for r in records if r['error'] and r['status'] != 'not_requested'],
            'requested': sorted(self._sent),
            # Left to ghe_connect on each appliance, with why (the role gives those its approval_timeout).
            'per_host': dict((r['appliance'], r['per_host']) for r in records if r['per_host']),
            # What each host's next task asks, small: indexing the 1,000-entry ``appliances`` from every
            # host's task costs Ansible about 15 ms a host.
            'errors': dict((r['appliance'], r['error']) for r in records if r['error']),
            # Each host's run record (plugin_utils._run_record), which ghe_connect on it builds on: small, like ``errors``.
            'summaries': dict((r['appliance'], self._summary(r)) for r in records),
            'list_files': None if self.check_mode else self._list_files(),
            'seconds': round(time.monotonic() - started, 2),
        }

    # -- one appliance ----------------------------------------------------------------------
    def _read(self, job):
        """The appliance's record: its state and what ``_connect.decision`` decides for it, as ``ghe_connect`` would."""
        name, params = job
        record = {'appliance': name, 'url': params.get('url'), 'status': None, 'connected': False, 'step': None,
                  'authorization_url': None, 'link_withheld': None, 'requested': False, 'per_host': None, 'error': None}
        if '_error' in params:
            return dict(record, status='error', error=params['_error'])
        wanted = dict(params, state='present', method='console', force=self._params['force'], target=self._params['target'],
                      ghe_com_subdomain=self._params.get('ghe_com_subdomain'))
        try:
            with Appliance(params, budgeted=True) as appliance:
                if not appliance.version.supported:
                    preflight(appliance)  # raises, naming the release and what to do (as the per-host base does)
                decision.check_appliance(appliance, wanted)
                state = decision.read(appliance)
                chosen = decision.decide(appliance, wanted, state, decision.desired(appliance, wanted))
        except GhesConnectError as exc:
            return dict(record, status='error', error=exc.message)
        step = chosen.step if chosen else 'none'
        status = 'connected' if state.connected else state.status
        record.update(status='pending' if status == 'unconfirmed' else status, connected=bool(state.connected), step=step,
                      authorization_url=state.authorization_url, per_host=_per_host(step, wanted['target']),
                      link_withheld=unknown_reason(state.unknown, 'connect.authorization_url'))
        return record

    def _summary(self, record):
        """The run record of one appliance after this step: a connection requested here is a step of its run (in check
        mode: would be, and the appliance is predicted connected once approved); why it could not be asked is its
        problem, which ghe_connect on the appliance fails with."""
        requested = record['appliance'] in self._sent
        pending = record['status'] == 'pending'
        return build(None, record['appliance'], self.check_mode, steps=['connect'] if requested else [], changed=requested,
                     problem=record['error'], connected=record['connected'] or (self.check_mode and requested),
                     pending_approval=pending, authorization_url=record['authorization_url'])

    def _send(self, job):
        """Start (or resume) the hand-shake of one appliance; the record's new fields."""
        name, params = job
        record = self._records[name]
        if record['status'] == 'pending':
            return {}
        if self.check_mode:
            self._sent.append(name)
            return {'status': 'pending', 'requested': True}
        appliance = self._appliance(name, params)
        try:
            if record['status'] != 'expired':  # resuming continues a request made before: only a new one is preflighted
                preflight(appliance, config_wait=self._params['config_wait_timeout'])
            url = request_approval(appliance, record['status'], self._params['target'], self._params.get('ghe_com_subdomain'))
        except GhesConnectError as exc:
            return {'status': 'error', 'error': exc.message}
        self._sent.append(name)
        # A link the appliance gave that may not be handed to a person (_ghec/links.py) is None here, and why is kept.
        return {'status': 'pending', 'authorization_url': url, 'requested': True,
                'link_withheld': None if url else appliance.console.link_withheld}

    def _poll(self, job, console_due):
        """Connected yet? And, on the console's pace, has GitHub.com forgotten the hand-shake?"""
        name, params = job
        appliance = self._appliance(name, params)
        try:
            state = read_connect(appliance, CONSOLE_NEVER, refresh=True)
            if state.connected:
                return 'connected', None
            if not console_due or not appliance.has_console_credentials:
                return 'pending', None
            page, url = resume_if_expired(appliance)
            if url is None:
                return 'pending', page.authorization_url or (None, page.link_withheld)
            self._sent.append(name)
            return 'resumed', url or (None, appliance.console.link_withheld)
        except GhesConnectError as exc:
            return 'error', exc.message

    def _appliance(self, name, params):
        """The wave's client of ``name``, kept open for its requests and polls (one console sign-in)."""
        if name not in self._open:
            self._open[name] = Appliance(params, share_facts=False)
            self._open[name].waiter = functools.partial(Wait, self.say, name)
        return self._open[name]

    # -- one wave ---------------------------------------------------------------------------
    def _wave(self, wave, params_of):
        """Send, list, wait. True when the next wave may be sent: every appliance of this one ended connected
        or failed, or nobody is waited for (approval_timeout 0, check mode)."""
        self._open = {}
        try:
            return self._send_and_wait(wave, params_of)
        finally:
            for appliance in self._open.values():
                appliance.close()

    def _send_and_wait(self, wave, params_of):
        for name, update in zip(wave, self._pool.map(self._send, [(n, params_of[n]) for n in wave])):
            self._records[name].update(update)
        self._write_list()
        self._show_list(wave)
        waiting = [n for n in wave if self._records[n]['status'] == 'pending']
        if self.check_mode or not waiting or self._params['approval_timeout'] == 0:
            return True
        total = len(self._records)
        timeout = self._params['approval_timeout']
        started = time.monotonic()
        console = {'next': started + CONSOLE_EVERY}

        def one_round():
            console_due = time.monotonic() >= console['next']
            if console_due:
                console['next'] = time.monotonic() + CONSOLE_EVERY
            seen = list(self._pool.map(lambda n: self._poll((n, params_of[n]), console_due), waiting))
            for name, (status, detail) in zip(list(waiting), seen):
                record = self._records[name]
                if status == 'connected':
                    record.update(status='connected', connected=True)
                    waiting.remove(name)
                    self.say('%s approved, %d of %d connected, waiting up to %d s more'
                             % (name, self._count_connected(), total, max(0, timeout - (time.monotonic() - started))))
                elif isinstance(detail, tuple):
                    record.update(authorization_url=None, link_withheld=detail[1])
                    self._write_list()
                elif status == 'resumed':
                    record.update(authorization_url=detail)
                    self._write_list()
                    self.say('%s: its approval request expired on GitHub.com and was resumed: approve at %s'
                             % (name, detail))
                elif status == 'error':
                    record.update(status='error', error=detail)
                    waiting.remove(name)
                elif detail:
                    record['authorization_url'] = detail
            return not waiting, None, '%d of %d approved' % (len(wave) - len(waiting), len(wave))

        wait_until(one_round, timeout, 'approvals on GitHub.com', progress=functools.partial(Wait, self.say, 'the fleet'),
                   poll=ROUND_SECONDS, on_timeout=lambda _nothing: None)
        self._write_list()
        return not waiting

    def _count_connected(self):
        return sum(1 for r in self._records.values() if r['connected'])

    # -- the list ---------------------------------------------------------------------------
    def _show_list(self, wave):
        rows = [self._records[n] for n in wave if self._records[n]['status'] == 'pending']
        if not rows:
            return
        enterprise = self._params.get('ghec_enterprise')
        lines = ['Approve on GitHub.com as an owner of "%s" (%d appliance%s%s):'
                 % (enterprise, len(rows), '' if len(rows) == 1 else 's', ', check mode: nothing was sent'
                    if self.check_mode else '')]
        width = max(len(r['appliance']) for r in rows)
        lines += ['  %s  %s' % (r['appliance'].ljust(width), _link_shown(r) or '(the request would be sent)')
                  for r in rows]
        if not self.check_mode:  # check mode writes no file, so it names none
            files = self._list_files()
            lines.append('The list is also in %s and %s.' % (files['json'], files['markdown']))
        self.say('\n'.join(lines))

    def _list_files(self):
        return {'json': os.path.join(self._list_dir, LIST_NAME + '.json'),
                'markdown': os.path.join(self._list_dir, LIST_NAME + '.md')}

    def _write_list(self):
        if self.check_mode:
            return
        private_directory(self._list_dir)
        files = self._list_files()
        rows = sorted(self._records.values(), key=lambda r: r['appliance'])
        listed = [dict((k, r[k]) for k in ('appliance', 'url', 'status', 'authorization_url', 'link_withheld', 'error'))
                  for r in rows]
        write_private(files['json'], json.dumps({'enterprise': self._params.get('ghec_enterprise'),
                                                 'appliances': listed}, indent=2) + '\n')
        markdown = ['# GitHub Connect approvals for "%s"' % self._params.get('ghec_enterprise'), '',
                    '| appliance | status | authorization URL |', '|---|---|---|']
        markdown += ['| %s | %s | %s |' % (r['appliance'], r['status'], _link_shown(r) or r['error'] or '')
                     for r in listed]
        write_private(files['markdown'], '\n'.join(markdown) + '\n')


def _per_host(step, target):
    """Why ``ghe_connect`` on the appliance itself, not this step, carries out ``step`` (None: this step does).

    The GHE.com keys are read and set over each appliance's administrative shell, which only a task on that
    appliance reaches: asking GitHub.com for an approval before they are set would connect to the wrong place.
    """
    if target == 'ghe_com' and step in ('connect', 'reconnect', 'apply_config', 'none'):
        return ('target: ghe_com: the ghe-config keys are read and set over the appliance\'s administrative shell '
                'before any approval is asked, by ghes.connect.ghe_connect on the appliance')
    if step == 'reconnect':
        return 'force: true: ghes.connect.ghe_connect on the appliance disconnects it, then asks for the approval'
    return None


def _link_shown(record):
    """The authorization URL a person may open, or why it is unknown (the link itself is never shown)."""
    return record['authorization_url'] or (record['link_withheld'] and 'unknown: %s' % record['link_withheld'])
