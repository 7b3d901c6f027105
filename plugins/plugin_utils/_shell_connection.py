# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The administrative shell over the task's own Ansible connection, when the task should use it.

ansible-core builds the host's connection plugin for every task, action plugins included
(``_requires_connection`` only decides whether a *persistent* connection is started), and
the ssh plugin opens nothing until a command runs. So an action plugin that never uses the
shell costs no SSH round trip, and one that does runs ``exec_command`` on exactly the
connection the user configured: keys, agent, ssh_config, ProxyJump, ControlPersist and host
key checking as they set them up. Commands run raw (no Python on the appliance) and without
a TTY (``sudoable=False``), so stdout and stderr stay apart.
"""

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import PROBE, AdminShell, connection_error

SSH_CONNECTIONS = ('ssh',)


def connection_kind(connection):
    """``ssh`` for ``ansible.builtin.ssh`` (however it is spelled), else the plugin's short name."""
    name = getattr(connection, '_load_name', None) or getattr(connection, 'transport', None) or ''
    return str(name).rsplit('.', 1)[-1]


def admin_shell(connection, appliance, params, task_vars):
    """An ``AdminShell`` for this task, or None when it is not to be used."""
    # Validated: the task's option, else the host variable ghes_admin_shell (plugin_utils._host_vars), else auto.
    mode = params['admin_shell']
    kind = connection_kind(connection)
    if mode == 'never':
        return None
    if kind not in SSH_CONNECTIONS:
        if mode == 'always':
            raise InputError('admin_shell: always needs the host reached over SSH (ansible_connection: '
                             'ansible.builtin.ssh, ansible_host, ansible_port: 122, ansible_user: admin); %s uses the '
                             '"%s" connection. Nothing was run.' % (task_vars.get('inventory_hostname', 'this host'), kind))
        return None
    host = '%s (admin shell)' % task_vars.get('inventory_hostname', appliance.url)

    def run(line, censored):
        context = connection._play_context
        saved = context.no_log
        context.no_log = saved or censored
        try:
            return connection.exec_command(line, sudoable=False)
        finally:
            context.no_log = saved

    def execute(line, secret_output=False):
        # The ssh plugin prints a command's whole output at -vvv unless the play context says no_log: the usage
        # export's user list must never reach the log, so such a command runs censored. Its error text is then
        # censored too: the harmless PROBE, run uncensored, tells what the connection's problem is.
        try:
            return run(line, secret_output)
        except AnsibleError as exc:
            failure = exc
        if secret_output:
            try:
                run(PROBE, False)
            except AnsibleError as exc:
                failure = exc
        raise connection_error(host, getattr(failure, 'message', None) or str(failure))
    return AdminShell(execute, lambda: appliance.version, host)
