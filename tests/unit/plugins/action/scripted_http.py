# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scripted HTTP for in-process tests of the action plugins (the idea of community.hrobot's tests).

A test lists the HTTP calls it expects, in order: method, URL and the answer (status,
headers, body) - or a transport error such as a timeout. The script replaces the two
connection classes of ``http.client``, the point where every request of the collection
leaves the process, so the whole client stack above it runs for real: urllib's opener,
cookies and redirects, the collection's keep-alive pool, retries, redaction, typed errors,
the console's form parsing, GraphQL decoding.

Writes are pinned in order, each after the reads listed before it; the reads between two
writes may come in any order (``Script``). A call the script did not expect - above all a
write - is refused with a message naming it (the request is never answered, and ``check()``
fails the test even when the plugin turned the refusal into a task failure); calls left
unmade fail ``check()`` too.

The action plugin runs as Ansible runs it: a real ``Task``, ``PlayContext``, ``Templar``
and the ``local`` connection plugin (the modules never use their connection for HTTP).
"""

from __future__ import annotations

import http.client
import io
import json as jsonlib
import os
import urllib.parse

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import action_loader, connection_loader
from ansible.template import Templar

# urllib asks the connection class itself for a body's length: keep the real helper.
_CONTENT_LENGTH = http.client.HTTPConnection._get_content_length
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
# Writes by the HTTP method that are reads by meaning (docs/interfaces.md: GraphQL, console sign-in).
READ_POSTS = ('/graphql', '/session', '/sessions/two-factor', '/sessions/sudo')

ENVIRONMENT = ('GHEC_TOKEN', 'GHEC_ENTERPRISE', 'GHEC_URL', 'GHES_TOKEN', 'GHES_MANAGE_PASSWORD', 'GHES_URL',
               'GHES_CONSOLE_PASSWORD', 'GHES_CONSOLE_USERNAME', 'GHES_CONNECT_STATE_DIR', 'GHEC_SESSION',
               'https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY')


def is_write(method, url):
    """A request that may change state: a write method, except the POSTs that only read or sign in."""
    return method in WRITE_METHODS and not urllib.parse.urlsplit(url).path.endswith(READ_POSTS)


class UnexpectedCall(BaseException):
    """Raised in the plugin's request: a BaseException, so no ``except Exception`` in the plugin hides it."""


class Call:
    """One expected request and its scripted answer.

    ``url``: scheme, host, port and path (the query is compared only when ``query`` is given).
    Answer with ``status``/``headers`` and one of ``json``, ``html``, ``body``; or ``error``: an
    exception raised once the request is sent (``TimeoutError()``: sent, never answered).
    ``check(request)`` may assert more about the request (form fields, JSON body, headers).
    Two marks for reads whose count is the module's own business, not its behaviour: ``repeat``,
    a state the module may read again as often as it likes until its next write (the verification
    after a write); ``optional``, a read it may also skip. Writes carry neither.
    """

    def __init__(self, method, url, status=200, json=None, html=None, body=b'', headers=None, error=None,
                 query=None, check=None, repeat=False, optional=False):
        assert not ((repeat or optional) and is_write(method, url)), 'a write is never optional or repeatable'
        self.repeat = repeat
        self.optional = optional
        self.answered = False
        self.method = method
        self.url = url
        self.status = status
        self.headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode('utf-8')
            self.headers.setdefault('Content-Type', 'application/json; charset=utf-8')
        elif html is not None:
            body = html.encode('utf-8')
            self.headers.setdefault('Content-Type', 'text/html; charset=utf-8')
        self.body = body if isinstance(body, bytes) else body.encode('utf-8')
        self.error = error
        self.query = query
        self.check = check

    @property
    def write(self):
        return is_write(self.method, self.url)

    def json_body(self):
        return jsonlib.loads(self.body)

    def __repr__(self):
        return '%s %s' % (self.method, self.url)


class Request:
    """A request the plugin sent, as the test sees it."""

    def __init__(self, method, url, body, headers):
        self.method = method
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.origin_path = '%s://%s%s' % (parts.scheme, parts.netloc, parts.path)
        self.path = parts.path
        self.query = dict(urllib.parse.parse_qsl(parts.query))
        self.body = body if isinstance(body, bytes) else (body or '').encode('utf-8')
        self.headers = dict((k.lower(), v) for k, v in headers.items())

    @property
    def write(self):
        return is_write(self.method, self.url)

    def form(self):
        return dict(urllib.parse.parse_qsl(self.body.decode('utf-8')))

    def json(self):
        return jsonlib.loads(self.body)

    def __repr__(self):
        return '%s %s%s' % (self.method, self.url, ' (a write)' if self.write else '')


class Script:
    """The expected calls of one test, in order, and the requests actually made.

    Writes must come exactly in the order listed, each only after every read listed before it.
    The reads between two writes may come in any order (a refactoring may reorder reads without
    changing what the module does), repeats of one URL in the order listed; ``strict = True``
    pins the order of every call.
    """

    def __init__(self, strict=False):
        self.strict = strict
        self.expected = []
        self.made = []
        self.refused = []

    def expect(self, *calls):
        self.expected.extend(calls)
        return self

    def answer(self, request):
        self.made.append(request)
        index = self._match(request)
        if index is None:
            upcoming = self._window() or self.expected[:1]
            return self._refuse(request, ('expected %s next' % ' or '.join(repr(c) for c in upcoming))
                                if upcoming else 'no more calls were expected')
        call = self.expected[index]
        if call.write:
            del self.expected[:index + 1]   # the reads before it are all made, or optional, or made repeats
        elif call.repeat:
            call.answered = True
        else:
            del self.expected[index]
        if call.query is not None and call.query != request.query:
            return self._refuse(request, 'query %r, expected %r' % (request.query, call.query))
        if call.check is not None:
            try:
                call.check(request)
            except AssertionError as exc:
                return self._refuse(request, 'request check failed: %s' % exc)
        return call

    def _window(self):
        """The expected calls the next request may be: in strict order the first one; otherwise every read up
        to the next expected write, or that write once those reads are made."""
        if self.strict or not self.expected:
            return self.expected[:1]
        window = []
        for call in self.expected:
            if call.write:
                return window + [call] if all(_satisfied(c) for c in window) else window
            window.append(call)
        return window

    def _match(self, request):
        """The index of the expected call this request is: the first of its method and URL in the window that is
        not an answered repeat with a later call of the same request after it."""
        same = [i for i, call in enumerate(self._window()) if (call.method, call.url) == (request.method, request.origin_path)]
        fresh = [i for i in same if not self.expected[i].answered]
        return (fresh or same or [None])[0]

    def _refuse(self, request, why):
        message = 'unexpected %s %s %s: %s' % ('WRITE' if request.write else 'call', request.method, request.url, why)
        self.refused.append(message)
        raise UnexpectedCall(message)

    def check(self):
        """Fail naming every refused call and every expected call left unmade."""
        problems = list(self.refused)
        problems.extend('expected call never made: %r' % call for call in self.expected if not _satisfied(call))
        assert not problems, '\n'.join(problems + ['requests made:'] + ['  %r' % r for r in self.made])

    def writes(self):
        return [r for r in self.made if r.write]


def _satisfied(call):
    """A read that may be passed over: made (a repeat), or optional."""
    return call.optional or (call.repeat and call.answered)


class _Socket:
    """What ``http.client.HTTPResponse`` reads a response from."""

    def __init__(self, data):
        self._data = data

    def makefile(self, *_args, **_kwargs):
        return io.BytesIO(self._data)


def _raw_response(call):
    reason = http.client.responses.get(call.status, 'Unknown')
    headers = dict(call.headers)
    headers.setdefault('Content-Length', str(len(call.body)))
    lines = ['HTTP/1.1 %d %s' % (call.status, reason)] + ['%s: %s' % item for item in headers.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + call.body


def connection_class(script, scheme):
    """An ``http.client`` connection class that sends to ``script`` instead of the network."""

    class ScriptedConnection:
        default_port = 443 if scheme == 'https' else 80
        _get_content_length = staticmethod(_CONTENT_LENGTH)

        def __init__(self, host, port=None, timeout=None, **_kwargs):
            self.host, _sep, given_port = host.partition(':')
            self.port = port or (int(given_port) if given_port else self.default_port)
            self.timeout = timeout
            self.sock = None
            self._tunnel_host = None
            self._call = None

        def set_debuglevel(self, level):
            pass

        def set_tunnel(self, host, port=None, headers=None):
            raise AssertionError('no proxy in unit tests')

        def request(self, method, url, body=None, headers=None, encode_chunked=False):
            del encode_chunked
            headers = headers or {}
            for value in headers.values():
                # http.client's own refusal of a header it cannot send (a credential with a newline).
                if isinstance(value, str) and any(c in value for c in '\r\n'):
                    raise ValueError('Invalid header value %r' % value.encode('latin-1', 'replace'))
            netloc = self.host if self.port == self.default_port else '%s:%d' % (self.host, self.port)
            full = url if url.startswith(('http://', 'https://')) else '%s://%s%s' % (scheme, netloc, url)
            self._call = script.answer(Request(method, full, body, headers))

        def getresponse(self):
            call, self._call = self._call, None
            if call.error is not None:
                raise call.error
            response = http.client.HTTPResponse(_Socket(_raw_response(call)), method=None)
            response.begin()
            return response

        def close(self):
            pass

    return ScriptedConnection


def install(script, monkeypatch):
    monkeypatch.setattr(http.client, 'HTTPSConnection', connection_class(script, 'https'))
    monkeypatch.setattr(http.client, 'HTTPConnection', connection_class(script, 'http'))


def clean_environment(monkeypatch, state_dir):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('GHES_CONNECT_STATE_DIR', str(state_dir))


def run_action(name, args, task_vars=None, check_mode=False, diff=False):
    """Run the action plugin ``ghes.connect.NAME`` in this process, as a task of a play; return its result."""
    task_vars = dict(task_vars or {})
    task_vars.setdefault('inventory_hostname', 'ghes-1')
    task = Task()
    task.name = 'unit %s' % name
    task.action = 'ghes.connect.%s' % name
    task.args = dict(args)
    task.check_mode = check_mode
    task.diff = diff
    play_context = PlayContext()
    play_context.check_mode = check_mode
    play_context.diff = diff
    loader = DataLoader()
    connection = connection_loader.get('local', play_context, os.devnull)
    templar = Templar(loader=loader, variables=task_vars)
    action = action_loader.get('ghes.connect.%s' % name, task=task, connection=connection, play_context=play_context,
                               loader=loader, templar=templar, shared_loader_obj=None)
    assert action is not None, 'no action plugin ghes.connect.%s' % name
    try:
        return action.run(task_vars=task_vars)
    except AnsibleActionFail as exc:
        # What Ansible's task executor makes of it (an argument spec violation, a missing option).
        return exc.result
