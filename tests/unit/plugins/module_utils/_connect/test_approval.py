# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GitHub Connect hand-shake: sent once, an expired one resumed (never requested anew), connected only by GHEC."""

from __future__ import annotations

import itertools

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, TransportError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import Wait
from ansible_collections.ghes.connect.plugins.module_utils._connect import approval as _approval
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState


class Page:
    def __init__(self, status, account=None, authorization_url=None):
        self.status = status
        self.account = account
        self.authorization_url = authorization_url


class Console:
    def __init__(self, pages, enable_answers=True):
        self.pages = list(pages)
        self.calls = []
        self.enable_answers = enable_answers

    def connect_state(self):
        self.calls.append('read')
        return self.pages.pop(0) if len(self.pages) > 1 else self.pages[0]

    def enable_connect(self, target, subdomain):
        self.calls.append(('enable', target, subdomain))
        if not self.enable_answers:
            raise TransportError('connection reset')
        return 'https://github.com/approve/1'

    def resume_connect(self):
        self.calls.append('resume')
        return 'https://github.com/approve/2'


class Appliance:
    url = 'https://ghes.example.test'
    console_usable = True
    params = {'ghec_enterprise': 'octo'}

    def __init__(self, console):
        self.console = console
        self.changes = 0
        ticks = itertools.count()
        self.waiter = lambda what, timeout, **options: Wait(lambda _l: None, 'ghes-1', what, timeout, **dict(
            options, clock=lambda: float(next(ticks)), sleep=lambda _s: None))

    def changed_state(self):
        self.changes += 1


def ghec_says(monkeypatch, *connected):
    answers = list(connected)

    def read_connect(appliance, console, refresh=False):
        now = answers.pop(0) if len(answers) > 1 else answers[0]
        return ConnectState(connected=now, status='connected' if now else 'pending', sources={'connected': 'ghec_graphql'})
    monkeypatch.setattr(_approval, 'read_connect', read_connect)


def test_an_expired_hand_shake_is_resumed_told_and_then_confirmed_by_ghec(monkeypatch):
    ghec_says(monkeypatch, True)
    console = Console([Page('expired'), Page('pending', authorization_url='https://github.com/approve/2'),
                       Page('connected', account='octo')])
    told = []
    state, resumed = _approval.await_approval(Appliance(console), 60, told.append)
    assert state.connected is True and resumed is True
    assert console.calls == ['read', 'resume', 'read', 'read']
    assert told == ['the approval request expired on GitHub.com and was resumed: approve at https://github.com/approve/2']


def test_the_operator_s_hand_shake_is_never_resumed_and_the_timeout_names_them(monkeypatch):
    ghec_says(monkeypatch, False)
    console = Console([Page('expired')])
    with pytest.raises(WaitTimeoutError) as raised:
        _approval.await_approval(Appliance(console), 3, [].append, resume=False, instruction='open the console')
    assert 'resume' not in console.calls
    assert raised.value.message.startswith('Timed out after 3s waiting for the operator (open the console).')
    assert raised.value.details['changed'] is False and 'sources' not in raised.value.details['state']


def test_a_page_saying_connected_to_another_enterprise_is_not_connected(monkeypatch):
    ghec_says(monkeypatch, True)
    console = Console([Page('connected', account='other')])
    with pytest.raises(WaitTimeoutError) as raised:
        _approval.await_approval(Appliance(console), 2, [].append, changed=True, authorization_url='https://github.com/a')
    assert 'an owner of "octo" to approve at https://github.com/a' in raised.value.message
    assert '(the request was sent)' in raised.value.message and raised.value.details['changed'] is True


def test_an_unanswered_request_that_landed_is_not_sent_again(monkeypatch):
    monkeypatch.setattr(_approval, 'read_connect', lambda *a, **k: ConnectState(
        connected=False, status='pending', authorization_url='https://github.com/approve/3'))
    appliance = Appliance(Console([Page('disabled')], enable_answers=False))
    assert _approval.request_approval(appliance, 'disabled', 'github_com') == 'https://github.com/approve/3'
    assert appliance.console.calls == [('enable', 'github_com', None)] and appliance.changes == 1


def test_an_unanswered_request_that_did_not_land_fails_without_a_second_one(monkeypatch):
    monkeypatch.setattr(_approval, 'read_connect', lambda *a, **k: ConnectState(connected=False, status='disabled'))
    appliance = Appliance(Console([Page('disabled')], enable_answers=False))
    with pytest.raises(GhesConnectError, match='got no answer .* It was not sent again'):
        _approval.request_approval(appliance, 'disabled', 'github_com')
    assert appliance.console.calls == [('enable', 'github_com', None)]


@pytest.mark.parametrize('state, target, words', [
    (ConnectState(status='connected', account='other', target='github_com'), None, 'connected to the enterprise "other"'),
    (ConnectState(status='connected', account='octo', target='github_com'), 'ghe_com', 'connected with target github_com'),
    (ConnectState(status='connected', account='octo', target='github_com'), None, None),
    (ConnectState(status='connected', account=None, target=None), 'ghe_com', None),
    (ConnectState(status='pending', account='other', target='github_com'), None, None),
])
def test_connected_elsewhere_only_from_what_the_page_showed(state, target, words):
    assert _approval.connected_elsewhere(state, 'octo', target) == words
