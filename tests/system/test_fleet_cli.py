# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/fleet: the commands scripts/demo --keep prints, run as a person would, against a running fleet."""

from __future__ import annotations

import os
import subprocess

from playbook_runner import REPO

SIM_SPEC = {'seed': 31, 'count': 2, 'defaults': {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1}}


def fleet(sim, *args):
    run = subprocess.run([str(REPO / 'scripts' / 'fleet'), *args], capture_output=True, text=True, check=False,
                         env=dict(os.environ, GHES_FLEET=os.path.join(sim.workdir, 'simulator.json')))
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_status_break_reset_and_clock(module_simulator):
    sim = module_simulator
    ctl = sim.control()
    table = fleet(sim, 'status').splitlines()
    assert table[0].split() == ['appliance', 'GHES', 'connected', 'license', 'sync', 'last', 'sync', 'last', 'upload']
    assert [line.split()[0] for line in table[1:]] == ['ghes-001', 'ghes-002']
    assert all(line.split()[2:4] == ['yes', 'on'] and line.split()[-1] == 'none' for line in table[1:]), table

    assert 'ghes-001: license-sync broken' in fleet(sim, 'break', 'ghes-001', 'license-sync')
    assert ctl.appliance('ghes-001')['license_sync'] is False
    fleet(sim, 'break', 'ghes-002', 'connect')
    assert ctl.appliance('ghes-002')['connected'] is False

    assert 'restored from a backup' in fleet(sim, 'reset', 'ghes-001')
    assert ctl.appliance('ghes-001')['connected'] is False

    before = ctl.clock()['now']
    fleet(sim, 'clock', '+9d')
    assert ctl.clock()['now'][:10] > before[:10]
    assert 'no Connect request is waiting' in fleet(sim, 'approve')


def test_a_mistake_is_named(module_simulator):
    run = subprocess.run([str(REPO / 'scripts' / 'fleet'), 'reset', 'ghes-999'], capture_output=True, text=True,
                         check=False, env=dict(os.environ, GHES_FLEET=os.path.join(module_simulator.workdir, 'simulator.json')))
    assert run.returncode != 0 and 'no appliance ghes-999 (the fleet has ghes-001, ghes-002)' in run.stderr
