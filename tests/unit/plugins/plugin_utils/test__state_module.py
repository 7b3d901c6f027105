# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state-module base: the comparison only through _drift, check mode never acts, preflight before writes."""

from __future__ import annotations

import functools
from dataclasses import replace
import importlib
import itertools
import os
import re

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_list
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError, PreflightError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import Wait
from ansible_collections.ghes.connect.plugins.module_utils._state import comparison as _drift
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState
from ansible_collections.ghes.connect.plugins.plugin_utils import _run_record, _state_module
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import operator_name
from ansible_collections.ghes.connect.plugins.plugin_utils._state_module import Outcome, Plan, StateModule


class FakeTask:
    def __init__(self, check_mode=False, diff=False):
        self.check_mode = check_mode
        self.diff = diff

    @staticmethod
    def get_name():
        return 'task'


class FakeVersion:
    def __init__(self, supported=True):
        self.supported = supported


class FakeAppliance:
    url = 'https://ghes.example.test'

    def __init__(self, supported=True, console_credentials=True):
        self.version = FakeVersion(supported)
        self.waiter = None
        self.console_credentials = console_credentials
        self.console_reads = 0

    @property
    def console(self):
        self.console_reads += 1
        if not self.console_credentials:
            raise PreflightError(['no console credentials: use method: manual'])
        return object()


class Switch(StateModule):
    """A Connect-like switch: reads ``states`` one after the other, acts by recording the plan."""

    COMPARE = staticmethod(_drift.connect_assessment)

    def __init__(self, states, plan=None, check_mode=False, diff=False):  # pylint: disable=super-init-not-called
        self._task = FakeTask(check_mode, diff)
        self.states = list(states)
        self.plan = plan
        self.calls = []

    def read(self, appliance, params, fresh=False):
        self.calls.append(('read', fresh))
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def desired(self, appliance, params, before):
        return {'state': params['state'], 'enterprise': 'octo', 'target': None}

    def decide(self, appliance, params, before, desired, differences):
        self.calls.append(('decide', [d['field'] for d in differences]))
        return self.plan if differences else None

    def act(self, appliance, params, plan):
        self.calls.append(('act', plan.step, plan.before, plan.desired['state'], plan.differences))
        ticks = itertools.count()
        after = self.await_verified(appliance, params, plan.desired, 5, 'the switch', changed=True,
                                    clock=lambda: float(next(ticks)), sleep=lambda _s: None)
        return Outcome(after, changed=True, method_used=plan.method)

    def verified(self, state, desired):
        return state.connected == (desired['state'] == 'present'), 'on' if state.connected else 'off'

    def report(self, before, outcome):
        return {'connected': outcome.after.connected}

    def diffable(self, state):
        return {'connected': state.connected}

    def say(self, message):
        self.calls.append(('say', message))


OFF = ConnectState(connected=False, status='disabled')
ON = replace(OFF, connected=True, status='connected', account='octo')
PARAMS = {'state': 'present', 'config_wait_timeout': 7}


@pytest.fixture
def preflights(monkeypatch):
    seen = []
    monkeypatch.setattr(_state_module, 'preflight', lambda appliance, **options: seen.append(options))
    return seen


def console_plan(**options):
    return Plan('enable', Outcome(replace(OFF, status='pending'), changed=True, method_used='console', pending=True),
                **options)


def test_a_comparison_outside_drift_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match='COMPARE must be a function of module_utils._state.comparison'):
        type('HandMade', (StateModule,), {'COMPARE': staticmethod(lambda state, desired: ([], []))})


def test_nothing_to_do_reports_no_change_without_preflight_or_act(preflights):
    module = Switch([ON])
    result = module.execute(FakeAppliance(), PARAMS, {'inventory_hostname': 'ghes-1'})
    assert result == {'changed': False, 'differences': [], 'method_used': 'none', 'connected': True}
    assert preflights == [] and [c[0] for c in module.calls] == ['read', 'decide']


def test_check_mode_reports_the_prediction_after_the_preflight_and_never_acts(preflights):
    appliance = FakeAppliance()
    module = Switch([OFF], plan=console_plan(), check_mode=True, diff=True)
    result = module.execute(appliance, PARAMS, {})
    assert result['changed'] is True and result['method_used'] == 'console'
    assert result['differences'] == [{'field': 'connect.connected', 'before': False, 'after': True}]
    assert result['diff'] == {'before': {'connected': False}, 'after': {'connected': False}}
    assert not [c for c in module.calls if c[0] == 'act']
    assert preflights == [{'need_connect_license': True, 'config_wait': 7}] and appliance.console_reads == 1


def test_a_console_step_without_credentials_fails_before_act(preflights):
    module = Switch([OFF], plan=console_plan())
    with pytest.raises(PreflightError):
        module.execute(FakeAppliance(console_credentials=False), PARAMS, {})
    assert not [c for c in module.calls if c[0] == 'act']


def test_a_step_that_only_waits_is_not_preflighted(preflights):
    module = Switch([OFF, ON], plan=Plan('await', Outcome(OFF, changed=False), writes=False))
    result = module.execute(FakeAppliance(), PARAMS, {})
    assert preflights == [] and result['changed'] is True and result['connected'] is True


def test_act_gets_the_state_the_desired_and_the_differences_and_is_verified_by_fresh_reads(preflights):
    module = Switch([OFF, OFF, ON], plan=console_plan(need_connect_license=False))
    appliance = FakeAppliance()
    appliance.waiter = functools.partial(Wait, module.say, operator_name(appliance, {'inventory_hostname': 'ghes-1'}))
    result = module.execute(appliance, PARAMS, {'inventory_hostname': 'ghes-1'})
    step = [c for c in module.calls if c[0] == 'act'][0]
    assert step == ('act', 'enable', OFF, 'present', [{'field': 'connect.connected', 'before': False, 'after': True}])
    assert [c for c in module.calls if c[0] == 'read'] == [('read', False), ('read', True), ('read', True)]
    assert result['connected'] is True and result['method_used'] == 'console'
    assert preflights == [{'need_connect_license': False, 'config_wait': 7}]
    # The progress lines name the inventory host.
    assert any(c[0] == 'say' and c[1].startswith('ghes-1: waiting for the switch - off') for c in module.calls)


def test_a_verification_that_never_comes_fails_with_changed_and_the_state_last_seen(preflights):
    class Stuck(Switch):
        def public(self, state):
            return {'seen': state.status}

    module = Stuck([OFF], plan=console_plan())
    with pytest.raises(WaitTimeoutError) as raised:
        module.execute(FakeAppliance(), PARAMS, {})
    assert raised.value.message == 'Timed out after 5s waiting for the switch.'
    assert raised.value.details['changed'] is True and raised.value.details['state'] == {'seen': 'disabled'}


def test_an_unsupported_release_stops_before_the_first_read(monkeypatch):
    def refuse(appliance, **options):
        raise PreflightError(['GHES 3.1 is not supported'])
    monkeypatch.setattr(_state_module, 'preflight', refuse)
    module = Switch([OFF], plan=console_plan())
    with pytest.raises(PreflightError):
        module.execute(FakeAppliance(supported=False), PARAMS, {})
    assert module.calls == []


def test_what_could_not_be_read_is_reported_as_unknown(preflights):
    unknown = replace(OFF, connected=None, status='unknown', unknown=unknown_list({'connect.connected': 'GHEC lists no installation'}))
    result = Switch([unknown]).execute(FakeAppliance(), PARAMS, {})
    assert result['differences'] == [] and result['changed'] is False
    assert result['unknown'] == [{'field': 'connect.connected', 'reason': 'GHEC lists no installation'}]


def test_input_the_release_cannot_carry_out_is_refused_before_the_first_read(preflights):
    class NeedsNewer(Switch):
        def check_appliance(self, appliance, params):
            raise InputError('target: ghe_com needs GHES 3.12 or later')

    module = NeedsNewer([OFF], plan=console_plan())
    with pytest.raises(InputError):
        module.execute(FakeAppliance(), PARAMS, {})
    assert module.calls == [] and preflights == []


def test_the_docstring_names_exactly_the_state_modules():
    """Every action plugin on StateModule, and only those, is named where the base's contract is written."""
    action_dir = os.path.join(os.path.dirname(os.path.dirname(_state_module.__file__)), 'action')
    on_the_base = set()
    for name in sorted(f[:-3] for f in os.listdir(action_dir) if f.endswith('.py') and not f.startswith('_')):
        module = importlib.import_module('ansible_collections.ghes.connect.plugins.action.%s' % name)
        if issubclass(module.ActionModule, StateModule):
            on_the_base.add(name)
    named = re.search(r'Its subclasses, every module that converges a state: (.*?)\. Each', _state_module.__doc__, re.S)
    assert named and set(re.findall(r'``(\w+)``', named.group(1))) == on_the_base
    assert {'ghe_connect', 'ghe_license_sync', 'ghe_license_upload', 'ghe_admin_ssh_key'} <= on_the_base


class ManageApiSwitch(Switch):
    PREFLIGHT = False


def test_a_module_without_preflight_writes_without_one(preflights):
    module = ManageApiSwitch([OFF, ON], plan=Plan('enable', Outcome(replace(OFF, status='pending'), changed=True, method_used='manage_api')))
    result = module.execute(FakeAppliance(), PARAMS, {})
    assert result['changed'] is True and result['connected'] is True and preflights == []


class Summarized(Switch):
    """The switch keeping a run record: its step and the connection it leaves."""

    def summarize(self, before, outcome):
        return {'steps': ['switch'] if outcome.changed else [], 'connected': outcome.after.connected}


def test_the_run_record_builds_on_the_step_before_s_in_check_mode_from_the_prediction(preflights):
    before = _run_record.build(None, 'ghes-1', True, steps=['asked'], changed=True)
    module = Summarized([OFF], plan=console_plan(), check_mode=True)
    result = module.execute(FakeAppliance(), dict(PARAMS, summary=before), {'inventory_hostname': 'ghes-1'})
    assert result['summary'] == dict(before, steps=['asked', 'switch'], connected=False)
    assert not [c for c in module.calls if c[0] == 'act']
    alone = Summarized([ON]).execute(FakeAppliance(), PARAMS, {'inventory_hostname': 'ghes-1'})['summary']
    assert (alone['steps'], alone['changed'], alone['connected'], alone['predicted']) == ([], False, True, False)


def test_a_module_without_a_run_record_returns_none(preflights):
    assert 'summary' not in Switch([ON]).execute(FakeAppliance(), PARAMS, {'inventory_hostname': 'ghes-1'})


@pytest.mark.parametrize('summary, message', [
    (_run_record.build(None, 'ghes-1', False, problem='the fleet step could not ask'), 'the fleet step could not ask'),
    (_run_record.new_record('ghes-2', False), 'summary is the record of ghes-2, not of ghes-1'),
])
def test_a_failed_or_foreign_record_before_fails_the_step_before_any_read(preflights, summary, message):
    module = Summarized([OFF], plan=console_plan())
    with pytest.raises((GhesConnectError, InputError), match=message):
        module.execute(FakeAppliance(), dict(PARAMS, summary=summary), {'inventory_hostname': 'ghes-1'})
    assert module.calls == [] and preflights == []
