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
import concurrent.futures.process
import multiprocessing


def fan_out(work, items, concurrency, processes=1):
    """``[work(item) for item in items]``, ``concurrency`` at a time over ``processes`` processes.

    ``work`` must be picklable (a module-level function or a ``functools.partial`` of one),
    and so must items and results. A process that ends before returning its share (killed,
    crashed) costs nothing but time: its items are done again in this process, which is
    only safe for work that may be repeated - reads.
    """
    items = list(items)
    processes = max(1, min(processes, len(items)))
    if processes == 1:
        return _threaded(work, items, concurrency)
    shares = [items[start::processes] for start in range(processes)]
    threads = max(1, -(-concurrency // processes))
    done = [None] * processes
    pool = concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context('fork'))
    try:
        futures = [pool.submit(_threaded, work, share, threads) for share in shares]
        for index, future in enumerate(futures):
            try:
                done[index] = future.result()
            except concurrent.futures.process.BrokenProcessPool:
                pass
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for index, share in enumerate(shares):
        if done[index] is None:
            done[index] = _threaded(work, share, concurrency)
    results = [None] * len(items)
    for start, share_results in enumerate(done):
        results[start::processes] = share_results
    return results


def _threaded(work, items, threads):
    if threads <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        return list(pool.map(work, items))
