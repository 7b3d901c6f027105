# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connections under the HTTP layer: one opener per client, TLS contexts and keep-alive.

``ansible.module_utils.urls.Request.open`` builds a new opener for every request, installs
it as urllib's process-wide opener and then sends through whatever opener is installed at
that moment. In one process with threads (the fleet scan reads many appliances at once)
a request can go out through another thread's opener: another appliance's cookie jar and
TLS context. And every request opens a new TCP and TLS connection (``Connection: close``),
which is most of what reading one appliance costs. So each client here owns its opener,
made of urllib's proxy, cookie and error handlers, and the requests that are safe to repeat
reuse an idle connection to the same origin (HTTP/1.1 keep-alive). A request that is not
safe to repeat (a form post that changes something) always gets a connection of its own,
closed after it, exactly as before: a stale keep-alive connection can then never make the
client guess whether a write happened.

The TLS context is the one ``ansible.module_utils.urls.make_context`` makes, built here with
the standard library when a CA file is given or verification is off (what ``make_context``
does then), and by ``make_context`` itself otherwise, for its search of the system's CA
certificates. Importing ``ansible.module_utils.urls`` costs about 30 ms in every task's
worker process, more than Ansible's own cost of a task.
"""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import io
import ipaddress
import select
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.response


# What a server that closed an idle keep-alive connection makes the next request on it raise.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                           ConnectionAbortedError)
MAX_IDLE_PER_ORIGIN = 4

_contexts = {}
_contexts_lock = threading.Lock()


def tls_context(ca_path=None, validate_certs=True):
    """The SSL context for these settings, made once per process (the CA file is read once, not per client)."""
    key = (ca_path, bool(validate_certs))
    with _contexts_lock:
        if key not in _contexts:
            _contexts[key] = _make_context(ca_path, bool(validate_certs))
        return _contexts[key]


def _make_context(ca_path, validate_certs):
    if validate_certs and not ca_path:
        # The system's CA certificates, found the way the rest of Ansible finds them.
        from ansible.module_utils.urls import make_context
        return make_context(validate_certs=True)
    context = _bare_client_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    # Only this CA file is trusted (as ssl.create_default_context(cafile=...) trusts it).
    context.load_verify_locations(cafile=ca_path)
    return context


def _new_bare_client_context():
    """A client context as ``ssl.create_default_context()`` makes it, with no CA certificate loaded yet."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)    # certificate and host name checked
    if sys.version_info >= (3, 13):
        # What create_default_context adds from Python 3.13.
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    return context


# Making an SSL context costs about 4 ms of CPU (OpenSSL's SSL_CTX_new), and Ansible forks one
# worker per host for every task, each making its own. This one is made when the module is
# imported - in ansible-playbook's own process, before it forks (clients.py says why) - and
# every worker takes its inherited copy for the first context it needs. The copy is the
# worker's own memory: loading a CA into it changes no other process's.
_spare = [_new_bare_client_context()]


def _bare_client_context():
    # Called by tls_context, under _contexts_lock: the spare goes to one context only.
    return _spare.pop() if _spare else _new_bare_client_context()


class ConnectionPool:
    """Idle keep-alive connections by origin and TLS context, shared by the clients of one appliance."""

    def __init__(self):
        self._idle = {}
        self._lock = threading.Lock()
        self.opened = 0
        self.reused = 0

    def take(self, key):
        """An idle connection for ``key`` that the server has not closed, or None."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None:
                return None
            if _still_open(connection):
                self.reused += 1
                return connection
            connection.close()

    def give_back(self, key, connection):
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


def _still_open(connection):
    """An idle connection has nothing to say: if its socket is readable, the server closed it."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _writable, _errors = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class AnswerTooLarge(OSError):
    """An answer longer than the client reads from its interface (``HttpClient(max_answer=...)``)."""


def read_limited(response, limit):
    """The body of ``response``, refusing one over ``limit`` bytes before reading more than that."""
    headers = getattr(response, 'headers', None) or getattr(response, 'msg', None)
    length = headers.get('content-length') if hasattr(headers, 'get') else None
    if limit is not None and length and length.isdigit() and int(length) > limit:
        raise AnswerTooLarge('an answer of %s bytes' % length)
    body = response.read(limit + 1) if limit is not None else response.read()
    if limit is not None and len(body) > limit:
        raise AnswerTooLarge('an answer of more than %d bytes' % limit)
    return body


class Deadline:
    """When one request must be over: connecting, TLS, sending, the headers and the whole body.

    A socket timeout bounds each read, so a server that sends a byte now and then could hold a
    request for ever; every blocking call of the request's socket waits at most the time left.
    """

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.at = clock() + seconds

    def left(self):
        """Seconds left; ``socket.timeout`` once there are none (what a timed-out read raises)."""
        left = self.at - self.clock()
        if left <= 0:
            raise socket.timeout('the request took longer than its %ss' % self.seconds)
        return left


class DeadlineSocket:
    """A connected socket whose sends and receives end by the deadline of the request using it.

    ``deadline`` is set for each request (a kept-alive connection serves several). The response
    reads through ``makefile``, whose raw reads come back here.
    """

    def __init__(self, sock, deadline):
        self._sock = sock
        self.deadline = deadline
        self._io_refs = 0
        self._closed = False

    def _bounded(self, call, *args):
        self._sock.settimeout(self.deadline.left())
        return call(*args)

    def recv_into(self, *args):
        return self._bounded(self._sock.recv_into, *args)

    def recv(self, *args):
        return self._bounded(self._sock.recv, *args)

    def send(self, *args):
        return self._bounded(self._sock.send, *args)

    def sendall(self, data, *args):
        view = memoryview(data).cast('B') if not isinstance(data, (bytes, bytearray)) else memoryview(data)
        while view:
            view = view[self._bounded(self._sock.send, view, *args):]

    def makefile(self, mode='r', buffering=None, **kwargs):  # pylint: disable=unused-argument
        # socket.socket.makefile over this object: its SocketIO reads through recv_into above.
        return socket.socket.makefile(self, mode, buffering)

    def _decref_socketios(self):
        self._io_refs -= 1
        if self._closed and self._io_refs <= 0:
            self._sock.close()

    def close(self):
        self._closed = True
        if self._io_refs <= 0:
            self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


def deadline_connection(connection_class, deadline):
    """A ``connection_class`` (http.client) whose connection and socket keep to ``deadline``."""
    class Connection(connection_class):
        def connect(self):
            # Connecting and the TLS handshake: each wait at most the time left (socket timeouts).
            self.timeout = deadline.left()
            super().connect()
            self.sock = DeadlineSocket(self.sock, deadline)
    Connection.__name__ = connection_class.__name__
    return Connection


class KeepAliveHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """urllib's HTTP and HTTPS handler, reusing connections for requests marked ``reusable``.

    Through a proxy, or for a request not marked reusable, it is urllib's own handler.
    """

    def __init__(self, context, pool):
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self, context=context)
        self.context = context
        self.pool = pool

    def http_open(self, req):
        return self._open(req, http.client.HTTPConnection)

    def https_open(self, req):
        return self._open(req, http.client.HTTPSConnection, context=self.context)

    def _open(self, req, connection_class, **connection_args):
        deadline = getattr(req, 'deadline', None) or Deadline(req.timeout)
        connection_class = deadline_connection(connection_class, deadline)
        if not getattr(req, 'reusable', False) or req.has_proxy() or getattr(req, '_tunnel_host', None):
            self.pool.opened += 1
            return self.do_open(connection_class, req, **connection_args)
        key = (req.type, req.host, id(self.context))
        headers = dict(req.unredirected_hdrs)
        headers.update((k, v) for k, v in req.headers.items() if k not in headers)
        headers = dict((name.title(), value) for name, value in headers.items())
        connection = self.pool.take(key)
        while True:
            reused = connection is not None
            if not reused:
                connection = connection_class(req.host, timeout=req.timeout, **connection_args)
                self.pool.opened += 1
            try:
                if reused:
                    connection.sock.deadline = deadline
                connection.request(req.get_method(), req.selector, req.data, headers)
                response = connection.getresponse()
                body = read_limited(response, getattr(req, 'max_answer', None))
            except AnswerTooLarge:
                connection.close()
                raise
            except STALE_CONNECTION_ERRORS as exc:
                connection.close()
                if reused:
                    # The server closed the idle connection as we used it; the request is one that
                    # may be repeated, so it goes once more on a new connection.
                    connection = None
                    continue
                raise urllib.error.URLError(exc)
            except OSError as exc:
                connection.close()
                raise urllib.error.URLError(exc)
            except http.client.HTTPException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                self.pool.give_back(key, connection)
            return _buffered(response, body, req.get_full_url())


def _buffered(response, body, url):
    """A urllib response over the body already read (the connection is free for the next request)."""
    result = urllib.response.addinfourl(io.BytesIO(body), response.msg, url, response.status)
    result.msg = response.reason
    return result


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (the console's 302s say what happened), never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.get_full_url(), code, msg, headers, fp)


def build_opener(context, pool, cookies=None):
    """An opener of this client's own: proxies from the environment, redirects not followed.

    Only the handlers an HTTP(S) API client needs (``build_opener`` would add FTP, file: and
    data: handlers too).
    """
    handlers = [EnvironmentProxies(_environment_proxies()), urllib.request.UnknownHandler(),
                urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
                KeepAliveHandler(context, pool), NoRedirects()]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    return _opener_with(handlers)


# How ``OpenerDirector.add_handler`` arranged handlers of each shape, as positions in the list of
# handlers. It looks at every method name of every handler to find what each one handles: about
# 1 ms an opener, and a fleet scan makes one or two openers for each of its thousands of appliances,
# always of the same few shapes.
_ARRANGEMENTS = {}
_TABLES = ('handle_open', 'process_request', 'process_response')


def _opener_with(handlers):
    """An ``OpenerDirector`` with ``handlers``, arranged as its ``add_handler`` arranges them."""
    opener = urllib.request.OpenerDirector()
    # A shape: the handlers' classes and their own attributes' names (a ProxyHandler has a
    # <scheme>_open method for each proxy it was given).
    shape = tuple((type(handler), tuple(sorted(vars(handler)))) for handler in handlers)
    arrangement = _ARRANGEMENTS.get(shape)
    if arrangement is None:
        for handler in handlers:
            opener.add_handler(handler)
        _ARRANGEMENTS[shape] = _arrangement(opener, handlers)
        return opener
    at = handlers.__getitem__
    opener.handlers = [at(i) for i in arrangement['handlers']]
    for table in _TABLES:
        setattr(opener, table, dict((kind, [at(i) for i in positions]) for kind, positions in arrangement[table].items()))
    opener.handle_error = dict((scheme, dict((kind, [at(i) for i in positions]) for kind, positions in kinds.items()))
                               for scheme, kinds in arrangement['handle_error'].items())
    for handler in opener.handlers:
        handler.add_parent(opener)
    return opener


def _arrangement(opener, handlers):
    """Where ``add_handler`` put each of ``handlers`` in ``opener``: positions in ``handlers``."""
    position = dict((id(handler), i) for i, handler in enumerate(handlers))

    def positions(listed):
        return [position[id(handler)] for handler in listed]

    arrangement = dict((table, dict((kind, positions(listed)) for kind, listed in getattr(opener, table).items()))
                       for table in _TABLES)
    arrangement['handlers'] = positions(opener.handlers)
    arrangement['handle_error'] = dict((scheme, dict((kind, positions(listed)) for kind, listed in kinds.items()))
                                       for scheme, kinds in opener.handle_error.items())
    return arrangement


@functools.lru_cache(maxsize=1)
def _environment_proxies():
    """The proxies the environment names (http_proxy, https_proxy, no_proxy...), read once per process."""
    return urllib.request.getproxies()


class EnvironmentProxies(urllib.request.ProxyHandler):
    """urllib's proxy handler, with ``no_proxy`` read as curl and requests read it (``bypassed``)."""

    def proxy_open(self, req, proxy, type):  # pylint: disable=redefined-builtin  # urllib's own signature
        if req.host and bypassed(req.host, self.proxies.get('no', '')):
            return None
        return super().proxy_open(req, proxy, type)


def bypassed(host, no_proxy):
    """Whether ``no_proxy`` (comma-separated: ``*``, host names, domains, IP addresses, CIDR networks, each with an
    optional ``:port``) exempts ``host`` (``name``, ``name:port`` or ``[v6]:port``) from the proxy."""
    name, port = _split_port(host)
    for entry in (e.strip().lower() for e in (no_proxy or '').split(',')):
        if entry == '*':
            return True
        if not entry:
            continue
        entry_name, entry_port = _split_port(entry)
        if entry_port is not None and entry_port != port:
            continue
        try:
            if ipaddress.ip_address(name) in ipaddress.ip_network(entry_name, strict=False):
                return True
            continue
        except ValueError:
            pass
        domain = entry_name.lstrip('*').lstrip('.')
        if domain and (name == domain or name.endswith('.' + domain)):
            return True
    return False


def _split_port(host):
    """``(name, port or None)`` of ``name``, ``name:port``, ``[v6]:port``, ``v6`` or ``10.0.0.0/8``, lower case."""
    host = host.strip().lower()
    if host.startswith('['):
        name, _sep, rest = host[1:].partition(']')
        return name, rest[1:] if rest.startswith(':') else None
    if host.count(':') == 1:
        name, port = host.split(':')
        return name, port
    return host, None


def proxy_for(url):
    """The proxy a request to ``url`` goes through, as a message may show it (no credentials), with the variable
    that names it - ``('http://proxy:3128', 'https_proxy')`` - or None."""
    parts = urllib.parse.urlsplit(url)
    proxies = _environment_proxies()
    proxy = proxies.get(parts.scheme)
    if not proxy or bypassed(parts.netloc, proxies.get('no', '')):
        return None
    shown = urllib.parse.urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    where = shown.hostname or ''
    if shown.port:
        where = '%s:%d' % (where, shown.port)
    return '%s://%s' % (shown.scheme, where), '%s_proxy' % parts.scheme


# A client's opener (its cookie jar, the environment's proxies) arranged on import, in ansible-playbook's
# own process (clients.py says why), so no host's worker inspects its handlers again (about 1.5 ms each);
# a request made (not sent) compiles the URL patterns urllib compiles on first use.
build_opener(None, ConnectionPool(), http.cookiejar.CookieJar())
urllib.request.Request('https://example.invalid/')
