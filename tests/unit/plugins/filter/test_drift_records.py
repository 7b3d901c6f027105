# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift_records: each host's ghe_connect_info record, and a failure's record made as the scan makes it."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ghes.connect.plugins.filter.drift_records import NOT_CHECKED, FilterModule, drift_records
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import report_record
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState

READ = report_record('ok', {'url': 'https://ok.example.com', 'version': '3.16.0', 'hostname': 'ok.example.com',
                            'connect': ConnectState(connected=True), 'license_sync': LicenseSyncState(enabled=True)}).to_dict()


def test_each_host_gets_its_own_record_or_an_error_record_of_the_scans_shape():
    hostvars = {'ok': {'drift_result': {'changed': False, 'record': READ, 'verdict': READ['verdict']}},
                'down': {'drift_result': {'failed': True, 'msg': 'https://down.example.com did not answer within 30s'}},
                'skipped': {'drift_result': {'skipped': True, 'changed': False}},
                'late': {}}
    records = drift_records(['ok', 'down', 'skipped', 'late', 'gone'], hostvars)
    assert [r['appliance'] for r in records] == ['ok', 'down', 'skipped', 'late', 'gone']
    assert records[0] == READ
    # A failure is the record the scan makes of it: every key, the error verdict, nothing else claimed.
    assert records[1] == report_record('down', error='https://down.example.com did not answer within 30s').to_dict()
    assert set(records[1]) == set(READ) and records[1]['verdict'] == 'error' and records[1]['connected'] is None
    assert records[2] == report_record('skipped', error=NOT_CHECKED).to_dict() and \
        records[3] == report_record('late', error=NOT_CHECKED).to_dict()
    assert records[4]['error'] == NOT_CHECKED and records[4]['appliance'] == 'gone'


def test_another_registered_name_is_read():
    assert drift_records(['ok'], {'ok': {'mine': {'record': READ}}}, 'mine') == [READ]
    assert drift_records(['ok'], {'ok': {'mine': {'record': READ}}})[0]['error'] == NOT_CHECKED


@pytest.mark.parametrize('hosts', ['ok', None, [1], [None]])
def test_anything_but_a_list_of_names_is_refused_saying_what_to_give(hosts):
    with pytest.raises(AnsibleFilterError, match='ansible_play_hosts_all'):
        drift_records(hosts, {})


def test_the_filter_is_registered_by_its_name():
    assert FilterModule().filters() == {'drift_records': drift_records}
