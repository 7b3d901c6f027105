# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_sync: automatic user license sync on or off, and kept healthy.

The switch lives on the GitHub Connect page (console, MODELLED); whether syncs happen
is GHEC's license-sync-status (documented). A stale or failed last sync is drift: it is
always reported, and fixed with "Sync now" only when ``sync_now`` asks for it.
"""

from __future__ import annotations

import functools

from ansible_collections.ghes.connect.plugins.module_utils._argspec import (
    METHOD_OPTION,
    appliance_spec,
    parse_sync_age,
)
from ansible_collections.ghes.connect.plugins.module_utils._drift import last_sync_health, sync_problem
from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    GhesConnectError,
    InputError,
    TransportError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._facts import preflight
from ansible_collections.ghes.connect.plugins.module_utils._state import (
    SRC_CONSOLE,
    add_console_view,
    console_mode,
    read_connect,
    read_license_sync,
    refuse_unknown,
    verify_mode,
)
from ansible_collections.ghes.connect.plugins.module_utils._sync import sync_now_once, wait_for_new_sync
from ansible_collections.ghes.connect.plugins.module_utils._sync_health import UNKNOWN
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.plugins.module_utils._wait import Wait

POLL_SECONDS = 1.0


class ActionModule(GhesActionBase):
    def argument_spec(self):
        spec = appliance_spec(extra={
            'state': {'type': 'str', 'default': 'enabled', 'choices': ['enabled', 'disabled']},
            'method': METHOD_OPTION,
            'max_sync_age': {'type': 'str'},
            'sync_now': {'type': 'bool', 'default': False},
            'wait_timeout': {'type': 'int', 'default': 300},
            'config_wait_timeout': {'type': 'int', 'default': 0},
        })
        spec.options['connect_predicted'] = {'type': 'bool', 'default': False}
        # No required_if for the console credentials: only an appliance that needs a console step needs
        # them, and that one fails naming method: manual (Appliance.console).
        return spec

    def execute(self, appliance, params, task_vars):
        max_age = _check_input(params)
        self._who = task_vars.get('inventory_hostname') or appliance.url
        appliance.waiter = functools.partial(Wait, self.say, self._who)
        manual = params['method'] == 'manual'
        if not appliance.version.supported:
            preflight(appliance)
        want = params['state'] == 'enabled'
        connect = read_connect(appliance, console_mode(appliance))
        refuse_unknown(appliance, connect, 'state: %s' % params['state'])
        before = read_license_sync(appliance, connect, console_mode(appliance))
        appliance.warnings.extend(before.pop('warnings', []))
        if before['enabled'] is not None and before['enabled'] != want \
                and before['sources'].get('enabled') != SRC_CONSOLE and appliance.console_usable:
            # Server statistics may lag the switch by a day: the switch itself decides a write.
            before = read_license_sync(appliance, connect, verify_mode(appliance))
        if not connect['connected']:
            if not want and not before['enabled']:
                return self._result(False, before, before, [], 'none')
            if self.check_mode and params['connect_predicted']:
                return self._after_predicted_connect(before, want, manual)
            raise GhesConnectError(
                'GitHub Connect is not enabled on %s (GHEC "%s" shows no connected installation named %s): license '
                'sync needs it. Run ghes.connect.ghe_connect first (or the ghes.connect.enable role).'
                % (appliance.url, params['ghec_enterprise'], appliance.hostname))
        if want and not appliance.version.has('ghe_com_license_sync') and appliance.version.has('ghe_com_target') \
                and connect.get('target') is None:
            add_console_view(appliance, connect)  # only the Connect page shows the target
        if want and connect.get('target') == 'ghe_com' and not appliance.version.has('ghe_com_license_sync'):
            raise InputError('License sync to GHE.com needs GHES 3.15 or later; %s runs %s and is connected to GHE.com. '
                             'Upgrade the appliance, or upload its license usage with ghes.connect.ghe_license_upload.'
                             % (appliance.url, appliance.version))
        if before['enabled'] is None:
            if appliance.has_console_credentials and appliance.maintenance_on():
                preflight(appliance)  # raises, naming maintenance mode and what to do
            raise GhesConnectError('Cannot tell whether license sync is on for %s, so nothing was changed: %s.'
                                   % (appliance.url, before['unknown'].get('license_sync.enabled')
                                      or 'give console credentials (the Connect page shows the switch)'))
        differences = []
        after = dict(before)
        method_used = 'none'
        changed = False
        if before['enabled'] != want:
            differences.append({'field': 'license_sync.enabled', 'before': before['enabled'], 'after': want})
            preflight(appliance, config_wait=params['config_wait_timeout'])
            method_used = 'manual' if manual else 'console'
            if not manual:
                _console = appliance.console  # the switch needs credentials: fail now, before any write
            changed = True
            after = dict(before, enabled=want)
            if not self.check_mode:
                after = self._switch(appliance, params, want, manual)
        problem = sync_problem(after if not self.check_mode else before, max_age) if want else None
        sync_triggered = False
        if problem:
            differences.append({'field': 'license_sync.last_sync', 'before': problem, 'after': 'recent success'})
            if params['sync_now']:
                sync_triggered = True
                if not manual:
                    _console = appliance.console  # "Sync now" needs credentials: fail now, before any write
                if not self.check_mode:
                    # False when a sync that another run on this controller triggered was awaited instead.
                    after, sync_triggered = self._sync_now(appliance, params, after, manual)
                if sync_triggered:
                    changed = True
                    method_used = method_used if method_used != 'none' else ('manual' if manual else 'console')
        result = self._result(changed, before, after, differences, method_used)
        result['sync_triggered'] = sync_triggered
        if problem and not params['sync_now']:
            result['warnings'] = ['License sync on %s is not healthy (%s); set sync_now: true to trigger "Sync now".'
                                  % (appliance.url, problem)]
        health = last_sync_health(after if not self.check_mode else before, max_age) if want else None
        if health and health['state'] == UNKNOWN:
            # Neither healthy nor stale: say so instead of reporting a sync nobody can date as fine.
            result.setdefault('warnings', []).append('The health of the last license sync of %s is unknown: %s.'
                                                     % (appliance.url, health['reason']))
            result['unknown'] = [{'field': 'license_sync.last_sync', 'reason': health['reason']}]
        return result

    def _switch(self, appliance, params, want, manual):
        action = 'license_sync_on' if want else 'license_sync_off'
        if manual:
            self.say('Waiting up to %ss for the operator: %s' % (params['wait_timeout'], appliance.instruction(action)))
        else:
            try:
                appliance.console.set_license_sync(want)
            except TransportError as exc:
                # No answer: the switch may or may not have moved. Look, never post it again blindly.
                appliance.changed_state()
                seen = read_license_sync(appliance, read_connect(appliance, verify_mode(appliance), refresh=True),
                                         verify_mode(appliance), refresh=True)
                if seen['enabled'] == want:
                    return seen
                raise GhesConnectError('Switching license sync %s on %s got no answer (%s), and the appliance shows it '
                                       'did not change. It was not sent again: run the task again.'
                                       % ('on' if want else 'off', appliance.url, exc.message))
            appliance.changed_state()
        wait = Wait(self.say, self._who, 'license sync to show %s' % ('on' if want else 'off'),
                    params['wait_timeout'] if manual else 30, poll=POLL_SECONDS)
        mode = verify_mode(appliance)
        while True:
            state = read_license_sync(appliance, read_connect(appliance, mode, refresh=True), mode, refresh=True)
            if state['enabled'] == want:
                return state
            wait.seen({True: 'on', False: 'off'}.get(state['enabled'], 'unknown'))
            if not wait.next():
                raise WaitTimeoutError(
                    'License sync on %s still shows %s after %s. %s'
                    % (appliance.url, 'off' if want else 'on',
                       'waiting %ss for the operator' % params['wait_timeout'] if manual else 'the console accepted the '
                       'change', appliance.instruction(action)), changed=not manual)

    def _sync_now(self, appliance, params, before, manual):
        if manual:
            self.say('Waiting up to %ss for the operator: %s'
                     % (params['wait_timeout'], appliance.instruction('sync_now')))
        previous = (before.get('last_sync') or {}).get('date')
        clicked = manual or sync_now_once(appliance, previous, params['wait_timeout'], tolerate_no_answer=True)
        wait = Wait(self.say, self._who, 'GHEC to record a new license sync', params['wait_timeout'])
        synced = wait_for_new_sync(appliance, previous, params['wait_timeout'], changed=not manual and clicked,
                                   progress=wait.seen)
        return dict(before, **synced), clicked

    def _after_predicted_connect(self, before, want, manual):
        """Check mode after ghe_connect predicted a connection: the switch would be turned on next."""
        was = bool(before['enabled'])
        after = dict(before, enabled=want)
        differences = [{'field': 'license_sync.enabled', 'before': was, 'after': want}] if was != want else []
        result = self._result(bool(differences), before, after, differences, 'manual' if manual else 'console')
        result['predicted'] = True
        result['sync_triggered'] = False
        return result

    def _result(self, changed, before, after, differences, method_used):
        result = {
            'changed': changed,
            'license_sync': _public(after),
            'differences': differences,
            'method_used': method_used,
        }
        if self.diff_mode:
            result['diff'] = {'before': _public(before), 'after': _public(after)}
        return result


def _check_input(params):
    max_age = parse_sync_age(params.get('max_sync_age'), 'max_sync_age')
    if params['sync_now'] and params['state'] != 'enabled':
        raise InputError('sync_now: true only makes sense with state: enabled.')
    if params['method'] == 'manual' and params['wait_timeout'] == 0:
        raise InputError('method: manual waits for the operator: set wait_timeout to the seconds to wait.')
    if params['wait_timeout'] <= 0:
        raise InputError('wait_timeout must be 1 or more seconds (got %s): it bounds the wait for the console change '
                         'and for the sync that "Sync now" triggers.' % params['wait_timeout'])
    if params['config_wait_timeout'] < 0:
        raise InputError('config_wait_timeout must be 0 or more seconds.')
    return max_age


def _public(state):
    return {'enabled': state.get('enabled'), 'last_sync': state.get('last_sync'),
            'sync_age_seconds': state.get('sync_age_seconds')}
