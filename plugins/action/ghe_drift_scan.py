# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_drift_scan: the drift of every appliance of the play, from one controller-side task.

Ansible's own cost per host and task (about 12 ms here) is the floor of any per-host
drift check; the HTTP requests are the physical limit. This task reads all appliances
at once with bounded concurrency, each with its own host variables, and returns the
same records the drift report is made of. Read-only in every mode.
"""

from __future__ import annotations

import functools
import os
import sys
import time

from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import (
    APPLIANCE_OPTIONS,
    DESIRED_OPTIONS,
    appliance_spec,
    parse_sync_age,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import APPLIANCE_HOST_VARS as DEFAULT_HOST_VARS, CLOUD_HOST_VARS
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import scrub_text
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.entries import current_run_id
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import (
    assessed_record,
    desired_for_host,
    ghec_failure_assessment,
    report_record,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import assess_appliance, gather
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.plugins.plugin_utils._concurrency import one_appliance_key
from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import Outstanding, fan_out, tell_outstanding
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import HostOptions, license_report_of, task_cloud_options

# Fewer appliances than this per process, and forking another one costs more than it saves.
APPLIANCES_PER_PROCESS = 100


class ActionModule(GhesActionBase):
    BYPASS_HOST_LOOP = True

    def argument_spec(self):
        spec = appliance_spec(extra={
            'hosts': {'type': 'list', 'elements': 'str'},
            'host_vars': {'type': 'dict', 'default': {}},
            'concurrency': {'type': 'int'},
            'processes': {'type': 'int'},
            'console': {'type': 'str', 'default': 'auto', 'choices': ['auto', 'always', 'never']},
            'desired': {'type': 'dict', 'options': DESIRED_OPTIONS, 'default': {}},
        })
        # Appliance options come from each host's variables; in the task they are ignored.
        spec.options['url']['required'] = False
        return spec

    def make_appliance(self, params):
        return None

    def execute(self, appliance, params, task_vars):
        hosts = params.get('hosts') or list(task_vars.get('ansible_play_hosts_all') or [])
        mapping = dict(DEFAULT_HOST_VARS, **params['host_vars'])
        unknown = set(mapping) - set(APPLIANCE_OPTIONS)
        if unknown:
            raise InputError('host_vars maps unknown appliance options: %s.' % ', '.join(sorted(unknown)))
        if params['concurrency'] is not None and params['concurrency'] < 1:
            raise InputError('concurrency must be 1 or more.')
        if params['processes'] is not None and params['processes'] < 1:
            raise InputError('processes must be 1 or more (or left out: one per CPU core and %d appliances).'
                             % APPLIANCES_PER_PROCESS)
        desired = params['desired']
        max_age = parse_sync_age(desired.get('max_sync_age'), 'desired.max_sync_age')
        # GHEC options as the task itself sets them: what it leaves out, each host takes from its own variables.
        cloud = task_cloud_options(self._task.args)
        hostvars = task_vars['hostvars']
        read_at = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())  # the report's "data read at"
        started = time.monotonic()
        options = HostOptions(appliance_spec(), cloud, dict(CLOUD_HOST_VARS, **mapping), host_only=APPLIANCE_OPTIONS)
        jobs = []
        for name in hosts:
            # One look at each host's variables: Ansible gathers them all for every look (about 1 ms a host).
            host = hostvars[name]
            job = options(name, host)
            # The per-host choice of how usage reaches GHEC (an air-gapped appliance uploads files).
            try:
                job['_license_report'] = license_report_of(name, host)
            except InputError as exc:
                job = {'_error': exc.message}
            jobs.append((name, job))
        # Every host's credentials are scrubbed from the result, not only the task's.
        self.secrets.extend(options.secrets)
        # The run's shared reads are keyed by this process's parent: settle it before forking.
        current_run_id()
        ghec_errors = self._warm_enterprise_reads(jobs)
        processes = params['processes'] or _auto_processes(len(jobs))
        # Where GHEC's enterprise-wide read failed, asking it again for each appliance read with the same
        # GHEC options would only spend the token's budget on the same answer.
        failed = dict((i, ghec_errors[ghec_key(p)]) for i, (_name, p) in enumerate(jobs)
                      if '_error' not in p and ghec_key(p) in ghec_errors)
        rest = [job for i, job in enumerate(jobs) if i not in failed]
        with Outstanding(functools.partial(tell_outstanding, self.say, 'reading')) as outstanding:
            work = outstanding.watched(functools.partial(_scan_one, params['console'], desired, max_age, self.secrets),
                                       name=lambda job: job[0])
            read = iter(fan_out(work, rest, params['concurrency'], processes, key=one_appliance_key) if rest else [])
        scanned = [(_ghec_failure_record(name, scrub_text(failed[i], self.secrets),
                                         desired_for_host(desired, p.get('_license_report'))), [], None) if i in failed
                   else next(read) for i, (name, p) in enumerate(jobs)]
        records = [record for record, _warnings, _clock in scanned]
        warnings = [w for _record, read_warnings, _clock in scanned for w in read_warnings]
        # GHEC's reads are the fleet's, not an appliance's: that it sent no Date is said once for the scan.
        clock = sorted(set(filter(None, [clock for _record, _warnings, clock in scanned])))
        result = {
            'changed': False,
            'warnings': sorted(options.warnings) + clock[:1] + warnings,
            'appliances': [record.to_dict() for record in records],
            'drifted': [record.appliance for record in records if record.verdict != 'in_sync'],
            'seconds': round(time.monotonic() - started, 2),
            'read_at': read_at,
        }
        return result

    @staticmethod
    def _warm_enterprise_reads(jobs):
        """Fetch the enterprise-wide GHEC reads once for each set of GHEC options, before the threads need them.

        Returns ``{ghec_key: why GHEC could not be read}`` for the sets whose read failed.
        """
        errors, warmed = {}, set()
        for _name, params in jobs:
            key = ghec_key(params)
            if '_error' in params or not params.get('ghec_token') or key in warmed:
                continue
            warmed.add(key)
            try:
                with Appliance(params) as warm:
                    warm.warm_ghec_reads()
            except InputError:
                warmed.discard(key)     # this host's options are wrong: it reports its own, another host warms
            except GhesConnectError as exc:
                errors[key] = exc.message
        return errors


def ghec_key(params):
    """What decides which GHEC read a host gets (as _run_cache/enterprise_reads keys it): shared only when all is the same."""
    return tuple(params.get(option) for option in ('ghec_url', 'ghec_enterprise', 'ghec_token', 'ghec_validate_certs',
                                                   'ghec_ca_path'))


def _auto_processes(appliances):
    """One process per CPU core this task may use and per ``APPLIANCES_PER_PROCESS`` appliances.

    Only on Linux: the processes are forked, and fork is what Ansible itself relies on there.
    """
    if not sys.platform.startswith('linux'):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), appliances // APPLIANCES_PER_PROCESS))


def _ghec_failure_record(name, message, wanted):
    failure = ghec_failure_assessment(message, wanted)
    return report_record(name, error=failure['error'], unknown=failure['unknown'])


def _scan_one(console, desired, max_age, secrets, job):
    """``(record, warnings, clock warning)``: one appliance's ``DriftRecord``, the warnings its read gave (named after
    it) and GHEC's clock warning (said once for the scan). Whatever goes wrong with it becomes its ``error`` record,
    scrubbed of every host's secrets: one appliance (a ``ca_path`` that is no PEM file, a bug) never costs the fleet
    its report. A plain tuple: it comes back from a forked process through a pipe."""
    name, params = job
    if '_error' in params:
        return report_record(name, error=params['_error']), [], None
    try:
        with Appliance(params, share_facts=False, budgeted=True) as appliance:
            info = gather(appliance, console, preflight_reads=False)
            wanted = desired_for_host(desired, params.get('_license_report'))
            record = assessed_record(name, info, assess_appliance(appliance, info, wanted,
                                                                  params.get('ghec_enterprise'), max_age))
            clock = appliance.ghec_clock_warning
            return record, ['%s: %s' % (name, w) for w in appliance.warnings if w != clock], clock
    except GhesConnectError as exc:
        return report_record(name, error=scrub_text(exc.message, secrets)), [], None
    except Exception as exc:  # pylint: disable=broad-exception-caught  # one appliance must not end the scan
        return report_record(name, error=scrub_text('unexpected %s while reading %s: %s'
                                                    % (type(exc).__name__, name, exc), secrets)), [], None
