# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ghec_servers inventory plugin, run as ``ansible-inventory`` and ``ansible-playbook`` against the simulator.

GHEC knows 250 fake installations (three GraphQL pages) plus the appliances below, one per
state the plugin tells apart. ``ghes-007`` never connected, synced or uploaded: GHEC does not
know it, so it must not be listed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from playbook_runner import REPO, collections_path, run_playbook

DEMO_SOURCE = Path(__file__).resolve().parent / 'inventory' / 'demo.ghec_servers.yml'
EXTRA = 250
SIM_SPEC = {
    'seed': 11,
    'ghec_extra_installations': EXTRA,
    'upload_processing_seconds': 0.1,
    'appliances': [
        {'name': 'ghes-001', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
        {'name': 'ghes-002', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 12},
        {'name': 'ghes-003', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 2,
         'last_sync_status': 'failure'},
        {'name': 'ghes-004', 'connected': True, 'license_sync': False},
        # restored from a backup below: GHEC keeps the installation, disconnected, with its last sync
        {'name': 'ghes-005', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 3},
        # air-gapped: known to GHEC only through a license usage upload
        {'name': 'ghes-006', 'air_gapped': True},
        {'name': 'ghes-007'},
    ],
}
EXPECTED_GROUPS = {
    'ghes-001': {'connected', 'sync_ok'},
    'ghes-002': {'connected', 'sync_stale'},
    'ghes-003': {'connected', 'sync_failed'},
    'ghes-004': {'connected', 'never_synced'},
    'ghes-005': {'disconnected', 'sync_ok'},
    'ghes-006': {'disconnected', 'never_synced'},
}
STATE_GROUPS = ('connected', 'disconnected', 'sync_ok', 'sync_stale', 'sync_failed', 'never_synced')


@pytest.fixture(scope='module')
def fleet(module_simulator):
    """The simulator, once ghes-005 is restored from a backup and ghes-006 has uploaded its usage."""
    module_simulator.control().restore('ghes-005')
    upload_usage(module_simulator, 'ghes-006')
    return module_simulator


@pytest.fixture
def ctl(fleet):
    return fleet.control()


def upload_usage(sim, name):
    """The operator's air-gapped routine: export usage from the console, upload it on GitHub.com."""
    from simulator.browser import Browser
    from simulator.control_client import wait_for
    appliance = sim.info['appliances'][name]
    console = Browser(appliance['url'], sim.ca_path)
    console.login(appliance['console_username'], appliance['console_password'])
    usage = console.get('/enterprises/github/settings/license/usage.json').content
    web = requests.Session()
    web.verify, web.trust_env = sim.ca_path, False
    web.cookies.set('user_session', sim.info['ghec_sessions'][0])
    page = web.get(sim.ghec_web_url + '/enterprises/acme/settings/license', allow_redirects=False)
    action = re.search(r'<form action="([^"]+)" method="post" enctype="multipart/form-data"', page.text).group(1)
    csrf = re.search(r'name="authenticity_token" value="([^"]+)"', page.text).group(1)
    posted = web.post(sim.ghec_url + action, data={'authenticity_token': csrf},
                      files={'usage_file': ('usage-%s.json' % name, usage, 'application/json')}, allow_redirects=False)
    assert posted.status_code == 302, posted.text[:500]
    hostname = appliance['hostname']
    assert wait_for(lambda: any(u['syncState'] == 'SUCCESS' and u['installation'] == hostname
                                for u in sim.control().ghec()['uploads']))


# -- running ansible-inventory -------------------------------------------------------------------
def ghec_environment(sim, token):
    """The connection the demo source reads from the environment (and nothing from the caller's GHEC_*)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('GHEC_', 'ANSIBLE_')))
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections_path()),
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
        'ANSIBLE_NOCOLOR': '1',
        'GHEC_URL': sim.ghec_url,
        'GHEC_ENTERPRISE': 'acme',
        'GHEC_CA_PATH': sim.ca_path,
        'GHEC_TOKEN': token,
    })
    return env


def ansible_inventory(sim, source, token, *args):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', str(source), '--list']
    return subprocess.run(command + list(args), capture_output=True, text=True, env=ghec_environment(sim, token),
                          cwd=str(REPO), timeout=300, check=False)


def variant(tmp_path, **options):
    """The demo source with some options changed, as a user's own copy would be."""
    config = yaml.safe_load(DEMO_SOURCE.read_text())
    config.update(options)
    path = tmp_path / 'variant.ghec_servers.yml'
    path.write_text(yaml.safe_dump(config))
    return path


def plain(value):
    """ansible-inventory marks values from an inventory plugin as unsafe; unwrap them."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listed(run):
    assert run.returncode == 0, run.stderr[-3000:]
    data = plain(json.loads(run.stdout))
    groups = dict((name, set(body.get('hosts', []))) for name, body in data.items() if name != '_meta')
    return data['_meta']['hostvars'], groups


def groups_of(groups, host):
    return set(name for name in STATE_GROUPS if host in groups.get(name, ()))


def owner(sim):
    return sim.info['ghec_tokens']['owner']


# -- the acceptance run ----------------------------------------------------------------------------
def test_demo_source_lists_every_installation_with_its_groups_and_vars(fleet, ctl):
    sim = fleet
    ctl.clear_ghec_requests()
    run = ansible_inventory(sim, DEMO_SOURCE, owner(sim))
    hostvars, groups = listed(run)

    extras = ['extra-%04d' % i for i in range(1, EXTRA + 1)]
    assert sorted(hostvars) == sorted(extras + list(EXPECTED_GROUPS))
    for host, expected in EXPECTED_GROUPS.items():
        assert groups_of(groups, host) == expected, host
    # the simulator connects two extra installations in three, none has synced
    for number in range(1, EXTRA + 1):
        connect_group = 'disconnected' if (number - 1) % 3 == 0 else 'connected'
        assert groups_of(groups, 'extra-%04d' % number) == {connect_group, 'never_synced'}
    assert len(groups['connected']) == 4 + (EXTRA - 84)

    assert hostvars['ghes-002']['ghes_sync_age_days'] == 12.0
    assert hostvars['ghes-002']['ghes_last_sync']['status'] == 'success'
    assert hostvars['ghes-003']['ghes_last_sync']['status'] == 'failure'
    assert hostvars['ghes-003']['ghes_last_sync']['error']
    assert hostvars['ghes-004']['ghes_last_sync'] is None and hostvars['ghes-004']['ghes_sync_age_days'] is None
    assert hostvars['ghes-005']['ghes_connected'] is False and hostvars['ghes-005']['ghes_sync_age_days'] == 3.0
    assert hostvars['ghes-006']['ghes_last_upload'] == {
        'name': 'usage-ghes-006.json', 'sync_state': 'SUCCESS',
        'created_at': hostvars['ghes-006']['ghes_last_upload']['created_at']}
    assert hostvars['ghes-001']['ghes_customer_name'] == 'Acme Corp'
    assert hostvars['ghes-001']['ghes_installation']['host_name'] == 'ghes-001.example.com'
    # the demo's own keyed and composed groups
    assert groups['sync_state_stale'] == {'ghes-002'}
    assert groups['connected_not_syncing'] == {'ghes-002', 'ghes-003', 'ghes-004'} | set(
        e for e in extras if e in groups['connected'])

    graphql_posts = [r for r in ctl.ghec_requests()['requests'] if r['path'] == '/graphql']
    assert len(graphql_posts) == 3, 'three pages of 100; the first also checks the token: no request of its own'
    assert owner(sim) not in run.stdout + run.stderr


def test_full_host_names_and_connected_only(fleet, tmp_path):
    sim = fleet
    hostvars, groups = listed(ansible_inventory(
        sim, variant(tmp_path, hostnames='host_name', connected_only=True), owner(sim)))
    assert {'ghes-001.example.com', 'ghes-004.example.com'} <= set(hostvars)
    assert 'ghes-005.example.com' not in hostvars and 'ghes-006.example.com' not in hostvars
    assert 'disconnected' not in groups
    assert len(hostvars) == 4 + (EXTRA - 84)


def test_a_rate_limited_ghec_is_waited_for(fleet, ctl):
    sim = fleet
    ctl.clear_ghec_requests()
    ctl.fault(target='ghec', path_prefix='/graphql', status=403, retry_after=1, count=2)
    try:
        hostvars = listed(ansible_inventory(sim, DEMO_SOURCE, owner(sim)))[0]
    finally:
        ctl.clear_faults()
    assert len(hostvars) == EXTRA + len(EXPECTED_GROUPS)
    statuses = [r['status'] for r in ctl.ghec_requests()['requests'] if r['path'] == '/graphql']
    assert statuses == [403, 403, 200, 200, 200]     # the first page, retried twice, then two more pages


# -- errors ----------------------------------------------------------------------------------------
def test_a_token_without_scope_is_a_clear_error(fleet):
    sim = fleet
    token = sim.info['ghec_tokens']['noscope']
    run = ansible_inventory(sim, DEMO_SOURCE, token)
    assert run.returncode != 0
    assert 'ghec_token lacks the read:enterprise scope (it has: no scopes)' in run.stderr
    assert token not in run.stdout + run.stderr


def test_an_unknown_enterprise_is_a_clear_error(fleet, tmp_path):
    sim = fleet
    run = ansible_inventory(sim, variant(tmp_path, ghec_enterprise='globex'), owner(sim))
    assert run.returncode != 0
    assert 'The GHEC enterprise "globex" does not exist or ghec_token cannot see it' in run.stderr
    assert owner(sim) not in run.stdout + run.stderr


def test_a_refused_token_is_a_clear_error_without_the_token(fleet):
    sim = fleet
    token = 'ghp_' + 'f' * 36
    run = ansible_inventory(sim, DEMO_SOURCE, token, '-vvv')
    assert run.returncode != 0
    assert 'GHEC refused ghec_token (401 Bad credentials)' in run.stderr
    assert token not in run.stdout + run.stderr


# -- cache -----------------------------------------------------------------------------------------
def test_the_cache_file_holds_no_token_and_serves_the_next_run(fleet, ctl, tmp_path):
    sim = fleet
    cache_dir = tmp_path / 'inventory-cache'
    source = variant(tmp_path, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache_dir))
    first = listed(ansible_inventory(sim, source, owner(sim)))[0]
    files = list(cache_dir.iterdir())
    assert len(files) == 1
    cached = files[0].read_text()
    assert 'extra-0250.example.com' in cached
    assert owner(sim) not in cached and owner(sim) not in files[0].name

    ctl.clear_ghec_requests()
    second = listed(ansible_inventory(sim, source, 'ghp_revoked_since_the_cache_was_written'))[0]
    assert second == first
    assert ctl.ghec_requests()['requests'] == []

    refreshed = ansible_inventory(sim, source, owner(sim), '--flush-cache')
    assert listed(refreshed)[0] == first
    assert ctl.ghec_requests()['requests'], '--flush-cache asks GHEC again'


# -- merged with the static inventory ---------------------------------------------------------------
def test_drift_runs_on_the_static_inventory_merged_with_ghec_servers(fleet, tmp_path):
    sim = fleet
    report_dir = tmp_path / 'report'
    env = ghec_environment(sim, owner(sim))
    env.pop('ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED')
    run = run_playbook(REPO / 'playbooks' / 'drift.yml', sim.inventory_path, forks=5, env=env,
                       extra_vars={'ghes_target_hosts': 'ghes:&connected', 'drift_report_dir': str(report_dir)},
                       extra_args=['-i', str(DEMO_SOURCE)])
    assert run.rc == 0, run.output[-4000:]
    # connected per GHEC and in the static group: not the restored ghes-005, the air-gapped ghes-006,
    # ghes-007 that GHEC never heard of, nor the extra installations that only GHEC lists.
    # (The scan is one task for the play, so the report, not the recap, lists the appliances checked.)
    report = json.loads((report_dir / 'drift.json').read_text())
    assert sorted(a['appliance'] for a in report['appliances']) == ['ghes-001', 'ghes-002', 'ghes-003', 'ghes-004']
    # each checked with the static inventory's credentials: the modules reached the appliances
    assert all(a['error'] is None and a['version'] for a in report['appliances']), report
    assert sorted(report['drifted']) == ['ghes-002', 'ghes-003', 'ghes-004']
    assert owner(sim) not in run.output
