# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Connect decision ghe_connect and ghe_connect_fleet share: each branch, each refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_list
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._connect import decision
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState


class Identity:
    known = True
    reason = None


class Appliance:
    url = 'https://ghes.example.test'
    params = {'ghec_enterprise': 'octo', 'console_username': 'admin'}
    identity = Identity()

    @staticmethod
    def instruction(action):
        return 'click %s' % action


def params(**overrides):
    return dict({'state': 'present', 'method': 'console', 'force': False, 'target': 'github_com', 'ghe_com_subdomain': None,
                 'ghec_enterprise': 'octo', 'approval_timeout': 600, 'config_wait_timeout': 0}, **overrides)


def state(status, connected=None, account=None, target=None):
    return ConnectState(connected=status == 'connected' if connected is None else connected, status=status, account=account,
                        target=target)


def wanted(config=None, target='github_com', want='present'):
    return {'state': want, 'enterprise': 'octo', 'target': target, 'ghe_config': config}


def keys(before_enabled):
    return {'before': {'enabled': before_enabled, 'subdomain': 'acme'}, 'after': {'enabled': 'true', 'subdomain': 'acme'},
            'source': 'admin_shell', 'last_run_failed': False}


def decide(before, want=None, **overrides):
    return decision.decide(Appliance(), params(**overrides), before, want or wanted())


def test_connected_to_the_enterprise_needs_nothing():
    assert decide(state('connected', account='octo')) is None


def test_a_disconnected_appliance_is_asked_for_with_a_predicted_pending_state():
    chosen = decide(state('disabled'))
    assert (chosen.step, chosen.changed, chosen.method, chosen.writes, chosen.pending) == ('connect', True, 'console', True, True)
    assert chosen.after.status == 'pending' and chosen.after.connected is False


def test_a_request_already_waiting_is_awaited_and_writes_nothing():
    chosen = decide(state('unconfirmed', connected=False))
    assert (chosen.step, chosen.changed, chosen.writes, chosen.method) == ('await', False, False, 'none')


def test_another_enterprise_is_refused_naming_force_and_moved_with_it():
    moved = state('connected', account='umbrella')
    with pytest.raises(GhesConnectError, match='set force: true'):
        decide(moved)
    assert decide(moved, force=True).step == 'reconnect'


def test_connected_with_the_ghe_com_keys_to_set_applies_them_over_the_shell():
    chosen = decide(state('connected', account='octo'), wanted(keys('false'), target='ghe_com'))
    assert (chosen.step, chosen.method, chosen.sets_ghe_config) == ('apply_config', 'admin_shell', True)
    assert decide(state('connected', account='octo'), wanted(keys('true'), target='ghe_com')) is None


def test_absent_disconnects_only_what_is_connected():
    assert decide(state('disabled'), wanted(want='absent'), state='absent') is None
    chosen = decide(state('connected', account='octo'), wanted(want='absent'), state='absent', method='manual')
    assert (chosen.step, chosen.method, chosen.need_connect_license, chosen.instruction) == (
        'disconnect', 'manual', False, 'click disconnect')


def test_an_unknown_state_is_refused_before_any_write():
    unknown = replace(state('unknown', connected=None), unknown=unknown_list({'connect.connected': 'GHEC lists no installation by that name'}))
    with pytest.raises(GhesConnectError, match='unknown.*GHEC lists no installation'):
        decide(unknown)


@pytest.mark.parametrize('overrides, expected', [
    ({'approval_timeout': -1}, 'approval_timeout must be 0'),
    ({'method': 'manual', 'approval_timeout': 0}, 'method: manual waits for the operator'),
    ({'target': 'ghe_com'}, 'target: ghe_com needs ghe_com_subdomain'),
    ({'target': 'ghe_com', 'ghe_com_subdomain': 'Not_A_Name'}, 'ghe_com_subdomain must be the SUBDOMAIN'),
    ({'ghe_com_subdomain': 'acme'}, 'only used with target: ghe_com'),
    ({'config_wait_timeout': -1}, 'config_wait_timeout must be 0 or more'),
])
def test_input_problems_name_the_option(overrides, expected):
    assert expected in decision.input_problem(params(**overrides), check_mode=False)
    assert decision.input_problem(params(), check_mode=False) is None
