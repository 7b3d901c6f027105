# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many appliances to read at once when nobody says: as many as the network keeps waiting.

Reading an appliance is a few round trips; near the controller they cost microseconds and the
CPU bounds the scan, 50 ms away the round trips do, and then one more thread is one more
appliance in flight. So the number of threads is not fixed: it starts small and doubles while
doing so raises the throughput (appliances finished per second) by at least ``GAIN``, stops
where it no longer does (the CPU, the GIL or the other side has become the limit), and never
passes ``CEILING`` threads in a run - a ceiling for the controller's memory and file
descriptors and for the proxies and firewalls between it and the fleet. One thread reads one
appliance at a time, and the items of one appliance (two inventory hosts with one URL) go to one
thread, so no appliance ever sees more than one connection from the scan at once.
"""

from __future__ import annotations

import threading
import time

CEILING = 128          # threads in a whole run at most (over all processes)
START = 8              # threads a process starts with
GAIN = 1.25            # growth must buy this much more throughput to go on
MIN_WINDOW = 0.05      # seconds: a throughput measured over less than this is noise


class Governor:
    """The number of threads to run, from the throughput of each window of work.

    A window ends when as many items as there are threads have finished (each thread has
    done about one) and at least MIN_WINDOW has passed. Growth stops for good the first time
    doubling did not pay, or at the ceiling; the threads are never reduced (an idle thread
    costs nothing but its stack).
    """

    def __init__(self, ceiling, start=START, gain=GAIN):
        self.ceiling = max(1, ceiling)
        self.target = max(1, min(start, self.ceiling))
        self.gain = gain
        self.best = None
        self.settled = self.target >= self.ceiling
        self.history = []     # (threads, items per second) of each window

    def window_done(self, finished, seconds):
        """Whether a window with ``finished`` items over ``seconds`` is long enough to judge."""
        return not self.settled and finished >= self.target and seconds >= MIN_WINDOW

    def observe(self, finished, seconds):
        """A window ended: ``finished`` items in ``seconds`` with ``target`` threads. The new target."""
        if self.settled:
            return self.target
        rate = finished / seconds if seconds > 0 else float('inf')
        self.history.append((self.target, round(rate, 1)))
        if self.best is not None and rate < self.best * self.gain:
            self.settled = True            # the last doubling did not pay: keep what runs, grow no more
            return self.target
        self.best = rate
        self.target = min(self.ceiling, self.target * 2)
        self.settled = self.target >= self.ceiling
        return self.target


def adaptive_map(work, units, governor, clock=time.monotonic):
    """``[[work(item) for item in unit] for unit in units]`` with as many threads as ``governor`` says.

    Each unit is done by one thread, item after item. The first exception ``work`` raises is
    raised here once every thread has stopped (they take no new unit after it).
    """
    units = [list(unit) for unit in units]
    results = [None] * len(units)
    state = {'next': 0, 'finished': 0}
    errors = []         # the first exception of any worker
    changed = threading.Condition()

    def worker():
        while True:
            with changed:
                index = state['next']
                if index >= len(units) or errors:
                    return
                state['next'] = index + 1
            try:
                answer = [work(item) for item in units[index]]
            except BaseException as exc:  # pylint: disable=broad-except  # re-raised in the caller
                with changed:
                    errors.append(exc)
                    changed.notify()
                return
            with changed:
                results[index] = answer
                state['finished'] += 1
                changed.notify()

    threads = []

    def grow(count):
        while len(threads) < min(count, len(units)):
            thread = threading.Thread(target=worker, name='ghes-scan-%d' % len(threads), daemon=True)
            thread.start()
            threads.append(thread)

    grow(governor.target)
    window_start, window_finished = clock(), 0
    with changed:
        while state['finished'] < len(units) and not errors:
            if not any(thread.is_alive() for thread in threads):
                break
            changed.wait(MIN_WINDOW)
            now = clock()
            finished = state['finished'] - window_finished
            if governor.window_done(finished, now - window_start):
                grow(governor.observe(finished, now - window_start))
                window_start, window_finished = now, state['finished']
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def one_appliance_key(job):
    """The appliance a scan job ``(host name, options)`` reads: scheme, host and port of its URL, any case."""
    name, params = job
    url = (params.get('url') or '').strip().lower().rstrip('/')
    if not url:
        return ('host', name)
    scheme, _sep, rest = url.partition('://')
    netloc = rest.split('/', 1)[0].rsplit('@', 1)[-1]
    if ':' not in netloc.rsplit(']', 1)[-1]:
        netloc += ':' + ('80' if scheme == 'http' else '443')
    return ('url', netloc)
