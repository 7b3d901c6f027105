# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep-alive and per-client openers, against a real HTTP/1.1 server on loopback."""

from __future__ import annotations

import concurrent.futures
import datetime
import http.server
import ssl
import sys
import threading
import urllib.request

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._transport import connections as _transport_connections
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    seen = []               # (client port, method, path, Connection header)
    close_after = set()     # paths after which the server closes the connection without saying so

    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        self.seen.append((self.client_address[1], self.command, self.path, self.headers.get('Connection')))
        body = b'{"path": "%s"}' % self.path.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        # Each client gets a cookie named after the path it asked for: whose jar it lands in shows
        # which opener handled the answer.
        self.send_header('Set-Cookie', 'who=%s; Path=/' % self.path.strip('/').replace('/', '-'))
        self.end_headers()
        self.wfile.write(body)
        if self.path in self.close_after:
            self.close_connection = True

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.seen = []
    Recorder.close_after = set()
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def client(url):
    return HttpClient(url, 'test', policy=RetryPolicy(retries=0))


def connections(requests):
    return len(set(port for port, _method, _path, _connection in requests))


def test_safe_requests_share_one_connection(server):
    http = client(server)
    for path in ('/a', '/b', '/c'):
        assert http.request('GET', path).json() == {'path': path}
    assert connections(Recorder.seen) == 1
    assert http.pool.opened == 1 and http.pool.reused == 2


def test_a_request_not_safe_to_repeat_gets_a_connection_of_its_own_closed_after_it(server):
    http = client(server)
    http.request('GET', '/before')
    http.request('POST', '/write', form={'x': '1'})
    http.request('GET', '/after')
    ports = dict((path, port) for port, _method, path, _connection in Recorder.seen)
    assert ports['/before'] == ports['/after'] != ports['/write']
    assert [c for _p, method, _path, c in Recorder.seen if method == 'POST'] == ['close']


def test_a_post_marked_safe_reuses_the_connection(server):
    http = client(server)
    http.request('GET', '/login')
    http.request('POST', '/session', form={'login': 'x'}, safe=True)
    assert connections(Recorder.seen) == 1


def test_a_connection_the_server_closed_is_replaced_without_an_error(server):
    Recorder.close_after = {'/last-on-this-connection'}
    http = client(server)
    http.request('GET', '/last-on-this-connection')
    assert http.request('GET', '/next').json() == {'path': '/next'}
    assert connections(Recorder.seen) == 2


def test_no_request_goes_through_urllibs_process_wide_opener(server, monkeypatch):
    """ansible's Request.open installs its opener process-wide, then sends through whichever is installed."""
    def forbidden(*_args, **_kwargs):
        raise AssertionError('the process-wide urllib opener was used')

    monkeypatch.setattr(urllib.request, 'install_opener', forbidden)
    monkeypatch.setattr(urllib.request, 'urlopen', forbidden)
    assert client(server).request('GET', '/own-opener').json() == {'path': '/own-opener'}


def test_clients_in_threads_never_answer_through_each_other(server):
    """ansible's Request.open swaps urllib's process-wide opener; here each client keeps its own."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)     # switch threads as often as possible: a shared opener would show

    def one(index):
        http = client(server)
        for _attempt in range(5):
            http.request('GET', '/client/%d' % index)
        return index, set(cookie.value for cookie in http.cookies)

    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            jars = list(pool.map(one, range(40)))
    finally:
        sys.setswitchinterval(interval)
    assert all(values == {'client-%d' % index} for index, values in jars), jars


def test_close_pool_closes_the_idle_connections(server):
    http = client(server)
    http.request('GET', '/a')
    http.close_pool()
    http.request('GET', '/b')
    assert connections(Recorder.seen) == 2


@pytest.mark.parametrize('proxies', [{}, {'https': 'http://proxy.example:3128', 'no': 'localhost'}])
@pytest.mark.parametrize('cookies', [None, 'jar'])
def test_an_opener_is_arranged_exactly_as_urllib_arranges_it(proxies, cookies):
    """Openers after the first of a shape copy its arrangement instead of inspecting the handlers again."""
    import http.cookiejar

    from ansible_collections.ghes.connect.plugins.module_utils._transport import connections as _connections

    def handlers():
        made = [urllib.request.ProxyHandler(proxies), urllib.request.UnknownHandler(),
                urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
                _connections.KeepAliveHandler(None, _connections.ConnectionPool()), _connections.NoRedirects()]
        return made + ([urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else [])

    def layout(opener, listed):
        """Every table of ``opener``, with each handler named by its position in ``listed``."""
        at = dict((id(handler), i) for i, handler in enumerate(listed))
        tables = dict((table, dict((kind, [at[id(h)] for h in found]) for kind, found in getattr(opener, table).items()))
                      for table in ('handle_open', 'process_request', 'process_response'))
        tables['handle_error'] = dict((scheme, dict((kind, [at[id(h)] for h in found]) for kind, found in kinds.items()))
                                      for scheme, kinds in opener.handle_error.items())
        tables['handlers'] = [at[id(h)] for h in opener.handlers]
        return tables

    expected_handlers = handlers()
    by_urllib = urllib.request.OpenerDirector()
    for handler in expected_handlers:
        by_urllib.add_handler(handler)
    _connections._ARRANGEMENTS.clear()
    first_handlers, copied_handlers = handlers(), handlers()
    first, copied = _connections._opener_with(first_handlers), _connections._opener_with(copied_handlers)
    assert layout(first, first_handlers) == layout(copied, copied_handlers) == layout(by_urllib, expected_handlers)
    assert len(_connections._ARRANGEMENTS) == 1, 'the second opener of the shape was not inspected'
    assert all(handler.parent is copied for handler in copied.handlers)
    assert 'https' in copied.handle_open and ('https' in layout(copied, copied_handlers)['handle_open'])


def test_openers_copied_from_one_arrangement_send_and_keep_their_cookies_apart(server):
    first, second = client(server), client(server)
    assert first.request('GET', '/one').json() == {'path': '/one'} and second.request('GET', '/two').json() == {'path': '/two'}
    assert [c.value for c in first.cookies] == ['one'] and [c.value for c in second.cookies] == ['two']


def _settings(context):
    return (context.verify_mode, context.check_hostname, context.verify_flags, context.options,
            context.minimum_version, context.maximum_version, context.get_ca_certs())


@pytest.fixture
def ca_file(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'test CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(key, hashes.SHA256()))
    path = tmp_path / 'ca.pem'
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_a_ca_file_context_trusts_that_file_only_as_the_standard_library_would(monkeypatch, ca_file):
    # The spare context made at import becomes the first CA-file context: it must be the one
    # ssl.create_default_context(cafile=...) makes, no system CA added.
    monkeypatch.setattr(_transport_connections, '_contexts', {})
    monkeypatch.setattr(_transport_connections, '_spare', [_transport_connections._new_bare_client_context()])
    made = _transport_connections.tls_context(ca_file, True)
    assert _transport_connections._spare == []
    assert len(made.get_ca_certs()) == 1
    assert _settings(made) == _settings(ssl.create_default_context(cafile=ca_file))
    assert made.verify_mode == ssl.CERT_REQUIRED and made.check_hostname


def test_unverified_and_verified_contexts_are_never_one_object(monkeypatch, ca_file):
    monkeypatch.setattr(_transport_connections, '_contexts', {})
    monkeypatch.setattr(_transport_connections, '_spare', [_transport_connections._new_bare_client_context()])
    unverified = _transport_connections.tls_context(ca_file, False)
    verified = _transport_connections.tls_context(ca_file, True)
    assert unverified is not verified
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
    assert _transport_connections.tls_context(ca_file, True) is verified
