# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``timeout`` bounds a whole request, and a budget bounds all of an appliance's, against real sockets on loopback."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import TransportError
from ansible_collections.ghes.connect.plugins.module_utils._transport.connections import Deadline
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy, appliance_budget

BODY = b'{"padding": "%s"}' % (b'x' * 24)
ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' % (len(BODY), BODY)


def serve(behaviour):
    """A loopback server doing ``behaviour(connection)`` for each connection; returns its http:// URL."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)

    def accept():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            threading.Thread(target=_quietly, args=(behaviour, connection), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return 'http://127.0.0.1:%d' % listener.getsockname()[1], listener


def _quietly(behaviour, connection):
    try:
        connection.recv(65536)
        behaviour(connection)
    except OSError:
        pass
    finally:
        connection.close()


def trickle(connection):
    for byte in ANSWER:
        connection.sendall(bytes((byte,)))
        time.sleep(0.1)


def black_hole(connection):
    time.sleep(10)


def prompt(connection):
    connection.sendall(ANSWER)


@pytest.mark.parametrize('reusable', [True, False])
def test_a_trickled_answer_ends_at_the_timeout_not_at_each_reads(reusable):
    url, listener = serve(trickle)
    try:
        http = HttpClient(url, 'test', timeout=1, policy=RetryPolicy(retries=0))
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            http.request('GET' if reusable else 'POST', '/')
        assert time.monotonic() - started < 2.5, 'each byte came within the timeout; the request as a whole did not'
        assert 'did not answer within 1s' in caught.value.message and 'whole request' in caught.value.message
    finally:
        listener.close()


def test_a_prompt_answer_on_a_kept_alive_connection_gets_a_fresh_deadline():
    url, listener = serve(lambda c: [prompt(c), c.recv(65536), time.sleep(0.6), prompt(c)])
    try:
        http = HttpClient(url, 'test', timeout=1, policy=RetryPolicy(retries=0))
        assert http.request('GET', '/a').json() == {'padding': 'x' * 24}
        time.sleep(0.6)
        assert http.request('GET', '/b').json() == {'padding': 'x' * 24}
    finally:
        listener.close()


def test_the_budget_bounds_all_attempts_of_an_appliance_together():
    url, listener = serve(black_hole)
    try:
        policy = RetryPolicy(retries=5, backoff=0.1).with_budget(1)
        policy.budget = Deadline(1.5)  # less than the 6 x 1 s + backoff of its retries
        http = HttpClient(url, 'test', timeout=1, policy=policy)
        started = time.monotonic()
        with pytest.raises(TransportError):
            http.request('GET', '/')
        with pytest.raises(TransportError) as caught:
            http.request('GET', '/again')
        assert time.monotonic() - started < 2.5
        assert 'are spent' in caught.value.message and caught.value.details['budget_spent']
    finally:
        listener.close()


def test_the_budget_is_attempts_times_timeout_plus_backoff():
    assert appliance_budget(30, 5) == 6 * 30 + 0.5 + 1 + 2 + 4 + 8
    assert appliance_budget(5, 0) == 5
    assert appliance_budget(10, 10) == 11 * 10 + 0.5 + 1 + 2 + 4 + 8 + 16 + 30 * 4


def test_a_deadline_passed_raises_a_socket_timeout():
    now = [0.0]
    deadline = Deadline(2, clock=lambda: now[0])
    assert deadline.left() == 2
    now[0] = 2.0
    with pytest.raises(socket.timeout):
        deadline.left()


def huge(connection, declared=True):
    head = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
    head += b'Content-Length: %d\r\n\r\n' % (70 * 1024 * 1024) if declared else b'Connection: close\r\n\r\n'
    connection.sendall(head)
    for _chunk in range(70 * 16):
        connection.sendall(b'x' * 65536)


@pytest.mark.parametrize('declared', [True, False])
@pytest.mark.parametrize('reusable', [True, False])
def test_an_answer_over_the_interface_limit_is_refused_before_it_is_read_whole(declared, reusable):
    url, listener = serve(lambda c: huge(c, declared))
    try:
        http = HttpClient(url, 'GHEC', timeout=20, policy=RetryPolicy(retries=3, sleep=lambda s: None), max_answer=1024 * 1024)
        with pytest.raises(TransportError) as caught:
            http.request('GET' if reusable else 'POST', '/')
        assert 'more than the 1 MB ghes.connect reads from this interface' in caught.value.message
        assert 'nor asked again' in caught.value.message and 'gave up' not in caught.value.message
    finally:
        listener.close()
