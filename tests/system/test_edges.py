# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safety at the edges: what an unlucky operator's settings (a umask, per-host options) must not cost."""

from __future__ import annotations

import os
import stat

import pytest

from harness import play

SIM_SPEC = {
    'seed': 27,
    'appliances': [
        {'name': 'fresh', 'version': '3.14.2'},
        {'name': 'on', 'version': '3.16.0', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
    ],
}


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def test_directories_created_under_umask_000_are_0700_parents_included(fleet, tmp_path):
    sim, _ctl = fleet
    state = tmp_path / 'a' / 'b' / 'state'
    report = tmp_path / 'c' / 'd' / 'report'
    old = os.umask(0)
    try:
        run = play(sim, 'playbooks/drift.yml', hosts='fresh:on', ghes_target_hosts='fresh:on', drift_report_dir=str(report),
                   env={'GHES_CONNECT_STATE_DIR': str(state)})
    finally:
        os.umask(old)
    assert run.rc == 0, run.output[-3000:]
    made = [tmp_path / 'a', tmp_path / 'a' / 'b', state, tmp_path / 'c', tmp_path / 'c' / 'd', report]
    made += [p for p in state.rglob('*') if p.is_dir()] + [p for p in report.rglob('*') if p.is_dir()]
    assert [(str(p), oct(stat.S_IMODE(p.stat().st_mode))) for p in made if stat.S_IMODE(p.stat().st_mode) != 0o700] == []
