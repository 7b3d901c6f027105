# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait: a line at every state change and every 15 s, and an honest deadline."""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.plugin_utils._wait import Wait


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def make(timeout=60, poll=1.0):
    clock, lines = FakeClock(), []
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
    assert clock.now == 103.0 and wait.remaining == 0.0


def test_a_zero_timeout_polls_once():
    wait, clock, lines = make(timeout=0)
    wait.seen('pending')
    assert wait.next() is False and clock.now == 100.0
    assert lines == ['ghes-017: waiting for the approval on GitHub.com - pending, 0 s of 0 s']
