# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: every case fails before any state-changing request, naming the option and the fix.

Each row of BAD_INPUT is one named test: (id, test playbook, host, extra vars, expected text).
Extra vars override the inventory (a wrong password, a bad URL) or set module options.
The value 'TOKEN:kind' stands for the simulator's GHEC token of that kind ('TOKEN:kind:suffix'
with a suffix appended); 'FILE:text' for a file on the controller holding that text; 'DIR:' for
a directory of the test.
"""

from __future__ import annotations

import json

import pytest

from harness import ghec_writes, play, writes

SIM_SPEC = {
    'seed': 31,
    'appliances': [
        {'name': 'fresh', 'version': '3.14.2'},
        {'name': 'old', 'version': '3.11.9'},
        {'name': 'on', 'version': '3.16.0', 'connected': True},
        {'name': 'ancient', 'version': '3.8.2'},
        {'name': 'nolicense', 'version': '3.13.3', 'croquet_support': False},
        {'name': 'tfa', 'version': '3.15.1', 'two_factor': True},
        {'name': 'gapped', 'version': '3.15.1', 'air_gapped': True},
    ],
}

BAD_INPUT = [
    ('url not a URL', 'connect', 'fresh', {'ghes_url': 'ghes.example.com'}, 'url must be an https:// URL'),
    ('url over plain http', 'connect', 'fresh', {'ghes_url': 'http://127.0.0.1:8080'}, 'url must be an https:// URL'),
    ('url with credentials', 'connect', 'fresh', {'ghes_url': 'https://api_key:hunter2@127.0.0.1'},
     'url must not contain credentials'),
    ('url with api_key query', 'info', 'fresh', {'ghes_url': 'https://127.0.0.1/?api_key=hunter2'},
     'url must not have a query or fragment'),
    ('manage_url over plain http', 'info', 'fresh', {'ghes_manage_url': 'http://127.0.0.1:8080'},
     'manage_url must be an https:// URL'),
    ('ghec_url over plain http', 'info', 'fresh', {'ghec_url': 'http://api.github.com'}, 'ghec_url must be an https:// URL'),
    ('ca_path missing', 'info', 'fresh', {'ghes_ca_path': '/nonexistent/ca.pem'}, 'ca_path "/nonexistent/ca.pem" does not exist'),
    ('ghec_ca_path missing', 'info', 'fresh', {'ghec_ca_path': '/nonexistent/ghec.pem'}, 'ghec_ca_path "/nonexistent/ghec.pem"'),
    ('wrong manage password', 'connect', 'fresh', {'ghes_manage_password': 'not-it'},
     'Manage GHES API refused the credentials (401). Check manage_password (host variable ghes_manage_password, '
     'environment variable GHES_MANAGE_PASSWORD)'),
    ('wrong console password', 'connect', 'fresh', {'ghes_console_password': 'not-it'},
     'Check console_username (host variable ghes_console_username, environment variable GHES_CONSOLE_USERNAME) '
     'and console_password (host variable ghes_console_password'),
    ('wrong enterprise slug', 'connect', 'fresh', {'ghes_enterprise_slug': 'nope'}, 'enterprise_slug "nope" is wrong'),
    ('two-factor without secret', 'connect', 'tfa', {'ghes_console_totp_secret': ''},
     'set console_totp_secret (host variable ghes_console_totp_secret, environment variable GHES_CONSOLE_TOTP_SECRET)'),
    ('totp secret not base32', 'connect', 'tfa', {'ghes_console_totp_secret': 'not base32!!'},
     'console_totp_secret is not a base32 TOTP secret'),
    ('wrong ghec token', 'connect', 'fresh', {'ghec_token': 'ghp_notavalidtoken000000000000000000000'},
     'GHEC refused ghec_token (401 Bad credentials)'),
    ('ghec token missing', 'connect', 'fresh', {'ghec_token': ''},
     'ghec_token is required (the GHEC enterprise is where ghes.connect verifies the state it sets): set the task option '
     'ghec_token, the host variable ghec_token or the environment variable GHEC_TOKEN.'),
    ('ghec token without scope', 'connect', 'fresh', {'ghec_token': 'TOKEN:noscope'}, 'lacks the read:enterprise scope'),
    ('ghec token of a non-owner', 'license_sync', 'on', {'ghec_token': 'TOKEN:reader'}, 'is not an owner of the GHEC enterprise'),
    ('unknown enterprise', 'connect', 'fresh', {'ghec_enterprise': 'no-such-enterprise'}, 'check ghec_enterprise'),
    ('unsupported version', 'connect', 'ancient', {}, 'GHES 3.8.2 is not supported'),
    ('license without Connect', 'connect', 'nolicense', {}, 'does not permit GitHub Connect (croquetSupport is false)'),
    ('subdomain with github_com target', 'connect', 'fresh', {'ghe_com_subdomain': 'acme'},
     'ghe_com_subdomain is only used with target: ghe_com'),
    ('ghe_com without subdomain', 'connect', 'fresh', {'target': 'ghe_com'}, 'ghe_com_subdomain'),
    ('ghe_com before 3.12', 'connect', 'old', {'target': 'ghe_com', 'ghe_com_subdomain': 'acme'},
     'target: ghe_com needs GHES 3.12 or later'),
    ('malformed subdomain', 'connect', 'fresh', {'target': 'ghe_com', 'ghe_com_subdomain': 'Not_A_Subdomain'},
     'ghe_com_subdomain must be the SUBDOMAIN'),
    ('manual without a wait', 'connect', 'fresh', {'method': 'manual', 'approval_timeout': 0},
     'method: manual waits for the operator: set approval_timeout'),
    ('negative approval_timeout', 'connect', 'fresh', {'approval_timeout': -5}, 'approval_timeout must be 0'),
    ('bad max_sync_age', 'license_sync', 'on', {'max_sync_age': '8 days'}, 'max_sync_age must be a duration like 8d'),
    ('sync_now while disabling', 'license_sync', 'on', {'state': 'disabled', 'sync_now': True},
     'sync_now: true only makes sense with state: enabled'),
    ('negative wait_timeout', 'license_sync', 'on', {'wait_timeout': -1}, 'wait_timeout must be 1 or more seconds'),
    ('zero wait_timeout', 'license_sync', 'on', {'wait_timeout': 0}, 'wait_timeout must be 1 or more seconds'),
    ('max_sync_age of zero', 'license_sync', 'on', {'max_sync_age': '0', 'sync_now': True},
     'max_sync_age must be at least 1h'),
    ('max_sync_age below an hour', 'license_sync', 'on', {'max_sync_age': '59m'}, 'max_sync_age must be at least 1h'),
    ('desired max_sync_age below an hour', 'info', 'on', {'desired': {'license_sync': True, 'max_sync_age': '600'}},
     'desired.max_sync_age must be at least 1h'),
    ('zero timeout', 'connect', 'fresh', {'ghes_timeout': 0}, 'timeout must be 1 or more seconds'),
    ('negative timeout', 'license_sync', 'on', {'ghes_timeout': -5}, 'timeout must be 1 or more seconds'),
    ('negative retries', 'info', 'fresh', {'ghes_retries': -1}, 'retries must be 0 or more'),
    ('control character inside a secret', 'connect', 'fresh', {'ghec_token': 'TOKEN:owner:\x07'},
     'ghec_token (host variable ghec_token, environment variable GHEC_TOKEN) contains a control character'),
    ('line break inside a password', 'connect', 'fresh', {'ghes_manage_password': 'first\nsecond'},
     'manage_password (host variable ghes_manage_password, environment variable GHES_MANAGE_PASSWORD) contains a '
     'control character'),
    ('license sync without Connect', 'license_sync', 'fresh', {}, 'Run ghes.connect.ghe_connect first'),
    ('usage file missing', 'upload', 'gapped', {'src': '/nonexistent/usage.json', 'via': 'file'}, 'src /nonexistent/usage.json'),
    ('usage file not JSON', 'upload', 'gapped', {'src': 'FILE:{"instance": ', 'via': 'file'}, 'is not valid JSON'),
    ('bad upload max_sync_age', 'upload', 'gapped', {'max_sync_age': 'weekly'}, 'max_sync_age must be a duration'),
    ('upload wait_timeout of zero', 'upload', 'gapped', {'wait_timeout': 0}, 'wait_timeout must be 1 or more seconds'),
    ('dest is a directory', 'upload', 'gapped', {'dest': 'DIR:', 'via': 'file'}, 'is a directory: give the path of the file'),
    ('desired max_sync_age without license_sync', 'info', 'fresh', {'desired': {'max_sync_age': '8d'}},
     'desired.max_sync_age only applies with desired.license_sync: true'),
    ('url empty', 'connect', 'fresh', {'ghes_url': ''}, 'url is empty'),
    ('manage_url empty', 'info', 'fresh', {'ghes_manage_url': ''}, 'manage_url is empty'),
    ('url relative', 'info', 'fresh', {'ghes_url': '/ghes'}, 'url must be an https:// URL'),
    ('url with a path prefix', 'info', 'fresh', {'ghes_url': 'https://127.0.0.1/ghes'}, 'path prefix'),
    ('enterprise with a space', 'info', 'fresh', {'ghec_enterprise': 'acme '}, 'ghec_enterprise must be the slug'),
    ('GHEC API version not a date', 'connect', 'fresh', {'ghec_api_version': 'latest'},
     'ghec_api_version (host variable ghec_api_version, environment variable GHEC_API_VERSION) must be a GitHub REST API '
     'version, a date like 2022-11-28 (got "latest")'),
    ('GHEC API version GHEC does not support', 'license_sync', 'on', {'ghec_api_version': '2099-01-01'},
     "Unsupported 'X-GitHub-Api-Version' header: 2099-01-01"),
]

# A password in a URL option, with each character that makes urlsplit end the user info early: refused,
# naming the option, before any request, and found nowhere (-vvvv output, results, files written).
URL_PASSWORDS = [
    ('slash in url', 'ghes_url', 'Sl/ashPass1'),
    ('hash in url', 'ghes_url', 'Ha#shPass2'),
    ('query mark in url', 'ghes_url', 'Qu?eryPass3'),
    ('slash in manage_url', 'ghes_manage_url', 'Sl/ashPass4'),
    ('hash in ghec_url', 'ghec_url', 'Ha#shPass5'),
    ('plain in ghec_web_url', 'ghec_web_url', 'PlainPass6'),
]


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def resolve(sim, value, tmp_path):
    if isinstance(value, str) and value.startswith('TOKEN:'):
        parts = value.split(':', 2)
        return sim.info['ghec_tokens'][parts[1]] + (parts[2] if len(parts) > 2 else '')
    if isinstance(value, str) and value.startswith('FILE:'):
        path = tmp_path / 'input.json'
        path.write_text(value.split(':', 1)[1])
        return str(path)
    if value == 'DIR:':
        return str(tmp_path)
    return value


def test_the_table_has_at_least_25_cases():
    assert len(BAD_INPUT) >= 25 and len({case[0] for case in BAD_INPUT}) == len(BAD_INPUT)


@pytest.mark.parametrize('case,playbook,host,overrides,message', BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_before_any_write(fleet, tmp_path, case, playbook, host, overrides, message):
    sim, ctl = fleet
    ctl.clear_requests(host)
    ctl.clear_ghec_requests()
    before = ctl.appliance(host)
    run = play(sim, playbook, hosts=host, **dict((k, resolve(sim, v, tmp_path)) for k, v in overrides.items()))
    assert run.rc != 0, '%s: the run should have failed\n%s' % (case, run.output[-2000:])
    results = run.for_task('Module under test', host)
    assert len(results) == 1, run.output[-2000:]
    assert message in results[0]['result']['msg'], results[0]['result']['msg']
    assert writes(ctl, host) == [], '%s sent a state-changing request' % case
    assert ghec_writes(ctl) == []
    if case == 'enterprise with a space':
        assert ctl.ghec_requests()['requests'] == [], 'the slug reached a URL'

    after = ctl.appliance(host)
    for key in ('connected', 'license_sync', 'pending_authorization'):
        assert after[key] == before[key], key


def _everything_written(tmp_path, run):
    """The -vvvv output, every result the callback logged and every file under the test's directory."""
    texts = [run.output, json.dumps(run.results)]
    for path in tmp_path.rglob('*'):
        if path.is_file():
            texts.append(path.read_bytes().decode('utf-8', 'replace'))
    return '\n'.join(texts)


@pytest.mark.parametrize('case,variable,password', URL_PASSWORDS, ids=[c[0] for c in URL_PASSWORDS])
def test_a_password_in_a_url_is_refused_and_never_printed(fleet, tmp_path, case, variable, password):
    sim, ctl = fleet
    ctl.clear_requests('fresh')
    ctl.clear_ghec_requests()
    url = 'https://admin:%s@127.0.0.1:1' % password
    state = tmp_path / 'state'
    run = play(sim, 'info', hosts='fresh', verbosity=4, env={'GHES_CONNECT_STATE_DIR': str(state)}, **{variable: url})
    option = variable[len('ghes_'):] if variable.startswith('ghes_') else variable
    result = run.for_task('Module under test', 'fresh')[0]['result']
    assert run.rc != 0 and result['msg'].startswith('%s must not contain credentials' % option), result['msg']
    assert ctl.requests('fresh')['requests'] == [] and ctl.ghec_requests()['requests'] == []
    written = _everything_written(tmp_path, run)
    for part in (password, password.split('/')[-1].split('#')[-1].split('?')[-1], 'admin:'):
        assert part not in written, '%s: "%s" was printed or written' % (case, part)


def test_a_password_in_a_url_fails_each_host_of_a_scan_without_being_printed(fleet, tmp_path):
    sim, ctl = fleet
    password = 'Sc/anPass#7'
    run = play(sim, 'playbooks/drift.yml', hosts='fresh:on', ghes_target_hosts='fresh:on', verbosity=4,
               drift_report_dir=str(tmp_path / 'report'), ghes_url='https://admin:%s@127.0.0.1:1' % password,
               env={'GHES_CONNECT_STATE_DIR': str(tmp_path / 'state')})
    written = _everything_written(tmp_path, run)
    assert 'url must not contain credentials' in written, run.output[-3000:]
    for part in (password, 'anPass', 'admin:'):
        assert part not in written
