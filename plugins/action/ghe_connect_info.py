# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect_info: everything a preflight or a drift check needs, for one appliance.

Read-only in every mode. Each value says where it came from (``sources``).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import DESIRED_OPTIONS, appliance_spec, parse_sync_age
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import assessed_record, desired_for_host
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import assess_appliance, gather, shown

from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase, operator_name
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import LICENSE_REPORT_VAR, license_report_of
from ansible_collections.ghes.connect.plugins.plugin_utils._run_record import SUMMARY_OPTION, checked, line, verified


class ActionModule(GhesActionBase):
    def argument_spec(self):
        return appliance_spec(extra={
            'console': {'type': 'str', 'default': 'auto', 'choices': ['auto', 'always', 'never']},
            'preflight': {'type': 'bool', 'default': True},
            'desired': {'type': 'dict', 'options': DESIRED_OPTIONS},
            'summary': SUMMARY_OPTION,
        })

    def execute(self, appliance, params, task_vars):
        desired = params.get('desired')
        if desired is not None:
            # The host's own choice (an air-gapped appliance uploads files) wins, as in ghe_drift_scan.
            desired = desired_for_host(desired, self._host_license_report(task_vars))
        max_age = parse_sync_age((desired or {}).get('max_sync_age'), 'desired.max_sync_age')
        if desired and desired.get('max_sync_age') and not desired.get('license_sync') \
                and desired.get('license_report') != 'upload':
            raise InputError('desired.max_sync_age only applies with desired.license_sync: true.')
        name = operator_name(appliance, task_vars)
        if params.get('summary') is not None:
            checked(params['summary'], name)
        info = gather(appliance, params['console'], preflight_reads=params['preflight'])
        if info.get('ghec_error'):
            # Read-only, so not a failure: but "ok" alone would pass for a read of GHEC's facts.
            appliance.warnings.append('GHEC could not be read, so its facts (connect, license_sync) are unknown: %s'
                                      % info['ghec_error'])
        result = {'changed': False}
        if desired is not None:
            assessment = assess_appliance(appliance, info, desired, params.get('ghec_enterprise'), max_age)
            result['differences'] = assessment['differences']
            result['unknown'] = assessment['unknown']
            result['blocked_by'] = assessment['blocked_by']
            record = assessed_record(task_vars.get('inventory_hostname'), info, assessment)
            result['record'] = record.to_dict()
            result['verdict'] = record.verdict
        if params.get('summary') is not None:
            # The run record of the steps before, checked against this read.
            result['summary'] = verified(params['summary'], name, self.check_mode, info, result.get('differences'),
                                         result.get('unknown'))
            result['line'] = line(result['summary'])
        # Last: the assessment may have added the facts that decide whether a difference can be fixed.
        result['appliance'] = shown(info)
        return result

    def _host_license_report(self, task_vars):
        if task_vars.get(LICENSE_REPORT_VAR) is None:
            return None
        name = task_vars.get('inventory_hostname', 'this host')
        return license_report_of(name, {LICENSE_REPORT_VAR: self._templar.template(task_vars[LICENSE_REPORT_VAR])})
