# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a task uses the admin shell, and how it runs commands on the task's own connection."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import AdminShellAccessError
from ansible_collections.ghes.connect.plugins.plugin_utils._shell_connection import admin_shell


class PlayContext:
    no_log = False


class Connection:
    def __init__(self, load_name, answers=()):
        self._load_name = load_name
        self._play_context = PlayContext()
        self.answers = list(answers)
        self.calls = []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append((cmd, sudoable, self._play_context.no_log))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


AUTO = {'admin_shell': 'auto'}


class Appliance:
    url = 'https://ghes-1.example.com'
    version = None


@pytest.mark.parametrize('load_name, mode, used', [
    ('ansible.builtin.ssh', 'auto', True),
    ('ssh', 'auto', True),
    ('ansible.builtin.local', 'auto', False),
    ('ansible.builtin.ssh', 'never', False),
])
def test_auto_uses_the_shell_exactly_when_the_connection_is_ssh(load_name, mode, used):
    # The host variable ghes_admin_shell reaches params through plugin_utils._host_vars (tested there).
    shell = admin_shell(Connection(load_name), Appliance(), {'admin_shell': mode}, {'inventory_hostname': 'ghes-1'})
    assert (shell is not None) is used


def test_always_refuses_a_local_connection_before_running_anything():
    connection = Connection('ansible.builtin.local')
    with pytest.raises(InputError, match='admin_shell: always needs the host reached over SSH'):
        admin_shell(connection, Appliance(), {'admin_shell': 'always'}, {})
    assert connection.calls == []


def test_commands_run_raw_without_tty_and_censored_only_when_secret():
    connection = Connection('ssh', [(0, b'a', b''), (0, b'b', b'')])
    shell = admin_shell(connection, Appliance(), AUTO, {'inventory_hostname': 'ghes-1'})
    shell._execute('ghe-maintenance -q', False)
    shell._execute('ghe-license usage -y -o', True)
    assert connection.calls == [('ghe-maintenance -q', False, False), ('ghe-license usage -y -o', False, True)]
    assert connection._play_context.no_log is False      # restored


def test_a_censored_failure_is_explained_by_the_probe():
    connection = Connection('ssh', [AnsibleConnectionFailure('<error censored due to no log>'),
                                    AnsibleConnectionFailure('Host key verification failed.')])
    shell = admin_shell(connection, Appliance(), AUTO, {'inventory_hostname': 'ghes-1'})
    with pytest.raises(AdminShellAccessError, match='host key'):
        shell._execute('ghe-license usage -y -o', True)
    assert [c[0] for c in connection.calls] == ['ghe-license usage -y -o', 'ghe-version']
