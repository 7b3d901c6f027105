# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safety at the edges: what an unlucky operator's settings (a umask, per-host options) must not cost."""

from __future__ import annotations

import json
import os
import stat

import pytest

from harness import play, reasons

# Where a compromised appliance (or a proxy before it) sends the enterprise owner instead of GitHub.com.
PHISHING_URL = 'https://login.evil-github.example/enterprise_connect/authorize?request=phish'
PHISHING_HOST = 'evil-github'

SIM_SPEC = {
    'seed': 27,
    'appliances': [
        {'name': 'fresh', 'version': '3.14.2'},
        {'name': 'on', 'version': '3.16.0', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
        {'name': 'phished', 'version': '3.14.2', 'phishing_url': PHISHING_URL},
        {'name': 'phished-too', 'version': '3.16.0', 'phishing_url': PHISHING_URL},
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


def _everything(tmp_path, run):
    texts = [run.output, json.dumps(run.results)]
    texts += [p.read_bytes().decode('utf-8', 'replace') for p in tmp_path.rglob('*') if p.is_file()]
    return '\n'.join(texts)


def test_a_connect_request_sent_elsewhere_is_reported_unknown_never_shown(fleet, tmp_path):
    sim, _ctl = fleet
    run = play(sim, 'connect', hosts='phished', verbosity=4, approval_timeout=0,
               env={'GHES_CONNECT_STATE_DIR': str(tmp_path / 'state')})
    result = run.for_task('Module under test', 'phished')[0]['result']
    assert result['authorization_url'] is None, result
    assert 'withheld' in reasons(result['state'])['connect.authorization_url'], result['state']
    assert PHISHING_HOST not in _everything(tmp_path, run)


def test_the_fleet_step_lists_a_link_sent_elsewhere_as_unknown_never_the_link(fleet, tmp_path):
    sim, _ctl = fleet
    approvals = tmp_path / 'approvals'
    run = play(sim, 'playbooks/enable.yml', hosts='phished-too', ghes_target_hosts='phished-too', verbosity=4,
               enable_approval_timeout=0, enable_approvals_dir=str(approvals),
               env={'GHES_CONNECT_STATE_DIR': str(tmp_path / 'state')})
    listed = json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances']
    assert [(r['appliance'], r['authorization_url']) for r in listed] == [('phished-too', None)], listed
    assert 'withheld' in listed[0]['link_withheld']
    assert 'unknown: the appliance gave' in (approvals / 'ghes-connect-approvals.md').read_text()
    assert PHISHING_HOST not in _everything(tmp_path, run)


def test_a_scan_reads_each_appliance_with_its_own_ghec_options(fleet, tmp_path):
    """ghec_token set as one host's variable is that host's, not every host's, nor ignored."""
    import yaml
    from playbook_runner import REPO, run_playbook
    sim, _ctl = fleet
    inventory = yaml.safe_load(open(sim.inventory_path, encoding='utf-8'))
    noscope = sim.info['ghec_tokens']['noscope']
    inventory['all']['children']['ghes']['hosts']['on']['ghec_token'] = noscope
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    out = tmp_path / 'written'     # what the run writes (the inventory, holding the token, is beside it)
    run = run_playbook(REPO / 'playbooks' / 'drift.yml', str(path), verbosity=4, extra_vars={
        'ghes_target_hosts': 'fresh:on', 'drift_report_dir': str(out / 'report')},
        env={'GHES_CONNECT_STATE_DIR': str(out / 'state')})
    scan = next(r['result'] for r in run.results if isinstance(r['result'].get('appliances'), list))
    errors = dict((r['appliance'], r.get('error')) for r in scan['appliances'])
    assert errors['fresh'] is None, errors
    assert errors['on'] and 'read:enterprise' in errors['on'], errors
    assert noscope not in _everything(out, run)
