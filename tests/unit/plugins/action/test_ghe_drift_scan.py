# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_drift_scan, in process, against scripted HTTP: one task reads every appliance, each with its host variables.

One thread (``concurrency: 1``, ``processes: 1``) keeps the order of the calls fixed: the order
is then part of what a test pins (GHEC's enterprise-wide reads once, before any appliance).
"""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Call, run_action

DESIRED = {'connected': True, 'license_sync': True, 'max_sync_age': '7d'}


def url(n):
    return 'https://ghes-%d.example.com' % n


# What every host of the inventory gets from its group's variables: the GHEC options (each host's own, per host).
GHEC_VARIABLES = dict((k, v) for k, v in f.host_vars().items() if k.startswith('ghec_'))


def host(n, **override):
    variables = dict(GHEC_VARIABLES, ghes_url=url(n), ghes_manage_password='pw-%d' % n, ghes_retries=0)
    variables.update(override)
    return dict((k, v) for k, v in variables.items() if v is not None)


def appliance_reads(n, version='3.14.2', hostname=None):
    return f.version_calls(version, hostname=hostname or 'ghes-%d.example.com' % n, manage=url(n) + ':8443')


def scan(hosts, args=None, check_mode=False):
    task_vars = dict(f.host_vars(), hostvars=hosts, ansible_play_hosts_all=list(hosts))
    for name in ('ghes_url', 'ghes_manage_password', 'ghes_console_username', 'ghes_console_password'):
        task_vars.pop(name, None)
    arguments = dict({'concurrency': 1, 'processes': 1, 'console': 'never', 'desired': DESIRED}, **(args or {}))
    return run_action('ghe_drift_scan', arguments, task_vars, check_mode=check_mode)


def by_name(result):
    return dict((r['appliance'], r) for r in result['appliances'])


def test_one_read_of_ghec_for_the_fleet_then_each_appliance_in_turn(script):
    script.strict = True
    script.expect(f.installations_call(f.installation(host='ghes-1.example.com'),
                                       f.installation(host='ghes-2.example.com', connected=False)),
                  f.sync_status_call(f.sync_record(host='ghes-1.example.com', days=1)),
                  *appliance_reads(1), f.statistics_call(f.statistics(host='ghes-1.example.com')),
                  *appliance_reads(2), f.license_call(manage=url(2) + ':8443'))
    result = scan({'ghes-1': host(1), 'ghes-2': host(2)})
    assert result['changed'] is False and not result.get('failed'), result
    records = by_name(result)
    assert records['ghes-1']['verdict'] == 'in_sync', records['ghes-1']
    assert records['ghes-2']['verdict'] == 'drift', records['ghes-2']
    assert result['drifted'] == ['ghes-2'] and script.writes() == []


def test_a_stale_sync_an_unreadable_appliance_and_bad_host_variables_each_get_their_own_record(script):
    script.expect(f.installations_call(f.installation(host='ghes-1.example.com'), f.installation(host='ghes-2.example.com')),
                  f.sync_status_call(f.sync_record(host='ghes-1.example.com', days=10),
                                     f.sync_record(host='ghes-2.example.com', days=1)),
                  *appliance_reads(1), f.statistics_call(f.statistics(host='ghes-1.example.com')),
                  f.license_call(manage=url(1) + ':8443'),
                  Call('GET', url(2) + ':8443/manage/v1/version', error=TimeoutError('timed out')))
    result = scan({'ghes-1': host(1), 'ghes-2': host(2), 'ghes-3': host(3, ghes_url='not a url'),
                   'ghes-4': host(4, ghes_license_report='uplaod')})
    assert not result.get('failed'), result
    records = by_name(result)
    assert records['ghes-1']['verdict'] == 'drift'
    assert [d['field'] for d in records['ghes-1']['differences']] == ['license_sync.last_sync']
    assert records['ghes-2']['verdict'] == 'error' and 'did not answer' in records['ghes-2']['error']
    assert records['ghes-3']['verdict'] == 'error' and 'url' in records['ghes-3']['error']
    # A misspelt choice of how usage reaches GHEC is that host's error (the per-host task refuses it too), never "sync".
    assert records['ghes-4']['verdict'] == 'error', records['ghes-4']
    assert "ghes_license_report is 'uplaod'" in records['ghes-4']['error'] and 'sync, upload' in records['ghes-4']['error']
    assert sorted(result['drifted']) == ['ghes-1', 'ghes-2', 'ghes-3', 'ghes-4']
    assert 'pw-1' not in repr(result) and 'pw-2' not in repr(result) and script.writes() == []


def test_ghec_unreadable_is_every_appliance_s_error_without_asking_ghec_again(script):
    script.expect(Call('POST', f.GHEC + '/graphql', status=401, json={'message': 'Bad credentials'}))
    result = scan({'ghes-1': host(1), 'ghes-2': host(2)})
    assert not result.get('failed'), result
    records = by_name(result)
    assert [r['verdict'] for r in records.values()] == ['error', 'error']
    assert all('GHEC could not be read' in r['error'] for r in records.values())
    assert f.GHEC_TOKEN not in repr(result)


def test_ghec_spelling_host_names_its_own_way_still_matches_each_appliance(script):
    script.expect(f.installations_call(f.installation(host='GHES-1.EXAMPLE.COM.')),
                  f.sync_status_call(f.sync_record(host='Ghes-1.Example.Com.', days=1)),
                  *appliance_reads(1), f.statistics_call(f.statistics(host='ghes-1.EXAMPLE.com')))
    result = scan({'ghes-1': host(1)})
    assert by_name(result)['ghes-1']['verdict'] == 'in_sync', result


def test_check_mode_reads_the_same_and_writes_nothing(script):
    script.expect(f.installations_call(f.installation(host='ghes-1.example.com')),
                  f.sync_status_call(f.sync_record(host='ghes-1.example.com', days=1)),
                  *appliance_reads(1), f.statistics_call(f.statistics(host='ghes-1.example.com')))
    result = scan({'ghes-1': host(1)}, check_mode=True)
    assert result['changed'] is False and by_name(result)['ghes-1']['verdict'] == 'in_sync', result
    assert script.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'concurrency': 0}, 'concurrency must be 1 or more'),
    ({'processes': 0}, 'processes must be 1 or more'),
    ({'host_vars': {'colour': 'ghes_colour'}}, 'host_vars maps unknown appliance options: colour'),
    ({'desired': {'connected': True, 'license_sync': True, 'max_sync_age': 'later'}}, 'desired.max_sync_age'),
])
def test_bad_input_fails_before_any_request(script, args, message):
    result = scan({'ghes-1': host(1)}, args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []


def without_date(call):
    call.headers.pop('Date')
    return call


def test_ghec_without_a_date_header_is_said_once_for_the_scan_not_once_per_appliance(script):
    hosts = ('ghes-1.example.com', 'ghes-2.example.com', 'ghes-3.example.com')
    script.expect(f.installations_call(*[f.installation(host=h) for h in hosts]),
                  without_date(f.sync_status_call(*[f.sync_record(host=h, days=1) for h in hosts])),
                  *appliance_reads(1), without_date(f.statistics_call(*[f.statistics(host=h) for h in hosts])),
                  f.license_call(manage=url(1) + ':8443'),
                  *appliance_reads(2), f.license_call(manage=url(2) + ':8443'),
                  *appliance_reads(3), f.license_call(manage=url(3) + ':8443'))
    result = scan({'ghes-%d' % n: host(n) for n in (1, 2, 3)})
    assert not result.get('failed'), result
    clock = [w for w in result['warnings'] if "controller's clock" in w]
    assert len(clock) == 1 and clock[0].startswith('GHEC answered ') and 'without a Date header' in clock[0], result
    assert not any('_clock_warning' in record for record in result['appliances'])
    assert len(result['appliances']) == 3 and script.writes() == []


def test_per_appliance_warnings_and_the_task_s_own_are_all_kept(script):
    script.expect(f.installations_call(f.installation(host='ghes-1.example.com')),
                  f.sync_status_call(f.sync_record(host='ghes-1.example.com', days=1)),
                  *appliance_reads(1), f.statistics_call(f.statistics(host='ghes-1.example.com')))
    result = scan({'ghes-1': host(1, ghes_validate_certs=False)})
    assert any(w.startswith('ghes-1: validate_certs is false') for w in result['warnings']), result
