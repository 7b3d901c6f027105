# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A play of one's own: hosts + tasks, connection options from host variables only.

Run like a user would: from a directory outside the repository, against the collection
installed from the tarball ``ansible-galaxy collection build`` makes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from playbook_runner import REPO, run_playbook

BIN = Path(sys.executable).parent
SIM_SPEC = {'seed': 18, 'count': 2, 'defaults': {'approve_after': 0.2, 'sync_seconds': 0.2}}

# The README's "play of your own", word for word.
USER_PLAY = """\
- hosts: ghes
  gather_facts: false
  tasks:
    - ghes.connect.ghe_connect_info:
      register: appliance
    - ansible.builtin.debug:
        # connected is true, false or null (unknown: connect.unknown says why), never a default
        msg: >-
          {{ inventory_hostname }} connected={{ 'unknown' if appliance.appliance.connect.connected is none
          else appliance.appliance.connect.connected }}
"""


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The collection as users get it: built into a tarball, installed into an empty path."""
    work = tmp_path_factory.mktemp('built')
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(work / 'dist'), str(REPO)],
                   check=True, capture_output=True)
    tarball = next((work / 'dist').glob('ghes-connect-*.tar.gz'))
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(work / 'installed'),
                    str(tarball)], check=True, capture_output=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / 'installed')))
    return work / 'installed'


def user_run(play_dir, installed, inventory, extra_args=()):
    """ansible-playbook in ``play_dir`` with nothing but the installed copy on the collection path."""
    (play_dir / 'site.yml').write_text(USER_PLAY)
    env = {'ANSIBLE_COLLECTIONS_PATH': str(installed), 'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false'}
    return run_playbook(play_dir / 'site.yml', inventory, env=env, extra_args=extra_args)


def test_readme_play_of_your_own_runs_from_outside_the_repo_with_host_variables_only(module_simulator, installed, tmp_path):
    assert not str(tmp_path).startswith(str(REPO))
    run = user_run(tmp_path, installed, module_simulator.inventory_path)
    assert run.rc == 0, run.output[-3000:]
    assert 'ghes-001 connected=False' in run.stdout and 'ghes-002 connected=False' in run.stdout
    result = run.result('ghe_connect_info', 'ghes-001')
    assert result['appliance']['version'], result


def _own_inventory(sim, tmp_path, change):
    """The simulator's inventory rewritten the way a user's may be: templates, a vault, group vars."""
    inventory = yaml.safe_load(Path(sim.inventory_path).read_text())
    change(inventory)
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    return path


def _vault(tmp_path, secret):
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('correct horse\n')
    encrypted = subprocess.run([str(BIN / 'ansible-vault'), 'encrypt_string', '--vault-password-file', str(password_file),
                                '--name', 'x', '--', secret], check=True, capture_output=True, text=True).stdout
    return password_file, yaml.safe_load(encrypted.replace('!vault', ''))['x']


def test_templated_and_vaulted_host_variables_are_rendered(module_simulator, installed, tmp_path):
    hosts = yaml.safe_load(Path(module_simulator.inventory_path).read_text())['all']['children']['ghes']['hosts']
    password = hosts['ghes-001']['ghes_manage_password']
    password_file, encrypted = _vault(tmp_path, password)
    group_vars = tmp_path / 'group_vars' / 'ghes'
    group_vars.mkdir(parents=True)
    # The vaulted password in a group_vars file of its own, the URL built from a template.
    (group_vars / 'vault.yml').write_text('vault_manage_password: !vault |\n%s\n'
                                          % '\n'.join('  ' + line for line in encrypted.splitlines()))

    def change(inventory):
        ghes = inventory['all']['children']['ghes']['hosts']
        base = ghes['ghes-001']['ghes_url']
        ghes['ghes-001'].update(ghes_url='{{ appliance_base }}', appliance_base=base,
                                ghes_manage_password='{{ vault_manage_password }}')
        del ghes['ghes-002']
    inventory = _own_inventory(module_simulator, tmp_path, change)
    run = user_run(tmp_path, installed, inventory, extra_args=['--vault-password-file', str(password_file)])
    assert run.rc == 0, run.output[-3000:]
    assert 'ghes-001 connected=False' in run.stdout
    assert password not in run.output


def test_task_arguments_and_module_defaults_win_over_host_variables(module_simulator, tmp_path):
    """A wrong host variable is ignored where the task or module_defaults set the option."""
    hosts = yaml.safe_load(Path(module_simulator.inventory_path).read_text())['all']['children']['ghes']['hosts']
    good = hosts['ghes-001']['ghes_manage_password']

    def change(inventory):
        inventory['all']['children']['ghes']['hosts']['ghes-001']['ghes_manage_password'] = 'wrong'
        inventory['all']['children']['ghes']['hosts']['ghes-001']['good_password'] = good
        del inventory['all']['children']['ghes']['hosts']['ghes-002']
    inventory = _own_inventory(module_simulator, tmp_path, change)
    (tmp_path / 'defaults.yml').write_text("""\
- hosts: ghes
  gather_facts: false
  module_defaults:
    group/ghes.connect.ghes:
      manage_password: "{{ good_password }}"
  tasks:
    - ghes.connect.ghe_connect_info:
      register: appliance
""")
    (tmp_path / 'task.yml').write_text("""\
- hosts: ghes
  gather_facts: false
  tasks:
    - ghes.connect.ghe_connect_info:
        manage_password: "{{ good_password }}"
""")
    (tmp_path / 'hostvar.yml').write_text("""\
- hosts: ghes
  gather_facts: false
  tasks:
    - ghes.connect.ghe_connect_info:
""")
    for name in ('defaults', 'task'):
        run = run_playbook(tmp_path / ('%s.yml' % name), inventory)
        assert run.rc == 0, (name, run.output[-3000:])
    wrong = run_playbook(tmp_path / 'hostvar.yml', inventory)
    assert wrong.rc != 0 and 'manage' in wrong.output.lower(), wrong.output[-3000:]


def test_missing_url_names_the_host_variable(module_simulator, tmp_path):
    def change(inventory):
        hosts = inventory['all']['children']['ghes']['hosts']
        del hosts['ghes-001']['ghes_url']
        del hosts['ghes-002']
    inventory = _own_inventory(module_simulator, tmp_path, change)
    (tmp_path / 'site.yml').write_text(USER_PLAY)
    run = run_playbook(tmp_path / 'site.yml', inventory, env={'GHES_URL': ''})
    assert run.rc != 0
    assert 'url is required: set it in the task, in the host variable ghes_url of ghes-001' in run.output, run.output[-2000:]


def test_a_refused_manage_port_names_the_option_and_host_variable_that_set_it(module_simulator, tmp_path):
    def change(inventory):
        hosts = inventory['all']['children']['ghes']['hosts']
        del hosts['ghes-001']['ghes_manage_url']      # so the Manage API is looked for on port 8443
        del hosts['ghes-002']
    inventory = _own_inventory(module_simulator, tmp_path, change)
    (tmp_path / 'site.yml').write_text(USER_PLAY)
    # GHES_MANAGE_URL must be unset: an empty one is refused as empty before any request.
    assert 'GHES_MANAGE_URL' not in os.environ
    run = run_playbook(tmp_path / 'site.yml', inventory)
    assert run.rc != 0
    assert ':8443 refused the connection' in run.output, run.output[-2000:]
    assert ('The address comes from url (host variable ghes_url, environment variable GHES_URL), on port 8443 (set '
            'manage_url (host variable ghes_manage_url, environment variable GHES_MANAGE_URL) when the Manage API '
            'listens elsewhere)') in run.output, run.output[-2000:]


def test_inventory_plugin_token_from_a_vault_encrypted_file_of_its_own(module_simulator, tmp_path):
    """ghec_token of ghes.connect.ghec_servers read from a file ansible-vault encrypted (a trailing newline too)."""
    token = module_simulator.info['ghec_tokens']['owner']
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('correct horse\n')
    token_file = tmp_path / 'ghec_token.vault'
    token_file.write_text(token + '\n')
    subprocess.run([str(BIN / 'ansible-vault'), 'encrypt', '--vault-password-file', str(password_file), str(token_file)],
                   check=True, capture_output=True)
    assert token not in token_file.read_text()
    source = tmp_path / 'fleet.ghec_servers.yml'
    source.write_text(yaml.safe_dump({
        'plugin': 'ghes.connect.ghec_servers', 'ghec_enterprise': 'acme', 'ghec_url': module_simulator.ghec_url,
        'ghec_ca_path': module_simulator.ca_path,
        'ghec_token': "{{ lookup('ansible.builtin.file', '%s') }}" % token_file}))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('GHEC_'))
    from playbook_runner import collections_path
    env['ANSIBLE_COLLECTIONS_PATH'] = str(collections_path())
    env['ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED'] = 'true'

    def listing():
        return subprocess.run([str(BIN / 'ansible-inventory'), '-i', str(source), '--list', '--vault-password-file',
                               str(password_file)], capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
    run = listing()
    assert run.returncode == 0, run.stderr[-2000:]
    assert '"_meta"' in run.stdout and token not in run.stdout + run.stderr
    # The same file holding a token GHEC refuses: the plugin did authenticate with what the file holds.
    token_file.write_text('ghp_notavalidtoken000000000000000000000\n')
    subprocess.run([str(BIN / 'ansible-vault'), 'encrypt', '--vault-password-file', str(password_file), str(token_file)],
                   check=True, capture_output=True)
    refused = listing()
    assert refused.returncode != 0 and '401' in refused.stderr, refused.stderr[-2000:]
