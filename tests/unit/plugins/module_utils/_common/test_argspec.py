# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import (
    check_task_inputs,
    check_urls,
    default_manage_url,
    parse_duration,
    parse_url,
    secret_values,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError


@pytest.mark.parametrize('text,seconds', [('8d', 691200), ('36h', 129600), ('90m', 5400), ('45s', 45),
                                          ('120', 120), ('1w', 604800), (' 2d ', 172800)])
def test_durations(text, seconds):
    assert parse_duration(text, 'max_sync_age') == seconds


@pytest.mark.parametrize('text', ['8 days', '-1d', '1.5d', 'd', '', 'P8D'])
def test_bad_durations_name_the_option(text):
    with pytest.raises(InputError) as caught:
        parse_duration(text, 'max_sync_age')
    assert 'max_sync_age' in caught.value.message


@pytest.mark.parametrize('url,needle', [
    ('http://ghes.example.com', 'https://'),
    ('ghes.example.com', 'https://'),
    ('https://', 'not a valid URL'),
    ('https://ghes.example.com:99999', 'invalid port'),
    ('https://api_key:pw@ghes.example.com', 'must not contain credentials'),
    ('https://ghes.example.com/?api_key=pw', 'query'),
    ('https://ghes example.com', 'not a valid URL'),
])
def test_bad_urls_fail_with_the_option_and_the_fix(url, needle):
    with pytest.raises(InputError) as caught:
        check_urls({'url': url})
    assert 'url' in caught.value.message and needle in caught.value.message
    assert 'pw' not in caught.value.message.replace('https://', '')


SLASH_PASSWORD = 'Sl/ash#Pa?ss'


@pytest.mark.parametrize('option', ['url', 'manage_url', 'ghec_url', 'ghec_web_url'])
@pytest.mark.parametrize('value', ['https://admin:%s@ghes.example.com' % SLASH_PASSWORD,
                                   'https://admin:Sl/ashPass@ghes.example.com',
                                   'https://admin:pw#frag@ghes.example.com:8443/',
                                   'https://admin:q?uery@ghes.example.com'])
def test_credentials_in_any_url_option_are_refused_and_never_shown(option, value):
    with pytest.raises(InputError) as caught:
        check_urls({option: value})
    message = caught.value.message
    assert message.startswith(option + ' must not contain credentials')
    for part in ('admin', 'Sl', 'ash', 'Pa', 'pw', 'frag', 'uery'):
        assert part not in message


@pytest.mark.parametrize('option', ['url', 'manage_url', 'ghec_url', 'ghec_web_url'])
@pytest.mark.parametrize('value,needle', [('', 'is empty'), ('  ', 'is empty'), ('/ghes', 'https://'),
                                          ('ghes', 'https://'), ('https://ghes.example.com/x y', 'space')])
def test_empty_and_relative_urls_name_the_option(option, value, needle):
    with pytest.raises(InputError) as caught:
        check_urls({option: value})
    assert caught.value.message.startswith(option + ' ') and needle in caught.value.message


@pytest.mark.parametrize('option', ['url', 'manage_url'])
def test_appliance_urls_with_a_path_prefix_are_refused_saying_why(option):
    with pytest.raises(InputError) as caught:
        check_urls({option: 'https://proxy.example.com/ghes'})
    assert 'path prefix' in caught.value.message and caught.value.message.startswith(option)


def test_ghec_urls_keep_a_path_prefix_and_lose_the_trailing_slash():
    check_urls({'ghec_url': 'https://proxy.example.com/github-api', 'ghec_web_url': 'https://proxy.example.com/web/'})
    assert parse_url('ghec_web_url', 'https://proxy.example.com/web/') == 'https://proxy.example.com/web'
    assert parse_url('url', 'https://ghes.example.com/') == 'https://ghes.example.com'


def test_url_credentials_are_known_secrets_in_every_form():
    params = {'url': 'https://admin:%s@ghes.example.com' % SLASH_PASSWORD, 'ghec_url': 'https://api.github.com'}
    values = secret_values(params)
    assert SLASH_PASSWORD in values and 'admin:' + SLASH_PASSWORD in values and params['url'] in values


def test_task_inputs_check_the_urls_first():
    with pytest.raises(InputError) as caught:
        check_task_inputs({'url': 'https://admin:hunter2@ghes.example.com', 'ghec_token': 'x\n'})
    assert 'url must not contain credentials' in caught.value.message


def test_manage_url_defaults_to_port_8443():
    assert default_manage_url('https://ghes.example.com') == 'https://ghes.example.com:8443'
    assert default_manage_url('https://ghes.example.com:443/') == 'https://ghes.example.com:8443'


def test_secrets_lose_surrounding_whitespace_with_a_warning_naming_the_option_not_the_value():
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import check_task_inputs
    params = {'ghec_token': 'ghp_from_a_file\n', 'manage_password': ' pw-with-space\r\n', 'token': None,
              'console_password': 'untouched', 'timeout': 30}
    warnings = check_task_inputs(params)
    assert params['ghec_token'] == 'ghp_from_a_file' and params['manage_password'] == 'pw-with-space'
    assert params['console_password'] == 'untouched' and params['token'] is None
    assert len(warnings) == 2 and any(w.startswith('ghec_token ') for w in warnings)
    assert not any('ghp_from_a_file' in w or 'pw-with-space' in w for w in warnings)


@pytest.mark.parametrize('value', ['ghp_in\nside', 'ghp_tab\there', 'ghp_nul\x00', 'ghp_del\x7f', 'ghp_\x85next'])
def test_a_control_character_inside_a_secret_is_refused_naming_the_option(value):
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import check_task_inputs
    with pytest.raises(InputError) as caught:
        check_task_inputs({'ghec_session': value})
    assert caught.value.message.startswith(
        'ghec_session (host variable ghec_session, environment variable GHEC_SESSION) contains a control character')
    assert value not in caught.value.message and 'ghp_' not in caught.value.message


@pytest.mark.parametrize('params,message', [({'timeout': 0}, 'timeout must be 1 or more'),
                                            ({'timeout': -3}, 'timeout must be 1 or more'),
                                            ({'retries': -1}, 'retries must be 0 or more')])
def test_timeouts_that_cannot_work_are_refused(params, message):
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import check_task_inputs
    with pytest.raises(InputError, match=message):
        check_task_inputs(params)


@pytest.mark.parametrize('value,refused', [('0', True), ('59m', True), ('3599', True), ('1h', False), ('8d', False),
                                           (None, False)])
def test_a_sync_age_below_an_hour_is_refused(value, refused):
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import parse_sync_age
    if refused:
        with pytest.raises(InputError, match='max_sync_age must be at least 1h'):
            parse_sync_age(value, 'max_sync_age')
    else:
        parse_sync_age(value, 'max_sync_age')


@pytest.mark.parametrize('option', ['ghec_enterprise', 'enterprise_slug'])
@pytest.mark.parametrize('value', ['acme ', ' acme', 'ac me', 'acme/../orgs', 'acme?x=1', 'acme%2F', '', '-acme', 'acme\n'])
def test_an_enterprise_slug_that_is_not_one_never_reaches_a_url(option, value):
    with pytest.raises(InputError) as caught:
        check_task_inputs({option: value})
    assert caught.value.message.startswith(option + ' must be the slug') and json.dumps(value) in caught.value.message


@pytest.mark.parametrize('value', ['acme', 'github', 'acme-corp', 'Acme_2', 'a'])
def test_enterprise_slugs_pass(value):
    check_task_inputs({'ghec_enterprise': value, 'enterprise_slug': value})


def test_an_empty_environment_variable_leaves_an_optional_url_unset(monkeypatch):
    monkeypatch.setenv('GHES_MANAGE_URL', '')
    monkeypatch.setenv('GHEC_URL', '')
    params = {'url': 'https://ghes.example.com', 'manage_url': '', 'ghec_url': ''}
    check_urls(params)
    assert params['manage_url'] is None and params['ghec_url'] == 'https://api.github.com'
    monkeypatch.delenv('GHES_MANAGE_URL')
    with pytest.raises(InputError, match='manage_url is empty'):
        check_urls({'manage_url': ''})


@pytest.mark.parametrize('value, ok', [('2022-11-28', True), ('2026-03-10', True), (None, True), ('latest', False),
                                       ('2022-11-28 ', False), ('v3', False)])
def test_the_ghec_api_version_is_a_date(value, ok):
    if ok:
        assert check_task_inputs({'ghec_api_version': value}) == []
    else:
        with pytest.raises(InputError) as caught:
            check_task_inputs({'ghec_api_version': value})
        assert caught.value.message.startswith('ghec_api_version (host variable ghec_api_version, environment variable '
                                               'GHEC_API_VERSION) must be a GitHub REST API version')
