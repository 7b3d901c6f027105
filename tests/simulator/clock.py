"""The simulated clock and the timers that run on it.

Simulated time is real time plus an offset that tests can push forward. Everything
that "takes time" in the simulator (config runs, Sync now, approvals, upload
processing, the weekly sync) is measured on this clock, so advancing it completes
them too. Timers are not threads: they fire lazily, whenever a request or a control
call runs `run_due()` with the world lock held.
"""
import datetime
import heapq
import itertools
import time


class Clock:
    def __init__(self):
        self._epoch = time.time()
        self._mono = time.monotonic()
        self.offset = 0.0
        self._timers = []
        self._seq = itertools.count()

    def now(self):
        """Simulated epoch seconds."""
        return self._epoch + (time.monotonic() - self._mono) + self.offset

    def call_at(self, when, callback):
        """Run callback(when) once the simulated time reaches `when`."""
        heapq.heappush(self._timers, (when, next(self._seq), callback))

    def call_later(self, delay, callback):
        self.call_at(self.now() + max(0.0, float(delay)), callback)

    def run_due(self):
        if not self._timers:
            return
        now = self.now()
        while self._timers and self._timers[0][0] <= now:
            when, _seq, callback = heapq.heappop(self._timers)
            callback(when)

    def advance(self, seconds):
        self.offset += float(seconds)


def iso(ts):
    """ISO-8601 UTC with second precision, the way GitHub writes dates."""
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    """Parse an ISO-8601 date as clients send it ('Z' or an offset); returns epoch seconds."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.timestamp()
