# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_sync, by real ansible-playbook runs against the simulator."""

from __future__ import annotations

import time

import pytest

from harness import ghec_writes, play, when_requested, writes

TEN_DAYS = 10 * 86400


def connected(name, version, **fields):
    fields.setdefault('connected', True)
    fields.setdefault('sync_seconds', 0.3)
    return dict(name=name, version=version, **fields)


@pytest.mark.parametrize('version', ['3.11.9', '3.16.0'], ids=['select-ui', 'button-ui'])
def test_enable_is_idempotent_and_disable_changes(sim_and_control, version):
    sim, ctl = sim_and_control(connected('s', version))
    first = play(sim, 'license_sync', diff=True)
    assert first.rc == 0, first.output
    result = first.result('ghe_license_sync', 's')
    assert result['changed'] and result['license_sync']['enabled'] is True
    assert result['diff']['before']['enabled'] is False and result['diff']['after']['enabled'] is True
    assert ctl.appliance('s')['license_sync'] is True

    ctl.clear_requests('s')
    second = play(sim, 'license_sync')
    assert second.rc == 0, second.output
    assert second.result('ghe_license_sync', 's')['changed'] is False
    assert writes(ctl, 's') == []

    off = play(sim, 'license_sync', state='disabled')
    assert off.rc == 0, off.output
    assert off.result('ghe_license_sync', 's')['changed'] is True
    assert ctl.appliance('s')['license_sync'] is False


def test_check_diff_shows_the_change_and_writes_nothing(sim_and_control):
    sim, ctl = sim_and_control(connected('c', '3.14.2'))
    run = play(sim, 'license_sync', check=True, diff=True, sync_now=True, max_sync_age='8d')
    assert run.rc == 0, run.output
    result = run.result('ghe_license_sync', 'c')
    assert result['changed'] is True
    fields = [d['field'] for d in result['differences']]
    assert fields == ['license_sync.enabled', 'license_sync.last_sync']
    assert writes(ctl, 'c') == [] and ghec_writes(ctl) == []
    assert ctl.appliance('c')['license_sync'] is False


def test_stale_sync_with_sync_now_triggers_a_sync_and_reports_the_new_date(sim_and_control):
    sim, ctl = sim_and_control(connected('stale', '3.17.1', license_sync=True, last_sync_days_ago=1))
    # GHEC's clock runs 10 days ahead of the controller's, and the last sync is 10 days old on
    # GHEC's clock. Measured on the controller's clock it would look fresh: this proves ages use GHEC's.
    ctl.advance(TEN_DAYS)
    ctl.patch('stale', last_sync_days_ago=10)
    before = ctl.appliance('stale')['last_sync']['date']
    run = play(sim, 'license_sync', max_sync_age='8d', sync_now=True, wait_timeout=30)
    assert run.rc == 0, run.output
    result = run.result('ghe_license_sync', 'stale')
    assert result['changed'] and result['sync_triggered']
    assert result['license_sync']['last_sync']['status'] == 'success'
    assert result['license_sync']['last_sync']['date'] > before
    assert result['license_sync']['sync_age_seconds'] < 60
    assert any(r['path'].endswith('/settings/license/sync') for r in writes(ctl, 'stale'))


def test_stale_sync_without_sync_now_is_reported_not_fixed(sim_and_control):
    sim, ctl = sim_and_control(connected('stale2', '3.12.5', license_sync=True, last_sync_days_ago=10))
    run = play(sim, 'license_sync', max_sync_age='8d')
    assert run.rc == 0, run.output
    result = run.result('ghe_license_sync', 'stale2')
    assert result['changed'] is False and not result['sync_triggered']
    assert result['differences'][0]['field'] == 'license_sync.last_sync'
    assert 'days ago (max_sync_age 8.0 days)' in result['differences'][0]['before']
    assert 'sync_now: true' in ' '.join(result['warnings'])
    assert writes(ctl, 'stale2') == []


def test_failed_sync_is_drift_and_a_failing_sync_now_reports_ghec_error(sim_and_control):
    sim, ctl = sim_and_control(connected('bad', '3.15.1', license_sync=True, last_sync_days_ago=2,
                                         last_sync_status='failure', last_sync_error='upstream timeout',
                                         sync_fail=True))
    run = play(sim, 'license_sync', max_sync_age='8d', sync_now=True, wait_timeout=20)
    assert run.rc != 0
    message = run.result('ghe_license_sync', 'bad')['msg']
    assert 'finished with status "failure" on GHEC' in message


def test_manual_waits_for_the_operator(sim_and_control):
    sim, ctl = sim_and_control(connected('m', '3.13.3'))
    when_requested(ctl, 'm', '/settings/dotcom_connection', lambda: ctl.click('m', 'license_sync', True), times=2)
    run = play(sim, 'license_sync', method='manual', wait_timeout=30)
    assert run.rc == 0, run.output
    assert '"Server can sync user license count and usage" -> Enabled' in run.stdout
    result = run.result('ghe_license_sync', 'm')
    assert result['changed'] and result['license_sync']['enabled'] and result['method_used'] == 'manual'


def test_manual_times_out_clearly(sim_and_control):
    sim, ctl = sim_and_control(connected('m2', '3.18.0'))
    started = time.monotonic()
    run = play(sim, 'license_sync', method='manual', wait_timeout=3)
    assert run.rc != 0
    message = run.result('ghe_license_sync', 'm2')['msg']
    assert 'still shows off after waiting 3s for the operator' in message and '"License sync" -> Enable' in message
    # It gave up after its 3 s, not after the default 300 s: the rest is ansible-playbook starting,
    # which takes tens of seconds on a busy machine.
    assert time.monotonic() - started < 150
    assert writes(ctl, 'm2') == []


def test_connect_off_fails_with_what_to_run_first(sim_and_control):
    sim, ctl = sim_and_control(dict(name='off', version='3.14.2'))
    run = play(sim, 'license_sync')
    assert run.rc != 0
    assert 'Run ghes.connect.ghe_connect first' in run.result('ghe_license_sync', 'off')['msg']
    assert writes(ctl, 'off') == []


def test_console_login_refused(sim_and_control):
    sim, ctl = sim_and_control(connected('lock', '3.14.2'))
    run = play(sim, 'license_sync', ghes_console_password='wrong-password')
    assert run.rc != 0
    assert 'refused the sign-in of console_username' in run.result('ghe_license_sync', 'lock')['msg']
    assert writes(ctl, 'lock') == []


def test_token_without_scope(sim_and_control):
    sim, ctl = sim_and_control(connected('t', '3.14.2'))
    run = play(sim, 'license_sync', ghec_token=sim.info['ghec_tokens']['noscope'])
    assert run.rc != 0
    assert 'lacks the read:enterprise scope' in run.result('ghe_license_sync', 't')['msg']
    assert writes(ctl, 't') == []


def test_rate_limit_is_retried_within_bound(sim_and_control):
    sim, ctl = sim_and_control(connected('r', '3.14.2', license_sync=True, last_sync_days_ago=1))
    ctl.fault(target='ghec', path_prefix='/enterprises/acme/license-sync-status', status=429, count=2, retry_after=1)
    run = play(sim, 'license_sync', max_sync_age='8d')
    assert run.rc == 0, run.output
    assert run.result('ghe_license_sync', 'r')['changed'] is False


def test_rate_limit_beyond_the_bound_is_a_clear_error(sim_and_control):
    sim, ctl = sim_and_control(connected('r2', '3.14.2', license_sync=True, last_sync_days_ago=1))
    ctl.fault(target='ghec', path_prefix='/enterprises/acme/license-sync-status', status=403, count=50,
              retry_after=0, body={'message': 'API rate limit exceeded'})
    run = play(sim, 'license_sync', max_sync_age='8d', ghes_retries=2)
    assert run.rc != 0
    message = run.result('ghe_license_sync', 'r2')['msg']
    assert 'API rate limit exceeded' in message and 'Rate limited' in message and 'gave up after' in message
    assert writes(ctl, 'r2') == []
