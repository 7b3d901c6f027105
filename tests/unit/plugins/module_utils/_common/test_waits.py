# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait: a line at every state change and every 15 s, and an honest deadline."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, TransportError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import Wait, wait_until, write_once
from ansible_collections.ghes.connect.tests.unit.plugins.clock import Clock


def make(timeout=60, poll=1.0):
    clock, lines = Clock(100.0), []
    wait = Wait(lines.append, 'ghes-017', 'the approval on GitHub.com', timeout, poll=poll, clock=clock, sleep=clock.sleep)
    return wait, clock, lines


def test_tells_the_first_state_each_change_and_every_15_seconds_only():
    wait, _clock, lines = make()
    states = ['pending'] * 20 + ['connected'] + ['connected'] * 5
    for state in states:
        wait.seen(state)
        assert wait.next()
    assert lines == [
        'ghes-017: waiting for the approval on GitHub.com - pending, 0 s of 60 s',
        'ghes-017: waiting for the approval on GitHub.com - pending, 15 s of 60 s',
        'ghes-017: waiting for the approval on GitHub.com - connected, 20 s of 60 s',
    ]


def test_next_refuses_a_pause_past_the_deadline_without_sleeping():
    wait, clock, _lines = make(timeout=3)
    assert wait.next() and wait.next() and wait.next()
    assert clock.now == 103.0
    assert wait.next() is False
    assert clock.now == 103.0


def test_a_zero_timeout_polls_once():
    wait, clock, lines = make(timeout=0)
    wait.seen('pending')
    assert wait.next() is False and clock.now == 100.0
    assert lines == ['ghes-017: waiting for the approval on GitHub.com - pending, 0 s of 0 s']


def test_wait_until_returns_the_value_once_done_and_tells_what_it_saw():
    clock, lines = Clock(100.0), []
    answers = iter([(False, None, 'pending'), (False, None, 'pending'), (True, 'connected', None)])

    def progress(what, timeout, **options):
        return Wait(lines.append, 'ghes-1', what, timeout, **options)

    value = wait_until(lambda: next(answers), 30, 'the approval', progress=progress, clock=clock, sleep=clock.sleep)
    assert value == 'connected'
    assert clock.now == 102.0
    assert lines == ['ghes-1: waiting for the approval - pending, 0 s of 30 s']


def test_wait_until_backs_off_up_to_max_poll():
    clock, pauses = Clock(100.0), []

    def sleep(seconds):
        pauses.append(seconds)
        clock.sleep(seconds)

    answers = iter([(False, None, 'running')] * 5 + [(True, 'done', None)])
    assert wait_until(lambda: next(answers), 30, 'a run', poll=0.2, max_poll=0.8, clock=clock, sleep=sleep) == 'done'
    assert pauses == [0.2, 0.4, 0.8, 0.8, 0.8]


def test_wait_until_times_out_with_what_it_waited_for_or_lets_the_caller_decide():
    clock = Clock(100.0)
    with pytest.raises(WaitTimeoutError) as raised:
        wait_until(lambda: (False, 'still', 'running'), 3, 'a run', hint='Check the console.', clock=clock,
                   sleep=clock.sleep)
    assert raised.value.message == 'Timed out after 3s waiting for a run. Check the console.'
    assert wait_until(lambda: (False, 'last seen', 'x'), 2, 'x', on_timeout=lambda last: 'decided on ' + last,
                      clock=clock, sleep=clock.sleep) == 'decided on last seen'


def test_a_zero_timeout_probes_once_without_sleeping():
    clock, calls = Clock(100.0), []
    assert wait_until(lambda: calls.append(1) or (False, None, None), 0, 'x', on_timeout=lambda last: 'gave up',
                      clock=clock, sleep=clock.sleep) == 'gave up'
    assert calls == [1] and clock.now == 100.0


def test_write_once_returns_an_answered_write_and_runs_after():
    events = []
    assert write_once(lambda: 'url', lambda: pytest.fail('an answered write is not looked at'), 'Enabling',
                      after=lambda: events.append('after')) == 'url'
    assert events == ['after']


def test_write_once_looks_after_no_answer_and_never_resends():
    sent, events = [], []

    def send():
        sent.append(1)
        raise TransportError('the connection was reset', maybe_sent=True)

    assert write_once(send, lambda: (True, 'seen'), 'Enabling', after=lambda: events.append('after')) == 'seen'
    with pytest.raises(GhesConnectError) as raised:
        write_once(send, lambda: (False, None), 'Enabling GitHub Connect on https://ghes-1')
    assert sent == [1, 1] and events == ['after']
    assert raised.value.message == ('Enabling GitHub Connect on https://ghes-1 got no answer (the connection was reset), '
                                    'and the appliance shows it was not carried out. It was not sent again: run the '
                                    'task again.')


def test_write_once_lets_answered_failures_through_untouched():
    def send():
        raise GhesConnectError('refused: 422')

    with pytest.raises(GhesConnectError) as raised:
        write_once(send, lambda: pytest.fail('an answered failure is not looked at'), 'x')
    assert raised.value.message == 'refused: 422'
