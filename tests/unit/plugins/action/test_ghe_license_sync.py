# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_sync, in process, against scripted HTTP: every request it makes, in order, and its result."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.plugin_utils import _run_record as rr
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action

SYNC_NOW = f.GHES + '/enterprises/github/settings/license/sync'
LICENSE_PAGE = f.GHES + '/enterprises/github/settings/license'


def license_sync(args=None, check_mode=False, diff=False, **variables):
    return run_action('ghe_license_sync', dict(args or {}), f.host_vars(**variables), check_mode=check_mode, diff=diff)


def connected_reads(sync_on, *records):
    """What ghe_license_sync reads of a connected appliance before it decides."""
    return [*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(), f.maintenance_call(),
            *f.console_read_calls(f.simulated(connected=True, license_sync=sync_on)), f.sync_status_call(*records)]


def switch_post(value):
    return f.form_post(f.SYNC_BUTTON, location=f.CONNECT_PAGE,
                       expect={'_method': 'put', 'license_usage_sync': value, 'authenticity_token': f.CSRF})


def test_on_and_synced_yesterday_reads_and_writes_nothing(script):
    script.expect(*connected_reads(True, f.sync_record(days=1)))
    result = license_sync()
    assert result['changed'] is False and not result.get('failed'), result
    assert result['license_sync']['enabled'] is True and result['license_sync']['sync_age_seconds'] == 86400
    assert result['differences'] == [] and result['method_used'] == 'none' and result['sync_triggered'] is False
    assert script.writes() == []


def test_check_mode_predicts_the_switch_and_writes_nothing(script):
    script.expect(*connected_reads(False), f.license_call(), f.config_apply_call())
    result = license_sync(check_mode=True, diff=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['license_sync']['enabled'] is True
    assert result['differences'][0] == {'field': 'license_sync.enabled', 'before': False, 'after': True}
    assert result['diff']['before']['enabled'] is False and result['diff']['after']['enabled'] is True
    assert script.writes() == []


def test_check_mode_on_a_connected_appliance_with_sync_off_gives_one_answer_in_diff_and_record(script):
    """Issue 28's three answers: the diff, the record the line and the fleet summary print, say the same."""
    connect = rr.build(None, 'ghes-1', True, connected=True)  # ghe_connect found it connected: no step
    script.expect(*connected_reads(False, f.sync_record(days=1)), f.license_call(), f.config_apply_call())
    result = license_sync({'summary': connect}, check_mode=True, diff=True)
    summary = result['summary']
    assert result['diff']['before']['enabled'] is False and result['diff']['after']['enabled'] is True, result
    assert summary['steps'] == ['license sync on'], 'already connected: no connect step'
    assert (summary['connected'], summary['license_sync'], summary['predicted']) == (True, True, True)
    assert summary['last_sync'] == result['license_sync']['last_sync'] and summary['changed'] is True
    assert script.writes() == []


def test_check_mode_after_a_predicted_connection_predicts_the_switch_from_the_record(script):
    """No connect_predicted option: the Connect step's record says the connection is predicted."""
    connect = rr.build(None, 'ghes-1', True, steps=['connect'], changed=True, connected=True, pending_approval=True)
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated()), f.sync_status_call())
    result = license_sync({'summary': connect}, check_mode=True)
    assert result['predicted'] is True and not result.get('failed'), result
    assert result['summary']['steps'] == ['connect', 'license sync on'] and result['summary']['license_sync'] is True
    assert script.writes() == []


def test_a_record_of_another_appliance_is_refused_before_any_request(script):
    result = license_sync({'summary': rr.new_record('ghes-2', False)})
    assert result['failed'] is True and 'summary is the record of ghes-2, not of ghes-1' in result['msg'], result
    assert script.made == []


def test_enabling_posts_the_switch_once_then_verifies_it(script):
    on = f.simulated(connected=True, license_sync=True)
    script.expect(*connected_reads(False), f.license_call(), f.config_apply_call(),
                  f.connect_page_call(f.simulated(connected=True)), switch_post('enabled'),
                  *f.settled(f.installations_call(f.installation()), f.connect_page_call(on), f.statistics_call(),
                             f.sync_status_call()))
    result = license_sync()
    assert result['changed'] is True and not result.get('failed'), result
    assert result['method_used'] == 'console' and result['license_sync']['enabled'] is True
    assert result['differences'] == [{'field': 'license_sync.enabled', 'before': False, 'after': True},
                                     {'field': 'license_sync.last_sync', 'before': 'no sync recorded on GHEC',
                                      'after': 'recent success'}]
    assert any('set sync_now: true' in w for w in result['warnings'])
    assert len(script.writes()) == 1


def test_disabling_posts_the_switch_off(script):
    off = f.simulated(connected=True)
    script.expect(*connected_reads(True, f.sync_record()), f.license_call(), f.config_apply_call(),
                  f.connect_page_call(f.simulated(connected=True, license_sync=True)), switch_post('disabled'),
                  *f.settled(f.installations_call(f.installation()), f.connect_page_call(off), f.statistics_call(),
                             f.sync_status_call(f.sync_record())))
    result = license_sync({'state': 'disabled'})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['license_sync']['enabled'] is False
    assert result['differences'] == [{'field': 'license_sync.enabled', 'before': True, 'after': False}]
    assert len(script.writes()) == 1


def test_a_switch_without_an_answer_is_looked_up_and_not_sent_again(script):
    on = f.simulated(connected=True, license_sync=True)
    no_answer = switch_post('enabled')
    no_answer.error = TimeoutError('timed out')
    script.expect(*connected_reads(False), f.license_call(), f.config_apply_call(),
                  f.connect_page_call(f.simulated(connected=True)), no_answer,
                  *f.settled(f.installations_call(f.installation()), f.connect_page_call(on), f.statistics_call(),
                             f.sync_status_call()))
    result = license_sync()
    assert result['changed'] is True and not result.get('failed'), result
    assert result['license_sync']['enabled'] is True and len(script.writes()) == 1


def test_a_switch_without_an_answer_that_did_not_land_fails_without_resending(script):
    off = f.simulated(connected=True)
    no_answer = switch_post('enabled')
    no_answer.error = TimeoutError('timed out')
    script.expect(*connected_reads(False), f.license_call(), f.config_apply_call(), f.connect_page_call(off), no_answer,
                  f.installations_call(f.installation()), f.connect_page_call(off), f.statistics_call(),
                  f.sync_status_call())
    result = license_sync()
    assert result['failed'] is True and 'It was not sent again' in result['msg'], result
    assert len(script.writes()) == 1


def test_a_stale_sync_is_drift_reported_but_not_fixed_without_sync_now(script):
    script.expect(*connected_reads(True, f.sync_record(days=10)))
    result = license_sync({'max_sync_age': '7d'})
    assert result['changed'] is False and not result.get('failed'), result
    assert [d['field'] for d in result['differences']] == ['license_sync.last_sync']
    assert any('set sync_now: true' in w for w in result['warnings']) and script.writes() == []


def test_a_failed_last_sync_is_drift_with_ghec_s_error(script):
    script.expect(*connected_reads(True, f.sync_record(days=1, status='failure', error='could not reach GitHub.com')))
    result = license_sync()
    assert result['changed'] is False and not result.get('failed'), result
    assert result['differences'][0]['field'] == 'license_sync.last_sync', result
    assert script.writes() == []


def test_sync_now_clicks_once_and_waits_for_ghec_to_record_the_new_sync(script):
    synced = f.simulated(connected=True, license_sync=True)
    license_page = f.Call('GET', LICENSE_PAGE, html=f.console_pages.license_page(
        synced, f.CSRF, {'date': f.days_ago(10), 'status': 'success'}))
    script.expect(*connected_reads(True, f.sync_record(days=10)), license_page,
                  f.form_post(SYNC_NOW, location=LICENSE_PAGE, expect={'authenticity_token': f.CSRF}),
                  f.sync_status_call(f.sync_record(days=0)))
    result = license_sync({'max_sync_age': '7d', 'sync_now': True})
    assert result['changed'] is True and result['sync_triggered'] is True and not result.get('failed'), result
    assert result['license_sync']['last_sync']['date'] == f.days_ago(0)
    assert [w.url for w in script.writes()] == [SYNC_NOW]


def test_sync_now_that_ghec_never_records_times_out_after_one_click(script, monkeypatch):
    said = []
    monkeypatch.setattr(GhesActionBase, 'say', lambda _action, line: said.append(line))
    synced = f.simulated(connected=True, license_sync=True)
    license_page = f.Call('GET', LICENSE_PAGE, html=f.console_pages.license_page(
        synced, f.CSRF, {'date': f.days_ago(10), 'status': 'success'}))
    script.expect(*connected_reads(True, f.sync_record(days=10)), license_page,
                  f.form_post(SYNC_NOW, location=LICENSE_PAGE), f.sync_status_call(f.sync_record(days=10)))
    result = license_sync({'max_sync_age': '7d', 'sync_now': True, 'wait_timeout': 1})
    assert result['failed'] is True and result['changed'] is True, result
    assert 'Timed out after 1s' in result['msg'] and len(script.writes()) == 1
    # The wait was told to the operator, naming the inventory host.
    assert [line for line in said if line.startswith('ghes-1: waiting for GHEC to record a new license sync')], said


def test_not_connected_fails_naming_ghe_connect_and_writes_nothing(script):
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated()), f.sync_status_call())
    result = license_sync()
    assert result['failed'] is True and 'ghe_connect' in result['msg'], result
    assert script.writes() == []


def test_an_unrecognised_console_page_is_unknown_and_refuses_to_write(script):
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated(connected=True, layout='unknown')))
    result = license_sync()
    assert result['failed'] is True and result['changed'] is False, result
    assert 'Console layout not recognised' in result['msg'] and 'Nothing was submitted' in result['msg']
    assert script.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'state': 'disabled', 'sync_now': True}, 'sync_now: true only makes sense with state: enabled'),
    ({'wait_timeout': 0}, 'wait_timeout must be 1 or more seconds'),
    ({'method': 'manual', 'wait_timeout': 0}, 'method: manual waits for the operator'),
    ({'max_sync_age': 'a fortnight'}, 'max_sync_age'),
    ({'config_wait_timeout': -1}, 'config_wait_timeout must be 0 or more'),
])
def test_bad_input_fails_before_any_request(script, args, message):
    result = license_sync(args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []


def test_ghec_records_in_other_case_with_a_trailing_dot_and_a_retired_twin_pick_this_appliance(script):
    retired = f.sync_record(host='GHES-1.EXAMPLE.COM.', days=90, server_id='0000-retired')
    current = f.sync_record(host='Ghes-1.Example.Com', days=1)
    # The appliance's fresh server statistics carry its server id: that picks its record (without it, two servers'
    # records are unknown: test_unknown_situations).
    reads = connected_reads(True, retired, current)
    reads[3] = f.statistics_call(f.statistics())
    script.expect(*reads)
    result = license_sync()
    assert result['changed'] is False and not result.get('failed'), result
    assert result['license_sync']['last_sync']['date'] == f.days_ago(1) and result['differences'] == []


def test_a_sync_record_with_null_fields_is_not_a_healthy_sync(script):
    record = {'server_id': f.SERVER_ID, 'hostname': f.HOSTNAME, 'last_sync': {'date': None, 'status': None, 'error': None}}
    script.expect(*connected_reads(True, record))
    result = license_sync()
    assert not result.get('failed'), result
    # Not "never synced", not "failed": a record that does not say how the sync ended is unknown, with the reason.
    assert result['differences'] == [], result
    assert result['unknown'] == [{'field': 'license_sync.last_sync',
                                  'reason': 'status is null in GHEC\'s record of the last license sync'}], result
    assert script.writes() == []


def test_releases_before_3_14_switch_through_the_select_form(script):
    version = '3.12.5'
    off = f.simulated(version=version, connected=True)
    on = f.simulated(version=version, connected=True, license_sync=True)
    select = f.form_post(f.CONNECT_PAGE + '/license_usage_sync', location=f.CONNECT_PAGE,
                         expect={'_method': 'put', 'license_usage_sync': 'enabled', 'authenticity_token': f.CSRF})
    script.expect(*f.version_calls(version), f.installations_call(f.installation()), f.statistics_call(),
                  f.maintenance_call(), *f.console_read_calls(off), f.sync_status_call(f.sync_record()),
                  f.license_call(), f.config_apply_call(), f.connect_page_call(off), select,
                  *f.settled(f.installations_call(f.installation()), f.connect_page_call(on), f.statistics_call(),
                             f.sync_status_call(f.sync_record())))
    result = license_sync()
    assert result['changed'] is True and not result.get('failed'), result
    assert result['license_sync']['enabled'] is True and len(script.writes()) == 1


def test_a_token_with_a_trailing_newline_is_sent_clean_and_never_shown(script):
    def clean_token(request):
        assert request.headers['authorization'] == 'token ' + f.GHEC_TOKEN, request.headers

    calls = connected_reads(True, f.sync_record(days=1))
    calls[2].check = clean_token
    script.expect(*calls)
    result = license_sync(ghec_token=f.GHEC_TOKEN + '\n')
    assert result['changed'] is False and not result.get('failed'), result
    assert f.GHEC_TOKEN not in repr(result) and f.CONSOLE_PASSWORD not in repr(result)
