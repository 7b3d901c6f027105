# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect, in process, against scripted HTTP: every request it makes, in order, and its result."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action


def connect(args=None, check_mode=False, diff=False, **variables):
    return run_action('ghe_connect', dict({'approval_timeout': 0}, **(args or {})), f.host_vars(**variables),
                      check_mode=check_mode, diff=diff)


def test_already_connected_reads_ghec_only_and_writes_nothing(script):
    script.expect(*f.version_calls(), f.installations_call(f.installation()))
    result = connect()
    assert result['changed'] is False and not result.get('failed'), result
    assert result['connected'] is True and result['method_used'] == 'none' and result['differences'] == []
    assert script.writes() == []


def test_check_mode_predicts_the_connect_and_writes_nothing(script):
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated()), f.license_call(), f.config_apply_call())
    result = connect(check_mode=True, diff=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['pending_approval'] is True and result['connected'] is False
    assert result['differences'] == [{'field': 'connect.connected', 'before': False, 'after': True}]
    assert result['diff']['before']['status'] == 'disabled' and result['diff']['after']['status'] == 'pending'
    assert script.writes() == []


def enable_post(**answer):
    return f.form_post(f.CONNECT_PAGE, expect={'target': 'github_com', 'authenticity_token': f.CSRF}, **answer)


def disconnected_reads():
    """Everything ghe_connect reads of a disconnected appliance before it decides to connect it."""
    return [*f.version_calls(), f.installations_call(), f.maintenance_call(),
            *f.console_read_calls(f.simulated()), f.license_call(), f.config_apply_call()]


def test_connect_signs_the_form_confirms_sudo_and_sends_the_enable_once(script):
    disabled, pending = f.simulated(), f.simulated(pending=True)
    script.expect(*disconnected_reads(),
                  f.connect_page_call(disabled),
                  enable_post(status=200, html=f.console_pages.sudo_page(f.CSRF, f.CONNECT_PATH)),
                  f.sudo_calls(),
                  f.connect_page_call(disabled),
                  enable_post(location=f.AUTHORIZE),
                  *f.settled(f.installations_call(f.installation(connected=False)), f.connect_page_call(pending)))
    result = connect(diff=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['pending_approval'] is True and result['connected'] is False
    assert result['authorization_url'] == f.AUTHORIZE and result['method_used'] == 'console'
    assert [w.path for w in script.writes()] == [f.CONNECT_PATH, f.CONNECT_PATH]


def test_connect_waits_for_the_owner_then_verifies_with_ghec(script):
    pending, connected = f.simulated(pending=True), f.simulated(connected=True)
    script.expect(*disconnected_reads(), f.connect_page_call(f.simulated()), enable_post(location=f.AUTHORIZE),
                  f.connect_page_call(pending), f.connect_page_call(connected),
                  f.installations_call(f.installation()), f.connect_page_call(connected))
    result = connect({'approval_timeout': 30})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['connected'] is True and result['pending_approval'] is False
    assert result['authorization_url'] == f.AUTHORIZE and result['state']['account'] == f.SLUG
    assert len(script.writes()) == 1


def test_an_enable_without_an_answer_is_looked_up_never_sent_again(script):
    pending = f.simulated(pending=True)
    script.expect(*disconnected_reads(), f.connect_page_call(f.simulated()), enable_post(error=TimeoutError('timed out')),
                  f.installations_call(f.installation(connected=False)), f.connect_page_call(pending),
                  f.installations_call(f.installation(connected=False)), f.connect_page_call(pending))
    result = connect()
    assert result['changed'] is True and not result.get('failed'), result
    assert result['pending_approval'] is True and result['authorization_url'] == f.AUTHORIZE
    assert len(script.writes()) == 1


def test_an_enable_without_an_answer_that_did_not_land_fails_without_resending(script):
    script.expect(*disconnected_reads(), f.connect_page_call(f.simulated()), enable_post(error=TimeoutError('timed out')),
                  f.installations_call(), f.connect_page_call(f.simulated()))
    result = connect()
    assert result['failed'] is True and 'was not sent again' in result['msg'], result
    assert len(script.writes()) == 1


def test_approval_timeout_fails_saying_the_request_was_sent(script):
    pending = f.simulated(pending=True)
    script.expect(*disconnected_reads(), f.connect_page_call(f.simulated()), enable_post(location=f.AUTHORIZE),
                  f.connect_page_call(pending), f.installations_call(), f.connect_page_call(pending))
    result = connect({'approval_timeout': 1})
    assert result['failed'] is True and result['changed'] is True, result
    assert 'Timed out after 1s' in result['msg'] and 'the request was sent' in result['msg']
    assert result['authorization_url'] == f.AUTHORIZE
    assert len(script.writes()) == 1


def test_a_pending_request_is_awaited_never_requested_again(script):
    pending = f.simulated(pending=True)
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(pending), f.connect_page_call(pending), f.installations_call(),
                  f.connect_page_call(pending))
    result = connect({'approval_timeout': 1})
    assert result['failed'] is True and result['changed'] is False, result
    assert 'the request was sent' not in result['msg'] and script.writes() == []


def test_absent_disables_through_the_console_and_verifies(script):
    connected, disabled = f.simulated(connected=True), f.simulated()
    delete = {'_method': 'delete', 'authenticity_token': f.CSRF}
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.maintenance_call(),
                  f.config_apply_call(), *f.console_read_calls(connected),
                  f.form_post(f.CONNECT_PAGE, status=200, expect=delete,
                              html=f.console_pages.sudo_page(f.CSRF, f.CONNECT_PATH)),
                  f.sudo_calls(), f.connect_page_call(connected),
                  f.form_post(f.CONNECT_PAGE, location=f.CONNECT_PAGE, expect=delete),
                  *f.settled(f.installations_call(f.installation(connected=False)), f.connect_page_call(disabled)))
    result = connect({'state': 'absent'})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['connected'] is False and result['state']['status'] == 'disabled'
    assert result['differences'] == [{'field': 'connect.connected', 'before': True, 'after': False}]
    assert len(script.writes()) == 2


def test_absent_on_a_disconnected_appliance_changes_nothing(script):
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated()))
    result = connect({'state': 'absent'})
    assert result['changed'] is False and not result.get('failed'), result
    assert result['connected'] is False and script.writes() == []


def test_an_unrecognised_console_page_is_unknown_and_refuses_to_write(script):
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated(layout='unknown')))
    result = connect()
    assert result['failed'] is True and result['changed'] is False, result
    assert 'Console layout not recognised' in result['msg'] and 'Nothing was submitted' in result['msg']
    assert script.writes() == []


def test_connected_to_another_enterprise_is_refused_without_force(script):
    other = f.simulated(connected=True)
    other.connected_enterprise = 'other-corp'
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(), *f.console_read_calls(other))
    result = connect()
    assert result['failed'] is True and 'other-corp' in result['msg'] and 'force: true' in result['msg'], result
    assert script.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'approval_timeout': -1}, 'approval_timeout must be 0'),
    ({'ghe_com_subdomain': 'acme'}, 'ghe_com_subdomain is only used with target: ghe_com'),
    ({'target': 'ghe_com', 'ghe_com_subdomain': 'Not_A_Subdomain'}, 'ghe_com_subdomain must be the SUBDOMAIN'),
    ({'method': 'manual'}, 'method: manual waits for the operator'),
    ({'config_wait_timeout': -5}, 'config_wait_timeout must be 0 or more'),
    ({'state': 'sideways'}, 'state'),
])
def test_bad_input_fails_before_any_request(script, args, message):
    result = connect(args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []


def test_a_url_that_is_not_https_fails_before_any_request(script):
    result = connect(ghes_url='ghes-1.example.com')
    assert result['failed'] is True and 'url' in result['msg'], result
    assert script.made == []


def test_ghec_spelling_the_host_name_in_other_case_with_a_trailing_dot_is_the_same_appliance(script):
    script.expect(*f.version_calls(hostname='ghes-1.example.com'),
                  f.installations_call(f.installation(host='GHES-1.Example.COM.')))
    result = connect()
    assert result['changed'] is False and result['connected'] is True, result
    assert script.writes() == []


def test_an_ip_url_is_never_taken_for_the_host_name_ghec_knows(script):
    manage = 'https://10.1.2.3:8443'
    script.expect(*f.version_calls(manage=manage), f.installations_call(f.installation(), f.installation(host='10.1.2.3')))
    result = connect(ghes_url='https://10.1.2.3')
    assert result['changed'] is False and result['connected'] is True, result
    assert result['state']['installation']['host_name'] == f.HOSTNAME


def test_a_retired_duplicate_installation_does_not_hide_the_connected_one(script):
    retired = f.installation(connected=False, node_id='ESI_0', updated=f.days_ago(40))
    script.expect(*f.version_calls(), f.installations_call(retired, f.installation()))
    result = connect()
    assert result['changed'] is False and result['connected'] is True, result
    assert result['state']['installation']['id'] == 'ESI_1'


def test_null_fields_in_ghec_answers_are_not_taken_for_values(script):
    odd = dict(f.installation(), customerName=None, updatedAt=None, userAccountsUploads=None)
    script.expect(*f.version_calls(), f.installations_call(odd))
    result = connect()
    assert result['changed'] is False and result['connected'] is True, result


def test_a_token_read_from_a_file_with_a_trailing_newline_is_sent_clean_and_never_shown(script):
    def clean_token(request):
        assert request.headers['authorization'] == 'token ' + f.GHEC_TOKEN, request.headers

    ghec = f.installations_call(f.installation())
    ghec.check = clean_token
    script.expect(*f.version_calls(), ghec)
    result = connect(ghec_token=f.GHEC_TOKEN + '\n')
    assert result['changed'] is False and result['connected'] is True, result
    assert f.GHEC_TOKEN not in repr(result) and f.MANAGE_PASSWORD not in repr(result)


def test_manage_api_timeout_is_a_failure_naming_the_service_and_writes_nothing(script):
    script.expect(f.Call('GET', f.MANAGE + '/manage/v1/version', error=TimeoutError('timed out')))
    result = connect()
    assert result['failed'] is True and result['changed'] is False, result
    assert 'did not answer' in result['msg'] and 'Manage' in result['msg']
    assert f.MANAGE_PASSWORD not in repr(result)


def test_a_busy_ghec_is_retried_as_it_asks(script):
    busy = f.Call('POST', f.GHEC + '/graphql', status=503, headers={'Retry-After': '0'}, json={'message': 'busy'})
    script.expect(*f.version_calls(), busy, f.installations_call(f.installation()))
    result = connect(ghes_retries=None)
    assert result['changed'] is False and result['connected'] is True, result


def test_a_configuration_run_in_progress_stops_the_connect_before_any_write(script):
    reads = disconnected_reads()
    reads[-1] = f.config_apply_call(running=True)
    script.expect(*reads)
    result = connect()
    assert result['failed'] is True and result['changed'] is False, result
    assert 'A configuration run is in progress' in result['msg'] and script.writes() == []


def test_a_refused_console_sign_in_fails_naming_the_credentials_and_writes_nothing(script):
    refused = f.Call('POST', f.GHES + '/session', status=200,
                     html=f.console_pages.login_page(f.CSRF, '/', flashes=[('error', 'Incorrect username or password.')]))
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  f.sign_in_calls()[0], refused)
    result = connect()
    assert result['failed'] is True and 'refused the sign-in of console_username' in result['msg'], result
    assert f.CONSOLE_PASSWORD not in repr(result) and script.writes() == []


def test_an_expired_hand_shake_is_resumed_never_requested_anew(script):
    expired = f.simulated(pending=True)
    resume = f.GHES + '/enterprises/github/settings/dotcom_connection/resume_dotcom_connection'
    fresh = f.WEB + '/enterprise_connect/authorize?request=r-2'
    resumed = f.simulated(pending=True)
    resumed.pending['url'] = fresh
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(),
                  *f.sign_in_calls(), f.connect_page_call(expired, expired=True), f.license_call(), f.config_apply_call(),
                  f.connect_page_call(expired, expired=True),
                  f.form_post(resume, location=fresh, expect={'authenticity_token': f.CSRF}),
                  f.installations_call(), f.connect_page_call(resumed))
    result = connect()
    assert result['changed'] is True and not result.get('failed'), result
    assert result['authorization_url'] == fresh and result['pending_approval'] is True
    assert [w.url for w in script.writes()] == [resume]


def test_a_release_github_no_longer_models_is_refused_before_any_write(script):
    script.expect(f.version_calls('3.8.0')[0])
    result = connect()
    assert result['failed'] is True and '3.8' in result['msg'], result
    assert script.writes() == []


def test_ghe_com_needs_3_12_and_says_so_before_any_write(script):
    # The release alone decides: refused on the version read, before the appliance's state is read at all.
    script.expect(f.version_calls('3.11.9')[0])
    result = connect({'target': 'ghe_com', 'ghe_com_subdomain': 'acme'})
    assert result['failed'] is True and 'target: ghe_com needs GHES 3.12 or later' in result['msg'], result
    assert script.writes() == []


def test_an_older_release_reads_its_host_name_from_the_legacy_settings(script):
    legacy = f.Call('GET', f.MANAGE + '/setup/api/settings',
                    json={'enterprise': {'github_hostname': f.HOSTNAME, 'private_mode': False}})
    script.expect(f.version_calls('3.11.9')[0], legacy, f.installations_call(f.installation()))
    result = connect()
    assert result['changed'] is False and result['connected'] is True, result


def test_maintenance_mode_closes_the_console_and_nothing_is_written(script):
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call('on'))
    result = connect()
    assert result['failed'] is True and result['changed'] is False, result
    # Not connected per GHEC, and the page that would say more is closed: unknown, never a guess.
    assert 'is unknown, so state: present was not acted on and nothing was changed' in result['msg']
    assert 'is in maintenance mode' in result['msg'] and script.writes() == []
