# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ansible-playbook ghes.connect.enable --check --diff``: predicts the whole run, writes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness import ghec_writes, writes
from playbook_runner import REPO, run_playbook

FRESH = ['f309', 'f314', 'f320']


def fleet(sim_and_control):
    return sim_and_control(
        {'name': 'f309', 'version': '3.9.4'}, {'name': 'f314', 'version': '3.14.2'},
        {'name': 'f320', 'version': '3.20.0'},
        {'name': 'done', 'version': '3.17.1', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1,
         'features': {'server_statistics': True}},
        defaults={'approve_after': 0.2, 'sync_seconds': 0.2})


def inventory_without_console(sim, tmp_path, hosts):
    """The simulator's inventory with no console credentials for ``hosts`` (SAML-only consoles, say)."""
    inventory = yaml.safe_load(Path(sim.inventory_path).read_text())
    for name in hosts:
        for variable in ('ghes_console_username', 'ghes_console_password'):
            inventory['all']['children']['ghes']['hosts'][name].pop(variable, None)
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    path.chmod(0o600)
    return path


def enable(inventory, check=True):
    return run_playbook(REPO / 'playbooks' / 'enable.yml', inventory, check=check, diff=True, forks=4,
                        extra_vars={'enable_approval_timeout': 30, 'enable_sync_wait_timeout': 30})


def test_check_diff_on_a_fresh_fleet_predicts_connect_and_license_sync_and_writes_nothing(sim_and_control, tmp_path):
    sim, ctl = fleet(sim_and_control)
    for name in FRESH + ['done']:
        ctl.clear_requests(name)
    ctl.clear_ghec_requests()
    # The appliance that needs no change has no console credentials: it must not need them.
    run = enable(inventory_without_console(sim, tmp_path, ['done']))
    assert run.rc == 0, run.output[-4000:]
    for name in FRESH:
        connect = run.result('ghe_connect', name)
        assert connect['changed'] and connect['diff']['before']['connected'] is False, connect
        assert connect['diff']['after']['status'] == 'pending'
        sync = run.result('ghe_license_sync', name)
        assert sync['predicted'] is True and sync['changed'] is True, sync
        assert sync['diff']['after']['enabled'] is True and sync['diff']['before']['enabled'] in (False, None)
        assert {'field': 'license_sync.enabled', 'before': False, 'after': True} in sync['differences']
        # The appliance's own line and its line of the fleet summary: one record, printed twice.
        line = re.compile(r'"%s: PREDICTED \(check mode\) connected=True license_sync=True last_sync=\S+ - would: connect, '
                          r'license sync on"' % name)
        assert len(line.findall(run.stdout)) == 2, run.stdout[-3000:]
    # In the desired state already: read by the scan, no task on it at all.
    assert run.for_task('ghe_connect', 'done') == [] and run.for_task('ghe_connect_info', 'done') == []
    assert re.search(r'"done: PREDICTED \(check mode\) connected=True license_sync=True last_sync=\S+ - already in the '
                     r'desired state"', run.stdout), run.stdout[-3000:]
    # Check mode writes no list of approvals, and says none.
    assert 'The list is also in' not in run.stdout and 'check mode: nothing was sent' in run.stdout
    # The diff is shown, not hidden by no_log (the modules mask secrets themselves).
    assert 'censored' not in run.output
    for name in FRESH + ['done']:
        assert writes(ctl, name) == [], (name, writes(ctl, name))
        assert not ctl.appliance(name)['connected'] or name == 'done'
    assert ghec_writes(ctl) == []


def test_an_appliance_needing_the_console_without_credentials_fails_naming_manual_and_the_summary_lists_it(
        sim_and_control, tmp_path):
    sim, ctl = fleet(sim_and_control)
    ctl.clear_requests('f314')
    for check in (True, False):
        run = enable(inventory_without_console(sim, tmp_path, ['f314']), check=check)
        assert run.rc != 0
        line = next(line for line in run.stdout.splitlines() if '"f314: FAILED' in line)
        assert 'method: manual' in line and 'console_username' in line and 'ghes_console_password' in line, line
        assert 'required_if' not in run.output and 'missing required arguments' not in run.output
        # The others went on; the summary play ran and names each of them.
        for name in ('f309', 'f320', 'done'):
            assert '"%s: %s' % (name, 'PREDICTED' if check else 'connected=True') in run.stdout, run.stdout[-3000:]
        assert run.recap()['f314']['failed'] == 1
        assert writes(ctl, 'f314') == []


def test_every_appliance_failing_still_gets_its_summary(sim_and_control, tmp_path):
    sim, _ctl = fleet(sim_and_control)
    run = run_playbook(REPO / 'playbooks' / 'enable.yml', sim.inventory_path, check=True, forks=4,
                       extra_vars={'ghec_enterprise': 'no-such-enterprise'})
    assert run.rc != 0
    for name in FRESH + ['done']:
        assert '"%s: FAILED at' % name in run.stdout, run.stdout[-3000:]


def test_connected_with_license_sync_off_gets_one_answer_in_check_mode(sim_and_control):
    """The diff, the appliance's line and the fleet summary all say: connected already, license sync would go on."""
    sim, ctl = sim_and_control({'name': 'half', 'version': '3.17.1', 'connected': True, 'license_sync': False,
                                'last_sync_days_ago': 1})
    ctl.clear_requests('half')
    run = enable(sim.inventory_path)
    assert run.rc == 0, run.output[-4000:]
    connect, sync = run.result('ghe_connect', 'half'), run.result('ghe_license_sync', 'half')
    assert connect['changed'] is False and connect['step'] == 'none', connect
    assert sync['diff']['before']['enabled'] is False and sync['diff']['after']['enabled'] is True, sync
    lines = re.findall(r'"half: (PREDICTED[^"]*)"', run.stdout)
    assert len(lines) == 2 and lines[0] == lines[1], lines
    assert lines[0].startswith('PREDICTED (check mode) connected=True license_sync=True ') and \
        lines[0].endswith(' - would: license sync on'), lines
    assert 'would: connect' not in run.stdout and 'license_sync=False' not in run.stdout
    # The lines print the record the modules built, step on step: connected already, license sync would go on.
    record = run.result('ghes.connect.enable : Verify through the documented reads', 'half')['summary']
    assert (record['predicted'], record['connected'], record['license_sync'], record['steps']) == \
        (True, True, True, ['license sync on']), record
    assert record == sync['summary'] == dict(connect['summary'], license_sync=True, last_sync=record['last_sync'],
                                             steps=['license sync on'], changed=True), (connect['summary'], record)
    # Nothing was written, and nothing says a file was: no request, so no list of approvals.
    assert 'The list is also in' not in run.stdout and 'would be connected' not in run.stdout
    assert writes(ctl, 'half') == []


def test_the_fleet_step_s_requests_are_the_change_of_the_appliances_asked_not_of_the_first_host(sim_and_control):
    """Ansible names a run-once task's result after the batch's first host: the recap would count the fleet's requests
    there. Each appliance's Connect step reports them instead, from its record; once for check mode, once for real."""
    sim, _ctl = sim_and_control({'name': 'half', 'version': '3.17.1', 'connected': True, 'license_sync': False,
                                 'last_sync_days_ago': 1}, {'name': 'fresh', 'version': '3.17.1'},
                                defaults={'approve_after': 0.2, 'sync_seconds': 0.2})
    for check in (True, False):
        run = enable(sim.inventory_path, check=check)
        assert run.rc == 0, run.output[-4000:]
        # half: license sync only; fresh: the connection the fleet step asked for, then license sync.
        assert (run.recap()['half']['changed'], run.recap()['fresh']['changed']) == (1, 2), (check, run.recap())
        assert run.result('ghe_connect', 'fresh')['changed'] is True and run.result('ghe_connect', 'half')['changed'] is False
        assert re.search(r'"fresh: %sconnected=True license_sync=True last_sync=\S+ - %s: connect, license sync on'
                         % (r'PREDICTED \(check mode\) ' if check else '', 'would' if check else 'did'), run.stdout), run.stdout
