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
