# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Truthful state over a fleet shaped like real ones: what would make a report say something false?

Every appliance is reached at 127.0.0.1 (an address, not the host name GHEC knows) and the
inventory hands over no ``ghes_hostname``, so the collection must read each appliance's own
configured name. Around that: a settings read that fails for good or only for a moment, a host
name GHEC spells in other case with a trailing dot, a retired installation of the same name,
stale and fresh server statistics without console credentials, a license without Connect, a
wrong ``hostname`` option, a ``ca_path`` that is not PEM, and GHEC answers that page forever.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from harness import PLAYBOOKS, ghec_writes, reasons, writes
from playbook_runner import REPO, run_playbook

CONNECTED = {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1}
STATS = {'features': {'server_statistics': True}}
SIM_SPEC = {'seed': 15, 'appliances': [
    dict(CONNECTED, name='ok', version='3.14.2'),
    dict(CONNECTED, name='spelled', version='3.17.1', ghec_hostname='SPELLED.Example.COM.'),
    # restored and reconnected: GHEC keeps the retired record, listed first and updated more recently; its fresh
    # statistics carry its server id, which picks its sync record (without them two servers' records are unknown)
    dict(CONNECTED, **STATS, name='restored', version='3.15.1',
         retired_installation={'updated_days_ago': 0.1, 'last_sync_days_ago': 30}),
    # rebuilt with a new server id: its own last sync failed; the retired record synced later, successfully
    dict(CONNECTED, **STATS, name='rebuilt', version='3.16.0', last_sync_status='failure',
         retired_installation={'updated_days_ago': 0.1, 'last_sync_days_ago': 0.2}),
    dict(CONNECTED, name='unnamed', version='3.14.2'),           # its settings never answer
    dict(CONNECTED, name='blip', version='3.12.5'),              # its settings fail twice, then answer
    dict(CONNECTED, name='old', version='3.11.9'),               # legacy settings read, REST license
    dict(CONNECTED, **STATS, name='fresh-stats', version='3.16.0'),
    dict(CONNECTED, **STATS, name='stale-stats', version='3.16.0', statistics_days_ago=3),
    {'name': 'nolicense', 'version': '3.13.3', 'croquet_support': False},
    {'name': 'never', 'version': '3.18.0'},                      # never connected, no console credentials
    dict(CONNECTED, name='wronghost', version='3.19.0'),         # hostname option names the load balancer
    dict(CONNECTED, name='badca', version='3.14.2'),             # ca_path is not a PEM file
]}
EXPECTED = {
    'ok': 'in_sync', 'spelled': 'in_sync', 'restored': 'in_sync', 'rebuilt': 'drift', 'unnamed': 'unknown', 'blip': 'in_sync',
    'old': 'in_sync', 'fresh-stats': 'in_sync', 'stale-stats': 'unknown', 'nolicense': 'blocked',
    'never': 'unknown', 'wronghost': 'unknown', 'badca': 'error',
}
NO_CONSOLE = ('fresh-stats', 'stale-stats', 'never')
PYTHON_LITERAL = re.compile(r'\b(None|True|False)\b')


@pytest.fixture(scope='module')
def fleet(module_simulator, tmp_path_factory):
    """The simulator, its control client, and the messy inventory (written next to it)."""
    from simulator.control_client import Control
    sim = module_simulator
    ctl = Control(sim.control_url, sim.ca_path)
    inventory = yaml.safe_load(open(sim.inventory_path).read())
    hosts = inventory['all']['children']['ghes']['hosts']
    assert not any('ghes_hostname' in h for h in hosts.values())
    for name in NO_CONSOLE:
        del hosts[name]['ghes_console_username'], hosts[name]['ghes_console_password']
    hosts['wronghost']['ghes_hostname'] = 'lb.example.com'
    not_pem = tmp_path_factory.mktemp('ca') / 'ca.pem'
    not_pem.write_text('this is not a certificate\n')
    hosts['badca']['ghes_ca_path'] = str(not_pem)
    path = tmp_path_factory.mktemp('inventory') / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    path.chmod(0o600)
    return sim, ctl, path


def faults(ctl):
    ctl.clear_faults()
    for prefix in ('/manage/v1/config/settings', '/setup/api/settings'):
        ctl.fault(target='unnamed', path_prefix=prefix, status=503, retry_after=0, count=1000)
    ctl.fault(target='blip', path_prefix='/manage/v1/config/settings', status=503, retry_after=0, count=2)


def clear_logs(ctl):
    for name in SIM_SPEC['appliances']:
        ctl.clear_requests(name['name'])
    ctl.clear_ghec_requests()


def play(path, name, **extra):
    playbook = PLAYBOOKS / ('%s.yml' % name) if '/' not in name else REPO / name
    extra.setdefault('target_hosts', 'ghes')
    return run_playbook(playbook, path, extra_vars=extra, forks=5)


def test_every_appliance_gets_the_verdict_its_reads_support_and_nothing_is_written(fleet, tmp_path):
    sim, ctl, path = fleet
    faults(ctl)
    clear_logs(ctl)
    run = play(path, 'playbooks/drift.yml', drift_report_dir=str(tmp_path))
    assert (tmp_path / 'drift.json').exists(), run.output[-3000:]   # one broken host never costs the report
    records = dict((r['appliance'], r) for r in json.loads((tmp_path / 'drift.json').read_text())['appliances'])
    assert dict((name, r['verdict']) for name, r in records.items()) == EXPECTED, json.dumps(records, indent=1)
    # found by its own configured name, GHEC's other spelling and the address notwithstanding
    assert records['ok']['hostname'] == 'ok.example.com' and records['spelled']['hostname'] == 'spelled.example.com'
    # the current installation, not the retired one listed first; both are named
    restored = records['restored']
    assert restored['connected'] is True and restored['last_sync_age_days'] < 2
    assert restored['installation']['is_connected'] is True
    assert [o['is_connected'] for o in restored['installation']['others']] == [False]
    # the server id of its fresh statistics picks its own (failed) sync, not the retired one's success
    assert [d['field'] for d in records['rebuilt']['differences']] == ['license_sync.last_sync']
    assert 'last sync failure' in records['rebuilt']['differences'][0]['before']
    # a name that cannot be established is unknown with the reason - never "disconnected"
    unnamed = records['unnamed']
    assert unnamed['connected'] is None and unnamed['differences'] == []
    assert 'set the hostname option' in unnamed['unknown'][0]['reason']
    wrong = records['wronghost']
    assert wrong['connected'] is None and wrong['differences'] == []
    assert 'GHEC lists no installation named "lb.example.com"' in wrong['unknown'][0]['reason']
    assert 'wronghost.example.com' in wrong['unknown'][0]['reason'] or 'and ' in wrong['unknown'][0]['reason']
    assert 'Connect page says connected' in wrong['unknown'][0]['reason']
    # stale statistics and no console: the switch is unknown, with its age and what to give
    stale = records['stale-stats']
    assert [u['field'] for u in stale['unknown']] == ['license_sync.enabled'] and stale['differences'] == []
    assert re.search(r'\d\.\d days old', stale['unknown'][0]['reason']) and 'console credentials' in stale['unknown'][0]['reason']
    assert records['fresh-stats']['sources']['license_sync.enabled'] == 'ghec_server_statistics'
    # never connected, nothing to read it with: unknown, not a difference GitHub would accept or refuse
    assert records['never']['differences'] == [] and records['never']['connected'] is None
    # the license forbids Connect: drift that this collection cannot fix, and why
    blocked = records['nolicense']
    assert [d['field'] for d in blocked['differences']][:1] == ['connect.connected']
    assert any('croquetSupport' in b for b in blocked['blocked_by'])
    assert 'badca' in records['badca']['error'] or 'ca' in records['badca']['error'].lower()
    # read-only: not one write to any appliance or GHEC
    for name in EXPECTED:
        assert writes(ctl, name) == [], name
    assert ghec_writes(ctl) == []
    # the blocking facts cost at most one request per appliance: the license read, only where it matters
    license_reads = dict((name, sum(1 for r in ctl.requests(name)['requests'] if r['path'].endswith('/config/license')))
                         for name in EXPECTED)
    assert license_reads['nolicense'] == 1 and license_reads['ok'] == 0
    # words for people, never Python literals
    markdown = (tmp_path / 'drift.md').read_text()
    assert not PYTHON_LITERAL.search(markdown), markdown


def test_no_write_follows_an_unknown_identity(fleet):
    sim, ctl, path = fleet
    faults(ctl)
    for module, states in (('connect', ('present', 'absent')), ('license_sync', ('enabled', 'disabled'))):
        for state in states:
            clear_logs(ctl)
            run = play(path, module, target_hosts='unnamed:wronghost', state=state, approval_timeout=0)
            assert run.rc != 0
            for name in ('unnamed', 'wronghost'):
                result = run.result('ghe_%s' % module, name)
                assert 'is unknown' in result['msg'] and 'nothing was changed' in result['msg']
                assert 'hostname' in result['msg'], result['msg']
                assert writes(ctl, name) == [], (module, state, name)
                posts = [r for r in ctl.requests(name)['requests'] if r['method'] == 'POST'
                         and r['path'] not in ('/session', '/sessions/sudo', '/sessions/two-factor')]
                assert posts == [], (module, state, name, posts)
    assert ghec_writes(ctl) == []
    # the appliance really is connected: the refusal kept it so
    assert ctl.appliance('unnamed')['connected'] and ctl.appliance('wronghost')['connected']


def test_a_differing_hostname_option_is_warned_about(fleet):
    sim, ctl, path = fleet
    ctl.clear_faults()
    run = play(path, 'info', target_hosts='wronghost')
    result = run.result('ghe_connect_info', 'wronghost')
    assert any('lb.example.com' in w and 'wronghost.example.com' in w for w in result.get('warnings', [])), result
    assert result['appliance']['identity']['configured_hostname'] == 'wronghost.example.com'
    assert result['appliance']['connect']['connected'] is None
    assert result['appliance']['connect']['status'] == 'unknown'


def test_a_graphql_answer_that_pages_forever_stops_and_the_scan_still_reports(fleet, tmp_path):
    sim, ctl, path = fleet
    ctl.clear_faults()
    clear_logs(ctl)
    endless = {'data': {'enterprise': {'slug': 'acme', 'name': 'Acme', 'viewerIsAdmin': True, 'ownerInfo': {
        'enterpriseServerInstallations': {'nodes': [],
                                          'pageInfo': {'hasNextPage': True, 'endCursor': 'same'}}}}}}
    ctl.fault(target='ghec', method='POST', path_prefix='/graphql', status=200, body=endless, count=1000)
    try:
        run = play(path, 'playbooks/drift.yml', drift_report_dir=str(tmp_path), ghes_target_hosts='ok:never')
    finally:
        ctl.clear_faults()
    graphql = [r for r in ctl.ghec_requests()['requests'] if r['path'] == '/graphql']
    assert len(graphql) == 2, len(graphql)       # page 1, page 2 repeats the cursor: stop, and ask no more
    records = json.loads((tmp_path / 'drift.json').read_text())['appliances']
    assert [r['verdict'] for r in records] == ['error', 'error'], records
    assert all('cursor' in r['error'] for r in records), run.output[-2000:]


def test_a_sync_date_nobody_can_read_is_unknown_in_the_module_and_the_scan(fleet, tmp_path):
    sim, ctl, path = fleet
    ctl.clear_faults()
    record = {'server_id': ctl.appliance('ok')['server_id'], 'hostname': 'ok.example.com',
              'last_sync': {'date': 'yesterday', 'status': 'success', 'error': ''}}
    ctl.fault(target='ghec', path_prefix='/enterprises/acme/license-sync-status', status=200,
              body={'server_instances': [record]}, count=1000)
    try:
        module = play(path, 'license_sync', target_hosts='ok', max_sync_age='8d')
        scan = play(path, 'playbooks/drift.yml', drift_report_dir=str(tmp_path), ghes_target_hosts='ok')
    finally:
        ctl.clear_faults()
    result = module.result('ghe_license_sync', 'ok')
    assert module.rc == 0 and not result['changed'] and result['differences'] == []
    assert result['unknown'][0]['field'] == 'license_sync.last_sync' and '"yesterday"' in result['unknown'][0]['reason']
    assert any('unknown' in w for w in result['warnings'])
    records = json.loads((tmp_path / 'drift.json').read_text())['appliances']
    assert [(r['verdict'], [u['field'] for u in r['unknown']]) for r in records] == [
        ('unknown', ['license_sync.last_sync'])]


def test_connect_info_with_ghec_down_returns_every_state_field_as_unknown_not_missing(fleet):
    sim, ctl, path = fleet
    ctl.clear_faults()
    ctl.fault(target='ghec', status=502, retry_after=0, count=1000)
    try:
        run = play(path, 'info', target_hosts='ok')
    finally:
        ctl.clear_faults()
    assert run.rc == 0, run.output[-2000:]
    info = run.result('ghe_connect_info', 'ok')['appliance']
    assert info['connect']['connected'] is None and info['connect']['status'] == 'unknown'
    assert 'GHEC could not be read' in reasons(info['connect'])['connect.connected']
    assert info['license_sync']['enabled'] is None and 'license_sync.enabled' in reasons(info['license_sync'])
    assert any('502' in p or 'GHEC' in p for p in info['problems'])


def test_the_inventory_plugin_groups_the_fleet_by_the_same_rules(fleet, tmp_path):
    sim, ctl, path = fleet
    source = tmp_path / 'fleet.ghec_servers.yml'
    source.write_text(yaml.safe_dump({'plugin': 'ghes.connect.ghec_servers', 'ghec_url': sim.info['ghec_url'],
                                      'ghec_enterprise': 'acme', 'ghec_ca_path': sim.ca_path}))
    import os
    import subprocess
    import sys
    from playbook_runner import collections_path
    env = dict(os.environ, GHEC_TOKEN=sim.info['ghec_token'], ANSIBLE_COLLECTIONS_PATH=str(collections_path()),
               ANSIBLE_INVENTORY_ENABLED='ghes.connect.ghec_servers')
    listed = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', str(source),
                             '--list'], capture_output=True, text=True, env=env, check=False, timeout=120)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    members = dict((group, set(value.get('hosts', []))) for group, value in data.items() if isinstance(value, dict))
    # GHEC's "SPELLED.Example.COM." is the host spelled.example.com
    assert 'spelled.example.com' in members['connected'] and 'spelled.example.com' in members['sync_ok']
    # one host for the restored appliance: its current, connected installation, the retired one named
    assert 'restored.example.com' in members['connected'] and 'restored.example.com' not in members.get('disconnected', set())
    assert 'restored.example.com' in members['sync_ok']
    variables = data['_meta']['hostvars']['restored.example.com']
    assert [o['is_connected'] for o in variables['ghes_other_installations']] == [False]
    assert 'rebuilt.example.com' in members['sync_failed'] and 'rebuilt.example.com' not in members['sync_ok']
    assert 'never.example.com' not in members.get('connected', set()) | members.get('disconnected', set())
    assert 'nolicense.example.com' not in data['_meta']['hostvars']
    assert 'retired' in listed.stderr or 'installations are named' in listed.stderr


def test_one_task_per_appliance_gives_the_same_verdicts_as_the_scan(fleet, tmp_path):
    sim, ctl, path = fleet
    faults(ctl)
    clear_logs(ctl)
    run = play(path, 'playbooks/drift_per_host.yml', drift_report_dir=str(tmp_path))
    assert (tmp_path / 'drift.json').exists(), run.output[-3000:]
    records = dict((r['appliance'], r) for r in json.loads((tmp_path / 'drift.json').read_text())['appliances'])
    assert dict((name, r['verdict']) for name, r in records.items()) == EXPECTED, json.dumps(records, indent=1)
    assert not PYTHON_LITERAL.search((tmp_path / 'drift.md').read_text())
    for name in EXPECTED:
        assert writes(ctl, name) == [], name
    # The appliance that could not be read has the record the scan makes of a failure (the same fields, no value
    # claimed), not one re-typed in the role.
    failed = records['badca']
    assert set(failed) == set(records['ok']) and failed['error'] and failed['connected'] is None, failed
    assert failed['url'] is None and failed['installation'] is None and failed['unknown'] == []


def test_a_person_may_connect_an_appliance_ghec_does_not_list_yet_and_ghec_verifies_it(fleet):
    # No console credentials (SAML-only sign-in), never connected: its state is unknown, but with
    # method: manual the collection writes nothing - a person connects, and GHEC listing the appliance's
    # own configured name as connected is the proof. (Last in this file: it connects "never".)
    from harness import when_requested
    sim, ctl, path = fleet
    ctl.clear_faults()
    clear_logs(ctl)
    # the preflight's config-run read comes after the state was read, before the wait: the person acts then
    operator = when_requested(ctl, 'never', '/manage/v1/config/apply', lambda: ctl.click('never', 'connect', True))
    run = play(path, 'connect', target_hosts='never', method='manual', approval_timeout=40)
    operator.join(5)
    assert run.rc == 0, run.output[-3000:]
    result = run.result('ghe_connect', 'never')
    assert result['connected'] and result['method_used'] == 'manual'
    assert writes(ctl, 'never') == []
