# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The administrative shell over Ansible's real ssh connection plugin and the OpenSSH client.

Each appliance marked ``admin_shell`` gets a real SSH server from the simulator; the inventory
reaches it as ``ansible.builtin.ssh`` with host key checking ON against the simulator's
known_hosts. Every shell command is in the appliance's request log (method ``SSH``) with its
class, so "check mode sends no write command" is proven the same way as for HTTP.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import ghec_writes, play, writes

GHE_COM_ENABLED = 'app.github.github-connect-ghe-com-enabled'
GHE_COM_SUBDOMAIN = 'app.github.github-connect-ghe-com-subdomain'


@pytest.fixture(scope='module')
def client_key(tmp_path_factory):
    """A key pair made for this module with ssh-keygen: (private key path, public key line)."""
    path = tmp_path_factory.mktemp('ssh') / 'id_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'ghes-connect-test', '-f', str(path)],
                   check=True)
    return str(path), (path.parent / 'id_ed25519.pub').read_text().strip()


@pytest.fixture
def shell_fleet(make_simulator, control, client_key):
    """shell_fleet(*appliances, authorised=True, **spec) -> (sim, ctl): every appliance shell-enabled."""
    def make(*appliances, authorised=True, **spec):
        keys = [client_key[1]] if authorised else []
        entries = [dict({'admin_shell': True, 'ssh_keys': keys}, **a) for a in appliances]
        sim = make_simulator(dict(spec, seed=spec.get('seed', 3), ssh_client_key=client_key[0], appliances=entries))
        return sim, control(sim)
    return make


def shell_commands(ctl, name):
    return [r for r in ctl.requests(name)['requests'] if r['method'] == 'SSH']


def shell_writes(ctl, name):
    return [r for r in shell_commands(ctl, name) if r['write']]


def test_license_sync_read_from_the_export_without_console_or_statistics(shell_fleet):
    sim, ctl = shell_fleet(
        dict(name='on', version='3.15.1', connected=True, license_sync=True),
        dict(name='off', version='3.13.3', connected=True, license_sync=False),
        dict(name='old', version='3.11.9', connected=True, license_sync=True))
    run = play(sim, 'info', ghes_console_password=None, ghes_console_username=None)
    assert run.rc == 0, run.output
    for name, enabled in (('on', True), ('off', False), ('old', True)):
        info = run.result('ghe_connect_info', name)['appliance']
        assert info['license_sync']['enabled'] is enabled, (name, info)
        assert info['sources']['license_sync.enabled'] == 'admin_shell'
        assert info['license_sync']['appliance_server_id'] == ctl.appliance(name)['server_id']
        assert info['sources']['maintenance'] == 'admin_shell' and info['maintenance'] is False
    assert [r['path'] for r in shell_commands(ctl, 'on')] == ['ghe-maintenance -q', 'ghe-license usage -y -o']
    assert [r['path'] for r in shell_commands(ctl, 'old')] == ['ghe-maintenance -q', 'ghe-license-usage']
    for name in ('on', 'off', 'old'):
        assert writes(ctl, name) == []
        # no console page was read: the switch came from the appliance's own export
        assert not [r for r in ctl.requests(name)['requests'] if r['path'].startswith('/enterprises')]


GHE_COM_NAMES = ('v3133', 'v3151', 'v3190')


def ghe_com_fleet(shell_fleet, **fields):
    return shell_fleet(*[dict(name='v%s' % v.replace('.', ''), version=v, approve_after=0.2, **fields)
                         for v in ('3.13.3', '3.15.1', '3.19.0')])


def test_ghe_com_check_mode_sends_no_write_command(shell_fleet):
    sim, ctl = ghe_com_fleet(shell_fleet)
    run = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', check=True, diff=True)
    assert run.rc == 0, run.output
    for name in GHE_COM_NAMES:
        result = run.result('ghe_connect', name)
        assert result['changed'] is True
        assert result['ghe_config']['before'] == {'enabled': None, 'subdomain': None}
        assert result['diff']['after']['ghe_config'] == {'enabled': 'true', 'subdomain': 'acme-eu'}
        # The two keys are read (among the other reads: which comes first is the module's business).
        read = [r['path'] for r in shell_commands(ctl, name) if r['path'].startswith('ghe-config ')]
        assert read == ['ghe-config %s' % GHE_COM_ENABLED, 'ghe-config %s' % GHE_COM_SUBDOMAIN]
        assert shell_writes(ctl, name) == [] and writes(ctl, name) == []
        assert ctl.shell(name)['ghe_config_writes'] == []


def test_ghe_com_rollout_converges_and_is_idempotent(shell_fleet):
    sim, ctl = ghe_com_fleet(shell_fleet)
    first = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', approval_timeout=60)
    assert first.rc == 0, first.output
    for name in GHE_COM_NAMES:
        result = first.result('ghe_connect', name)
        assert result['changed'] and result['connected'], result
        assert result['ghe_config']['config_run']['via'] == 'manage_api'
        assert sorted(result['ghe_config']['config_run']['written']) == [GHE_COM_ENABLED, GHE_COM_SUBDOMAIN]
        state = ctl.appliance(name)
        assert state['connected'] and state['target'] == 'ghe_com' and state['ghe_com_subdomain'] == 'acme-eu'
        shell = ctl.shell(name)
        # the keys are applied (a successful run started after they were written), not only set
        assert shell['ghe_config_applied'][GHE_COM_ENABLED] == 'true'
        assert shell['ghe_config_applied'][GHE_COM_SUBDOMAIN] == 'acme-eu'
        assert [r['path'] for r in writes(ctl, name) if r['path'] == '/manage/v1/config/apply'] == ['/manage/v1/config/apply']
        ctl.clear_requests(name)
    second = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', approval_timeout=60)
    assert second.rc == 0, second.output
    for name in GHE_COM_NAMES:
        assert second.result('ghe_connect', name)['changed'] is False
        assert shell_writes(ctl, name) == [] and writes(ctl, name) == []


def test_ghe_com_refused_on_311_without_any_command(shell_fleet):
    sim, ctl = shell_fleet(dict(name='old', version='3.11.9'))
    run = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu')
    assert run.rc != 0
    assert 'target: ghe_com needs GHES 3.12 or later' in run.result('ghe_connect', 'old')['msg']
    assert shell_commands(ctl, 'old') == [] and writes(ctl, 'old') == []


def test_ghe_com_failed_config_apply_shows_events_and_says_keys_stay(shell_fleet):
    sim, ctl = shell_fleet(dict(name='bad', version='3.15.1', config_apply_fail=True, config_apply_seconds=0.3))
    run = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu')
    assert run.rc != 0
    result = run.result('ghe_connect', 'bad')
    assert 'left as set' in result['msg'] and 'GitHub Connect was not enabled' in result['msg']
    assert any('Failed to configure' in (e.get('body') or '') for e in result['events'])
    assert ctl.shell('bad')['ghe_config'][GHE_COM_SUBDOMAIN] == 'acme-eu'
    assert not ctl.appliance('bad')['pending_authorization'] and not ctl.appliance('bad')['connected']
    # fixed: the re-run applies again without rewriting the keys, then connects
    ctl.patch('bad', config_apply_fail=False, approve_after=0.2)
    ctl.clear_requests('bad')
    again = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', approval_timeout=60)
    assert again.rc == 0, again.output[-3000:]
    assert again.result('ghe_connect', 'bad')['ghe_config']['config_run']['written'] == []
    assert shell_writes(ctl, 'bad') == [] and len(ctl.shell('bad')['ghe_config_writes']) == 2
    assert ctl.shell('bad')['ghe_config_applied'][GHE_COM_SUBDOMAIN] == 'acme-eu' and ctl.appliance('bad')['connected']


def test_connected_to_ghe_com_with_keys_unset_sets_and_applies_them_only(shell_fleet):
    sim, ctl = shell_fleet(dict(name='cg', version='3.19.0', connected=True, target='ghe_com',
                                ghe_com_subdomain='acme-eu'))
    run = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', diff=True)
    assert run.rc == 0, run.output[-3000:]
    result = run.result('ghe_connect', 'cg')
    assert result['changed'] and result['method_used'] == 'admin_shell'
    assert [w['path'] for w in writes(ctl, 'cg') if not w['path'].startswith('ghe-')] == ['/manage/v1/config/apply']
    assert ctl.shell('cg')['ghe_config_applied'][GHE_COM_ENABLED] == 'true'
    ctl.clear_requests('cg')
    second = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu')
    assert second.rc == 0 and second.result('ghe_connect', 'cg')['changed'] is False
    assert writes(ctl, 'cg') == []


def test_admin_ssh_key_bootstraps_a_fleets_shell_access(shell_fleet, client_key):
    sim, ctl = shell_fleet(dict(name='a', version='3.13.3', connected=True, license_sync=True),
                           dict(name='b', version='3.19.0', connected=True), authorised=False)
    refused = play(sim, 'info')
    assert refused.rc != 0
    for name in ('a', 'b'):
        msg = refused.result('ghe_connect_info', name)['msg']
        assert 'refused the SSH key' in msg and 'ghe_admin_ssh_key' in msg, msg
    check = play(sim, 'admin_ssh_key', key=client_key[1], check=True, diff=True)
    assert check.rc == 0, check.output
    assert all(check.result('ghe_admin_ssh_key', n)['changed'] for n in ('a', 'b'))
    assert writes(ctl, 'a') == [] and ctl.appliance('a')['ssh_keys'] == []
    first = play(sim, 'admin_ssh_key', key=client_key[1] + '\n')   # as read from a file: trailing newline
    assert first.rc == 0, first.output
    for name in ('a', 'b'):
        result = first.result('ghe_admin_ssh_key', name)
        assert result['changed'] and result['fingerprint'] in result['keys']
        assert [w['method'] for w in writes(ctl, name)] == ['POST']
        ctl.clear_requests(name)
    again = play(sim, 'admin_ssh_key', key=client_key[1].rsplit(' ', 1)[0] + ' another-comment')
    assert again.rc == 0 and not any(again.result('ghe_admin_ssh_key', n)['changed'] for n in ('a', 'b'))
    assert writes(ctl, 'a') == [] and writes(ctl, 'b') == []
    works = play(sim, 'info')
    assert works.rc == 0, works.output
    assert works.result('ghe_connect_info', 'a')['appliance']['license_sync']['enabled'] is True
    removed = play(sim, 'admin_ssh_key', key=client_key[1], state='absent')
    assert removed.rc == 0 and removed.result('ghe_admin_ssh_key', 'b')['changed']
    assert ctl.appliance('b')['ssh_keys'] == []


@pytest.mark.parametrize('key, message', [
    ('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
     'key holds a PRIVATE key'),
    ('ssh-ed25519', 'key must be one OpenSSH public key line'),
    ('ssh-ed25519 not*base64 me', 'is not base64'),
])
def test_admin_ssh_key_bad_input_fails_before_any_request(shell_fleet, key, message):
    sim, ctl = shell_fleet(dict(name='k', version='3.15.1'))
    run = play(sim, 'admin_ssh_key', key=key)
    assert run.rc != 0
    assert message in run.result('ghe_admin_ssh_key', 'k')['msg']
    assert ctl.requests('k')['requests'] == []
    assert 'b3BlbnNzaC1rZXktdjEAAAAA' not in run.output


def test_admin_ssh_key_refused_before_312(shell_fleet, client_key):
    sim, ctl = shell_fleet(dict(name='o', version='3.11.9'), authorised=False)
    run = play(sim, 'admin_ssh_key', key=client_key[1])
    assert run.rc != 0 and 'needs GHES 3.12 or later' in run.result('ghe_admin_ssh_key', 'o')['msg']
    assert writes(ctl, 'o') == []


def test_export_over_the_shell_uploads_verifies_and_leaks_nothing(shell_fleet, tmp_path, client_key):
    sim, ctl = shell_fleet(dict(name='ag13', version='3.13.3', air_gapped=True),
                           dict(name='ag11', version='3.11.9', air_gapped=True), upload_processing_seconds=0.3)
    dest = {name: tmp_path / ('%s.json' % name) for name in ('ag13', 'ag11')}
    run = play(sim, 'upload', dest=str(tmp_path / '{{ inventory_hostname }}.json'), verbosity=4,
               ghes_console_password=None, ghes_console_username=None)
    assert run.rc == 0, run.output[-3000:]
    for name, command in (('ag13', 'ghe-license usage -y -o'), ('ag11', 'ghe-license-usage')):
        result = run.result('ghe_license_upload', name)
        assert result['sources'] == {'export': 'admin_shell'}
        assert result['upload']['sync_state'] == 'SUCCESS' and result['upload']['sha256'] == result['export']['sha256']
        assert command in [r['path'] for r in shell_commands(ctl, name)]
        assert json.loads(dest[name].read_text())['instance']['server_id'] == ctl.appliance(name)['server_id']
        assert shell_writes(ctl, name) == []
    secrets = [s for name in ('ag13', 'ag11') for s in ctl.secrets(name)] + [open(client_key[0]).read().split('\n')[1]]
    haystack = run.output + json.dumps(run.results)
    assert not [s[:6] for s in secrets if s and len(s) >= 6 and s in haystack]
    again = play(sim, 'upload', dest=str(tmp_path / '{{ inventory_hostname }}.json'))
    assert again.rc == 0
    assert all(again.result('ghe_license_upload', n)['changed'] is False for n in ('ag13', 'ag11'))
    assert len(ctl.ghec()['uploads']) == 2 and len(ghec_writes(ctl)) == 2


def test_host_key_mismatch_is_an_error_that_says_so(shell_fleet):
    sim, ctl = shell_fleet(dict(name='hk', version='3.15.1'))
    known = sim.info['known_hosts_path']
    host, _type, _key = open(known).read().split()
    impostor = subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', known + '.other'], check=True)
    del impostor
    with open(known, 'w') as handle:
        handle.write('%s %s\n' % (host, open(known + '.other.pub').read().split(' ')[0] + ' '
                                  + open(known + '.other.pub').read().split(' ')[1]))
    run = play(sim, 'info')
    assert run.rc != 0
    msg = run.result('ghe_connect_info', 'hk')['msg']
    assert 'host key' in msg and 'never turn host key checking off' in msg, msg
    assert shell_commands(ctl, 'hk') == []


@pytest.mark.parametrize('broken, message', [
    ('missing', 'is not a command on'),
    ('garbage', 'printed output that is not JSON'),
])
def test_a_missing_command_or_non_json_output_is_a_typed_error(shell_fleet, broken, message):
    sim, ctl = shell_fleet(dict(name='br', version='3.15.1', air_gapped=True, shell_broken={'ghe-license': broken}))
    run = play(sim, 'upload', ghes_console_password=None, ghes_console_username=None)
    assert run.rc != 0
    msg = run.result('ghe_license_upload', 'br')['msg']
    assert message in msg and 'ghe-license usage -y -o' in msg and 'GHES 3.15.1' in msg, msg
    assert ctl.ghec()['uploads'] == [] and writes(ctl, 'br') == []


def test_dropped_connection_read_retried_and_config_write_read_back(shell_fleet):
    sim, ctl = shell_fleet(dict(name='dr', version='3.15.1', approve_after=0.2))
    read, write = 'ghe-config %s' % GHE_COM_ENABLED, 'ghe-config %s true' % GHE_COM_ENABLED
    ctl.fault(target='dr', method='SSH', path_prefix=read, reset=True, count=1)     # the first read
    ctl.fault(target='dr', method='SSH', path_prefix=write, reset=True, count=1)    # the write: done, then dropped
    run = play(sim, 'connect', target='ghe_com', ghe_com_subdomain='acme-eu', approval_timeout=60)
    assert run.rc == 0, run.output[-3000:]
    assert ctl.faults() == []                            # both faults were used up: both drops happened
    paths = [r['path'] for r in shell_commands(ctl, 'dr')]
    keys = [p for p in paths if p.startswith('ghe-config ')]  # (other reads may come first: ghe-maintenance)
    assert keys[:2] == [read, read]                       # the dropped read was retried
    at = paths.index(write)
    assert paths[at + 1] == read                          # the dropped write was read back ...
    assert paths.count(write) == 1                        # ... and, having landed, not sent again
    assert [w['key'] for w in ctl.shell('dr')['ghe_config_writes']].count(GHE_COM_ENABLED) == 1
    assert ctl.shell('dr')['ghe_config_applied'][GHE_COM_ENABLED] == 'true'
    assert ctl.appliance('dr')['connected']


def test_enable_role_converges_over_the_shell_and_is_idempotent(shell_fleet):
    sim, ctl = shell_fleet(*[dict(name=n, version=v, approve_after=0.2, sync_seconds=0.2)
                             for n, v in (('r13', '3.13.3'), ('r15', '3.15.1'), ('r19', '3.19.0'))])
    extra = {'enable_approval_timeout': 30, 'enable_sync_wait_timeout': 30}
    first = play(sim, 'playbooks/enable.yml', **extra)
    assert first.rc == 0, first.output[-4000:]
    for name in ('r13', 'r15', 'r19'):
        state = ctl.appliance(name)
        assert state['connected'] and state['license_sync'] and state['last_sync'], name
        assert 'ghe-license usage -y -o' in [r['path'] for r in shell_commands(ctl, name)]
        ctl.clear_requests(name)
    second = play(sim, 'playbooks/enable.yml', **extra)
    assert second.rc == 0, second.output[-4000:]
    # The re-run reads the fleet from one task and converges no appliance: nothing changes on any host
    # of the recap (an in-sync appliance runs no task of its own, so it may not be in it at all).
    recap = second.recap()
    assert recap and all(counts['changed'] == 0 for counts in recap.values()), recap
    assert all(writes(ctl, name) == [] for name in ('r13', 'r15', 'r19'))
