# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every wait of the collection, told to the operator while it lasts, and every write sent once.

``wait_until`` is the one polling loop: approvals, console switches, configuration runs, a new
license sync, an upload's processing all wait through it. ``write_once`` is the one answer to a
write that got no answer: it may have landed, so look, and never send it again blindly.

A wait of minutes with one line at its start looks like a hang (and in AWX, where a job's
output is all there is, it is indistinguishable from one). Each wait says which appliance,
what it waits for, the state it sees, the time elapsed and the limit: at once whenever that
state changes, and every ``PROGRESS_EVERY`` seconds otherwise, through Ansible's display.
"""

from __future__ import annotations

import time

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, TransportError, WaitTimeoutError

POLL_SECONDS = 1.0
PROGRESS_EVERY = 15.0
_NOTHING_SEEN = object()


class Wait:
    """A deadline and the progress lines of one wait.

    ``say`` shows a line (``GhesActionBase.say``); ``who`` names the appliance; ``awaited``
    completes "waiting for ...". The caller polls, reports what it saw with ``seen()``, and
    asks ``next()`` for the pause before its next poll (False: the deadline comes first).
    """

    def __init__(self, say, who, awaited, timeout, poll=POLL_SECONDS, every=PROGRESS_EVERY, clock=time.monotonic,
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

    def seen(self, state):
        """Note what the last poll saw; tell the operator when it changed or ``every`` seconds passed."""
        if state is None:
            return
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


def quiet(awaited, timeout, **options):
    """A ``Wait`` that tells nobody: the progress factory of a caller without an operator to tell."""
    return Wait(lambda _line: None, None, awaited, timeout, **options)


def wait_until(probe, timeout, what, progress=None, poll=POLL_SECONDS, max_poll=None, on_timeout=None, hint='',
               clock=time.monotonic, sleep=time.sleep):
    """Call ``probe`` until it is done and return its value: the one polling loop of the collection.

    ``probe()`` returns ``(done, value, seen)``: ``value`` is returned once ``done``; ``seen`` (a
    few words, or None) is what the operator is told meanwhile. ``progress(what, timeout, ...)``
    makes the ``Wait`` that tells them (``Appliance.waiter``); None waits quietly. The pause starts
    at ``poll`` seconds and doubles up to ``max_poll`` (None: it stays). When the deadline comes
    first, ``on_timeout(last value)`` decides (its return value is returned; it may raise);
    without it ``WaitTimeoutError`` says what was awaited, followed by ``hint``.
    """
    wait = (progress or quiet)(what, timeout, poll=poll, clock=clock, sleep=sleep)
    interval = poll
    while True:
        done, value, seen = probe()
        if done:
            return value
        wait.seen(seen)
        if not wait.next(interval):
            if on_timeout is not None:
                return on_timeout(value)
            raise WaitTimeoutError(('Timed out after %ss waiting for %s. %s' % (timeout, what, hint)).strip())
        if max_poll is not None:
            interval = min(interval * 2, max_poll)


def write_once(send, look, what, after=None, shown_by='the appliance'):
    """Send a write that must never be sent twice, and return what ``send()`` returned.

    When the write got no answer (``TransportError``) it may or may not have landed: ``look()``
    re-reads and returns ``(landed, value)``; landed, ``value`` is returned; not landed, the task
    fails saying so, without sending it again (the next run starts from what it then reads).
    ``what`` names the write and the appliance ("Switching license sync on on https://..."), and
    ``after()`` runs once the write was answered or may have landed (e.g. dropping cached reads);
    ``shown_by`` names whose state ``look()`` read ("GHEC" for an upload).
    """
    try:
        value = send()
    except TransportError as exc:
        if after is not None:
            after()
        landed, value = look()
        if landed:
            return value
        raise GhesConnectError('%s got no answer (%s), and %s shows it was not carried out. It was not sent again: '
                               'run the task again.' % (what, exc.message, shown_by)) from exc
    if after is not None:
        after()
    return value
