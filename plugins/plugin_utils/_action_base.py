# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every ghes.connect action plugin shares: validate, run on the controller, redact.

The modules talk HTTPS to appliances and GHEC from the controller, so they are action
plugins that never open a connection to the inventory host (nothing is shipped to
it; a task costs Ansible's floor, not an AnsiballZ round trip). A concrete module
supplies its argument spec and ``execute()``; a module that converges a state builds on
``_state_module.StateModule``, which implements ``execute()`` as read, compare, act, verify.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import traceback

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import Scrubber, redact
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import Wait
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.state_dir import take_warnings
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import HostOptions
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
        freeze_inherited_objects()
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        spec = self.argument_spec()
        options = HostOptions(spec, self._task.args, action=self._task.action)
        self.secrets = options.secrets
        warnings = []
        appliance = None
        try:
            params, input_warnings = options.resolve(task_vars, task_vars.get('inventory_hostname', 'this host'),
                                                     self._templar.template)
            warnings.extend(input_warnings)
            appliance = self.make_appliance(params)
            if appliance is not None:
                appliance.shell = admin_shell(self._connection, appliance, params, task_vars)
                # Every wait of the task tells the operator about it.
                appliance.waiter = functools.partial(Wait, self.say, operator_name(appliance, task_vars))
            result.update(self.execute(appliance, params, task_vars))
        except GhesConnectError as exc:
            result.update(_failure(exc))
        except Exception as exc:  # pylint: disable=broad-except
            # Anything else (a ValueError deep in http.client, an OSError, a TLS library's error)
            # would be printed by Ansible as is, secrets and all, even under no_log: report it
            # here instead, scrubbed like everything else this task returns.
            result.update(_unexpected_failure(exc, Scrubber(self.secrets)))
        finally:
            if appliance is not None:
                warnings.extend(appliance.warnings)
                appliance.close()
        warnings.extend(take_warnings())
        if appliance is not None:
            # GHEC's clock is the fleet's, not this appliance's: the same words on every host, which Ansible shows once.
            fleet_wide = [w for w in warnings if w == appliance.ghec_clock_warning]
            warnings = named_once(operator_name(appliance, task_vars or {}), [w for w in warnings if w not in fleet_wide])
            warnings += fleet_wide[:1]
        if warnings:
            result['warnings'] = result.get('warnings', []) + warnings
        return redact(result, self.secrets)


def freeze_inherited_objects():
    """In a process forked to run one task (an Ansible worker), leave what it inherited out of garbage collection.

    A worker inherits ansible-playbook's whole heap: the inventory, every host's variables and registered
    results. A collection walks the objects of its generations and writes to each one's header, so the kernel
    copies every page it touches. Measured at 1,000 appliances, about one worker in a hundred ran a full
    collection, a second of CPU each (the whole heap copied), and most ran younger ones that copy part of it:
    7 ms of CPU a worker on average. Frozen objects are never walked. The worker ends with its task, so nothing
    it froze needed collecting; a process that was not forked by multiprocessing (a test calling ``run``
    directly) freezes nothing.
    """
    if multiprocessing.parent_process() is not None:
        gc.freeze()


def named_once(name, warnings):
    """``warnings`` of one appliance, each once and starting with its name.

    Ansible shows a warning once per run when its text is the same, so a warning that names its
    appliance is shown once for that appliance however many tasks raise it, and never merged
    with another appliance's.
    """
    prefix = '%s: ' % name
    named = [w if w.startswith(prefix) else prefix + w for w in warnings]
    return sorted(set(named), key=named.index)


def operator_name(appliance, task_vars):
    """How the lines a task shows while it runs name the appliance: its inventory host, else its URL."""
    return task_vars.get('inventory_hostname') or appliance.url


def _unexpected_failure(exc, scrub):
    """A failure for an exception no ghes.connect code expected: its type and scrubbed text, and the traceback."""
    return {'failed': True, 'changed': False,
            'msg': scrub('ghes.connect stopped on an unexpected error, %s: %s. Whether the task changed anything before '
                         'that is not known: run it again (every step checks before it writes), and report this '
                         'message if it persists.' % (type(exc).__name__, str(exc).rstrip('.') or 'no message')),
            # Ansible shows it from -vvv on; scrubbed, like the message.
            'exception': scrub(''.join(traceback.format_exception(type(exc), exc, exc.__traceback__)))}


def _failure(exc):
    """The failed result of ``exc``: its message and every detail it carries, each under its own name.

    A detail that is None says nothing and is left out; ``changed`` is false unless the error says so.
    """
    failure = dict((key, value) for key, value in exc.details.items() if value is not None)
    failure.update(failed=True, changed=bool(exc.details.get('changed', False)), msg=exc.message)
    return failure
