# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What GitHub Connect needs on one appliance: the input checks, the read, the desired state, the decision.

``ghe_connect`` (one appliance per task) and ``ghe_connect_fleet`` (the play's appliances from one
task) both decide here, so an appliance is refused, connected, awaited or reconfigured for the
same reasons - the GHE.com checks, the ``ghe-config`` keys, every refusal - whichever path a play takes.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError, Refusal
from ansible_collections.ghes.connect.plugins.module_utils._connect.approval import connected_elsewhere
from ansible_collections.ghes.connect.plugins.module_utils._connect.ghe_com import differs, read_config, subdomain_problem, target_problem
from ansible_collections.ghes.connect.plugins.module_utils._state import observed as _state

NO_METHOD = 'none'
# The steps that ask GitHub.com for an approval (the fleet step sends these in waves).
REQUESTS = ('connect', 'reconnect')


class Decision:
    """One appliance's step and the state it would leave.

    ``step``: ``connect``, ``reconnect`` (disconnect first: ``force``), ``await`` (a request already
    waits on GitHub.com), ``apply_config`` (connected, the GHE.com keys to set or apply) or
    ``disconnect``. ``after`` is the state check mode predicts; ``changed`` whether the step changes
    it; ``method`` how (``console``, ``manual``, ``admin_shell``, ``none``). ``writes``: the step
    writes (the preflight runs first); ``need_connect_license``: the preflight refuses a license
    without GitHub Connect. ``ghe_config``: the GHE.com keys (``ghe_com.read_config``) or None.
    """

    def __init__(self, step, after, changed, method, writes=True, need_connect_license=True, pending=False,
                 ghe_config=None, instruction=None):
        self.step, self.after, self.changed, self.method = step, after, changed, method
        self.writes, self.need_connect_license = writes, need_connect_license
        self.pending, self.ghe_config, self.instruction = pending, ghe_config, instruction

    @property
    def sets_ghe_config(self):
        """Whether the step sets or applies the GHE.com keys (over the appliance's administrative shell)."""
        return self.step != 'disconnect' and differs(self.ghe_config)


def input_problem(params, check_mode):
    """What is wrong with the task's input before anything is read (a message naming the fix), or None."""
    timeout = params['approval_timeout']
    for problem in (  # the first that applies
            timeout < 0 and 'approval_timeout must be 0 (do not wait) or a number of seconds, got %s.' % timeout,
            params['method'] == 'manual' and timeout == 0 and not check_mode
            and 'method: manual waits for the operator: set approval_timeout to the seconds to wait.',
            params['target'] == 'ghe_com' and not params.get('ghe_com_subdomain')
            and 'target: ghe_com needs ghe_com_subdomain (the SUBDOMAIN of SUBDOMAIN.ghe.com).',
            subdomain_problem(params['target'], params.get('ghe_com_subdomain')),
            params['config_wait_timeout'] < 0 and 'config_wait_timeout must be 0 or more seconds.'):
        if problem:
            return problem
    return None


def check_appliance(appliance, params):
    """Refuse, before any state is read, a target this appliance's release cannot carry."""
    problem = target_problem(appliance, params['target'])
    if problem:
        raise InputError(problem)


def read(appliance, fresh=False):
    """The Connect state; ``fresh``: after a write, no cached reads, the page itself where it can be read."""
    if fresh:
        return _state.read_connect(appliance, _state.verify_mode(appliance), refresh=True)
    return _state.read_connect(appliance, _state.console_mode(appliance))


def desired(appliance, params):
    """What the task asks for, as ``comparison.connect_assessment`` takes it (the GHE.com keys read when they matter)."""
    connect_ghe_com = params['target'] == 'ghe_com' and params['state'] == 'present'
    return {'state': params['state'], 'enterprise': params['ghec_enterprise'], 'target': params['target'],
            'ghe_config': read_config(appliance, params['ghe_com_subdomain']) if connect_ghe_com else None}


def decide(appliance, params, before, wanted):
    """The ``Decision``, or None when nothing is to be done. Refusals (an unknown state, a connection
    elsewhere without ``force``) are raised here, before anything is written."""
    manual = params['method'] == 'manual'
    _state.refuse_unknown(appliance, before, 'state: %s' % params['state'],
                          operator_connects=manual and params['state'] == 'present')
    how, config = 'manual' if manual else 'console', wanted['ghe_config']
    instruction = appliance.instruction('connect' if params['state'] == 'present' else 'disconnect') if manual else None
    if params['state'] == 'absent':
        if not before.connected and before.status in ('disabled', None):
            return None
        return Decision('disconnect', replace(before, connected=False, status='disabled', account=None, target=None, features={}),
                        True, how, need_connect_license=False, instruction=instruction)
    other = connected_elsewhere(before, wanted['enterprise'], wanted['target'])
    if before.connected and not other:
        return Decision('apply_config', before, True, 'admin_shell', ghe_config=config) if differs(config) else None
    if other and not params['force']:
        raise Refusal('%s is %s, not "%s" with target %s. Nothing was changed: set force: true to '
                      'disconnect and reconnect it (its GitHub App on the old side is deleted).'
                      % (appliance.url, other, wanted['enterprise'], wanted['target']))
    if before.status in ('pending', 'unconfirmed'):
        # Somebody (perhaps an earlier run) already asked GitHub.com: wait, do not ask again.
        return Decision('await', before, False, NO_METHOD, writes=False, pending=True, ghe_config=config)
    requested = replace(before, status='pending', connected=False, account=None, target=wanted['target'])
    return Decision('reconnect' if other else 'connect', requested, True, how, pending=True, ghe_config=config,
                    instruction=instruction)
