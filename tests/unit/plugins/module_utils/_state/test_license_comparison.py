# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The license comparisons of _drift that ghe_license_sync and ghe_license_upload decide by, and GHEC's uploads mapped once."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_list
from ansible_collections.ghes.connect.plugins.inventory.ghec_servers import installation_host_vars
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import unknown_health
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import latest_upload, parse_upload, uploads
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import (
    assess,
    last_sync_assessment,
    license_sync_assessment,
    license_sync_task_assessment,
    switch_assessment,
    synced_within,
    upload_assessment,
    upload_skip_reason,
    usage_reported,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import OTHER_VALUES, SHAPES, mutate

NOW = '2020-01-10T00:00:00Z'
DAY = 86400


def sync(enabled=True, date='2020-01-09T00:00:00Z', status='success', unknown=None, observed_at=NOW):
    return LicenseSyncState(enabled=enabled, last_sync={'date': date, 'status': status, 'error': 'boom'} if date else None,
                            observed_at=observed_at, unknown=unknown_list(unknown or {}))


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
        assert differences[0] == {'field': 'license_sync.enabled', 'before': state.enabled, 'after': wanted}


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
    mapped = [u.to_dict() for u in uploads(NODE)]
    assert [u['name'] for u in mapped] == ['newer.json', 'older.json', 'undated.json']
    assert mapped[0] == {'name': 'newer.json', 'sync_state': 'FAILURE', 'created_at': '2020-01-05T00:00:00+00:00'}
    installation = parse_installation(NODE)
    assert installation.to_dict()['uploads'] == mapped
    # One upload cannot be dated: the inventory shows no latest upload, and why (it showed newer.json, a guess).
    shown = installation_host_vars(installation, None, unknown_health('-'))
    assert (shown['ghes_last_upload'], shown['ghes_last_upload_unknown']) == (
        None, 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "undated.json"')
    dated = dict(NODE, userAccountsUploads={'nodes': NODE['userAccountsUploads']['nodes'][:3]})
    shown = installation_host_vars(parse_installation(dated), None, unknown_health('-'))
    assert (shown['ghes_last_upload'], shown['ghes_last_upload_unknown']) == (mapped[0], None)
    assert uploads(NODE)[2].created_at.reason == 'createdAt is null in GHEC\'s upload "undated.json"'
    assert uploads(None) == [] and uploads({'userAccountsUploads': None}) == []


def test_the_latest_upload_compares_dates_not_strings_and_an_undated_one_leaves_it_unknown():
    # As text 'a' would be the newest; as a date (01:00 at +02:00 is 23:00 UTC) 'b' is.
    records = [parse_upload({'name': 'a', 'syncState': 'SUCCESS', 'createdAt': '2020-01-05T01:00:00+02:00'}),
               parse_upload({'name': 'b', 'syncState': 'SUCCESS', 'createdAt': '2020-01-04T23:30:00Z'}),
               parse_upload({'name': 'c', 'syncState': 'SUCCESS', 'createdAt': None})]
    assert latest_upload(records[:2])[0].name.value == 'b'
    assert latest_upload(records) == (None, 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "c"')
    assert latest_upload(records[2:])[0].name.value == 'c', 'the only upload listed is the latest, dated or not'
    assert latest_upload([]) == (None, None)


def test_usage_reported_reads_the_newest_upload_and_cannot_tell_it_while_one_is_undated():
    never = sync(date=None)
    dated = [u for u in parse_installation(NODE).uploads if u.created_at.known]
    assert usage_reported(dated, never, None) == (False, 'latest upload newer.json is FAILURE')
    # undated.json could be newer than newer.json: which upload is the latest is unknown, not newer.json.
    assert usage_reported(parse_installation(NODE).uploads, never, None) == \
        (None, 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "undated.json"')
    # The only upload GHEC lists is the latest, dated or not; that it succeeded is what counts without an age.
    assert usage_reported([parse_upload({'name': 'x', 'syncState': 'SUCCESS', 'createdAt': None})], never, None) == \
        (True, 'the latest upload (x) succeeded')


def upload(name, state, days_before_now):
    created = datetime.datetime(2020, 1, 10, tzinfo=datetime.timezone.utc) - datetime.timedelta(days=days_before_now)
    return parse_upload({'name': name, 'syncState': state, 'createdAt': created.strftime('%Y-%m-%dT%H:%M:%SZ')})


def test_uploads_are_aged_on_ghec_s_clock_not_the_controller_s():
    # GHEC's clock (the Date of its answer) is 2020-01-10; the controller's is years later.
    assert usage_reported([upload('ok.json', 'SUCCESS', 2)], sync(date=None), 7 * DAY)[0] is True
    assert usage_reported([upload('ok.json', 'SUCCESS', 8)], sync(date=None), 7 * DAY) == \
        (False, 'latest successful upload 8.0 days ago (max age 7.0 days)')


def test_a_recent_sync_reports_usage_as_a_recent_upload_does():
    assert usage_reported([], sync(date='2020-01-08T00:00:00Z'), 7 * DAY) == \
        (True, 'a successful license sync is younger than max_sync_age')
    assert usage_reported([], sync(date='2020-01-08T00:00:00Z'), None)[0] is False   # no age, no sync counts


def test_upload_divergence_a_failed_upload_after_a_successful_one_is_drift_for_the_module_and_the_report():
    """A successful upload 2 days old and a failed one 1 day old, max age 7 days: both say "send again"."""
    state = {'used': 'file', 'mine': None, 'uploads': [upload('old.json', 'SUCCESS', 2), upload('new.json', 'FAILURE', 1)],
             'last_sync': sync(date=None)}
    assert upload_skip_reason(state, 7 * DAY) is None
    differences, unknown = upload_assessment(state, {'max_age': 7 * DAY})
    assert differences == [{'field': 'license_upload.latest', 'before': 'latest upload new.json is FAILURE',
                            'after': 'recent success'}] and unknown == []
    installation = replace(parse_installation(NODE), uploads=tuple(state['uploads']))
    info = {'connect': ConnectState(installation=installation), 'license_sync': state['last_sync']}
    assert assess(info, {'license_report': 'upload'}, 'acme', 7 * DAY)['differences'] == differences
    # The reverse order is in sync for both.
    state['uploads'] = [upload('old.json', 'FAILURE', 2), upload('new.json', 'SUCCESS', 1)]
    assert upload_skip_reason(state, 7 * DAY) == 'a successful upload (new.json) is younger than max_sync_age'
    info['connect'] = ConnectState(installation=replace(installation, uploads=tuple(state['uploads'])))
    assert assess(info, {'license_report': 'upload'}, 'acme', 7 * DAY)['differences'] == []


def test_the_upload_skip_rule():
    mine = upload('mine.json', 'SUCCESS', 30)
    state = {'used': 'file', 'mine': mine, 'uploads': [mine], 'last_sync': sync(date=None)}
    assert upload_skip_reason(state, None) == 'this export (same sha256) was already uploaded and processed successfully'
    state.update(mine=None)
    assert upload_skip_reason(state, None) is None          # without an age, every new export is sent
    assert upload_skip_reason(state, 7 * DAY) is None       # 30 days old
    assert upload_skip_reason(dict(state, last_sync=sync()), 7 * DAY) == 'a successful license sync is younger than max_sync_age'
    connected = {'used': 'sync_now', 'license_sync': replace(sync(), sync_age_seconds=DAY)}
    assert upload_skip_reason(connected, 7 * DAY) == ('connected with license sync on, and the last sync succeeded 1.0 days '
                                                      'ago (max_sync_age)')
    assert upload_skip_reason(connected, None) is None


def test_a_success_nobody_can_date_is_unknown_not_recent():
    undated = parse_upload({'name': 'u.json', 'syncState': 'SUCCESS', 'createdAt': 'yesterday'})
    state = {'used': 'file', 'mine': None, 'uploads': [undated], 'last_sync': sync(date=None)}
    assert upload_assessment(state, {'max_age': 7 * DAY}) == ([], [{
        'field': 'license_upload.latest', 'reason': 'GHEC\'s date of the latest upload u.json ("yesterday") cannot be read as a date'}])
    assert upload_skip_reason(state, 7 * DAY) is None
    assert usage_reported([undated], sync(date=None), None) == (True, 'the latest upload (u.json) succeeded')


@pytest.mark.parametrize('sync_state, reason', [
    (None, 'syncState is null in GHEC\'s upload "new.json"'),
    (7, 'syncState in GHEC\'s upload "new.json" is a int, not a string'),
    ('absent', 'syncState missing from GHEC\'s upload "new.json"'),
])
def test_a_latest_upload_in_a_state_ghec_did_not_say_is_unknown_not_drift(sync_state, reason):
    node = {'name': 'new.json', 'createdAt': '2020-01-09T00:00:00Z'}
    if sync_state != 'absent':
        node['syncState'] = sync_state
    state = {'used': 'file', 'mine': None, 'uploads': [upload('old.json', 'SUCCESS', 2), parse_upload(node)],
             'last_sync': sync(date=None)}
    words = 'the state of the latest upload new.json is unknown: ' + reason
    assert usage_reported(state['uploads'], state['last_sync'], 7 * DAY) == (None, words)
    assert usage_reported(state['uploads'], state['last_sync'], None) == (None, words)
    assert upload_assessment(state, {'max_age': 7 * DAY}) == ([], [{'field': 'license_upload.latest', 'reason': words}])
    assert upload_skip_reason(state, 7 * DAY) is None
    # A successful sync within max_age says usage reached GHEC whatever the uploads say.
    assert usage_reported(state['uploads'], sync(), 7 * DAY) == (True, 'a successful license sync is younger than max_sync_age')


@pytest.mark.parametrize('undated, reason', [
    ({'name': 'u.json', 'syncState': 'FAILURE'}, 'createdAt missing from GHEC\'s upload "u.json"'),
    ({'name': 'u.json', 'syncState': 'SUCCESS', 'createdAt': 5}, 'createdAt in GHEC\'s upload "u.json" is a int, not a string'),
    ({'name': 'u.json', 'syncState': 'PENDING', 'createdAt': 'yesterday'},
     'GHEC\'s date of the upload u.json ("yesterday") cannot be read as a date'),
])
def test_an_upload_nobody_can_date_leaves_the_latest_unknown_whatever_the_dated_ones_say(undated, reason):
    words = 'which upload is the latest cannot be told: ' + reason
    for dated in ([upload('ok.json', 'SUCCESS', 1)], [upload('bad.json', 'FAILURE', 1)], [upload('old.json', 'SUCCESS', 30)]):
        state = {'used': 'file', 'mine': None, 'uploads': dated + [parse_upload(undated)], 'last_sync': sync(date=None)}
        assert usage_reported(state['uploads'], state['last_sync'], 7 * DAY) == (None, words)
        assert upload_assessment(state, {'max_age': 7 * DAY}) == ([], [{'field': 'license_upload.latest', 'reason': words}])
        assert upload_skip_reason(state, 7 * DAY) is None
        assert usage_reported(state['uploads'], sync(), 7 * DAY)[0] is True   # a recent successful sync still decides
    # Alone, it is the latest: a failure is a failure; a success of unknown age is unknown only when an age is asked.
    alone = [parse_upload(undated)]
    if undated['syncState'] == 'FAILURE':
        assert usage_reported(alone, sync(date=None), 7 * DAY) == (False, 'latest upload u.json is FAILURE')
    elif undated['syncState'] == 'SUCCESS':
        assert usage_reported(alone, sync(date=None), 7 * DAY) == (None, 'the date of the latest upload u.json is unknown: ' + reason)
        assert usage_reported(alone, sync(date=None), None) == (True, 'the latest upload (u.json) succeeded')


UPLOAD_NODES = st.lists(st.builds(lambda n, state, age: {'name': 'u%d.json' % n, 'syncState': state, 'createdAt': (
    datetime.datetime(2020, 1, 10, tzinfo=datetime.timezone.utc) - datetime.timedelta(days=age)).strftime('%Y-%m-%dT%H:%M:%SZ')},
    st.integers(0, 9), st.sampled_from(['SUCCESS', 'FAILURE', 'PENDING']), st.integers(0, 30)), min_size=1, max_size=4)


@SHAPES
@given(UPLOAD_NODES, st.data(), st.sampled_from(['remove', 'null', 'other']),
       st.sampled_from([v for v in OTHER_VALUES if not isinstance(v, str)]), st.sampled_from([None, 7 * DAY]),
       st.sampled_from([sync(date=None), sync(), sync(status='failure'), sync(date='2019-12-01T00:00:00Z')]))
def test_a_field_ghec_left_out_never_changes_whether_usage_reached_it_only_makes_it_unknown(
        nodes, data, kind, other, max_age, last_sync):
    """What GHEC's list of uploads lacks cannot make a difference: each answer is the whole list's, or unknown."""
    index = data.draw(st.integers(0, len(nodes) - 1))
    key = data.draw(st.sampled_from(['name', 'syncState', 'createdAt']))
    whole = usage_reported([parse_upload(node) for node in nodes], last_sync, max_age)
    lacking = usage_reported([parse_upload(node) for node in mutate(nodes, (index, key), kind, other)], last_sync, max_age)
    assert lacking[0] in (whole[0], None), (whole, lacking)
    assert 'None' not in lacking[1], 'a name GHEC did not give is not the name "None": %s' % lacking[1]
