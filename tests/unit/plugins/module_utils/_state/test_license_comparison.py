# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The license comparisons of _drift that ghe_license_sync and ghe_license_upload decide by, and GHEC's uploads mapped once."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.inventory.ghec_servers import _installation_facts
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import newest, uploads
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import (
    last_sync_assessment,
    license_sync_assessment,
    license_sync_task_assessment,
    switch_assessment,
    synced_within,
    upload_problem,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import _installation_summary

NOW = '2020-01-10T00:00:00Z'
DAY = 86400


def sync(enabled=True, date='2020-01-09T00:00:00Z', status='success', unknown=None, observed_at=NOW):
    return {'enabled': enabled, 'last_sync': {'date': date, 'status': status, 'error': 'boom'} if date else None,
            'observed_at': observed_at, 'unknown': unknown or {}}


def fields(found):
    return [d['field'] for d in found]


@pytest.mark.parametrize('state, wanted, differing, unknown', [
    (sync(True), True, [], []),
    (sync(False), True, ['license_sync.enabled'], []),
    (sync(None, unknown={'license_sync.enabled': 'stale statistics'}), True, [], ['license_sync.enabled']),
    (sync(None), False, [], ['license_sync.enabled']),
])
def test_the_switch_alone(state, wanted, differing, unknown):
    differences, not_known = switch_assessment(state, wanted)
    assert (fields(differences), fields(not_known)) == (differing, unknown)
    if differences:
        assert differences[0] == {'field': 'license_sync.enabled', 'before': state['enabled'], 'after': wanted}


@pytest.mark.parametrize('state, differing, unknown', [
    (sync(), [], []),
    (sync(date=None), ['license_sync.last_sync'], []),
    (sync(status='failure'), ['license_sync.last_sync'], []),
    (sync(date='2019-12-01T00:00:00Z'), ['license_sync.last_sync'], []),
    (sync(date='last Tuesday'), [], ['license_sync.last_sync']),
    (sync(unknown={'license_sync.last_sync': 'which installation is unknown'}), [], ['license_sync.last_sync']),
    (sync(date='2020-01-11T00:00:00Z'), [], []),  # after GHEC's clock: age 0, healthy
])
def test_the_last_sync_alone(state, differing, unknown):
    differences, not_known = last_sync_assessment(state, 7 * DAY)
    assert (fields(differences), fields(not_known)) == (differing, unknown)
    for difference in differences:
        assert difference['after'] == 'recent success' and difference['before']


def test_license_sync_assessment_is_the_switch_then_the_last_sync_when_on_is_wanted():
    stale_off = sync(False, date='2019-12-01T00:00:00Z')
    assert fields(license_sync_assessment(stale_off, True, 7 * DAY)[0]) == ['license_sync.enabled', 'license_sync.last_sync']
    assert fields(license_sync_assessment(sync(True, date=None), False, 7 * DAY)[0]) == ['license_sync.enabled']


@pytest.mark.parametrize('state, wanted, expected', [
    (sync(None, date=None), True, [{'field': 'license_sync.enabled', 'before': False, 'after': True}]),
    (sync(None, date=None), False, []),  # pending or another enterprise's: nothing syncs here, so off holds
    (sync(False, date=None), False, []),
    (sync(True, date=None), False, [{'field': 'license_sync.enabled', 'before': True, 'after': False}]),
])
def test_not_connected_only_the_switch_counts_and_an_unread_one_as_off(state, wanted, expected):
    assert license_sync_task_assessment(state, {'enabled': wanted, 'connected': False, 'max_age': DAY}) == (expected, [])


def test_connected_the_task_compares_as_the_drift_report_does():
    state = sync(True, date='last Tuesday')
    desired = {'enabled': True, 'connected': True, 'max_age': 7 * DAY}
    assert license_sync_task_assessment(state, desired) == license_sync_assessment(state, True, 7 * DAY)


@pytest.mark.parametrize('state, max_age, expected', [
    (sync(), 7 * DAY, True),
    (sync(), None, False),  # no max_age: a sync is never recent enough to skip
    (sync(date='2019-12-01T00:00:00Z'), 7 * DAY, False),
    (sync(status='failure'), 7 * DAY, False),
    (sync(date='last Tuesday'), 7 * DAY, False),
    (sync(date=None), 7 * DAY, False),
    (sync(date='2020-01-02T00:00:00Z'), 8 * DAY, True),  # exactly max_age old is still recent
    (sync(date='2020-01-11T00:00:00Z'), DAY, True),  # dated after GHEC's clock: age 0
])
def test_synced_within(state, max_age, expected):
    assert synced_within(state, max_age) is expected


NODE = {'id': 'I1', 'hostName': 'ghes-1.example.com', 'isConnected': False, 'createdAt': '2019-01-01T00:00:00Z',
        'updatedAt': '2020-01-01T00:00:00Z', 'customerName': 'Acme',
        'userAccountsUploads': {'nodes': [
            {'name': 'newer.json', 'syncState': 'FAILURE', 'createdAt': '2020-01-05T00:00:00+00:00'},
            None,
            {'name': 'older.json', 'syncState': 'SUCCESS', 'createdAt': '2020-01-04T23:00:00Z'},
            {'name': 'undated.json', 'syncState': 'SUCCESS', 'createdAt': None},
        ]}}


def test_uploads_are_mapped_once_for_modules_state_and_inventory():
    mapped = uploads(NODE)
    assert [u['name'] for u in mapped] == ['newer.json', 'older.json', 'undated.json']
    assert mapped[0] == {'name': 'newer.json', 'sync_state': 'FAILURE', 'created_at': '2020-01-05T00:00:00+00:00'}
    assert _installation_summary(NODE)['uploads'] == mapped
    assert _installation_facts(NODE)['last_upload'] == mapped[0]
    assert uploads(None) == [] and uploads({'userAccountsUploads': None}) == []


def test_newest_compares_dates_not_strings_and_an_undated_upload_sorts_first():
    # As text 'a' would be the newest; as a date (01:00 at +02:00 is 23:00 UTC) 'b' is.
    records = [{'name': 'a', 'created_at': '2020-01-05T01:00:00+02:00'}, {'name': 'b', 'created_at': '2020-01-04T23:30:00Z'},
               {'name': 'c', 'created_at': None}]
    assert newest(records)['name'] == 'b'
    assert newest([{'name': 'c', 'created_at': None}])['name'] == 'c'
    assert newest([]) is None


def test_upload_problem_reads_the_newest_dated_upload():
    summary = _installation_summary(NODE)
    assert upload_problem(summary, None) == 'latest upload newer.json is FAILURE'
    assert upload_problem({'uploads': [{'name': 'x', 'sync_state': 'SUCCESS', 'created_at': None}]}, None) == \
        'no upload recorded on GHEC'
