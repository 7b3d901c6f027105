# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_sync: automatic user license sync on or off, and kept healthy.

The switch lives on the GitHub Connect page (console, MODELLED); whether syncs happen
is GHEC's license-sync-status (documented). A stale or failed last sync is drift: it is
always reported, and fixed with "Sync now" only when ``sync_now`` asks for it.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import METHOD_OPTION, appliance_spec, parse_sync_age
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError, Refusal
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import write_once
from ansible_collections.ghes.connect.plugins.module_utils._license.sync_now import (
    ghe_com_target_unread,
    refuse_ghe_com_before_3_15,
    refuse_unconnected,
    refuse_unknown_switch,
    sync_now_and_wait,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import last_sync_assessment, license_sync_task_assessment
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import unknown_state
from ansible_collections.ghes.connect.plugins.module_utils._state import observed as _state
from ansible_collections.ghes.connect.plugins.module_utils._state.states import LicenseSyncState
from ansible_collections.ghes.connect.plugins.plugin_utils._run_record import SUMMARY_OPTION, license_sync_step
from ansible_collections.ghes.connect.plugins.plugin_utils._state_module import Outcome, Plan, StateModule

WORDS = {True: 'on', False: 'off'}
# The console answered the switch: it shows on the Connect page within seconds, or it did not take.
CONSOLE_SWITCH_SECONDS = 30


class ActionModule(StateModule):
    COMPARE = staticmethod(license_sync_task_assessment)
    diffable = public = staticmethod(LicenseSyncState.public)

    def argument_spec(self):
        spec = appliance_spec(extra={
            'state': {'type': 'str', 'default': 'enabled', 'choices': ['enabled', 'disabled']},
            'method': METHOD_OPTION,
            'max_sync_age': {'type': 'str'},
            'sync_now': {'type': 'bool', 'default': False},
            'wait_timeout': {'type': 'int', 'default': 300},
            'config_wait_timeout': {'type': 'int', 'default': 0},
            'summary': SUMMARY_OPTION,
        })
        spec.options['connect_predicted'] = {'type': 'bool', 'default': False}
        # No required_if for the console credentials: only an appliance that needs a console step needs
        # them, and that one fails naming method: manual (Appliance.console).
        return spec

    def check_input(self, params):
        parse_sync_age(params.get('max_sync_age'), 'max_sync_age')
        for wrong, message in (
                (params['sync_now'] and params['state'] != 'enabled', 'sync_now: true only makes sense with state: enabled.'),
                (params['method'] == 'manual' and params['wait_timeout'] == 0,
                 'method: manual waits for the operator: set wait_timeout to the seconds to wait.'),
                (params['wait_timeout'] <= 0, 'wait_timeout must be 1 or more seconds (got %s): it bounds the wait for the '
                 'console change and for the sync that "Sync now" triggers.' % params['wait_timeout']),
                (params['config_wait_timeout'] < 0, 'config_wait_timeout must be 0 or more seconds.')):
            if wrong:
                raise InputError(message)

    def read(self, appliance, params, fresh=False):
        if fresh:  # after a write: the switch itself whenever the console can be read
            mode = _state.verify_mode(appliance)
            return _state.read_license_sync(appliance, _state.read_connect(appliance, mode, refresh=True), mode, refresh=True)
        connect = _state.read_connect(appliance, _state.console_mode(appliance))
        try:
            _state.refuse_unknown(appliance, connect, 'state: %s' % params['state'])
        except Refusal:
            # decide refuses it; a license sync of an appliance nobody can place is not read.
            return replace(unknown_state('the GitHub Connect state is unknown')[1], connect=connect)
        state = _state.read_license_sync(appliance, connect, _state.console_mode(appliance))
        appliance.warnings.extend(state.warnings)
        if state.enabled is not None and state.enabled != (params['state'] == 'enabled') \
                and state.sources.get('enabled') != _state.SRC_CONSOLE and appliance.console_usable:
            # Server statistics may lag the switch by a day: the switch itself decides a write.
            state = _state.read_license_sync(appliance, connect, _state.verify_mode(appliance))
        if params['state'] == 'enabled' and connect.connected and ghe_com_target_unread(appliance, connect):
            _state.add_console_view(appliance, connect)  # only the Connect page shows whether it is GHE.com
        return state

    def desired(self, appliance, params, before):
        return {'enabled': params['state'] == 'enabled', 'connected': bool(before.connect.connected),
                'max_age': parse_sync_age(params.get('max_sync_age'), 'max_sync_age')}

    def decide(self, appliance, params, before, desired, differences):
        _state.refuse_unknown(appliance, before.connect, 'state: %s' % params['state'])
        want, how = desired['enabled'], 'manual' if params['method'] == 'manual' else 'console'
        if not desired['connected']:
            if not want and not before.enabled:
                return None
            if self.check_mode and (params['connect_predicted'] or _connection_predicted(params.get('summary'))):
                # ghe_connect predicted the connection: the switch would be turned on next.
                return Plan('switch', Outcome(replace(before, enabled=want), bool(differences), how, predicted=True), writes=False)
            refuse_unconnected(appliance)
        if want:
            refuse_ghe_com_before_3_15(appliance, before.connect)
        if before.enabled is None:
            refuse_unknown_switch(appliance, before)
        switch = before.enabled != want
        sync_now = _unhealthy(differences) and params['sync_now']
        if not switch and not sync_now:
            return None
        if not switch and how == 'console':
            _console = appliance.console  # "Sync now" needs credentials: fail now, before any write
        # The switch is preflighted (maintenance, configuration run) like any write; "Sync now" only asks for a sync.
        return Plan('switch' if switch else 'sync_now', Outcome(replace(before, enabled=want), True, how, sync_triggered=sync_now),
                    writes=switch)

    def warnings(self, appliance, params, before, desired, differences):
        if not desired['connected'] or not desired['enabled']:
            return []
        unhealthy = _unhealthy(differences)
        found = ['License sync on %s is not healthy (%s); set sync_now: true to trigger "Sync now".'
                 % (appliance.url, unhealthy[0])] if unhealthy and not params['sync_now'] else []
        # Neither healthy nor stale: say so instead of reporting a sync nobody can date as fine.
        return found + ['The health of the last license sync of %s is unknown: %s.' % (appliance.url, unknown['reason'])
                        for unknown in last_sync_assessment(before, desired['max_age'])[1]]

    def act(self, appliance, params, plan):
        after, manual, want = plan.before, plan.method == 'manual', plan.desired['enabled']
        if plan.step == 'switch':
            after = self._switch(appliance, params, want, manual, plan.desired)
        clicked = False
        if params['sync_now'] and last_sync_assessment(after, plan.desired['max_age'])[0]:
            # False when a sync that another run on this controller triggered was awaited instead.
            after, clicked = sync_now_and_wait(appliance, after, params['wait_timeout'], manual, self.say)
        changed = plan.step == 'switch' or clicked
        return Outcome(after, changed, plan.method if changed else 'none', sync_triggered=clicked)

    def _switch(self, appliance, params, want, manual, desired):
        action = 'license_sync_on' if want else 'license_sync_off'
        if manual:
            self.say('Waiting up to %ss for the operator: %s' % (params['wait_timeout'], appliance.instruction(action)))
        else:
            # None when the console answered; the state read when it did not, and the switch shows it moved.
            seen = write_once(lambda: appliance.console.set_license_sync(want), lambda: self._seen(appliance, params, desired),
                              'Switching license sync %s on %s' % (WORDS[want], appliance.url), after=appliance.changed_state)
            if seen is not None:
                return seen
        timeout = params['wait_timeout'] if manual else CONSOLE_SWITCH_SECONDS
        return self.await_verified(appliance, params, desired, timeout, 'license sync to show %s' % WORDS[want],
                                   changed=not manual, message='License sync on %s still shows %s after %s. %s' % (
                                       appliance.url, WORDS[not want], 'waiting %ss for the operator' % timeout if manual
                                       else 'the console accepted the change', appliance.instruction(action)))

    def _seen(self, appliance, params, desired):
        state = self.read(appliance, params, fresh=True)
        return self.verified(state, desired)[0], state

    def verified(self, state, desired):
        return state.enabled == desired['enabled'], WORDS.get(state.enabled, 'unknown')

    def report(self, before, outcome):
        result = {'license_sync': outcome.after.public(),
                  'sync_triggered': bool(outcome.fact('sync_triggered'))}
        if outcome.fact('predicted'):
            result['predicted'] = True
        return result

    def summarize(self, before, outcome):
        after = outcome.after
        steps = [license_sync_step(before.enabled, after.enabled)] + (['Sync now'] if outcome.fact('sync_triggered') else [])
        return {'steps': [step for step in steps if step], 'license_sync': after.enabled, 'last_sync': after.last_sync}


def _connection_predicted(summary):
    """Whether the step before (its run record) left the appliance connected: in check mode, a predicted connection."""
    return summary is not None and summary['connected'] is True


def _unhealthy(differences):
    """How the last sync is not healthy (failed, missing or stale), from the comparison: a list, empty when it is."""
    return [d['before'] for d in differences if d['field'] == 'license_sync.last_sync']
