# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet scan's concurrency over a slow network: grown past a fixed count when unset, pinned when set.

The simulator puts every appliance 100 ms away and counts, from the server side, how many
connections were waiting on it at once: the scan's concurrency as the network sees it.
"""

from __future__ import annotations

import json

import pytest

from harness import play

SIZE = 60
SIM_SPEC = {
    'seed': 5,
    'count': SIZE,
    'ghec_rtt_ms': 20,
    'defaults': {'rtt_ms': 100, 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1,
                 'features': {'server_statistics': True}},
}


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def scan(sim, ctl, report_dir, **extra):
    ctl.clear_connections()
    ctl.clear_all_requests()
    result = play(sim, 'playbooks/drift.yml', drift_report_dir=str(report_dir), drift_fail_on_drift=True, **extra)
    assert result.rc == 0, result.stdout[-3000:]
    report = json.loads((report_dir / 'drift.json').read_text())
    assert len(report['appliances']) == SIZE and report['drifted'] == []
    return ctl.connections()


def test_unset_it_grows_past_a_fixed_thread_count_and_opens_one_connection_per_appliance(fleet, tmp_path):
    sim, ctl = fleet
    counts = scan(sim, ctl, tmp_path)
    peak = counts['open']['appliances']['peak_in_flight']
    # 16 was the fixed default; 100 ms away each thread mostly waits, so the scan grows beyond it.
    assert 16 < peak <= 128, peak
    assert set(counts['appliances'].values()) == {1}
    totals = ctl.totals()['appliances']
    # Two reads an appliance: its version and its configured host name (the name GHEC knows it by).
    assert all(t == {'reads': 2, 'writes': 0} for t in totals.values()), totals


def test_set_it_is_pinned(fleet, tmp_path):
    sim, ctl = fleet
    counts = scan(sim, ctl, tmp_path, drift_scan_concurrency=3)
    assert 1 <= counts['open']['appliances']['peak_in_flight'] <= 3
    assert set(counts['appliances'].values()) == {1}
