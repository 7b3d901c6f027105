# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fan_out: results in order, work spread over forked processes, a lost process's items redone here.

The process a test runs in is asked at test time: ansible-test runs each test in a fork of its own.
"""

from __future__ import annotations

import functools
import os
import threading
import time

import pytest

from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import Outstanding, fan_out, tell_outstanding


def square_and_where(item):
    return item * item, os.getpid(), threading.get_ident()


def dies_in_a_child(parent, doomed, item):
    if item == doomed and os.getpid() != parent:
        os._exit(3)     # the process ends without answering, as one killed would
    return item, os.getpid()


@pytest.mark.parametrize('processes', [1, 2, 3])
def test_results_come_back_in_the_order_of_the_items(processes):
    results = fan_out(square_and_where, range(25), concurrency=4, processes=processes)
    assert [square for square, _pid, _thread in results] == [i * i for i in range(25)]


def test_the_items_are_shared_between_processes():
    results = fan_out(square_and_where, range(20), concurrency=4, processes=2)
    pids = set(pid for _square, pid, _thread in results)
    assert len(pids) == 2 and os.getpid() not in pids


def test_one_process_uses_threads_in_this_process():
    # The first two items wait for each other: one thread cannot take every item before the
    # others have started, as it could on a busy machine.
    meet = threading.Barrier(2, timeout=60)

    def work(item):
        if item < 2:
            meet.wait()
        return square_and_where(item)

    results = fan_out(work, range(20), concurrency=4, processes=1)
    assert set(pid for _square, pid, _thread in results) == {os.getpid()}
    assert len(set(thread for _square, _pid, thread in results)) > 1


def test_never_more_processes_than_items():
    results = fan_out(square_and_where, range(2), concurrency=8, processes=6)
    assert len(set(pid for _square, pid, _thread in results)) == 2


def test_the_items_of_a_process_that_ended_early_are_done_in_this_process():
    results = fan_out(functools.partial(dies_in_a_child, os.getpid(), 7), range(12), concurrency=2, processes=3)
    assert [item for item, _pid in results] == list(range(12))
    assert dict(results)[7] == os.getpid()


def test_outstanding_items_are_named_while_they_run_and_not_after():
    told = []
    release = threading.Event()
    with Outstanding(lambda names, seconds: told.append(names), every=0.1) as outstanding:
        work = outstanding.watched(lambda item: release.wait(5) and item, name=lambda item: 'host-%s' % item)
        quick = outstanding.watched(lambda item: item, name=lambda item: 'quick-%s' % item)
        assert quick(1) == 1
        thread = threading.Thread(target=work, args=(7,))
        thread.start()
        time.sleep(0.35)
        release.set()
        thread.join()
        after = len(told)
        time.sleep(0.25)
    assert told and all(names == ['host-7'] for names in told)
    assert len(told) == after, 'named after it finished'


def test_tell_outstanding_names_the_first_ones_and_counts_the_rest():
    said = []
    tell_outstanding(said.append, 'reading', ['a', 'b', 'c'], 12.3, shown=2)
    assert said == ['still reading 3 appliances after 12 s: a, b and 1 more (each within its budget: attempts x timeout '
                    'plus backoff)']
