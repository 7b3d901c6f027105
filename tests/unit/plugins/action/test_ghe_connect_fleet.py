# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect_fleet, in process, against scripted HTTP: one list of approvals and one wait for the play.

``concurrency: 1`` keeps the order of the calls fixed, so a test pins it.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action


def fleet(tmp_path, args=None, check_mode=False, hosts=None):
    hosts = hosts or {'ghes-1': f.host_vars()}
    task_vars = dict(f.host_vars(), hostvars=hosts, ansible_play_batch=list(hosts))
    arguments = dict({'concurrency': 1, 'approval_timeout': 0, 'approvals_dir': str(tmp_path / 'approvals')}, **(args or {}))
    return run_action('ghe_connect_fleet', arguments, task_vars, check_mode=check_mode)


def read_disconnected():
    return [*f.version_calls(), f.installations_call(), f.maintenance_call(), *f.console_read_calls(f.simulated())]


def send_connect():
    """A new client for the wave: the version again, the preflight, the signed-in enable."""
    return [f.version_calls()[0], f.license_call(), f.maintenance_call(), f.config_apply_call(),
            *f.console_read_calls(f.simulated()),
            f.form_post(f.CONNECT_PAGE, location=f.AUTHORIZE, expect={'target': 'github_com'})]


def test_a_connected_fleet_is_read_and_left_alone(script, tmp_path):
    script.expect(*f.version_calls(), f.installations_call(f.installation()))
    result = fleet(tmp_path)
    assert result['changed'] is False and not result.get('failed'), result
    assert result['connected'] == ['ghes-1'] and result['requested'] == [] and script.writes() == []


def test_check_mode_lists_the_requests_it_would_send_and_writes_nothing(script, tmp_path):
    script.expect(*read_disconnected())
    result = fleet(tmp_path, check_mode=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['requested'] == ['ghes-1'] and result['pending'] == ['ghes-1']
    assert script.writes() == [] and not (tmp_path / 'approvals').exists()


def test_the_wave_is_requested_once_and_listed_in_private_files(script, tmp_path):
    script.expect(*read_disconnected(), *send_connect())
    result = fleet(tmp_path)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['requested'] == ['ghes-1'] and result['pending'] == ['ghes-1']
    assert result['appliances']['ghes-1']['authorization_url'] == f.AUTHORIZE
    assert len(script.writes()) == 1
    listed = json.loads(open(result['list_files']['json']).read())
    assert listed['appliances'][0]['authorization_url'] == f.AUTHORIZE
    for path in result['list_files'].values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / 'approvals')).st_mode) == 0o700


def test_the_wait_ends_when_ghec_shows_the_approval(script, tmp_path):
    script.expect(*read_disconnected(), *send_connect(), f.version_calls()[1], f.installations_call(f.installation()))
    result = fleet(tmp_path, {'approval_timeout': 30})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['connected'] == ['ghes-1'] and result['pending'] == [] and len(script.writes()) == 1


def test_an_approval_that_never_comes_leaves_the_appliance_pending_after_one_request(script, tmp_path):
    script.expect(*read_disconnected(), *send_connect(), f.version_calls()[1],
                  f.installations_call(f.installation(connected=False)))
    result = fleet(tmp_path, {'approval_timeout': 1})
    assert not result.get('failed'), result
    assert result['pending'] == ['ghes-1'] and result['connected'] == [] and len(script.writes()) == 1


def test_an_appliance_of_another_enterprise_is_not_touched(script, tmp_path):
    other = f.simulated(connected=True)
    other.connected_enterprise = 'other-corp'
    script.expect(*f.version_calls(), f.installations_call(), f.maintenance_call(), *f.console_read_calls(other))
    result = fleet(tmp_path)
    assert result['unconnectable'] == ['ghes-1'] and 'other-corp' in result['appliances']['ghes-1']['error'], result
    assert result['changed'] is False and script.writes() == []


def test_bad_host_variables_are_that_host_s_error_only(script, tmp_path):
    script.expect(*f.version_calls(), f.installations_call(f.installation()))
    hosts = {'ghes-1': f.host_vars(), 'ghes-9': f.host_vars(ghes_url='ftp://ghes-9')}
    result = fleet(tmp_path, hosts=hosts)
    assert result['connected'] == ['ghes-1'] and result['unconnectable'] == ['ghes-9'], result
    assert 'url' in result['appliances']['ghes-9']['error'] and script.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'wave_size': 0}, 'wave_size must be 1 or more'),
    ({'concurrency': 0}, 'concurrency must be 1 or more'),
    ({'approval_timeout': -1}, 'approval_timeout must be 0'),
    ({'target': 'ghe_com'}, 'target: ghe_com needs ghe_com_subdomain'),
])
def test_bad_input_fails_before_any_request(script, tmp_path, args, message):
    result = fleet(tmp_path, args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []
