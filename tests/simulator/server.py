"""Sockets, TLS and HTTP/1.1 for every simulated host, from one selector thread.

One `selectors` loop watches all listening sockets (one per appliance, one for GHEC,
one for control) and every idle keep-alive connection. A readable socket is handed
to a bounded thread pool: the worker does the TLS handshake (for a new connection),
reads and answers requests while the client has more buffered, then gives the
connection back to the selector. So 1,000 appliances need 1,000 listening sockets,
not 1,000 threads, and idle keep-alive clients never hold a worker.
A listener's `service(request)` returns a Response, or RESET to drop the connection.

Network latency (`Listener.rtt`, seconds) is added where a network adds it: a new
connection's TLS handshake starts two round trips after the accept (TCP's SYN/SYN-ACK,
then TLS 1.3's one round trip, before the client can send its request), and each answer
leaves one round trip after it was ready. Both delays are timers the selector loop keeps:
nothing sleeps, so a delayed connection holds neither the loop nor a worker.
"""
import collections
import concurrent.futures
import errno
import heapq
import itertools
import os
import selectors
import socket
import ssl
import struct
import threading
import time
import traceback

from .httpmsg import HANG, RESET, Request, Response, reason

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
SOCKET_TIMEOUT = 10.0


# What a worker step returns when it scheduled the rest for later (the connection stays busy).
DEFERRED = object()


class OpenCount:
    """Over a group of listeners: connections open at once (accept to close), and connections in flight
    at once - waiting for a handshake or for the answer to a request, i.e. a client waiting on the
    server (what a client's concurrency is, seen from here) - with the most of each since reset()."""

    def __init__(self):
        self._lock = threading.Lock()
        self.open = self.peak = 0
        self.in_flight = self.peak_in_flight = 0

    def opened(self):
        with self._lock:
            self.open += 1
            self.peak = max(self.peak, self.open)

    def closed(self):
        with self._lock:
            self.open -= 1

    def begin(self):
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def end(self):
        with self._lock:
            self.in_flight -= 1

    def reset(self):
        with self._lock:
            self.peak, self.peak_in_flight = self.open, self.in_flight

    def view(self):
        return {"open": self.open, "peak": self.peak, "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight}


class Listener:
    """One listening port and the service that answers on it.

    ``rtt``: the simulated round-trip time in seconds (0: loopback as it is); it may change while
    serving. ``on_connect()``, if given, is called once per accepted connection.
    """

    def __init__(self, key, service, port=0, rtt=0.0, on_connect=None, open_count=None):
        self.key = key
        self.service = service
        self.sock = None
        self.port = port
        self.active = False
        self.rtt = rtt
        self.on_connect = on_connect
        self.open_count = open_count or OpenCount()
        self.open()

    def open(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(256)
        sock.setblocking(False)
        self.sock, self.port, self.active = sock, sock.getsockname()[1], True

    def close(self):
        self.active = False
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Connection:
    __slots__ = ("sock", "listener", "buf", "last_active", "closed", "answering")

    def __init__(self, sock, listener):
        self.sock = sock
        self.listener = listener
        self.buf = bytearray()
        self.last_active = time.monotonic()
        self.closed = False
        self.answering = False      # a request read, its answer not sent yet (OpenCount.in_flight)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by peer")
        self.buf += data

    def _take(self, size):
        while len(self.buf) < size:
            self._fill()
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return line
            if len(self.buf) > MAX_HEADER_BYTES:
                raise ValueError("line too long")
            self._fill()

    def read_request(self):
        """The next request; None when the peer closed the connection cleanly between requests."""
        if not self.buf:
            try:
                self._fill()
            except ConnectionError:
                return None
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(self.buf) > MAX_HEADER_BYTES:
                raise ValueError("headers too large")
            self._fill()
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end + 4]
        lines = head.split("\r\n")
        while lines and not lines[0]:       # tolerate stray CRLF between requests
            lines.pop(0)
        method, target, version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name in headers:
                headers[name] += ("; " if name == "cookie" else ", ") + value
            else:
                headers[name] = value
        headers[":version"] = version
        if headers.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self._line().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
                if len(body) > MAX_BODY_BYTES:
                    raise ValueError("body too large")
            body = bytes(body)
        else:
            length = int(headers.get("content-length", "0") or "0")
            if length < 0 or length > MAX_BODY_BYTES:
                raise ValueError("bad content-length")
            body = self._take(length) if length else b""
        return Request(method.upper(), target, headers, body)

    def has_buffered(self):
        return bool(self.buf) or self.sock.pending() > 0

    def send(self, request, response, keep_alive):
        self.sock.sendall(self._payload(request, response, keep_alive))

    def send_slowly(self, request, response):
        """Send the answer a byte at a time, ``response.trickle`` seconds apart, then close (a fault)."""
        try:
            for byte in self._payload(request, response, False):
                self.sock.sendall(bytes((byte,)))
                time.sleep(response.trickle)
        except (OSError, ssl.SSLError, ValueError):
            pass
        self.abort()

    def _payload(self, request, response, keep_alive):
        body = response.body
        lines = ["HTTP/1.1 %d %s" % (response.status, reason(response.status))]
        names = set()
        for name, value in response.headers:
            lines.append("%s: %s" % (name, value))
            names.add(name.lower())
        if "content-length" not in names:
            lines.append("Content-Length: %d" % len(body))
        lines.append("Connection: %s" % ("keep-alive" if keep_alive else "close"))
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if request.method != "HEAD":
            payload += body
        return payload

    def abort(self):
        """Close from another thread: shutdown() wakes a worker blocked in recv()."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()

    def answering_request(self, answering):
        if answering != self.answering:
            self.answering = answering
            if answering:
                self.listener.open_count.begin()
            else:
                self.listener.open_count.end()

    def close(self, reset=False):
        if not self.closed:
            self.closed = True
            self.answering_request(False)
            self.listener.open_count.closed()
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass


def _wants_keep_alive(request):
    connection = request.headers.get("connection", "").lower()
    if request.headers.get(":version") == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


class HttpServer:
    def __init__(self, ssl_context, workers=64, idle_timeout=30.0, max_idle=8000):
        self.ssl_context = ssl_context
        self.idle_timeout = idle_timeout
        self.max_idle = max_idle
        self.listeners = {}
        self._selector = selectors.DefaultSelector()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-worker")
        self._commands = collections.deque()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._idle = {}                 # Connection -> None, oldest first
        self._busy = set()
        self._busy_lock = threading.Lock()
        self._timers = []               # heap of (due, seq, fn, args): the simulated latency
        self._timers_lock = threading.Lock()
        self._timer_seq = itertools.count()
        self.open_counts = collections.defaultdict(OpenCount)    # group -> connections open at once
        self._running = False
        self._thread = None

    # -- listeners -------------------------------------------------------
    def add_listener(self, key, service, port=0, rtt=0.0, on_connect=None, group=None):
        """``group``: listeners whose open connections are counted together (``open_counts[group]``)."""
        listener = Listener(key, service, port, rtt, on_connect, self.open_counts[group or key])
        self.listeners[key] = listener
        self._command("listen", listener)
        return listener

    def stop_listening(self, key):
        """Close the port: new connections are refused, idle ones are closed. Returns once done."""
        listener = self.listeners[key]
        if listener.active:
            listener.active = False
            self._command_and_wait("unlisten", listener)

    def resume_listening(self, key):
        """Open the same port again. Returns once it accepts connections."""
        listener = self.listeners[key]
        if not listener.active:
            self._command_and_wait("relisten", listener)

    # -- life cycle --------------------------------------------------------
    def start(self):
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="sim-selector", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._running = False
        self._wake()
        if self._thread:
            self._thread.join(5)
        for listener in self.listeners.values():
            listener.close()
        with self._busy_lock:
            connections = list(self._busy) + list(self._idle)
        for connection in connections:
            connection.abort()
        with self._timers_lock:
            timers, self._timers = self._timers, []
        for _due, _seq, _fn, args in timers:      # sockets waiting for their simulated latency
            for arg in args:
                if isinstance(arg, (socket.socket, Connection)):
                    arg.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _command(self, command, item, done=None):
        self._commands.append((command, item, done))
        self._wake()

    def _command_and_wait(self, command, item):
        """Socket changes happen on the selector thread; wait for it (or do it now if not running)."""
        if not self._running:        # not started yet: the loop runs it first thing
            self._commands.append((command, item, None))
            return
        done = threading.Event()
        self._command(command, item, done)
        done.wait(5)

    def _wake(self):
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass

    def _later(self, delay, fn, *args):
        """Run ``fn(*args)`` in a worker ``delay`` seconds from now (the selector loop keeps the timer)."""
        if delay <= 0:
            self._submit(fn, *args)
            return
        due = time.monotonic() + delay
        with self._timers_lock:
            heapq.heappush(self._timers, (due, next(self._timer_seq), fn, args))
            first = self._timers[0][0] == due
        if first:       # the loop may be waiting longer than this: let it recompute its timeout
            self._wake()

    def _run_due_timers(self):
        """Submit every timer that is due; the seconds until the next one (or None)."""
        now = time.monotonic()
        due = []
        with self._timers_lock:
            while self._timers and self._timers[0][0] <= now:
                due.append(heapq.heappop(self._timers))
            following = self._timers[0][0] - now if self._timers else None
        for _due, _seq, fn, args in due:
            self._submit(fn, *args)
        return following

    # -- selector thread -----------------------------------------------------
    def _loop(self):
        last_sweep = time.monotonic()
        following = None
        while self._running:
            timeout = 1.0 if following is None else min(1.0, max(0.0, following))
            for key, _mask in self._selector.select(timeout=timeout):
                data = key.data
                if data is None:
                    try:
                        while os.read(self._wake_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                elif isinstance(data, Listener):
                    self._accept(data)
                else:
                    self._selector.unregister(data.sock)
                    self._idle.pop(data, None)
                    self._submit(self._serve, data)
            self._run_commands()
            following = self._run_due_timers()
            now = time.monotonic()
            if now - last_sweep > 1.0:
                last_sweep = now
                self._sweep(now)

    def _run_commands(self):
        while self._commands:
            command, item, done = self._commands.popleft()
            if command == "relisten":
                item.open()
                command = "listen"
            if command == "listen":
                if item.active and item.sock is not None:
                    self._selector.register(item.sock, selectors.EVENT_READ, item)
            elif command == "unlisten":
                try:
                    self._selector.unregister(item.sock)
                except (KeyError, ValueError):
                    pass
                item.close()
                for connection in [c for c in self._idle if c.listener is item]:
                    self._drop_idle(connection)
            elif command == "idle":
                if not item.listener.active or not self._running:
                    item.close()
                    continue
                try:
                    self._selector.register(item.sock, selectors.EVENT_READ, item)
                    self._idle[item] = None
                except (ValueError, OSError):
                    item.close()
            if done is not None:
                done.set()

    def _drop_idle(self, connection):
        self._idle.pop(connection, None)
        try:
            self._selector.unregister(connection.sock)
        except (KeyError, ValueError):
            pass
        connection.close()

    def _sweep(self, now):
        excess = len(self._idle) - self.max_idle
        for connection in list(self._idle):
            if excess > 0 or now - connection.last_active > self.idle_timeout:
                self._drop_idle(connection)
                excess -= 1
            else:
                break

    def _accept(self, listener):
        while listener.active:
            try:
                sock, _addr = listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    return
                raise
            listener.open_count.opened()
            listener.open_count.begin()          # until the handshake is over
            if listener.on_connect is not None:
                listener.on_connect()
            # TCP's handshake, then TLS 1.3's round trip: the client's request can leave only after both.
            self._later(2 * listener.rtt, self._handshake, sock, listener)

    def _submit(self, fn, *args):
        try:
            self._pool.submit(fn, *args)
        except RuntimeError:        # shutting down
            for arg in args:
                if hasattr(arg, "close"):
                    arg.close()

    # -- worker threads --------------------------------------------------------
    def _handshake(self, sock, listener):
        try:
            sock.setblocking(True)
            sock.settimeout(SOCKET_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self.ssl_context.wrap_socket(sock, server_side=True)
        except (OSError, ssl.SSLError, ValueError):
            sock.close()
            listener.open_count.end()
            listener.open_count.closed()
            return
        listener.open_count.end()
        self._serve(Connection(tls, listener))

    def _serve(self, connection):
        with self._busy_lock:
            self._busy.add(connection)
        self._step(connection, self._serve_requests)

    def _step(self, connection, step, *args):
        """Run one step on a busy connection; then keep it idle, close it, or leave it to a timer."""
        try:
            keep = step(connection, *args)
        except (OSError, ssl.SSLError, ValueError, ConnectionError):
            keep = False
        if keep is DEFERRED:
            return
        with self._busy_lock:
            self._busy.discard(connection)
        if keep:
            connection.last_active = time.monotonic()
            self._command("idle", connection)
        elif keep is False:
            connection.close()

    def _serve_requests(self, connection):
        """Answer requests while the client has some buffered; True to keep the connection idle,
        DEFERRED when an answer waits for its round trip (``_send_deferred`` goes on from there)."""
        while self._running:
            request = connection.read_request()
            if request is None:
                return False
            connection.answering_request(True)
            try:
                response = connection.listener.service(request)
            except Exception:       # a simulator bug must not kill the worker; answer like a crashing app
                traceback.print_exc()
                response = Response(500, b'{"message":"Server Error"}', [("Content-Type", "application/json")])
            if response is RESET:
                connection.close(reset=True)
                return None
            if response is HANG:
                return DEFERRED     # never answered: the client gives up (the connection closes at stop)
            if response.trickle:
                threading.Thread(target=connection.send_slowly, args=(request, response), daemon=True).start()
                return DEFERRED
            keep_alive = _wants_keep_alive(request) and connection.listener.active
            rtt = connection.listener.rtt
            if rtt > 0:
                self._later(rtt, self._step, connection, self._send_deferred, request, response, keep_alive)
                return DEFERRED
            # The client is no longer waiting once its answer leaves: counted before the send, since the
            # client may open its next connection before this thread runs again on a busy machine.
            connection.answering_request(False)
            connection.send(request, response, keep_alive)
            if not keep_alive:
                return False
            if not connection.has_buffered():
                return True
        return False

    def _send_deferred(self, connection, request, response, keep_alive):
        """The answer's round trip is over: send it, then go on as ``_serve_requests`` would have."""
        if not self._running:
            return False
        connection.answering_request(False)       # before the send, as in _serve_requests
        connection.send(request, response, keep_alive)
        if not keep_alive:
            return False
        if connection.has_buffered():
            return self._serve_requests(connection)
        return True
