# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer under every client.

Built on urllib and the TLS context of ansible-core's URL layer, with no third-party Python
on the controller; ``_transport.connections`` explains why each client owns its opener and reuses
connections. What it adds:

* bounded retries with exponential backoff, honouring ``Retry-After``;
* a retry policy that knows which requests are safe to repeat (see ``_should_retry``);
* typed errors whose messages say what to fix and never contain a secret.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import random
import socket
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    AuthenticationError,
    HttpStatusError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    TLSVerificationError,
    TransportError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import basic_auth_form, scrub_text
from ansible_collections.ghes.connect.plugins.module_utils._transport.connections import (
    AnswerTooLarge,
    ConnectionPool,
    Deadline,
    build_opener,
    proxy_for,
    read_limited,
    tls_context,
)

# Statuses that say "not now": the server did not act, asking again later is the remedy.
RETRYABLE_STATUSES = frozenset((408, 429, 502, 503, 504))
# Of those, the ones that also promise the request was not processed, so even a
# non-idempotent request (an upload, a console switch) may be sent again.
NOT_PROCESSED_STATUSES = frozenset((429, 503))
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))
MAX_BACKOFF_SECONDS = 30.0
USER_AGENT = 'ghes.connect-ansible-collection'
MB = 1024 * 1024
# The most of one answer a client reads (its interface may set another, ``_appliance/clients.MAX_ANSWER``):
# a server or proxy sending gigabytes must not cost the controller its memory.
DEFAULT_MAX_ANSWER = 16 * MB
# What to do about a certificate, by OpenSSL's verify code (X509_V_ERR_*): each cause has its own fix.
CERTIFICATE_ADVICE = {
    10: 'It has expired: renew it on the server (or correct the server\'s clock if it is wrong).',
    9: 'It is not valid yet: the server\'s or this controller\'s clock is wrong, or the certificate was issued for later.',
    62: 'It does not name this host: use the host name it was issued for in %(url)s, or reissue it with this name.',
    18: 'It is self-signed. Set %(ca_path)s to that certificate (PEM) to trust it.',
    19: 'It is signed by a CA this controller does not trust. Set %(ca_path)s to that CA\'s certificate (PEM).',
    20: 'It is signed by a CA this controller does not know. Set %(ca_path)s to that CA\'s certificate (PEM).',
    21: 'Its chain cannot be verified. Set %(ca_path)s to the CA certificate that signed it, or have the server send '
        'its intermediate certificates.',
    2: 'Its issuer is unknown here. Set %(ca_path)s to the CA certificate that signed it.',
    None: 'Set %(ca_path)s to the CA certificate that signed it, and use the host name the certificate names.',
}


class Response:
    """A finished HTTP exchange: status, headers (lower-case names) and the body."""

    def __init__(self, status, headers, body, url):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def text(self):
        return self.body.decode('utf-8', errors='replace')

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise HttpStatusError(
                'Expected JSON from %s but got something else (%s). Is the URL pointing at the right service?'
                % (self.url, exc), status=self.status, url=self.url)

    @property
    def location(self):
        return self.headers.get('location')


class RetryPolicy:
    """How many times and how long to retry; ``sleep`` is replaceable for unit tests.

    ``budget`` (a ``Deadline``, see ``appliance_budget``) bounds every request made under this
    policy together: a fleet task gives each appliance one, so one that never answers, or
    answers a byte at a time, costs the fleet at most that long.
    """

    def __init__(self, retries=5, backoff=0.5, max_retry_after=60.0, sleep=time.sleep, budget=None):
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.budget = budget

    def with_budget(self, timeout):
        """This policy with a fresh budget of ``appliance_budget(timeout, retries)`` seconds, starting now."""
        return RetryPolicy(self.retries, self.backoff, self.max_retry_after, self.sleep,
                           Deadline(appliance_budget(timeout, self.retries, self.backoff)))

    def can_wait(self, seconds):
        """Whether a retry after ``seconds`` is one this policy makes (a rate limit that resets later is not)."""
        left = None if self.budget is None else self.budget.at - self.budget.clock()
        return seconds <= self.max_retry_after and (left is None or seconds < left)

    def wait(self, seconds):
        """Sleep ``seconds`` before the next attempt, never past the budget."""
        if self.budget is not None:
            seconds = min(seconds, max(0.0, self.budget.at - self.budget.clock()))
        self.sleep(seconds)

    def delay(self, attempt, headers=None):
        retry_after = rate_limit_wait(headers or {})
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        base = min(self.backoff * (2 ** attempt), MAX_BACKOFF_SECONDS)
        return base * (0.5 + random.random() / 2)


def appliance_budget(timeout, retries, backoff=0.5):
    """What one appliance may cost a fleet task, in seconds: every attempt taking the whole ``timeout``
    (``retries`` + 1 attempts), plus the longest backoff between them. 5 retries of 30 s: 195.5 s."""
    return (retries + 1) * timeout + sum(min(backoff * (2 ** attempt), MAX_BACKOFF_SECONDS) for attempt in range(retries))


class HttpClient:
    """One base URL, one kind of authentication, one retry policy.

    ``secrets`` lists every credential value this client knows; any message built from a
    server answer or an exception is scrubbed of them before it is raised.
    """

    def __init__(self, base_url, service, validate_certs=True, ca_path=None, timeout=30,
                 policy=None, basic_auth=None, token=None, token_scheme='token',
                 secrets=(), cookies=None, pool=None, address_from=None, max_answer=DEFAULT_MAX_ANSWER):
        self.base_url = base_url.rstrip('/')
        # Which option (and host variable) set base_url: a refused connection names what to fix.
        self.address_from = address_from
        self.service = service
        self.policy = policy or RetryPolicy()
        self.secrets = tuple(s for s in secrets if s)
        self.headers = {'User-Agent': USER_AGENT}
        if token:
            self.headers['Authorization'] = '%s %s' % (token_scheme, token)
            self.secrets += (token,)
        if basic_auth:
            username, password = basic_auth
            credentials = basic_auth_form(username, password)
            self.headers['Authorization'] = 'Basic %s' % credentials
            self.secrets += (password, credentials)
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.pool = pool or ConnectionPool()
        self._opener = build_opener(tls_context(ca_path, validate_certs), self.pool, self.cookies)
        self.timeout = timeout
        self.max_answer = max_answer

    def close_pool(self):
        """Close the idle connections of this client's pool, which the appliance's other clients may share."""
        self.pool.close()

    def url(self, path, query=None):
        url = path if path.startswith(('http://', 'https://')) else self.base_url + path
        if query:
            url += ('&' if '?' in url else '?') + urlencode(query)
        return url

    def request(self, method, path, query=None, json_body=None, form=None, data=None,
                headers=None, expected=(200,), safe=None):
        """Send a request, retrying as the policy allows; return the ``Response``.

        ``expected`` lists the statuses that are answers rather than errors (a console
        client expects 302, a probe expects 404). ``safe`` overrides the method's
        idempotence (a GraphQL read is a POST that is safe to repeat).
        """
        method = method.upper()
        url = self.url(path, query)
        send_headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode('utf-8')
            send_headers.setdefault('Content-Type', 'application/json')
        elif form is not None:
            data = urlencode(form).encode('utf-8')
            send_headers.setdefault('Content-Type', 'application/x-www-form-urlencoded')
        send_headers.setdefault('Accept', 'application/json')
        if safe is None:
            safe = method in IDEMPOTENT_METHODS

        attempt = 0
        while True:
            try:
                response = self._send(method, url, data, send_headers, reusable=safe)
            except TransportError as exc:
                if attempt < self.policy.retries and (safe or not exc.maybe_sent) and not exc.details.get('final') \
                        and not isinstance(exc, (TLSVerificationError, InvalidRequestError)):
                    self.policy.wait(self.policy.delay(attempt))
                    attempt += 1
                    continue
                if attempt:
                    raise exc.reworded('%s (gave up after %d attempts).' % (exc.message.rstrip('.'), attempt + 1)) from exc
                raise
            if response.status in expected:
                return response
            if attempt < self.policy.retries and self._should_retry(response, safe):
                self.policy.wait(self.policy.delay(attempt, response.headers))
                attempt += 1
                continue
            raise self._status_error(method, url, response, attempt)

    def _should_retry(self, response, safe):
        status = response.status
        if (status == 403 and _is_rate_limited(response.headers)) or (
                status == 429 and response.headers.get('x-ratelimit-remaining') == '0'):
            # Asking before the limit resets only spends attempts (and, for a secondary limit, prolongs it).
            wait = rate_limit_wait(response.headers)
            return wait is None or self.policy.can_wait(wait)
        if status not in RETRYABLE_STATUSES:
            return False
        return safe or status in NOT_PROCESSED_STATUSES

    def _send(self, method, url, data, headers, reusable=False):
        try:
            raw = self._open(method, url, data, headers, reusable)
            with raw:
                return Response(raw.status, _lower_headers(raw.headers), read_limited(raw, self.max_answer), url)
        except urllib.error.HTTPError as exc:
            try:
                body = read_limited(exc, self.max_answer)
            except AnswerTooLarge as too_large:
                raise self._too_large(url, too_large)
            except Exception:  # pylint: disable=broad-except
                body = b''
            return Response(exc.code, _lower_headers(exc.headers), body or b'', url)
        except AnswerTooLarge as exc:
            raise self._too_large(url, exc)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, AnswerTooLarge):
                raise self._too_large(url, exc.reason)
            raise self._transport_error(url, exc.reason)
        except (OSError, http.client.HTTPException) as exc:
            raise self._transport_error(url, exc)
        except ValueError as exc:
            # http.client refuses a header value with a line break or a character outside Latin-1,
            # and its message quotes the value: a credential, usually. Never show it; say which header.
            raise self._unsendable_request(url, dict(self.headers, **headers), exc)

    def _open(self, method, url, data, headers, reusable):
        """Send one request through this client's opener; ``reusable``: it may go over a kept-alive connection.

        The request, its body included, ends within ``timeout`` seconds, or the budget's end if sooner.
        """
        request = urllib.request.Request(url, data=data, headers=dict(self.headers, **headers), method=method)
        request.reusable = reusable
        request.deadline = self._deadline(url)
        request.max_answer = self.max_answer
        return self._opener.open(request, timeout=self.timeout)

    def _deadline(self, url):
        budget = self.policy.budget
        if budget is None or budget.at - budget.clock() > self.timeout:
            return Deadline(self.timeout)
        if budget.at <= budget.clock():
            raise TransportError('%s at %s was not asked: the %ss this task gives each appliance (its attempts x timeout, '
                                 'plus the backoff between them) are spent.' % (self.service, _origin(url), budget.seconds),
                                 url=_origin(url), maybe_sent=False, budget_spent=True, final=True)
        return budget

    def _transport_error(self, url, reason):
        where = _origin(url)
        proxy = proxy_for(url)
        problem = proxy and _proxy_problem(reason, proxy[1])
        if problem:
            # The proxy's fault, not the target's: asking the target again through it changes nothing.
            return TransportError('The proxy %s (from %s) %s; %s at %s was not reached, and is not asked again.'
                                  % (proxy[0], proxy[1], problem, self.service, where),
                                  url=where, maybe_sent=False, final=True, proxy=proxy[0])
        if isinstance(reason, ssl.SSLCertVerificationError) or (
                isinstance(reason, ssl.SSLError) and 'CERTIFICATE_VERIFY_FAILED' in str(reason)):
            ghec = self.service.startswith('GHEC')
            advice = CERTIFICATE_ADVICE.get(getattr(reason, 'verify_code', None), CERTIFICATE_ADVICE[None]) % {
                'ca_path': 'ghec_ca_path' if ghec else 'ca_path', 'url': 'ghec_url' if ghec else 'url'}
            return TLSVerificationError(
                'The TLS certificate of %s (%s) was not accepted: %s. %s %s: false turns verification off and is not '
                'recommended.' % (self.service, where, self._scrub(getattr(reason, 'verify_message', None) or str(reason)),
                                  advice, 'ghec_validate_certs' if ghec else 'validate_certs'),
                url=where, maybe_sent=False)
        if isinstance(reason, ConnectionRefusedError):
            return TransportError('%s at %s refused the connection: is the URL right and the service up?%s'
                                  % (self.service, where, ' The address comes from %s.' % self.address_from
                                     if self.address_from else ''), url=where, maybe_sent=False)
        if isinstance(reason, socket.gaierror):
            return TransportError('Cannot resolve the host of %s URL %s (%s): check the URL.'
                                  % (self.service, where, reason), url=where, maybe_sent=False)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return TransportError('%s at %s did not answer within %ss (timeout: it bounds each whole request, connecting '
                                  'and the full answer included).' % (self.service, where, self.timeout),
                                  url=where, maybe_sent=True)
        return TransportError('Connection to %s at %s failed: %s'
                              % (self.service, where, self._scrub(str(reason))), url=where, maybe_sent=True)

    def _too_large(self, url, exc):
        return TransportError('%s at %s sent %s, more than the %d MB ghes.connect reads from this interface; it was not '
                              'read further, nor asked again. Is the URL the right service (not a download, or a proxy\'s '
                              'page)?' % (self.service, _origin(url), exc, self.max_answer // MB),
                              url=_origin(url), maybe_sent=True, final=True)

    def _unsendable_request(self, url, headers, exc):
        bad = sorted(name for name, value in headers.items() if _unsendable_header(value))
        if bad or 'header' in str(exc).lower():
            reason = ('its %s holds a line break, a control character or a character HTTP headers cannot '
                      'carry. A credential with a stray character? Check the token, password and session options'
                      % ('%s header' % ' and '.join(bad) if bad else 'a header (a cookie?)'))
        else:
            reason = self._scrub(str(exc))
        return InvalidRequestError('The request to %s at %s was not sent: %s.' % (self.service, _origin(url), reason),
                                   url=_origin(url), maybe_sent=False)

    def _status_error(self, method, url, response, attempt):
        api_message = _api_message(response)
        path = urlsplit(url).path
        status = response.status
        tail = ' (gave up after %d attempts)' % (attempt + 1) if attempt else ''
        detail = (': ' + api_message) if api_message else ''
        if status == 401:
            cls, hint = AuthenticationError, ' Check the credentials for %s.' % self.service
        elif status == 403:
            cls = PermissionDeniedError
            hint = _rate_limit_hint(response.headers) if _is_rate_limited(response.headers) else ''
        elif status == 404:
            cls, hint = NotFoundError, ''
        elif status == 407 and proxy_for(url):
            proxy, variable = proxy_for(url)
            cls, hint = HttpStatusError, ' The proxy %s (from %s) %s.' % (proxy, variable, _proxy_wants_credentials(variable))
        elif status == 429:
            cls, hint = HttpStatusError, _rate_limit_hint(response.headers) if _is_rate_limited(response.headers) else ''
        else:
            cls, hint = HttpStatusError, ''
        message = '%s %s %s answered %d%s.%s%s' % (self.service, method, path, status, detail, hint, tail)
        return cls(self._scrub(message), status=status, method=method, url=_origin(url) + path,
                   api_message=self._scrub(api_message or ''), headers=response.headers)

    def _scrub(self, text):
        return scrub_text(text, self.secrets)


def _proxy_problem(reason, variable):
    """What a proxy did wrong, in words, when ``reason`` is its doing (else None)."""
    text = str(reason)
    if 'Tunnel connection failed: 407' in text:
        return _proxy_wants_credentials(variable)
    if 'Tunnel connection failed' in text:
        return 'could not open a connection onward (%s): check %s and no_proxy' % (text.split(':', 1)[-1].strip(), variable)
    if isinstance(reason, ConnectionRefusedError):
        return 'refused the connection: is it up, and is %s right?' % variable
    if isinstance(reason, socket.gaierror):
        return 'cannot be resolved (%s): check %s' % (reason, variable)
    return None


def _proxy_wants_credentials(variable):
    return ('asks for credentials (407 Proxy Authentication Required): give them in %s (http://USER:PASSWORD@HOST:PORT), '
            'or exempt this host in no_proxy' % variable)


def _origin(url):
    parts = urlsplit(url)
    host = parts.hostname or ''
    if parts.port:
        host = '%s:%d' % (host, parts.port)
    return '%s://%s' % (parts.scheme, host)


def _unsendable_header(value):
    if not isinstance(value, str):
        return False
    try:
        value.encode('latin-1')
    except UnicodeEncodeError:
        return True
    return any(ord(c) < 32 and c != '\t' or ord(c) == 127 for c in value)


def _lower_headers(headers):
    return dict((k.lower(), v) for k, v in (headers.items() if headers else ()))


def _api_message(response):
    """The human part of an error body: GitHub's ``message``, or a short text."""
    if not response.body:
        return ''
    try:
        data = json.loads(response.body)
    except ValueError:
        text = response.text.strip()
        return text[:200] if text and not text.startswith('<') else ''
    if isinstance(data, dict):
        message = data.get('message') or data.get('error') or ''
        return str(message)[:300]
    return ''


def rate_limit_wait(headers, now=None):
    """Seconds until a rate limit lets a request through (``Retry-After``, else ``X-RateLimit-Reset``), or None."""
    retry_after = _parse_retry_after(headers.get('retry-after'))
    if retry_after is not None:
        return retry_after
    if headers.get('x-ratelimit-remaining') == '0':
        reset = _parse_retry_after(headers.get('x-ratelimit-reset'))
        if reset is not None:
            return max(0.0, reset - (time.time() if now is None else now))
    return None


def _rate_limit_hint(headers):
    wait = rate_limit_wait(headers)
    if wait is None:
        return ' Rate limited: wait and run again, or use another token.'
    return (' Rate limited until %s (in %d s): not asked again before then; run again after it, or use another token.'
            % (time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(time.time() + wait)), round(wait)))


def _is_rate_limited(headers):
    return 'retry-after' in headers or headers.get('x-ratelimit-remaining') == '0'


def _parse_retry_after(value):
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
