# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply one function to many items with threads, spread over forked processes.

Reading an appliance is mostly waiting on the network, so threads overlap the waits; but
the TLS handshakes, HTTP parsing and HTML of a thousand appliances are Python work, and
threads of one process share one core (the GIL). Forked processes, each with its share
of the threads, use the controller's other cores. Forking happens after the caller has
done everything shared (the enterprise-wide GHEC reads), so each process only reads.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time

from ansible_collections.ghes.connect.plugins.plugin_utils._concurrency import CEILING, Governor, adaptive_map


# How often a fleet task says which appliances it is still waiting for (and how long one must have
# taken before it is named): a black-hole appliance then shows up within this, not only at the end.
OUTSTANDING_EVERY = 10.0


class Outstanding:
    """Which items are being worked on, told through ``tell(names, seconds)`` every ``every`` seconds.

    ``watched(work, name)`` is ``work`` recording its item (named by ``name(item)``) as outstanding
    while it runs. Each process that runs it (``fan_out`` forks) gets its own watcher thread,
    which names the items running there for longer than ``every``; leaving the ``with`` block
    stops this process's.
    """

    def __init__(self, tell, every=OUTSTANDING_EVERY, clock=time.monotonic):
        self.tell = tell
        self.every = every
        self.clock = clock
        self.started = clock()
        self.running = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pid = None

    def watched(self, work, name):
        def run(item):
            key = (name(item), id(item))
            self._ensure_watching()
            with self._lock:
                self.running[key] = self.clock()
            try:
                return work(item)
            finally:
                with self._lock:
                    self.running.pop(key, None)
        return run

    def late(self):
        """The names of the items running for half of ``every`` or more, sorted (the ones a tick finds
        just started are named at the next)."""
        now = self.clock()
        with self._lock:
            return sorted(key[0] for key, since in self.running.items() if now - since >= self.every / 2)

    def _ensure_watching(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            # First item in this process (a forked one inherits the parent's state, not its thread).
            self._pid, self.running, self._stop = os.getpid(), {}, threading.Event()
        threading.Thread(target=self._watch, args=(self._stop,), name='ghes-outstanding', daemon=True).start()

    def _watch(self, stop):
        while not stop.wait(self.every):
            late = self.late()
            if late:
                self.tell(late, self.clock() - self.started)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stop.set()


def tell_outstanding(say, doing, names, seconds, shown=20):
    """Say which appliances a fleet task is still ``doing`` after ``seconds`` (the first ``shown`` of them)."""
    more = ' and %d more' % (len(names) - shown) if len(names) > shown else ''
    say('still %s %d appliance%s after %d s: %s%s (each within its budget: attempts x timeout plus backoff)'
        % (doing, len(names), '' if len(names) == 1 else 's', seconds, ', '.join(names[:shown]), more))


def fan_out(work, items, concurrency, processes=1, key=None):
    """``[work(item) for item in items]``, ``concurrency`` at a time over ``processes`` processes.

    ``concurrency`` None: each process finds its own, as ``_concurrency.Governor`` does (grows while
    the throughput grows), within its part of ``_concurrency.CEILING``. ``key(item)``: items with
    the same key are done one after another by one thread (one appliance, one connection at once).

    Each process gets every ``processes``-th group of items and its part of the concurrency. Results
    come back through a pipe, so they must be picklable (``work`` and the items need not:
    the processes are forked). A process that ends before answering (killed, crashed) costs
    only time: its items are done again in this process, which is only right for work that
    may be repeated - reads.
    """
    items = list(items)
    units = _group(items, key)
    processes = max(1, min(processes, len(units)))
    results = [None] * len(items)
    if processes == 1:
        _place(results, units, _threaded(work, items, units, concurrency, 1))
        return results
    shares = [units[start::processes] for start in range(processes)]
    context = multiprocessing.get_context('fork')
    children = []
    for share in shares:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_answer, args=(sender, work, items, share, concurrency, processes), daemon=True)
        child.start()
        sender.close()
        children.append((child, receiver))
    for (child, receiver), share in zip(children, shares):
        try:
            answer = receiver.recv()
        except (EOFError, OSError):
            answer = _threaded(work, items, share, concurrency, 1)
        finally:
            receiver.close()
            child.join()
        _place(results, share, answer)
    return results


def _group(items, key):
    """The items' indices in units: one unit per item, or one per key in the order keys first appear."""
    if key is None:
        return [[index] for index in range(len(items))]
    units = {}
    for index, item in enumerate(items):
        units.setdefault(key(item), []).append(index)
    return list(units.values())


def _place(results, units, answers):
    for unit, answer in zip(units, answers):
        for index, result in zip(unit, answer):
            results[index] = result


def _answer(sender, work, items, share, concurrency, processes):
    """In a forked process: do the share, send the results back."""
    sender.send(_threaded(work, items, share, concurrency, processes))
    sender.close()


def _threaded(work, items, units, concurrency, processes):
    """Each unit's results, with this process's part of ``concurrency`` (None: found as it goes)."""
    def run(unit):
        return [work(items[index]) for index in unit]

    if concurrency is None:
        return adaptive_map(lambda index: work(items[index]), units, Governor(max(1, CEILING // processes)))
    threads = max(1, -(-concurrency // processes))
    if threads <= 1 or len(units) <= 1:
        return [run(unit) for unit in units]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, len(units))) as pool:
        return list(pool.map(run, units))
