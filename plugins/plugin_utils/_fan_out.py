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


def fan_out(work, items, concurrency, processes=1):
    """``[work(item) for item in items]``, ``concurrency`` at a time over ``processes`` processes.

    Each process gets every ``processes``-th item and its part of the concurrency. Results
    come back through a pipe, so they must be picklable (``work`` and the items need not:
    the processes are forked). A process that ends before answering (killed, crashed) costs
    only time: its items are done again in this process, which is only right for work that
    may be repeated - reads.
    """
    items = list(items)
    processes = max(1, min(processes, len(items)))
    if processes == 1:
        return _threaded(work, items, concurrency)
    shares = [items[start::processes] for start in range(processes)]
    threads = max(1, -(-concurrency // processes))
    context = multiprocessing.get_context('fork')
    children = []
    for share in shares:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_answer, args=(sender, work, share, threads), daemon=True)
        child.start()
        sender.close()
        children.append((child, receiver))
    results = [None] * len(items)
    for start, ((child, receiver), share) in enumerate(zip(children, shares)):
        try:
            answer = receiver.recv()
        except (EOFError, OSError):
            answer = _threaded(work, share, concurrency)
        finally:
            receiver.close()
            child.join()
        results[start::processes] = answer
    return results


def _answer(sender, work, share, threads):
    """In a forked process: do the share, send the results back."""
    sender.send(_threaded(work, share, threads))
    sender.close()


def _threaded(work, items, threads):
    if threads <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        return list(pool.map(work, items))
