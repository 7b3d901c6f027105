# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every ghes.connect action plugin shares: validate, run on the controller, redact.

The modules talk HTTPS to appliances and GHEC from the controller, so they are action
plugins that never open a connection to the inventory host (nothing is shipped to
it; a task costs Ansible's floor, not an AnsiballZ round trip). A concrete module
supplies its argument spec and ``execute()``: read, compare, act, verify.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.ghes.connect.plugins.module_utils._appliance import Appliance
from ansible_collections.ghes.connect.plugins.module_utils._argspec import SECRET_OPTIONS
from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    ConfigRunError,
    GhesConnectError,
    PreflightError,
)
from ansible_collections.ghes.connect.plugins.module_utils._redact import redact
from ansible_collections.ghes.connect.plugins.plugin_utils._shell_connection import admin_shell

display = Display()


class GhesActionBase(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def argument_spec(self):
        """Return an ``ArgumentSpec`` (see ``module_utils._argspec``)."""
        raise NotImplementedError

    def execute(self, appliance, params, task_vars):
        """Return the task result (``changed``, facts, ``diff``); raise ``GhesConnectError`` to fail."""
        raise NotImplementedError

    @property
    def check_mode(self):
        return bool(self._task.check_mode)

    @property
    def diff_mode(self):
        return bool(self._task.diff)

    def make_appliance(self, params):
        """The appliance the task is about (a fleet-wide task has none)."""
        return Appliance(params)

    def say(self, message):
        """Show ``message`` while the task runs (an instruction for the operator)."""
        display.display('[%s] %s' % (self._task.get_name(), message), color='bright blue')

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, params = self.validate_argument_spec(**self.argument_spec().kwargs())
        self.secrets = [params[k] for k in SECRET_OPTIONS if params.get(k)]
        appliance = None
        try:
            appliance = self.make_appliance(params)
            if appliance is not None:
                appliance.shell = admin_shell(self._connection, appliance, params, task_vars or {})
            result.update(self.execute(appliance, params, task_vars or {}))
            if appliance is not None and appliance.warnings:
                result.setdefault('warnings', []).extend(appliance.warnings)
        except GhesConnectError as exc:
            result.update(_failure(exc))
        except AnsibleActionFail:
            raise
        finally:
            if appliance is not None:
                appliance.close()
        return redact(result, self.secrets)


def _failure(exc):
    failure = {'failed': True, 'changed': exc.details.get('changed', False), 'msg': exc.message}
    if isinstance(exc, PreflightError):
        failure['problems'] = exc.problems
    if isinstance(exc, ConfigRunError):
        failure['events'] = exc.events
    for key in ('authorization_url', 'instruction', 'state', 'run_id', 'ghe_config'):
        if exc.details.get(key) is not None:
            failure[key] = exc.details[key]
    return failure
