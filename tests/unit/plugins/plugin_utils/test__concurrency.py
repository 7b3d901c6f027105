# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scan's concurrency: grows while throughput grows, stops where it does not, never past the ceiling,
never two threads on one appliance."""

from __future__ import annotations

import os
import threading
import time

import pytest

from ansible_collections.ghes.connect.plugins.plugin_utils import _concurrency
from ansible_collections.ghes.connect.plugins.plugin_utils._concurrency import (
    Governor,
    adaptive_map,
    one_appliance_key,
)
from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import fan_out


def test_it_doubles_while_throughput_grows_enough():
    governor = Governor(ceiling=64, start=4)
    assert governor.observe(4, 1.0) == 8         # first window: nothing to compare with, grow
    assert governor.observe(8, 1.0) == 16        # twice the rate
    assert governor.observe(16, 1.0) == 32
    assert not governor.settled
    assert governor.history == [(4, 4.0), (8, 8.0), (16, 16.0)]


def test_it_stops_the_first_time_doubling_does_not_pay():
    governor = Governor(ceiling=64, start=4)
    governor.observe(4, 1.0)
    governor.observe(8, 1.0)
    assert governor.observe(9, 1.0) == 16        # 9/s after 8/s: less than GAIN, keep 16, grow no more
    assert governor.settled
    assert governor.observe(1000, 1.0) == 16     # settled for good
    assert not governor.window_done(1000, 10.0)


def test_a_gain_just_below_the_threshold_stops_and_just_above_goes_on():
    below = Governor(ceiling=64, start=4)
    below.observe(10, 1.0)
    assert below.observe(12.4, 1.0) == 8 and below.settled
    above = Governor(ceiling=64, start=4)
    above.observe(10, 1.0)
    assert above.observe(12.5, 1.0) == 16 and not above.settled


def test_it_never_passes_the_ceiling():
    governor = Governor(ceiling=12, start=4)
    assert governor.observe(4, 1.0) == 8
    assert governor.observe(8, 1.0) == 12        # not 16
    assert governor.settled
    assert Governor(ceiling=3, start=4).target == 3
    assert Governor(ceiling=0).target == 1


def test_a_window_needs_one_item_per_thread_and_a_minimum_time():
    governor = Governor(ceiling=64, start=8)
    assert not governor.window_done(7, 1.0)
    assert not governor.window_done(8, _concurrency.MIN_WINDOW / 2)
    assert governor.window_done(8, _concurrency.MIN_WINDOW)


def test_a_zero_length_window_counts_as_growth():
    governor = Governor(ceiling=64, start=4)
    assert governor.observe(4, 0.0) == 8


def waiting(seconds, lock, live, peak):
    """Work that only waits, as reading an appliance over a slow network does."""
    def work(item):
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(seconds)
        with lock:
            live[0] -= 1
        return item * 10
    return work


def test_waiting_work_makes_it_grow_to_the_ceiling():
    lock, live, peak = threading.Lock(), [0], [0]
    governor = Governor(ceiling=32, start=4)
    # Each wait is long beside the tens of milliseconds a loaded machine takes to wake a thread: a doubling
    # still shows as 1.6x the throughput or more, never under GAIN (1.25x), however busy the machine is.
    results = adaptive_map(waiting(0.25, lock, live, peak), [[i] for i in range(200)], governor)
    assert results == [[i * 10] for i in range(200)]
    assert governor.target == 32 and peak[0] == 32


def test_work_bound_by_one_lock_stops_growing():
    """Work that holds one lock (a CPU, the GIL) the whole time: more threads buy nothing.

    The governor's clock is the lock's: 4 ms for each item that held it. On the wall clock a busy
    machine's pauses made the throughput of one window look 1.25x the last's now and then.
    """
    lock = threading.Lock()
    held = [0.0]

    def busy(item):
        with lock:
            held[0] += 0.004
            time.sleep(0.004)
        return item

    governor = Governor(ceiling=64, start=2)
    results = adaptive_map(busy, [[i] for i in range(300)], governor, clock=lambda: held[0])
    assert results == [[i] for i in range(300)]
    assert governor.settled and governor.target <= 8, governor.history


def test_the_items_of_a_unit_run_one_after_another_in_one_thread():
    seen = {}

    def work(item):
        seen.setdefault(item[0], set()).add(threading.get_ident())
        time.sleep(0.01)
        return item

    units = [[('a', 1), ('a', 2), ('a', 3)], [('b', 1)], [('c', 1), ('c', 2)]]
    assert adaptive_map(work, units, Governor(ceiling=8)) == units
    assert all(len(threads) == 1 for threads in seen.values())


def test_an_exception_is_raised_after_the_threads_stop():
    def work(item):
        if item == 5:
            raise RuntimeError('item 5')
        return item

    with pytest.raises(RuntimeError, match='item 5'):
        adaptive_map(work, [[i] for i in range(20)], Governor(ceiling=4))
    assert not [t for t in threading.enumerate() if t.name.startswith('ghes-scan-')]


def test_no_more_threads_than_units():
    before = threading.active_count()
    assert adaptive_map(lambda item: item, [[1], [2]], Governor(ceiling=64, start=16)) == [[1], [2]]
    assert threading.active_count() == before
    assert adaptive_map(lambda item: item, [], Governor(ceiling=4)) == []


@pytest.mark.parametrize('url, same_as', [
    ('https://GHES.example.com/', 'https://ghes.example.com'),
    ('https://ghes.example.com:443', 'https://ghes.example.com'),
    ('https://user@ghes.example.com/api', 'https://ghes.example.com'),
    (' https://10.0.0.5:8443 ', 'https://10.0.0.5:8443'),
    ('https://[::1]', 'https://[::1]:443'),
    ('http://lb.example.com', 'http://lb.example.com:80'),
])
def test_one_appliance_key_folds_the_spellings_of_one_url(url, same_as):
    assert one_appliance_key(('h1', {'url': url})) == one_appliance_key(('h2', {'url': same_as}))


def test_one_appliance_key_keeps_different_appliances_apart():
    assert one_appliance_key(('h', {'url': 'https://a.example.com'})) != one_appliance_key(
        ('h', {'url': 'https://a.example.com:8443'}))
    assert one_appliance_key(('h1', {'_error': 'bad'})) != one_appliance_key(('h2', {'_error': 'bad'}))
    assert one_appliance_key(('h1', {'url': None})) == ('host', 'h1')


def where(item):
    return item[0], os.getpid(), threading.get_ident()


@pytest.mark.parametrize('processes', [1, 2])
def test_fan_out_keeps_one_appliance_on_one_thread_and_the_order_of_the_items(processes):
    items = [('a', 1), ('b', 1), ('a', 2), ('c', 1), ('a', 3), ('b', 2)]
    results = fan_out(where, items, None, processes=processes, key=lambda item: item[0])
    assert [name for name, _pid, _thread in results] == [name for name, _n in items]
    threads = {}
    for name, pid, thread in results:
        threads.setdefault(name, set()).add((pid, thread))
    assert all(len(places) == 1 for places in threads.values())


def test_fan_out_without_concurrency_grows_within_its_share_of_the_ceiling(monkeypatch):
    monkeypatch.setattr(_concurrency, 'CEILING', 6)
    lock, live, peak = threading.Lock(), [0], [0]
    monkeypatch.setattr('ansible_collections.ghes.connect.plugins.plugin_utils._fan_out.CEILING', 6)
    results = fan_out(waiting(0.05, lock, live, peak), range(60), None, processes=1)
    assert results == [i * 10 for i in range(60)]
    assert peak[0] == 6


def test_a_pinned_concurrency_is_kept():
    lock, live, peak = threading.Lock(), [0], [0]
    fan_out(waiting(0.03, lock, live, peak), range(40), 3, processes=1)
    assert peak[0] == 3
