# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each situation in which a field an answer did not carry used to become a value (issue 26, "Why").

Every test runs a module in process against scripted answers; each failed before the parsers
said "unknown, because ..." and passes since.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Call, run_action

DESIRED = {'connected': True, 'license_sync': True, 'max_sync_age': '7d'}
OTHER_SERVER = '9f1c2b7e-0d4a-4e51-8a3b-6c2d1e0f9a88'


def info(args=None, **variables):
    return run_action('ghe_connect_info', dict(args or {}), f.host_vars(**variables))


def license_answer(**change):
    """The documented license with ``change`` applied (a value of ``...`` removes the field)."""
    data = json.loads(f.license_call().body)
    for key, value in change.items():
        if value is Ellipsis:
            data.pop(key)
        else:
            data[key] = value
    return Call('GET', f.MANAGE + '/manage/v1/config/license', json=data)


@pytest.mark.parametrize('change, said', [
    ({'croquetSupport': None}, 'croquetSupport is null in the Manage API license'),
    ({'croquetSupport': Ellipsis}, 'croquetSupport missing from the Manage API license'),
])
def test_a_license_that_does_not_say_croquet_support_is_unknown_not_forbidding_connect(script, change, said):
    # Disconnected: drift. Before, the license "did not permit Connect" and the appliance was blocked.
    script.expect(*f.version_calls(), license_answer(**change), f.config_apply_call(), f.maintenance_call(),
                  f.installations_call(), *f.console_read_calls(f.simulated()), f.sync_status_call())
    result = info({'desired': DESIRED})
    assert not result.get('failed'), result
    appliance = result['appliance']
    assert appliance['license']['connect_permitted'] is None
    assert f.reasons(appliance)['license.connect_permitted'] == said
    assert not any('croquetSupport' in problem for problem in appliance['problems']), appliance['problems']
    assert result['verdict'] == 'drift' and result['blocked_by'] == [], result


def test_a_ghec_answer_without_a_date_header_is_aged_on_the_controllers_clock_with_one_warning(script):
    sync = f.sync_status_call(f.sync_record(days=1))
    statistics = f.statistics_call(f.statistics())
    sync.headers.pop('Date')
    statistics.headers.pop('Date')
    script.expect(*f.version_calls(), f.installations_call(f.installation()), statistics,
                  f.maintenance_call(), *f.console_read_calls(f.simulated(connected=True, license_sync=True)), sync)
    # The controller's clock is days after the fixtures' GHEC clock: a month's max age keeps it in sync.
    result = info({'desired': dict(DESIRED, max_sync_age='30d'), 'preflight': False})
    assert not result.get('failed'), result
    assert result['verdict'] == 'in_sync', result['record']
    clock = [w for w in result.get('warnings', []) if 'controller\'s clock' in w]
    assert len(clock) == 1 and 'without a Date header' in clock[0], result.get('warnings')
    # GHEC's clock is the fleet's: the same words on every host (Ansible shows a warning text once), no host name.
    assert not clock[0].startswith('ghes-1'), clock
    # Aged on the controller's clock (later than GHEC's fixed one), not left without a clock.
    assert result['appliance']['license_sync']['sync_age_seconds'] > 86400


def test_two_sync_records_of_one_name_without_statistics_are_not_the_other_servers_success(script):
    mine_failed = f.sync_record(days=2, status='failure', error='boom')
    others_success = f.sync_record(days=1, server_id=OTHER_SERVER)
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(),
                  f.maintenance_call(), *f.console_read_calls(f.simulated(connected=True, license_sync=True)),
                  f.sync_status_call(mine_failed, others_success), f.license_call())
    result = info({'desired': DESIRED, 'preflight': False})
    assert not result.get('failed'), result
    assert result['appliance']['license_sync']['last_sync'] is None
    unknown = dict((u['field'], u['reason']) for u in result['unknown'])
    assert 'license_sync.last_sync' in unknown and OTHER_SERVER in unknown['license_sync.last_sync'], result['unknown']
    assert result['verdict'] == 'unknown', result['record']


def test_two_sync_records_of_one_server_are_that_servers_history(script):
    older = f.sync_record(days=3, status='failure', error='boom')
    newer = f.sync_record(days=1)
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(),
                  f.maintenance_call(), *f.console_read_calls(f.simulated(connected=True, license_sync=True)), f.sync_status_call(older, newer))
    result = info({'desired': DESIRED, 'preflight': False})
    assert result['verdict'] == 'in_sync' and result['appliance']['license_sync']['last_sync']['status'] == 'success'


def bad_token_call():
    return Call('POST', f.GHEC + '/graphql', status=401, json={'message': 'Bad credentials'})


def test_a_wrong_ghec_token_warns_and_reports_the_ghec_facts_unknown_with_the_reason(script):
    script.expect(*f.version_calls(), bad_token_call())
    result = info({'preflight': False})
    assert not result.get('failed'), result
    assert any('GHEC could not be read' in w and 'ghec_token' in w for w in result.get('warnings', [])), result
    connect = result['appliance']['connect']
    assert connect['connected'] is None and 'ghec_token' in f.reasons(connect)['connect.connected']


def test_the_same_ghec_failure_is_the_same_verdict_per_host_and_in_the_scan(script):
    script.expect(*f.version_calls(), bad_token_call())
    per_host = info({'desired': DESIRED, 'preflight': False})['record']
    script.expect(bad_token_call())
    task_vars = dict(f.host_vars(), hostvars={'ghes-1': f.host_vars()}, ansible_play_hosts_all=['ghes-1'])
    scanned = run_action('ghe_drift_scan', {'concurrency': 1, 'processes': 1, 'console': 'never', 'desired': DESIRED},
                         task_vars)['appliances'][0]
    assert per_host['verdict'] == scanned['verdict'] == 'error', (per_host, scanned)
    assert per_host['error'] == scanned['error'] and 'ghec_token' in per_host['error']
    assert per_host['unknown'] == scanned['unknown'] and per_host['differences'] == scanned['differences'] == []
