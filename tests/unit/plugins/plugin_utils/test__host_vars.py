# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostOptions: task arguments win, then host variables, then the environment and the default, for every kind of task."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import APPLIANCE_OPTIONS, appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import HOST_VARS
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import HostOptions, license_report_of, task_cloud_options


class Templar:
    """Renders ``{{ name }}`` from the host's variables, as Ansible's templar would for these tests."""

    def __init__(self, variables):
        self.variables = variables

    def template(self, value):
        if isinstance(value, str) and value.startswith('{{ ') and value.endswith(' }}'):
            return self.variables[value[3:-3]]
        return value


def complete(task_args, host):
    """The options a per-host task resolves, as given (before validation fills in defaults)."""
    options = HostOptions(appliance_spec(), task_args)
    params, _warnings = options.resolve(host, 'ghes-017', Templar(host).template)
    given = dict((k, v) for k, v in params.items() if v is not None and v != appliance_spec().options[k].get('default'))
    return given


def test_host_variables_fill_only_what_the_task_leaves_out():
    host = {'ghes_url': 'https://host.example.com', 'ghes_manage_password': 'from-host', 'ghec_token': 'tok',
            'unrelated': 'x'}
    args = complete({'manage_password': 'from-task'}, host)
    assert args == {'url': 'https://host.example.com', 'manage_password': 'from-task', 'ghec_token': 'tok'}


def test_templates_are_rendered_and_null_counts_as_unset(monkeypatch):
    monkeypatch.delenv('GHES_URL', raising=False)
    host = {'ghes_url': '{{ base }}', 'base': 'https://rendered.example.com', 'ghec_session': None,
            'ghes_ca_path': '{{ nothing }}', 'nothing': None}
    args = complete({}, host)
    assert args == {'url': 'https://rendered.example.com'}


def test_an_empty_string_is_a_value_not_unset():
    """An operator who sets a variable to "" means it: the module then says the option is missing."""
    args = complete({}, {'ghes_url': 'https://a.example.com', 'ghec_token': ''})
    assert args['ghec_token'] == ''


def test_a_missing_url_names_the_task_the_host_variable_and_the_environment(monkeypatch):
    monkeypatch.delenv('GHES_URL', raising=False)
    with pytest.raises(InputError) as failure:
        complete({}, {})
    assert str(failure.value).startswith('url is required: set it in the task, in the host variable ghes_url of '
                                         'ghes-017 or the environment variable GHES_URL.')


def test_the_environment_still_satisfies_a_required_option(monkeypatch):
    monkeypatch.setenv('GHES_URL', 'https://env.example.com')
    assert complete({}, {})['url'] == 'https://env.example.com'   # the argument validator applies the environment fallback


def test_task_then_host_variable_then_environment_then_default(monkeypatch):
    monkeypatch.setenv('GHES_MANAGE_USERNAME', 'from-env')
    options = HostOptions(appliance_spec(), {'timeout': 9})
    params, _warnings = options.resolve({'ghes_url': 'https://a.example.com', 'ghes_timeout': 20,
                                         'ghes_manage_username': 'from-host'}, 'ghes-1')
    assert (params['timeout'], params['manage_username'], params['retries']) == (9, 'from-host', 5)
    params, _warnings = options.resolve({'ghes_url': 'https://a.example.com'}, 'ghes-1')
    assert (params['timeout'], params['manage_username']) == (9, 'from-env')


def fleet_options(task_args=None):
    """What ghe_drift_scan and ghe_connect_fleet build: the GHEC options the task sets, the rest each host's own."""
    return HostOptions(appliance_spec(), task_cloud_options(task_args or {}), HOST_VARS, host_only=APPLIANCE_OPTIONS)


def test_a_fleet_task_takes_the_appliance_options_from_each_host_and_ghec_s_from_the_task():
    options = fleet_options({'ghec_token': 'task-token', 'ghec_enterprise': 'corp'})
    one = options('ghes-1', {'ghes_url': 'https://one.example.com', 'ghec_token': 'host-token'})
    two = options('ghes-2', {'ghes_url': 'https://two.example.com', 'ghes_timeout': 5})
    assert (one['url'], one['ghec_token'], one['ghec_enterprise']) == ('https://one.example.com', 'task-token', 'corp')
    assert (two['url'], two['timeout'], two['ghec_token']) == ('https://two.example.com', 5, 'task-token')


def test_every_path_validates_alike_and_a_fleet_host_s_error_is_its_own(monkeypatch):
    monkeypatch.delenv('GHES_URL', raising=False)
    host = {'ghes_url': 'https://a.example.com', 'ghes_manage_password': 'pw\n', 'ghes_timeout': 0}
    with pytest.raises(InputError, match='timeout must be 1 or more seconds'):
        HostOptions(appliance_spec(), {}).resolve(host, 'ghes-1')
    options = fleet_options()
    assert options('ghes-1', host) == {'_error': 'ghes-1: timeout must be 1 or more seconds (got 0): it bounds each '
                                                 'request, and a request cannot finish in no time.'}
    assert options('ghes-2', {}) == {'_error': ('ghes-2: url is required: set it in the host variable ghes_url of ghes-2 '
                                                'or the environment variable GHES_URL.')}
    assert options('ghes-3', {'ghes_url': 'https://a.example.com', 'ghes_timeout': 'soon'})['_error'].startswith('ghes-3: ')
    params = options('ghes-4', dict(host, ghes_timeout=3))
    assert params['manage_password'] == 'pw' and options.warnings == {
        'ghes-4: manage_password had whitespace around it (for example the newline at the end of a file it was read from); '
        'it was removed. Store the value without it to silence this warning.'}
    assert 'pw\n' in options.secrets and 'pw' in options.secrets


def test_an_option_the_task_does_not_take_is_refused_naming_the_task():
    with pytest.raises(InputError, match=r'Unsupported parameters for \(ghes.connect.ghe_connect_info\) module: colour'):
        HostOptions(appliance_spec(), {'colour': 'blue'}, action='ghes.connect.ghe_connect_info').resolve(
            {'ghes_url': 'https://a.example.com'}, 'ghes-1')


# Each option set differently on two hosts (as host variables): a fleet task reads every host with its own.
PER_HOST = [
    ('url', 'ghes_url', 'https://one.example.com', 'https://two.example.com'),
    ('manage_url', 'ghes_manage_url', 'https://one.example.com:8443', 'https://two.example.com:9443'),
    ('manage_username', 'ghes_manage_username', 'api_key', 'admin'),
    ('manage_password', 'ghes_manage_password', 'manage-one', 'manage-two'),
    ('token', 'ghes_token', 'token-one', 'token-two'),
    ('hostname', 'ghes_hostname', 'one.example.com', 'two.example.com'),
    ('enterprise_slug', 'ghes_enterprise_slug', 'github', 'acme'),
    ('console_username', 'ghes_console_username', 'admin-one', 'admin-two'),
    ('console_password', 'ghes_console_password', 'console-one', 'console-two'),
    ('console_totp_secret', 'ghes_console_totp_secret', 'JBSWY3DPEHPK3PXP', 'KRSXG5CTMVRXEZLU'),
    ('validate_certs', 'ghes_validate_certs', True, False),
    ('ca_path', 'ghes_ca_path', '/one/ca.pem', '/two/ca.pem'),
    ('timeout', 'ghes_timeout', 10, 20),
    ('retries', 'ghes_retries', 1, 2),
    ('admin_shell', 'ghes_admin_shell', 'auto', 'never'),
    ('ghec_url', 'ghec_url', 'https://api.github.com', 'https://api.acme.ghe.com'),
    ('ghec_web_url', 'ghec_web_url', 'https://github.com', 'https://acme.ghe.com'),
    ('ghec_token', 'ghec_token', 'ghp_one', 'ghp_two'),
    ('ghec_enterprise', 'ghec_enterprise', 'one', 'two'),
    ('ghec_session', 'ghec_session', 'session-one', 'session-two'),
    ('ghec_validate_certs', 'ghec_validate_certs', True, False),
    ('ghec_ca_path', 'ghec_ca_path', '/one/ghec.pem', '/two/ghec.pem'),
    ('ghec_cache_ttl', 'ghec_cache_ttl', 60, 0),
    ('ghec_api_version', 'ghec_api_version', '2022-11-28', '2026-03-10'),
]


@pytest.mark.parametrize('option,variable,first,second', PER_HOST, ids=[row[0] for row in PER_HOST])
def test_each_option_is_resolved_per_host_in_a_fleet_task(option, variable, first, second):
    base = {'ghes_url': 'https://base.example.com', 'ghes_console_username': 'u', 'ghes_console_password': 'p'}
    options = fleet_options({'hosts': ['one', 'two'], 'concurrency': 4})
    one = options('one', dict(base, **{variable: first}))
    two = options('two', dict(base, **{variable: second}))
    assert '_error' not in one and '_error' not in two, (one, two)
    assert (one[option], two[option]) == (first, second)


def test_a_ghec_option_the_task_sets_itself_holds_for_every_host():
    options = fleet_options({'ghec_token': 'ghp_task'})
    assert options('two', {'ghes_url': 'https://two.example.com', 'ghec_token': 'ghp_two'})['ghec_token'] == 'ghp_task'


def test_a_ghec_option_set_nowhere_falls_back_to_its_environment_variable_then_its_default(monkeypatch):
    monkeypatch.setenv('GHEC_ENTERPRISE', 'from-env')
    monkeypatch.delenv('GHEC_URL', raising=False)
    job = fleet_options({})('two', {'ghes_url': 'https://two.example.com'})
    assert job['ghec_enterprise'] == 'from-env' and job['ghec_url'] == 'https://api.github.com'


@pytest.mark.parametrize('task, host, expected', [
    ({}, {'ghes_admin_shell': 'never'}, 'never'),
    ({'admin_shell': 'auto'}, {'ghes_admin_shell': 'never'}, 'auto'),   # the task's option beats the host variable
    ({}, {}, 'auto'),                                                    # the default
])
def test_admin_shell_comes_from_the_task_then_the_host_variable(task, host, expected):
    params, _warnings = HostOptions(appliance_spec(), task).resolve(dict(host, ghes_url='https://a.example.com'), 'ghes-1')
    assert params['admin_shell'] == expected


@pytest.mark.parametrize('value, expected', [(None, None), ('sync', 'sync'), ('upload', 'upload')])
def test_the_hosts_choice_of_how_usage_reaches_ghec(value, expected):
    assert license_report_of('ghes-1', {'ghes_license_report': value} if value else {}) == expected


@pytest.mark.parametrize('value', ['uplaod', 'Upload', '', True, ['upload']])
def test_a_choice_that_is_not_one_is_refused_naming_the_host_and_the_choices(value):
    with pytest.raises(InputError, match=r'ghes-1: the host variable ghes_license_report is .*sync, upload'):
        license_report_of('ghes-1', {'ghes_license_report': value})
