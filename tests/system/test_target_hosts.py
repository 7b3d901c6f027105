# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks' target: the group ghes, or the group ghes_target_hosts names; never a green run of nothing.

An administrator whose appliances sit in a group of another name used to get "no hosts
matched" and exit code 0 from the enable playbook: a rollout that did nothing looked done.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from playbook_runner import REPO, run_playbook

SIM_SPEC = {'seed': 31, 'count': 2, 'defaults': {'approve_after': 0.2, 'sync_seconds': 0.2}}
PLAYBOOKS = ('enable', 'drift', 'drift_per_host', 'license_upload')


def regrouped(sim, tmp_path, group='appliances'):
    """The simulator's inventory with its appliances in a group of the user's own name."""
    inventory = yaml.safe_load(Path(sim.inventory_path).read_text())
    inventory['all']['children'] = {group: inventory['all']['children']['ghes']}
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_a_play_that_matches_no_appliance_fails_naming_the_group_and_the_variable(module_simulator, tmp_path, playbook):
    run = run_playbook(REPO / 'playbooks' / ('%s.yml' % playbook), regrouped(module_simulator, tmp_path))
    assert run.rc == 2, run.output[-3000:]
    assert ('No host of the inventory matches "ghes" (the group ghes: ghes_target_hosts is not set), so no appliance '
            'would be checked or changed. Put the appliances in the group ghes, or name their group with '
            '-e ghes_target_hosts=GROUP.') in run.stdout, run.output[-3000:]
    assert [(r['host'], r['action']) for r in run.results] == [('localhost', 'ansible.builtin.fail')], 'nothing ran on an appliance'


def test_a_target_that_matches_nothing_is_named_as_given(module_simulator, tmp_path):
    run = run_playbook(REPO / 'playbooks' / 'enable.yml', regrouped(module_simulator, tmp_path),
                       extra_vars={'ghes_target_hosts': 'appliance'})
    assert run.rc == 2 and 'No host of the inventory matches "appliance" (the variable ghes_target_hosts)' in run.stdout, \
        run.output[-3000:]


def test_ghes_target_hosts_names_the_users_group(module_simulator, tmp_path):
    run = run_playbook(REPO / 'playbooks' / 'drift.yml', regrouped(module_simulator, tmp_path),
                       extra_vars={'ghes_target_hosts': 'appliances', 'drift_report_dir': str(tmp_path / 'report'),
                                   'drift_fail_on_unknown': False})
    assert run.rc == 0, run.output[-3000:]
    report = run.result('ghe_drift_report', 'ghes-001')
    assert report['appliances'] == 2, report
