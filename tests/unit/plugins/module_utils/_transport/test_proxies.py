# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxies as curl and requests take them: no_proxy with hosts, domains, CIDR networks and ``*``; a proxy's fault named as the proxy's."""

from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import TransportError
from ansible_collections.ghes.connect.plugins.module_utils._transport import connections
from ansible_collections.ghes.connect.plugins.module_utils._transport.connections import bypassed
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy


@pytest.mark.parametrize('host,no_proxy,exempt', [
    ('127.0.0.1', '127.0.0.0/8', True),
    ('127.0.0.1:8443', '127.0.0.0/8', True),
    ('10.1.2.3', '10.0.0.0/8,192.168.0.0/16', True),
    ('11.1.2.3', '10.0.0.0/8', False),
    ('[::1]:443', '::1/128', True),
    ('ghes.corp.example', '.corp.example', True),
    ('ghes.corp.example', 'corp.example', True),
    ('ghes.corp.example', '*.corp.example', True),
    ('corp.example', '.corp.example', True),
    ('evilcorp.example', 'corp.example', False),
    ('api.github.com', '*', True),
    ('api.github.com', ' api.github.com ', True),
    ('ghes.corp.example:8443', 'ghes.corp.example:443', False),
    ('ghes.corp.example:8443', 'ghes.corp.example:8443', True),
    ('GHES.Corp.Example', 'ghes.corp.example', True),
    ('api.github.com', '', False),
])
def test_no_proxy_entries(host, no_proxy, exempt):
    assert bypassed(host, no_proxy) is exempt


def proxy(answer):
    """A loopback 'proxy' answering every CONNECT with ``answer``; its URL."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)

    def serve():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(answer)
            connection.close()
    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.fixture
def environment(monkeypatch):
    def use(https_proxy, no_proxy=''):
        monkeypatch.setattr(connections, '_environment_proxies', lambda: {'https': https_proxy, 'no': no_proxy})
    return use


def test_a_407_is_named_as_the_proxy_without_its_credentials_and_not_retried(environment):
    listener = proxy(b'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
    try:
        environment('http://user:Pr0xyPass@127.0.0.1:%d' % listener.getsockname()[1])
        sleeps = []
        http = HttpClient('https://ghec.example', 'GHEC', timeout=5, policy=RetryPolicy(retries=5, sleep=sleeps.append))
        with pytest.raises(TransportError) as caught:
            http.request('GET', '/x')
        message = caught.value.message
        assert message.startswith('The proxy http://127.0.0.1:%d (from https_proxy) asks for credentials' % listener.getsockname()[1])
        assert 'Pr0xyPass' not in message and 'user' not in message and sleeps == []
    finally:
        listener.close()


def test_an_unreachable_proxy_is_named_not_the_target(environment):
    unused = socket.socket()
    unused.bind(('127.0.0.1', 0))
    port = unused.getsockname()[1]
    unused.close()
    environment('http://127.0.0.1:%d' % port)
    sleeps = []
    http = HttpClient('https://ghec.example', 'GHEC', timeout=5, policy=RetryPolicy(retries=5, sleep=sleeps.append))
    with pytest.raises(TransportError) as caught:
        http.request('GET', '/x')
    assert 'The proxy http://127.0.0.1:%d (from https_proxy) refused the connection' % port in caught.value.message
    assert 'ghec_url' not in caught.value.message and sleeps == []


def test_a_host_no_proxy_exempts_is_not_sent_through_it(environment):
    environment('http://127.0.0.1:9', no_proxy='127.0.0.0/8')
    assert connections.proxy_for('https://127.0.0.1:8443/x') is None
    assert connections.proxy_for('https://ghec.example/x') == ('http://127.0.0.1:9', 'https_proxy')
