# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift_records: the drift report's records from each host's ghe_connect_info result, made in Python.

The per-host drift path (roles/drift, playbooks/drift_per_host.yml) used to re-type a failed
appliance's record in Jinja; now every record, a failure's too, is made by the one function that
makes the scan's (``_state.comparison.report_record``).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import report_record

NOT_CHECKED = 'not checked: the host ran no drift read in this play (an earlier task failed for it, or it was skipped)'


def drift_records(hosts, hostvars, result_var='drift_result'):
    """One record per host of ``hosts``: its ``ghe_connect_info`` result's ``record``, else an ``error`` record."""
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(name, str) for name in hosts):
        raise AnsibleFilterError('drift_records: give the list of host names (ansible_play_hosts_all).')
    return [record_of(name, hostvars[name].get(result_var) if name in hostvars else None) for name in hosts]


def record_of(name, result):
    """The drift record in ``result`` (a ghe_connect_info result with ``desired``), or an ``error`` record saying why none."""
    if not isinstance(result, dict):
        return report_record(name, error=NOT_CHECKED).to_dict()
    if isinstance(result.get('record'), dict):
        return dict(result['record'])
    message = result.get('msg')
    return report_record(name, error=message if isinstance(message, str) and message else NOT_CHECKED).to_dict()


class FilterModule:
    def filters(self):
        return {'drift_records': drift_records}
