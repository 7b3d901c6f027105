# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect: GitHub Connect on (present) or off (absent), verified by GHEC's own reads.

Read (GHEC GraphQL, plus the console page when it can be read) -> compare -> preflight
-> act (console form, or the operator with method: manual) -> wait for the GitHub.com
approval -> verify. Nothing is reported connected until GHEC says it is.
"""

from __future__ import annotations

import functools
import re

from ansible_collections.ghes.connect.plugins.module_utils._argspec import METHOD_OPTION, appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._drift import connect_differences
from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    GhesConnectError,
    HttpStatusError,
    InputError,
    TransportError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._facts import preflight
from ansible_collections.ghes.connect.plugins.module_utils._ghe_com import apply_config, differs, read_config
from ansible_collections.ghes.connect.plugins.module_utils._state import (
    CONSOLE_NEVER,
    console_mode,
    read_connect,
    refuse_unknown,
    verify_mode,
)
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.plugins.module_utils._wait import Wait

POLL_SECONDS = 1.0
DISCONNECT_WAIT = 60


class ActionModule(GhesActionBase):
    def argument_spec(self):
        spec = appliance_spec(extra={
            'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']},
            'target': {'type': 'str', 'default': 'github_com', 'choices': ['github_com', 'ghe_com']},
            'ghe_com_subdomain': {'type': 'str'},
            'method': METHOD_OPTION,
            'approval_timeout': {'type': 'int', 'default': 600},
            'config_wait_timeout': {'type': 'int', 'default': 0},
            'force': {'type': 'bool', 'default': False},
        })
        spec.required_if.append(['target', 'ghe_com', ['ghe_com_subdomain']])
        # No required_if for the console credentials: only an appliance that needs a console step needs
        # them, and that one fails naming method: manual (Appliance.console).
        return spec

    def execute(self, appliance, params, task_vars):
        _check_input(params, self.check_mode)
        self._desired = params
        self._who = task_vars.get('inventory_hostname') or appliance.url
        appliance.waiter = functools.partial(Wait, self.say, self._who)
        manual = params['method'] == 'manual'
        version = appliance.version
        if not version.supported:
            preflight(appliance)  # raises with the version message
        if params['target'] == 'ghe_com' and not version.has('ghe_com_target'):
            raise InputError('target: ghe_com needs GHES 3.12 or later; %s runs %s. Use target: github_com or upgrade.'
                             % (appliance.url, version))
        self._ghe_config = None
        if params['target'] == 'ghe_com' and params['state'] == 'present':
            self._ghe_config = read_config(appliance, params['ghe_com_subdomain'])
        before = read_connect(appliance, console_mode(appliance))
        refuse_unknown(appliance, before, 'state: %s' % params['state'],
                       operator_connects=manual and params['state'] == 'present')
        if params['state'] == 'present':
            return self._present(appliance, params, before, manual)
        return self._absent(appliance, params, before, manual)

    # -- present ----------------------------------------------------------------------------
    def _present(self, appliance, params, before, manual):
        enterprise = params['ghec_enterprise']
        other_account = before['account'] not in (None, enterprise) and before['status'] == 'connected'
        wrong_target = (before['status'] == 'connected' and before['target'] not in (None, params['target']))
        if before['connected'] and not other_account and not wrong_target:
            if not differs(self._ghe_config):
                return self._result(False, before, before, 'none')
            # Connected to GHE.com, but the appliance's ghe-config keys say otherwise: set them and apply.
            preflight(appliance, config_wait=params['config_wait_timeout'])
            if not self.check_mode:
                self._ghe_config['config_run'] = apply_config(appliance, self._ghe_config)
            return self._result(True, before, before, 'admin_shell')
        if other_account or wrong_target:
            if not params['force']:
                what = ('connected to the enterprise "%s"' % before['account']) if other_account else (
                    'connected with target %s' % before['target'])
                raise GhesConnectError('%s is %s, not "%s" with target %s. Nothing was changed: set force: true to '
                                       'disconnect and reconnect it (its GitHub App on the old side is deleted).'
                                       % (appliance.url, what, enterprise, params['target']))
            # The diff keeps the state found at the start; the flow below now connects afresh.
            self._disconnect(appliance, params, manual, before)
        approval_timeout = params['approval_timeout']
        instruction = appliance.instruction('connect')
        if before['status'] in ('pending', 'unconfirmed'):
            # Somebody (perhaps an earlier run) already asked GitHub.com: wait, do not ask again.
            if self.check_mode:
                return self._result(False, before, before, 'none', pending=True)
            return self._await_approval(appliance, params, before, 'none', changed=False)
        preflight(appliance, config_wait=params['config_wait_timeout'])
        if differs(self._ghe_config) and not self.check_mode:
            self._ghe_config['config_run'] = apply_config(appliance, self._ghe_config)
        # An expired hand-shake is resumed ("Complete your GitHub Connect setup"), never requested anew.
        resume = before['status'] == 'expired'
        predicted = dict(before, status='pending', connected=False, account=None, target=params['target'])
        if not manual:
            _console = appliance.console  # the console step needs credentials: fail now, before any write
        if self.check_mode:
            return self._result(True, before, predicted, 'manual' if manual else 'console', pending=True,
                                instruction=instruction if manual else None)
        if manual:
            self.say('Waiting up to %ss for the operator: %s' % (approval_timeout, instruction))
            return self._await_approval(appliance, params, before, 'manual', changed=False,
                                        instruction=instruction)
        try:
            authorization_url = (appliance.console.resume_connect() if resume else
                                 appliance.console.enable_connect(params['target'], params.get('ghe_com_subdomain')))
        except TransportError as exc:
            authorization_url = self._after_unanswered_enable(appliance, exc)
        appliance.changed_state()
        before_url = dict(before, authorization_url=authorization_url)
        if approval_timeout <= 0:
            after = read_connect(appliance, verify_mode(appliance), refresh=True)
            after['authorization_url'] = after['authorization_url'] or authorization_url
            return self._result(True, before, after, 'console', pending=not after['connected'])
        self.say('Approval needed on GitHub.com by an owner of "%s": %s (waiting up to %ss)'
                 % (params['ghec_enterprise'], authorization_url, approval_timeout))
        return self._await_approval(appliance, params, before_url, 'console', changed=True,
                                    authorization_url=authorization_url)

    @staticmethod
    def _after_unanswered_enable(appliance, exc):
        """The enable request got no answer: look at the page, never send it again blindly."""
        appliance.changed_state()
        seen = read_connect(appliance, verify_mode(appliance), refresh=True)
        if seen['connected'] or seen['status'] in ('pending', 'connected', 'unconfirmed'):
            return seen.get('authorization_url')
        raise GhesConnectError('The request to enable GitHub Connect on %s got no answer (%s), and the appliance shows '
                               'it was not carried out. It was not sent again: run the task again.'
                               % (appliance.url, exc.message))

    def _await_approval(self, appliance, params, before, method_used, changed,
                        authorization_url=None, instruction=None):
        enterprise = params['ghec_enterprise']
        wait = Wait(self.say, self._who, 'the approval on GitHub.com', params['approval_timeout'], poll=POLL_SECONDS)
        state = before
        mode = verify_mode(appliance)
        while True:
            confirmed = True
            status = None
            if mode != CONSOLE_NEVER:
                try:
                    console = appliance.console.connect_state()
                    status = console.status
                    if status == 'expired' and method_used != 'manual':
                        # GitHub.com forgot the hand-shake (about 5 minutes): resume it, show the fresh URL.
                        authorization_url = appliance.console.resume_connect()
                        appliance.changed_state()
                        changed = True
                        self.say('%s: the approval request expired on GitHub.com and was resumed: approve at %s'
                                 % (self._who, authorization_url))
                        status = 'pending'
                    authorization_url = authorization_url or console.authorization_url
                    confirmed = console.status == 'connected' and console.account == enterprise
                except HttpStatusError as exc:
                    if exc.status != 503:
                        raise
                    # The console closed (maintenance mode): GHEC's documented read still tells.
                    mode = CONSOLE_NEVER
            if confirmed:
                state = read_connect(appliance, mode, refresh=True)
                if state['connected']:
                    # Not connected before, connected now: the state changed during this task.
                    return self._result(True, before, state, method_used, instruction=instruction)
                status = status or state.get('status')
            wait.seen(status or 'not connected yet')
            if not wait.next():
                break
        state = read_connect(appliance, mode, refresh=True)
        state['authorization_url'] = state.get('authorization_url') or authorization_url
        if params['approval_timeout'] <= 0 and method_used == 'none':
            return self._result(changed, before, state, method_used, pending=True)
        who = 'the operator (%s)' % instruction if instruction else (
            'an owner of "%s" to approve at %s' % (enterprise, state['authorization_url'] or 'GitHub.com'))
        raise WaitTimeoutError(
            'Timed out after %ss waiting for %s. %s is not connected yet%s; run again once it is approved.'
            % (params['approval_timeout'], who, appliance.url, ' (the request was sent)' if changed else ''),
            changed=changed, authorization_url=state['authorization_url'], instruction=instruction,
            state=_public(state))

    # -- absent -----------------------------------------------------------------------------
    def _absent(self, appliance, params, before, manual):
        if not before['connected'] and before['status'] in ('disabled', None):
            return self._result(False, before, before, 'none')
        after = dict(before, connected=False, status='disabled', account=None, target=None, features={})
        if not manual:
            _console = appliance.console  # the console step needs credentials: fail now, before any write
        if self.check_mode:
            return self._result(True, before, after, 'manual' if manual else 'console',
                                instruction=appliance.instruction('disconnect') if manual else None)
        self._disconnect(appliance, params, manual, before)
        after = read_connect(appliance, verify_mode(appliance), refresh=True)
        return self._result(True, before, after, 'manual' if manual else 'console')

    def _disconnect(self, appliance, params, manual, before):
        preflight(appliance, need_connect_license=False, config_wait=params['config_wait_timeout'])
        if self.check_mode:
            return
        use_console = appliance.console_usable
        if manual:
            instruction = appliance.instruction('disconnect')
            self.say('Waiting up to %ss for the operator: %s' % (params['approval_timeout'], instruction))
            timeout = params['approval_timeout']
        else:
            appliance.console.disable_connect()
            appliance.changed_state()
            timeout = DISCONNECT_WAIT
        wait = Wait(self.say, self._who, 'GitHub Connect to show disabled', timeout, poll=POLL_SECONDS)
        while True:
            state = read_connect(appliance, verify_mode(appliance), refresh=True)
            if not state['connected'] and state['status'] in ('disabled', None) or (
                    not use_console and not state['connected']):
                return state
            wait.seen(state.get('status') or 'connected')
            if not wait.next():
                raise WaitTimeoutError('Timed out after %ss waiting for %s to show GitHub Connect disabled.'
                                       % (timeout, appliance.url), changed=not manual, state=_public(state))

    # -- result -----------------------------------------------------------------------------
    def _result(self, changed, before, after, method_used, pending=False, instruction=None):
        result = {
            'changed': changed,
            'differences': connect_differences(before, self._desired['state'], self._desired['ghec_enterprise'],
                                               self._desired['target']),
            'connected': bool(after['connected']),
            'pending_approval': bool(pending or after.get('status') == 'pending'),
            'authorization_url': after.get('authorization_url') or before.get('authorization_url'),
            'method_used': method_used,
            'state': _public(after),
        }
        if instruction:
            result['instruction'] = instruction
        if self._ghe_config is not None:
            result['ghe_config'] = self._ghe_config
        if self.diff_mode:
            result['diff'] = {'before': _diffable(before), 'after': _diffable(after)}
            if self._ghe_config is not None:
                result['diff']['before']['ghe_config'] = dict(self._ghe_config['before'])
                result['diff']['after']['ghe_config'] = dict(self._ghe_config['after'])
        return result


def _check_input(params, check_mode):
    if params['approval_timeout'] < 0:
        raise InputError('approval_timeout must be 0 (do not wait) or a number of seconds, got %s.'
                         % params['approval_timeout'])
    if params['method'] == 'manual' and params['approval_timeout'] == 0 and not check_mode:
        raise InputError('method: manual waits for the operator: set approval_timeout to the seconds to wait.')
    subdomain = params.get('ghe_com_subdomain')
    if subdomain and params['target'] != 'ghe_com':
        raise InputError('ghe_com_subdomain is only used with target: ghe_com.')
    if subdomain and not re.match(r'^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$', subdomain):
        raise InputError('ghe_com_subdomain must be the SUBDOMAIN of SUBDOMAIN.ghe.com (lower-case letters, digits, '
                         'hyphens), got "%s".' % subdomain)
    if params['config_wait_timeout'] < 0:
        raise InputError('config_wait_timeout must be 0 or more seconds.')


def _public(state):
    return dict((k, v) for k, v in state.items() if k != 'sources')


def _diffable(state):
    return {'connected': bool(state.get('connected')), 'status': state.get('status'),
            'account': state.get('account'), 'target': state.get('target')}
