# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect: GitHub Connect on (present) or off (absent), verified by GHEC's own reads.

Read (GHEC GraphQL, plus the console page when it can be read) -> compare -> decide -> act
(console form, or the operator with method: manual) -> wait for the GitHub.com approval.
Nothing is reported connected until GHEC says it is (``plugin_utils._state_module``).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import METHOD_OPTION, appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._connect import decision
from ansible_collections.ghes.connect.plugins.module_utils._connect.approval import await_approval, request_approval
from ansible_collections.ghes.connect.plugins.module_utils._connect.ghe_com import apply_config, differs
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import connect_assessment
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState
from ansible_collections.ghes.connect.plugins.plugin_utils._run_record import SUMMARY_OPTION
from ansible_collections.ghes.connect.plugins.plugin_utils._state_module import Outcome, Plan, StateModule

DISCONNECT_WAIT = 60


class ActionModule(StateModule):
    COMPARE = staticmethod(connect_assessment)
    diffable = staticmethod(ConnectState.diffable)
    public = staticmethod(ConnectState.to_dict)

    def argument_spec(self):
        spec = appliance_spec(extra={
            'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']},
            'target': {'type': 'str', 'default': 'github_com', 'choices': ['github_com', 'ghe_com']},
            'ghe_com_subdomain': {'type': 'str'},
            'method': METHOD_OPTION,
            'approval_timeout': {'type': 'int', 'default': 600},
            'config_wait_timeout': {'type': 'int', 'default': 0},
            'force': {'type': 'bool', 'default': False},
            'summary': SUMMARY_OPTION,
        })
        spec.required_if.append(['target', 'ghe_com', ['ghe_com_subdomain']])
        # No required_if for the console credentials: only an appliance that needs a console step needs
        # them, and that one fails naming method: manual (Appliance.console).
        return spec

    def check_input(self, params):
        problem = decision.input_problem(params, self.check_mode)
        if problem:
            raise InputError(problem)

    def read(self, appliance, params, fresh=False):
        return decision.read(appliance, fresh)

    def check_appliance(self, appliance, params):
        decision.check_appliance(appliance, params)

    def desired(self, appliance, params, before):
        return decision.desired(appliance, params)

    def decide(self, appliance, params, before, desired, differences):
        chosen = decision.decide(appliance, params, before, desired)
        if chosen is None:
            return None
        return Plan(chosen.step, Outcome(chosen.after, chosen.changed, chosen.method, pending=chosen.pending,
                                         ghe_config=chosen.ghe_config, instruction=chosen.instruction, step=chosen.step),
                    writes=chosen.writes, need_connect_license=chosen.need_connect_license)

    def unchanged(self, before, desired):
        return Outcome(before, False, ghe_config=desired['ghe_config'])

    def act(self, appliance, params, plan):
        config, method, instruction = plan.desired['ghe_config'], plan.method, plan.predicted.fact('instruction')
        if plan.step in ('disconnect', 'reconnect'):
            after = self._disconnect(appliance, params, plan)
            if plan.step == 'disconnect':
                return Outcome(after, True, method, step=plan.step)
        if plan.step != 'await' and differs(config):
            config['config_run'] = apply_config(appliance, config)
        if plan.step == 'apply_config':
            return Outcome(plan.before, True, method, ghe_config=config, step=plan.step)
        url = None
        if method == 'console':
            url = request_approval(appliance, plan.before.status, params['target'], params.get('ghe_com_subdomain'))
        elif method == 'manual':
            self.say('Waiting up to %ss for the operator: %s' % (params['approval_timeout'], instruction))
        if params['approval_timeout'] == 0:  # do not wait: report what the appliance shows now
            after = self.read(appliance, params, fresh=True)
            after.authorization_url = after.authorization_url or url
            return Outcome(after, method == 'console' or after.connected, method, pending=not after.connected,
                           ghe_config=config, step=plan.step)
        if url:
            self.say('Approval needed on GitHub.com by an owner of "%s": %s (waiting up to %ss)'
                     % (params['ghec_enterprise'], url, params['approval_timeout']))
        after, _resumed = await_approval(appliance, params['approval_timeout'], plan.tell, resume=method != 'manual',
                                         changed=method == 'console', authorization_url=url, instruction=instruction)
        # Not connected before, connected now: the state changed during this task.
        return Outcome(after, True, method, instruction=instruction, authorization_url=url, ghe_config=config,
                       step=plan.step)

    def _disconnect(self, appliance, params, plan):
        manual = plan.method == 'manual'
        if manual:
            self.say('Waiting up to %ss for the operator: %s' % (params['approval_timeout'], appliance.instruction('disconnect')))
        else:
            appliance.console.disable_connect()
            appliance.changed_state()
        timeout = params['approval_timeout'] if manual else DISCONNECT_WAIT
        return self.await_verified(appliance, params, {'console_read': appliance.console_usable}, timeout,
                                   'GitHub Connect to show disabled', changed=not manual, message='Timed out after %ss '
                                   'waiting for %s to show GitHub Connect disabled.' % (timeout, appliance.url))

    def verified(self, state, desired):
        """Disconnected: GHEC says so and, where the console is read, its page shows Connect disabled."""
        done = not state.connected and (state.status in ('disabled', None) or not desired['console_read'])
        return done, state.status or 'connected'

    def report(self, before, outcome):
        after = outcome.after
        result = {'connected': bool(after.connected), 'state': after.to_dict(),
                  'pending_approval': bool(outcome.fact('pending') or after.status == 'pending'),
                  'authorization_url': after.authorization_url or outcome.fact('authorization_url')
                  or before.authorization_url, 'step': outcome.fact('step') or 'none'}
        result.update((key, outcome.fact(key)) for key in ('instruction', 'ghe_config') if outcome.fact(key) is not None)
        return result

    def summarize(self, before, outcome):
        shown = self.report(before, outcome)
        # A connection check mode predicts is connected once approved on GitHub.com: the steps after it predict from that.
        return {'steps': [] if shown['step'] == 'none' else [shown['step']],
                'connected': shown['connected'] or (self.check_mode and shown['pending_approval']),
                'pending_approval': shown['pending_approval'], 'authorization_url': shown['authorization_url']}

    def diff(self, before, outcome):
        diff = super().diff(before, outcome)
        config = outcome.fact('ghe_config')
        for side in ('before', 'after') if config is not None else ():
            diff[side]['ghe_config'] = dict(config[side])
        return diff
