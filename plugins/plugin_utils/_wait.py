# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every wait of the collection, told to the operator while it lasts.

A wait of minutes with one line at its start looks like a hang (and in AWX, where a job's
output is all there is, it is indistinguishable from one). Each wait says which appliance,
what it waits for, the state it sees, the time elapsed and the limit: at once whenever that
state changes, and every ``PROGRESS_EVERY`` seconds otherwise, through Ansible's display.
"""

from __future__ import annotations

import time

PROGRESS_EVERY = 15.0
_NOTHING_SEEN = object()


class Wait:
    """A deadline and the progress lines of one wait.

    ``say`` shows a line (``GhesActionBase.say``); ``who`` names the appliance; ``awaited``
    completes "waiting for ...". The caller polls, reports what it saw with ``seen()``, and
    asks ``next()`` for the pause before its next poll (False: the deadline comes first).
    """

    def __init__(self, say, who, awaited, timeout, poll=1.0, every=PROGRESS_EVERY, clock=time.monotonic,
                 sleep=time.sleep):
        self.say = say
        self.who = who
        self.awaited = awaited
        self.timeout = timeout
        self.poll = poll
        self.every = every
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self.deadline = self.started + timeout
        self._state = _NOTHING_SEEN
        self._told = None

    @property
    def elapsed(self):
        return self.clock() - self.started

    @property
    def remaining(self):
        return max(0.0, self.deadline - self.clock())

    def seen(self, state):
        """Note what the last poll saw; tell the operator when it changed or ``every`` seconds passed."""
        now = self.clock()
        if state != self._state or self._told is None or now - self._told >= self.every:
            elapsed = now - self.started
            self.say('%s: waiting for %s - %s, %d s of %d s' % (self.who, self.awaited, state, elapsed, self.timeout))
            self._state = state
            self._told = now

    def next(self, interval=None):
        """Sleep until the next poll and return True; return False at once if the deadline comes first."""
        interval = self.poll if interval is None else interval
        if self.clock() + interval > self.deadline:
            return False
        self.sleep(interval)
        return True
