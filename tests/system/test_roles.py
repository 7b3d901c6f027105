# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The enable / drift / license_upload playbooks over a simulated fleet, for real."""

from __future__ import annotations

import json
import re

import pytest

from harness import ghec_writes, play, writes
from playbook_runner import REPO, run_playbook

VERSIONS = ['3.9.4', '3.10.3', '3.11.9', '3.12.5', '3.13.3', '3.14.2', '3.15.1', '3.16.0', '3.17.1', '3.18.0',
            '3.19.0', '3.20.0', '3.21.0']
SIM_SPEC = {
    'seed': 21,
    'count': 20,
    'versions': VERSIONS,
    'defaults': {'approve_after': 0.3, 'sync_seconds': 0.3},
}
FLEET = ['ghes-%03d' % i for i in range(1, 21)]


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def enable(sim, **extra):
    extra.setdefault('enable_approval_timeout', 30)
    extra.setdefault('enable_sync_wait_timeout', 30)
    return play(sim, 'playbooks/enable.yml', forks=10, **extra)


def drift(sim, report_dir, **extra):
    extra.setdefault('drift_report_dir', str(report_dir))
    return play(sim, 'playbooks/drift.yml', forks=10, **extra)


def report(report_dir):
    return json.loads((report_dir / 'drift.json').read_text())


def clear_logs(ctl):
    for name in FLEET:
        ctl.clear_requests(name)
    ctl.clear_ghec_requests()


def test_fleet_converges_from_scratch_then_is_idempotent_and_drift_free(fleet, tmp_path):
    sim, ctl = fleet
    assert sorted({ctl.appliance(n)['version'] for n in FLEET}) == sorted(VERSIONS)
    first = enable(sim)
    assert first.rc == 0, first.output[-4000:]
    for name in FLEET:
        state = ctl.appliance(name)
        assert state['connected'] and state['license_sync'] and state['last_sync'], name
        assert '%s: connected=True license_sync=True' % name in first.stdout

    second = enable(sim)
    assert second.rc == 0, second.output[-4000:]
    recap = second.recap()
    assert all(recap.get(name, {}).get('changed', 0) == 0 for name in FLEET), recap
    # In the desired state: read by the one scan, not converged (no task on any appliance), one line each.
    assert [r for r in second.results if r['action'].startswith('ghes.connect.') and r['action'] != 'ghes.connect.ghe_drift_scan'] == []
    assert all(second.stdout.count('"%s: connected=True license_sync=True' % name) == 1 for name in FLEET), second.stdout[-3000:]

    clear_logs(ctl)
    checked = drift(sim, tmp_path, drift_fail_on_drift=True)
    assert checked.rc == 0, checked.output[-4000:]
    assert report(tmp_path)['drifted'] == []
    assert all(writes(ctl, name) == [] for name in FLEET) and ghec_writes(ctl) == []
    assert ctl.ghec_requests()['reads'] <= 6, 'enterprise-wide GHEC reads are shared across the fleet'


def test_drift_names_exactly_the_broken_appliances_and_writes_nothing(fleet, tmp_path):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    ctl.patch('ghes-003', connected=False)
    ctl.patch('ghes-008', license_sync=False)
    ctl.patch('ghes-015', last_sync_days_ago=30)
    clear_logs(ctl)
    checked = drift(sim, tmp_path, drift_fail_on_drift=True)
    ghec_requests = len(ctl.ghec_requests()['requests'])
    assert checked.rc != 0
    assert 'Drift on ghes-003, ghes-008, ghes-015' in checked.stdout
    found = dict((r['appliance'], r) for r in report(tmp_path)['appliances'])
    assert sorted(report(tmp_path)['drifted']) == ['ghes-003', 'ghes-008', 'ghes-015']
    assert {'field': 'connect.connected', 'before': False, 'after': True} in found['ghes-003']['differences']
    assert [d['field'] for d in found['ghes-008']['differences']] == ['license_sync.enabled']
    assert [d['field'] for d in found['ghes-015']['differences']] == ['license_sync.last_sync']
    assert '30.0 days ago' in found['ghes-015']['differences'][0]['before']
    markdown = (tmp_path / 'drift.md').read_text()
    assert '3 of 20 appliances differ' in markdown and '| ghes-008 |' in markdown
    assert not re.search(r'\b(None|True|False)\b', markdown), markdown     # words for people, never literals
    # The same scan spread over three forked processes reports the same, in the same order, and
    # its processes share the run's GHEC reads.
    ctl.clear_ghec_requests()
    spread = drift(sim, tmp_path / 'spread', drift_fail_on_drift=True, drift_scan_processes=3)
    assert spread.rc != 0 and 'Drift on ghes-003, ghes-008, ghes-015' in spread.stdout
    assert report(tmp_path / 'spread')['appliances'] == report(tmp_path)['appliances']
    assert len(ctl.ghec_requests()['requests']) == ghec_requests == 3
    assert all(writes(ctl, name) == [] for name in FLEET) and ghec_writes(ctl) == []

    fixed = enable(sim)
    assert fixed.rc == 0, fixed.output[-4000:]
    rechecked = drift(sim, tmp_path, drift_fail_on_drift=True)
    assert rechecked.rc == 0, (tmp_path / 'drift.md').read_text()


def test_one_appliance_down_does_not_stop_the_others_and_a_rerun_converges_it(fleet):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    for name in ('ghes-004', 'ghes-011'):
        ctl.restore(name)  # both need work again
    ctl.down('ghes-004')
    try:
        run = enable(sim, ghes_retries=1)
    finally:
        ctl.up('ghes-004')
    assert run.rc != 0
    assert run.recap()['ghes-004']['failed'] == 1
    assert 'ghes-004: FAILED' in run.stdout
    assert ctl.appliance('ghes-011')['connected'] and ctl.appliance('ghes-011')['license_sync']
    assert all(run.recap().get(n, {}).get('failed', 0) == 0 for n in FLEET if n != 'ghes-004')

    rerun = enable(sim)
    assert rerun.rc == 0, rerun.output[-4000:]
    assert ctl.appliance('ghes-004')['connected'] and ctl.appliance('ghes-004')['license_sync']


def test_restored_appliance_is_found_by_drift_and_converged_by_enable(fleet, tmp_path):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    ctl.restore('ghes-017')
    checked = drift(sim, tmp_path, drift_fail_on_drift=True)
    assert checked.rc != 0
    assert report(tmp_path)['drifted'] == ['ghes-017']
    assert enable(sim).rc == 0
    assert drift(sim, tmp_path, drift_fail_on_drift=True).rc == 0


def test_preflight_lists_every_problem_of_an_appliance_together(fleet):
    sim, ctl = fleet
    ctl.restore('ghes-006')
    ctl.patch('ghes-006', maintenance=True, croquet_support=False)
    # Only this run's writes: under pytest-xdist the test before it on this worker may have converged ghes-006.
    clear_logs(ctl)
    try:
        run = play(sim, 'playbooks/enable.yml', hosts='ghes-006')
    finally:
        ctl.patch('ghes-006', maintenance=False, croquet_support=True)
    assert run.rc != 0
    assert 'does not permit GitHub Connect' in run.stdout and 'is in maintenance mode' in run.stdout
    assert writes(ctl, 'ghes-006') == []


def converged(run):
    """The appliances the run converged (a task of the role ran on them), in the order they were."""
    seen = []
    for result in run.for_task('ghe_connect_info'):
        if result['host'] not in seen:
            seen.append(result['host'])
    return seen


def test_limit_converges_only_the_appliances_it_names(fleet):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    for name in ('ghes-005', 'ghes-006'):
        ctl.restore(name)
        ctl.clear_requests(name)
    run = run_playbook(REPO / 'playbooks' / 'enable.yml', sim.inventory_path, forks=10, extra_args=['--limit', 'ghes-005'],
                       extra_vars={'enable_approval_timeout': 30, 'enable_sync_wait_timeout': 30})
    assert run.rc == 0, run.output[-4000:]
    assert converged(run) == ['ghes-005'] and ctl.appliance('ghes-005')['connected']
    assert writes(ctl, 'ghes-006') == [] and not ctl.appliance('ghes-006')['connected']
    assert '"ghes-005: connected=True' in run.stdout and 'ghes-006' not in run.stdout


def test_serial_converges_the_appliances_that_need_it_in_batches(fleet):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    for name in ('ghes-007', 'ghes-008', 'ghes-009'):
        ctl.restore(name)
    run = enable(sim, ghes_serial=1)
    assert run.rc == 0, run.output[-4000:]
    # One batch per appliance that needed something; the 17 in the desired state were only read.
    assert run.stdout.count('PLAY [Enable GitHub Connect and license sync where needed]') == 3, run.stdout[-3000:]
    assert converged(run) == ['ghes-007', 'ghes-008', 'ghes-009']
    assert all(ctl.appliance(n)['connected'] and ctl.appliance(n)['license_sync'] for n in ('ghes-007', 'ghes-008', 'ghes-009'))


def test_max_fail_percentage_stops_the_rollout_before_the_next_batch(fleet):
    sim, ctl = fleet
    assert enable(sim).rc == 0
    for name in ('ghes-010', 'ghes-012'):
        ctl.restore(name)
    ctl.clear_requests('ghes-012')
    ctl.down('ghes-010')
    try:
        run = enable(sim, ghes_serial=1, ghes_max_fail_percentage=0, ghes_retries=1)
    finally:
        ctl.up('ghes-010')
    assert run.rc != 0
    assert converged(run) == ['ghes-010'] and run.recap()['ghes-010']['failed'] == 1
    assert '"ghes-010: FAILED at' in run.stdout
    assert '"ghes-012: NOT RUN' in run.stdout and writes(ctl, 'ghes-012') == []
    rerun = enable(sim)
    assert rerun.rc == 0, rerun.output[-4000:]
    assert sorted(converged(rerun)) == ['ghes-010', 'ghes-012']
