# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run record: each step builds on the step before's, and the verification checks it against a fresh read."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState
from ansible_collections.ghes.connect.plugins.plugin_utils import _run_record as rr

SYNCED = {'date': '2026-12-01T10:00:00Z', 'status': 'success', 'error': ''}


def info(connected=True, enabled=True, last_sync=None, uploads=None):
    """What ghe_connect_info reads of an appliance (only the parts the record takes)."""
    node = {'hostName': 'ghes-1.example.com', 'userAccountsUploads': {'nodes': uploads}}
    connect = ConnectState(connected=connected, installation=parse_installation(node) if uploads is not None else None)
    return {'connect': connect, 'license_sync': LicenseSyncState(enabled=enabled, last_sync=last_sync)}


def chain(predicted):
    """The enable role's steps on a fresh appliance: the fleet step asks for the connection, Connect, license sync."""
    fleet = rr.build(None, 'ghes-1', predicted, steps=['connect'], changed=True, connected=predicted, pending_approval=True)
    connect = rr.build(fleet, 'ghes-1', predicted, steps=['connect'], changed=predicted, connected=True,
                       pending_approval=predicted)
    return rr.build(connect, 'ghes-1', predicted, steps=['license sync on', 'Sync now'], changed=True, license_sync=True,
                    last_sync=None if predicted else SYNCED)


def test_a_first_step_starts_a_record_of_every_field():
    record = rr.build(None, 'ghes-1', False, connected=False)
    assert set(record) == set(rr.FIELDS)
    assert record == dict(dict.fromkeys(rr.FIELDS), appliance='ghes-1', predicted=False, license_report='sync', steps=[],
                          changed=False, pending_approval=False, connected=False)


def test_each_step_builds_on_the_one_before_each_step_named_once_and_changed_kept():
    record = chain(predicted=True)
    assert record['steps'] == ['connect', 'license sync on', 'Sync now'], 'the fleet and Connect both said connect: once'
    assert record['connected'] is True and record['license_sync'] is True and record['pending_approval'] is True
    assert record['changed'] is True and record['predicted'] is True
    unchanged = rr.build(record, 'ghes-1', True)
    assert unchanged == record and unchanged['steps'] is not record['steps'], 'a new record, the one before untouched'


def test_a_step_that_changed_nothing_does_not_clear_the_change_of_the_one_before():
    first = rr.build(None, 'ghes-1', False, steps=['connect'], changed=True)
    assert rr.build(first, 'ghes-1', False, changed=False)['changed'] is True
    assert rr.build(None, 'ghes-1', False, changed=False)['changed'] is False


def test_a_field_outside_the_record_is_a_programming_error():
    with pytest.raises(ValueError, match='not fields of the run record: enabled'):
        rr.build(None, 'ghes-1', False, enabled=True)


@pytest.mark.parametrize('previous, message', [
    (['connect'], 'must be the summary the step before returned .a dict., not list'),
    ({'appliance': 'ghes-1'}, 'has no predicted, license_report, connected'),
    (dict(rr.new_record('ghes-2', False)), 'is the record of ghes-2, not of ghes-1'),
])
def test_a_record_that_is_not_the_step_before_s_is_refused(previous, message):
    with pytest.raises(InputError, match=message):
        rr.build(previous, 'ghes-1', False)
    with pytest.raises(InputError, match=message):
        rr.verified(previous, 'ghes-1', False, info(), [], [])


def test_after_a_real_run_the_fresh_read_is_the_record_and_nothing_is_wrong():
    record = rr.verified(chain(predicted=False), 'ghes-1', False, info(last_sync=SYNCED), [], [])
    assert record['problem'] is None and record['pending_approval'] is False
    assert (record['connected'], record['license_sync'], record['last_sync']) == (True, True, SYNCED)
    assert record['steps'] == ['connect', 'license sync on', 'Sync now'] and record['changed'] is True


@pytest.mark.parametrize('read, problem', [
    (info(connected=False, enabled=None), 'connected=False, license_sync=unknown'),
    (info(enabled=False), 'connected=True, license_sync=False'),
    (info(enabled=None), 'connected=True, license_sync=unknown'),
])
def test_after_a_real_run_a_read_that_disagrees_with_the_steps_is_the_problem(read, problem):
    assert rr.verified(chain(predicted=False), 'ghes-1', False, read, [], [])['problem'] == problem


def test_a_pending_approval_is_named_with_its_link_when_the_read_shows_no_connection():
    pending = rr.build(None, 'ghes-1', False, steps=['connect'], changed=True, connected=False, pending_approval=True,
                       authorization_url='https://github.com/approve/1')
    record = rr.verified(pending, 'ghes-1', False, info(connected=False, enabled=False), [], [])
    assert record['problem'] == 'connected=False, license_sync=False, approve at https://github.com/approve/1'
    assert record['pending_approval'] is True


def test_license_sync_left_off_as_asked_is_no_problem():
    off = rr.build(rr.build(None, 'ghes-1', False, connected=True), 'ghes-1', False, steps=['license sync off'],
                   changed=True, license_sync=False)
    assert rr.verified(off, 'ghes-1', False, info(enabled=False), [], [])['problem'] is None


def test_in_check_mode_the_predictions_stand_and_only_what_no_step_gave_comes_from_the_read():
    predicted = chain(predicted=True)
    read = info(connected=False, enabled=False, last_sync=SYNCED, uploads=[])
    record = rr.verified(predicted, 'ghes-1', True, read, [], [])
    assert record == dict(predicted, last_sync=SYNCED), 'connected and license sync predicted; the last sync read'
    assert record['problem'] is None, 'a prediction is not verified'


def test_an_air_gapped_appliance_is_judged_by_its_latest_upload():
    uploads = [{'name': 'old', 'syncState': 'SUCCESS', 'createdAt': '2026-11-01T00:00:00Z'},
               {'name': 'new', 'syncState': 'FAILURE', 'createdAt': '2026-12-01T00:00:00Z'}]
    sent = rr.build(None, 'ghes-1', False, license_report='upload', steps=['license usage uploaded'], changed=True)
    failed = [{'field': 'license_upload.latest', 'before': 'the latest upload failed', 'after': 'recent success'}]
    record = rr.verified(sent, 'ghes-1', False, info(connected=False, enabled=None, uploads=uploads), failed, [])
    assert record['last_upload']['name'] == 'new' and record['problem'] == 'the latest upload failed'
    assert rr.verified(sent, 'ghes-1', False, info(connected=False, uploads=uploads), [], [])['problem'] is None


def test_the_latest_upload_of_an_air_gapped_appliance_is_unknown_with_the_reason_while_one_cannot_be_dated():
    # The undated upload may be newer than 'new': the record and its line showed 'new FAILURE', a guess.
    uploads = [{'name': 'new', 'syncState': 'FAILURE', 'createdAt': '2026-12-01T00:00:00Z'},
               {'name': 'undated', 'syncState': 'SUCCESS', 'createdAt': None}]
    sent = rr.build(None, 'ghes-1', False, license_report='upload', steps=['license usage uploaded'], changed=True)
    record = rr.verified(sent, 'ghes-1', False, info(connected=False, enabled=None, uploads=uploads), [], [])
    reason = 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "undated"'
    assert (record['last_upload'], record['last_upload_unknown']) == (None, reason)
    assert rr.line(record) == 'license_report=upload latest_upload=unknown (%s) - did: license usage uploaded' % reason


def test_an_air_gapped_appliance_whose_upload_cannot_be_judged_is_not_in_the_desired_state():
    # The read's check said unknown and no difference: the record had no problem, so the appliance passed as done.
    uploads = [{'name': 'new', 'syncState': None, 'createdAt': '2026-12-01T00:00:00Z'}]
    sent = rr.build(None, 'ghes-1', False, license_report='upload', steps=['license usage uploaded'], changed=True)
    unknown = [{'field': 'license_upload.latest', 'reason': 'the state of the latest upload new is unknown: why'}]
    record = rr.verified(sent, 'ghes-1', False, info(connected=False, enabled=None, uploads=uploads), [], unknown)
    assert record['problem'] == 'unknown: the state of the latest upload new is unknown: why'


def test_an_appliance_that_reports_by_sync_has_no_upload_problem():
    # The first difference of any kind was shown as upload_problem: a sync switch's False, for a connected appliance.
    off = [{'field': 'license_sync.enabled', 'before': False, 'after': True}]
    unread = [{'field': 'license_sync.last_sync', 'reason': 'date is null'}]
    record = rr.verified(chain(predicted=False), 'ghes-1', False, info(enabled=False), off, unread)
    assert record['upload_problem'] is None and record['problem'] == 'connected=True, license_sync=False'


def test_a_step_that_says_the_latest_upload_clears_the_reason_the_step_before_gave():
    untold = rr.build(None, 'ghes-1', True, license_report='upload', last_upload=None, last_upload_unknown='why')
    upload = {'name': 'usage-1', 'sync_state': None, 'created_at': None}
    told = rr.build(untold, 'ghes-1', True, last_upload=upload)
    assert (told['last_upload'], told['last_upload_unknown']) == (upload, None)
    assert rr.line(told).startswith('PREDICTED (check mode) license_report=upload latest_upload=usage-1 state-unknown - ')
    # In check mode the step's word stands: the read does not give half of it.
    read = info(connected=False, uploads=[{'name': 'other', 'syncState': 'SUCCESS', 'createdAt': '2026-12-01T00:00:00Z'}])
    assert rr.verified(untold, 'ghes-1', True, read, [], [])['last_upload_unknown'] == 'why'


def test_an_appliance_whose_state_could_not_be_read_has_unknown_fields_not_defaults():
    record = rr.verified(rr.new_record('ghes-1', False), 'ghes-1', False, {'version': '3.8.0', 'problems': ['unsupported']}, [], [])
    assert (record['connected'], record['license_sync'], record['last_sync'], record['last_upload']) == (None, None, None, None)
    assert record['problem'] == 'connected=None, license_sync=unknown'


@pytest.mark.parametrize('before, after, words', [
    (False, True, 'license sync on'), (True, False, 'license sync off'), (None, True, 'license sync on'), (True, True, None)])
def test_a_switch_is_named_by_where_it_went(before, after, words):
    assert rr.license_sync_step(before, after) == words


def test_the_line_says_what_the_run_would_do_from_the_record_alone():
    predicted = rr.verified(chain(predicted=True), 'ghes-1', True, info(connected=False, enabled=False), [], [])
    # Pending an approval, but check mode asked for none: there is no link to show.
    assert rr.line(predicted) == ('PREDICTED (check mode) connected=True license_sync=True last_sync=never '
                                  '- would: connect, license sync on, Sync now')


def test_the_line_says_what_the_run_did_and_a_pending_approval_s_link():
    done = rr.verified(chain(predicted=False), 'ghes-1', False, info(last_sync=SYNCED), [], [])
    assert rr.line(done) == ('connected=True license_sync=True last_sync=2026-12-01T10:00:00Z - did: connect, '
                             'license sync on, Sync now')
    pending = rr.build(None, 'ghes-1', False, steps=['connect'], changed=True, connected=False, pending_approval=True,
                       authorization_url='https://github.com/approve/1')
    assert rr.line(pending) == ('connected=False license_sync=unknown last_sync=never (pending approval at '
                                'https://github.com/approve/1) - did: connect')


def test_the_line_of_an_appliance_with_nothing_to_do_and_of_an_air_gapped_one():
    nothing = rr.build(None, 'ghes-1', False, connected=True, license_sync=True, last_sync=SYNCED)
    assert rr.line(nothing) == 'connected=True license_sync=True last_sync=2026-12-01T10:00:00Z - already in the desired state'
    upload = {'name': 'usage-1', 'sync_state': 'SUCCESS', 'created_at': '2026-12-01T00:00:00Z'}
    sent = rr.build(None, 'ghes-1', True, license_report='upload', steps=['license usage uploaded'], changed=True,
                    last_upload=upload)
    assert rr.line(sent) == 'PREDICTED (check mode) license_report=upload latest_upload=usage-1 SUCCESS - would: license usage uploaded'
    assert rr.line(rr.new_record('ghes-1', False, 'upload')).startswith('license_report=upload latest_upload=none - ')


def test_a_step_that_could_not_go_on_hands_its_problem_to_the_next_which_fails_with_it():
    refused = rr.build(None, 'ghes-1', False, problem='connected to the enterprise "umbrella"', connected=True)
    assert refused['problem'] == 'connected to the enterprise "umbrella"' and refused['steps'] == []
    with pytest.raises(GhesConnectError, match='umbrella') as failed:
        rr.carry_on(refused, 'ghes-1')
    assert failed.value.details == {'changed': False}
    fine = rr.build(None, 'ghes-1', False, connected=True)
    assert rr.carry_on(fine, 'ghes-1') is fine and rr.build(fine, 'ghes-1', False)['problem'] is None
