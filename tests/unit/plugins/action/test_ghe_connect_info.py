# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect_info, in process, against scripted HTTP: read-only in every mode, every value with its source."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action

DESIRED = {'connected': True, 'license_sync': True, 'max_sync_age': '7d'}


def info(args=None, check_mode=False, **variables):
    return run_action('ghe_connect_info', dict(args or {}), f.host_vars(**variables), check_mode=check_mode)


def preflight_reads(version='3.14.2', maintenance='off'):
    return [*f.version_calls(version), f.license_call(), f.config_apply_call(), f.maintenance_call(maintenance)]


def test_a_disconnected_appliance_is_read_from_every_interface_and_nothing_is_written(script):
    script.expect(*preflight_reads(), f.installations_call(), *f.console_read_calls(f.simulated()),
                  f.sync_status_call())
    result = info()
    assert result['changed'] is False and not result.get('failed'), result
    appliance = result['appliance']
    assert appliance['version'] == '3.14.2' and appliance['hostname'] == f.HOSTNAME
    assert appliance['identity']['source'] == 'manage_api'
    assert appliance['connect']['connected'] is False and appliance['connect']['status'] == 'disabled'
    assert appliance['sources']['connect.status'] == 'console' and appliance['sources']['version'] == 'manage_api'
    assert appliance['license']['connect_permitted'] is True and appliance['maintenance'] is False
    assert appliance['license_sync']['enabled'] is False and appliance['license_sync']['last_sync'] is None
    assert script.writes() == []


def test_check_mode_reads_exactly_the_same(script):
    script.expect(*preflight_reads(), f.installations_call(), *f.console_read_calls(f.simulated()),
                  f.sync_status_call())
    result = info(check_mode=True)
    assert result['changed'] is False and not result.get('failed'), result
    assert script.writes() == []


def test_desired_state_met_is_in_sync(script):
    script.expect(*preflight_reads(), f.installations_call(f.installation()), f.statistics_call(),
                  *f.console_read_calls(f.simulated(connected=True, license_sync=True)),
                  f.sync_status_call(f.sync_record(days=1)))
    result = info({'desired': DESIRED})
    assert not result.get('failed'), result
    assert result['verdict'] == 'in_sync' and result['differences'] == [] and result['unknown'] == []
    assert result['record']['verdict'] == 'in_sync' and result['record']['appliance'] == 'ghes-1'
    assert result['appliance']['license_sync']['sync_age_seconds'] == 86400


def test_desired_state_missed_is_drift_with_each_difference(script):
    script.expect(*preflight_reads(), f.installations_call(), *f.console_read_calls(f.simulated()),
                  f.sync_status_call())
    result = info({'desired': DESIRED})
    assert not result.get('failed'), result
    assert result['verdict'] == 'drift'
    fields = [d['field'] for d in result['differences']]
    assert 'connect.connected' in fields and 'license_sync.enabled' in fields, result['differences']
    assert {'field': 'connect.connected', 'before': False, 'after': True} in result['differences']
    assert script.writes() == []


def test_a_stale_sync_is_drift_against_ghec_s_clock(script):
    script.expect(*preflight_reads(), f.installations_call(f.installation()), f.statistics_call(),
                  *f.console_read_calls(f.simulated(connected=True, license_sync=True)),
                  f.sync_status_call(f.sync_record(days=10)))
    result = info({'desired': DESIRED})
    assert result['verdict'] == 'drift', result
    assert [d['field'] for d in result['differences']] == ['license_sync.last_sync']
    assert result['appliance']['license_sync']['sync_age_seconds'] == 10 * 86400


def test_console_never_reads_ghec_only_and_says_what_it_could_not_read(script):
    script.expect(*preflight_reads(), f.installations_call(f.installation()), f.statistics_call(),
                  f.sync_status_call(f.sync_record()))
    result = info({'console': 'never'})
    assert not result.get('failed'), result
    appliance = result['appliance']
    assert appliance['connect']['connected'] is True and appliance['sources']['connect.connected'] != 'console'
    assert script.writes() == []


def test_ghec_timing_out_makes_its_facts_unknown_not_different(script):
    script.expect(*preflight_reads(), f.Call('POST', f.GHEC + '/graphql', error=TimeoutError('timed out')))
    result = info({'desired': DESIRED})
    assert not result.get('failed'), result
    # The scan's verdict for the same failure (issue 26): error, and what it leaves unknown, never different.
    assert result['verdict'] == 'error' and result['differences'] == [], result
    assert [u['field'] for u in result['unknown']] == ['connect.connected', 'license_sync.enabled', 'license_sync.last_sync']
    assert all('did not answer within 30s' in u['reason'] for u in result['unknown'])
    assert f.GHEC_TOKEN not in repr(result) and script.writes() == []
    # One shape of unknown everywhere in the result: the list of {field, reason}, at every level.
    shapes = list(unknown_shapes(result))
    assert len(shapes) >= 3 and all(shape == ['field', 'reason'] for shape in shapes), shapes
    assert 'did not answer within 30s' in f.reasons(result['appliance']['connect'])['connect.connected']


def unknown_shapes(value):
    """The sorted keys of every item of every ``unknown`` in ``value`` (a dict ``unknown`` is a shape of its own)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == 'unknown':
                if isinstance(item, list):
                    for entry in item:
                        yield sorted(entry)
                else:
                    yield type(item).__name__
            else:
                yield from unknown_shapes(item)
    elif isinstance(value, list):
        for item in value:
            yield from unknown_shapes(item)


def test_maintenance_mode_closes_the_console_and_is_reported(script):
    script.expect(*preflight_reads(maintenance='on'), f.installations_call(f.installation()), f.statistics_call(),
                  f.sync_status_call(f.sync_record()))
    result = info({'desired': DESIRED})
    assert not result.get('failed'), result
    assert result['appliance']['maintenance'] is True
    # Connected and synced per GHEC; the switch itself is on the closed console: unknown, with the reason.
    assert result['verdict'] == 'unknown' and result['differences'] == [], result
    assert result['blocked_by'] == ['the appliance is in maintenance mode: the console is closed until it ends; leave maintenance '
                                    'mode and run again']
    assert [u['field'] for u in result['unknown']] == ['license_sync.enabled']
    assert 'maintenance' in result['unknown'][0]['reason']
    assert script.writes() == []


def test_an_ip_url_with_the_host_name_from_the_settings(script):
    manage = 'https://10.1.2.3:8443'
    script.expect(*f.version_calls(manage=manage),
                  f.Call('GET', manage + '/manage/v1/config/license', json=f.license_call().json_body()),
                  f.Call('GET', manage + '/manage/v1/config/apply', json={'running': False, 'nodes': []}),
                  f.Call('GET', manage + '/manage/v1/maintenance', json=[{'status': 'off'}]),
                  f.installations_call(f.installation()), f.statistics_call(), f.sync_status_call(f.sync_record()))
    result = info({'console': 'never'}, ghes_url='https://10.1.2.3')
    assert not result.get('failed'), result
    assert result['appliance']['hostname'] == f.HOSTNAME and result['appliance']['url'] == 'https://10.1.2.3'


@pytest.mark.parametrize('args, message', [
    ({'desired': {'connected': True, 'max_sync_age': '7d'}}, 'desired.max_sync_age only applies'),
    ({'desired': {'connected': True, 'license_sync': True, 'max_sync_age': 'soon'}}, 'desired.max_sync_age'),
    ({'console': 'sometimes'}, 'console'),
])
def test_bad_input_fails_before_any_request(script, args, message):
    result = info(args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []


def test_a_hosts_own_choice_of_usage_report_is_checked_before_any_request(script):
    # The same check, the same words, as ghe_drift_scan's for that host (plugin_utils/_host_vars.license_report_of).
    result = info({'desired': DESIRED}, ghes_license_report='uplaod')
    assert result.get('failed') and "ghes-1: the host variable ghes_license_report is 'uplaod'" in result['msg'], result
    assert script.made == []


def test_a_hosts_upload_choice_wins_over_the_tasks_and_judges_the_latest_upload(script):
    # Disconnected and air-gapped: with the host's upload choice only the uploads count, as in the scan.
    script.expect(*f.version_calls(), f.installations_call(f.installation(connected=False)), f.sync_status_call(),
                  f.license_call())
    result = info({'desired': DESIRED, 'preflight': False, 'console': 'never'}, ghes_license_report='upload')
    assert not result.get('failed'), result
    assert [d['field'] for d in result['differences']] == ['license_upload.latest'], result['differences']
    assert script.writes() == []
