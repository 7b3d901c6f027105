# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_upload: license usage to GHEC by file, for air-gapped or failing appliances.

Export (console) or ``src`` -> validate -> keep (``dest``, 0600) -> upload once ->
wait for GraphQL to show ``syncState: SUCCESS``. Uploads are named after the export's
digest, so GHEC's own upload list says whether this exact export was already sent:
that is what makes the module idempotent and what keeps a retry from uploading twice.
Whether there is anything to send is ``_state.comparison.upload_skip_reason``, the rule
the drift records judge uploads by (``usage_reported``).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec, parse_duration
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError, Refusal
from ansible_collections.ghes.connect.plugins.module_utils._common.records import set_unknown
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import UsageFile, latest_upload, shown
from ansible_collections.ghes.connect.plugins.module_utils._license.destination import check_dest, keep
from ansible_collections.ghes.connect.plugins.module_utils._license.sync_now import sync_now_and_wait
from ansible_collections.ghes.connect.plugins.module_utils._license.upload import await_upload, export, listed, upload_once
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import upload_skip_reason, upload_task_assessment
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import console_mode, read_connect, read_last_sync, read_license_sync
from ansible_collections.ghes.connect.plugins.plugin_utils._run_record import SUMMARY_OPTION
from ansible_collections.ghes.connect.plugins.plugin_utils._state_module import Outcome, Plan, StateModule


class ActionModule(StateModule):
    COMPARE = staticmethod(upload_task_assessment)

    def argument_spec(self):
        return appliance_spec(extra={
            'src': {'type': 'path'},
            'dest': {'type': 'path'},
            'via': {'type': 'str', 'default': 'auto', 'choices': ['auto', 'file']},
            'max_sync_age': {'type': 'str'},
            'force': {'type': 'bool', 'default': False},
            'wait_timeout': {'type': 'int', 'default': 300},
            'summary': SUMMARY_OPTION,
        })

    def check_input(self, params):
        parse_duration(params.get('max_sync_age'), 'max_sync_age')
        if params['wait_timeout'] <= 0:
            raise InputError('wait_timeout must be 1 or more seconds (got %s): it bounds the wait for GHEC to process '
                             'the upload or the triggered sync.' % params['wait_timeout'])
        if params.get('dest'):
            check_dest(params['dest'])
        self._source_path(params.get('src'))

    def read(self, appliance, params, fresh=False):
        """The connected path's license sync, or the export with GHEC's uploads and last sync of its appliance."""
        src = self._source_path(params.get('src'))
        if params['via'] == 'auto' and src is None:
            connect = read_connect(appliance, console_mode(appliance))
            sync = read_license_sync(appliance, connect, console_mode(appliance))
            if connect.connected and sync.enabled:
                return {'used': 'sync_now', 'license_sync': sync}
        if src is not None:
            with open(src, 'rb') as handle:
                usage, source = UsageFile(handle.read(), 'src %s' % src), 'src'
        else:
            usage, source = export(appliance)
        state = {'used': 'file', 'usage': usage, 'source': source, 'last_sync': read_last_sync(appliance),
                 'foreign': None, 'mine': None, 'uploads': []}
        try:
            usage.check_belongs_to(appliance.hostname, state['last_sync'].server_id)
        except InputError as exc:
            # Another appliance's export: decide refuses it, and nothing more is read about it.
            return dict(state, foreign=exc.message)
        state['mine'], state['uploads'] = listed(appliance, usage)
        return state

    def desired(self, appliance, params, before):
        return {'max_age': parse_duration(params.get('max_sync_age'), 'max_sync_age'), 'dest': params.get('dest')}

    def decide(self, appliance, params, before, desired, differences):
        skip = None if params['force'] else upload_skip_reason(before, desired['max_age'])
        if before['used'] == 'sync_now':
            if skip:
                return None
            if not appliance.has_console_credentials:
                raise InputError('%s is connected with license sync on: ghes.connect triggers "Sync now" instead of a file '
                                 'upload, which needs console_username and console_password. Give them, or set via: file.'
                                 % appliance.url)
            return Plan('sync_now', Outcome(before, True, 'console'), need_connect_license=False)
        if before['foreign']:
            raise InputError(before['foreign'])
        usage, mine = before['usage'], before['mine']
        if mine and mine.sync_state.value == 'FAILURE' and not params['force']:
            raise Refusal('GHEC already rejected this exact export (%s, syncState FAILURE). Export the usage '
                          'again, or set force: true to upload the same file again.' % mine.name.value)
        kept = keep(usage, desired['dest'], check_mode=True)  # only looks: act writes
        if skip:
            found = Outcome(before, kept, skipped_reason=skip, dest=desired['dest'], **_found_upload(before))
            return Plan('keep', found, writes=False) if kept else None
        if mine and not params['force']:
            # Sent earlier (perhaps by a run that timed out): wait for it, never send it twice - also when GHEC
            # lists it without saying its state, which is no failure and no success.
            return Plan('await', Outcome(before, kept, skipped_reason=_awaited_reason(mine),
                                         upload=usage.upload_view(mine), dest=desired['dest']), writes=False)
        return Plan('upload', Outcome(before, True, 'file', skipped_reason=None, dest=desired['dest'], upload={
            'name': usage.upload_name, 'sha256': usage.sha256, 'sync_state': None, 'created_at': None}),
            need_connect_license=False)

    def unchanged(self, before, desired):
        if before['used'] == 'sync_now':
            return Outcome(before, False, skipped_reason=upload_skip_reason(before, desired['max_age']))
        return Outcome(before, False, skipped_reason=upload_skip_reason(before, desired['max_age']),
                       dest=desired['dest'], **_found_upload(before))

    def act(self, appliance, params, plan):
        before = plan.before
        if plan.step == 'sync_now':
            synced, clicked = sync_now_and_wait(appliance, before['license_sync'], params['wait_timeout'], False, self.say)
            return Outcome(dict(before, license_sync=synced), clicked, plan.method if clicked else 'none', skipped_reason=None)
        dest = plan.desired['dest']
        kept = keep(before['usage'], dest, check_mode=False)
        if plan.step == 'keep':
            return Outcome(before, kept, **plan.predicted.facts)
        if plan.step == 'await':
            return Outcome(before, kept, skipped_reason='already uploaded; waited for GHEC to process it', dest=dest,
                           upload=await_upload(appliance, before['usage'], params['wait_timeout'], changed=False))
        upload_once(appliance, before['usage'])
        return Outcome(before, True, plan.method, skipped_reason=None, dest=dest,
                       upload=await_upload(appliance, before['usage'], params['wait_timeout'], changed=True))

    def report(self, before, outcome):
        if before['used'] == 'sync_now':
            return {'used': 'sync_now', 'upload': None, 'license_sync': outcome.after['license_sync'].to_dict(with_sources=True),
                    'skipped_reason': outcome.fact('skipped_reason')}
        return {'used': 'file', 'export': before['usage'].summary(), 'dest': outcome.fact('dest'), 'sources': {'export': before['source']},
                'upload': outcome.fact('upload'), 'skipped_reason': outcome.fact('skipped_reason')}

    def summarize(self, before, outcome):
        if before['used'] == 'sync_now':
            sync = outcome.after['license_sync']
            return {'license_report': 'upload', 'steps': ['Sync now'] if outcome.changed else [],
                    'license_sync': sync.enabled, 'last_sync': sync.last_sync}
        done = {'file': 'license usage uploaded', 'none': 'license usage file kept'}[outcome.method_used] if outcome.changed else None
        return {'license_report': 'upload', 'steps': [done] if done else [], 'last_upload': outcome.fact('upload'),
                'last_upload_unknown': outcome.fact('upload_unknown')}

    def diff(self, before, outcome):
        if before['used'] == 'sync_now':
            return {'before': {'last_sync': before['license_sync'].last_sync},
                    'after': {'last_sync': outcome.after['license_sync'].last_sync}}
        latest, untold = latest_upload(before['uploads'])
        shown_before = {'upload': shown(latest)}
        if untold:
            shown_before['upload_unknown'] = untold
        return {'before': shown_before, 'after': {'upload': outcome.fact('upload')}}

    def result(self, before, outcome, differences, unknown):
        # An upload shown as null because which one is the latest cannot be told says why, where results say so.
        if outcome.fact('upload_unknown'):
            unknown = list(unknown)
            set_unknown(unknown, 'upload', outcome.fact('upload_unknown'))
        return super().result(before, outcome, differences, unknown)

    def _source_path(self, src):
        if src is None:
            return None
        try:
            path = src if os.path.isabs(src) else self._find_needle('files', src)
        except AnsibleError as exc:
            raise InputError('src %s was not found on the controller.' % src) from exc
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise InputError('src %s does not exist or cannot be read on the controller.' % src)
        return path


def _found_upload(before):
    """The facts ``upload`` and ``upload_unknown`` of an export not sent: its own upload when GHEC lists it, else the
    latest GHEC lists (``latest_upload``), or none and why when which is the latest cannot be told."""
    usage = before['usage']
    if before['mine']:
        return {'upload': usage.upload_view(before['mine']), 'upload_unknown': None}
    latest, untold = latest_upload(before['uploads'])
    return {'upload': usage.upload_view(latest), 'upload_unknown': untold}


def _awaited_reason(mine):
    """Why this export, which GHEC lists already (``mine``, neither processed nor rejected), is awaited, not sent."""
    if not mine.sync_state.known:
        return 'already uploaded, not sent again; GHEC does not say its state (%s)' % mine.sync_state.reason
    if mine.sync_state.value == 'PENDING':
        return 'already uploaded, GHEC still processing it'
    return 'already uploaded, not sent again; GHEC lists it as %s' % mine.sync_state.value
