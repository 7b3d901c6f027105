# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fan_out: results in order, work spread over forked processes, a lost process's items redone here.

The process a test runs in is asked at test time: ansible-test runs each test in a fork of its own.
"""

from __future__ import annotations

import functools
import os
import threading

import pytest

from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import fan_out


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
