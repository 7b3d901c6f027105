# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport's retry policy and error messages, with the network replaced by a script."""

from __future__ import annotations

import email.message
import io
import ssl
import time
import urllib.error

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    AuthenticationError,
    HttpStatusError,
    PermissionDeniedError,
    TLSVerificationError,
    TransportError,
)
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy

SECRET = 'hunter2-very-secret'


class Answer:
    def __init__(self, status, body=b'{}', headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}


class FakeRaw:
    def __init__(self, answer):
        self.status = answer.status
        self.headers = _message(answer.headers)
        self._body = answer.body

    def read(self, amount=None):
        return self._body if amount is None else self._body[:amount]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _message(headers):
    message = email.message.Message()
    for key, value in headers.items():
        message[key] = value
    return message


class Script:
    """Plays answers (or raises exceptions) in order and records what was sent."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.sent = []

    def __call__(self, method, url, data=None, headers=None, reusable=False):
        self.sent.append((method, url))
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        if step.status >= 300:
            raise urllib.error.HTTPError(url, step.status, 'x', _message(step.headers), io.BytesIO(step.body))
        return FakeRaw(step)


def client(script, retries=3, **kwargs):
    sleeps = []
    http = HttpClient('https://ghes.example.com:8443', 'Manage GHES API', basic_auth=('api_key', SECRET),
                      policy=RetryPolicy(retries=retries, backoff=0.01, sleep=sleeps.append), **kwargs)
    http._open = script
    return http, sleeps


def test_retries_503_honouring_retry_after_then_succeeds():
    script = Script(Answer(503, headers={'Retry-After': '2'}), Answer(200, b'{"ok": true}'))
    http, sleeps = client(script)
    assert http.request('GET', '/manage/v1/version').json() == {'ok': True}
    assert sleeps == [2.0]
    assert len(script.sent) == 2


def test_retry_after_is_clamped():
    script = Script(Answer(429, headers={'Retry-After': '3600'}), Answer(200))
    http, sleeps = client(script)
    http.request('GET', '/x')
    assert sleeps == [60.0]


def test_gives_up_after_its_bound_with_a_clear_error():
    script = Script(*[Answer(503, b'{"message": "busy"}')] * 4)
    http, sleeps = client(script, retries=3)
    with pytest.raises(HttpStatusError) as caught:
        http.request('GET', '/manage/v1/version')
    assert len(script.sent) == 4 and len(sleeps) == 3
    assert 'answered 503: busy' in caught.value.message
    assert 'gave up after 4 attempts' in caught.value.message


@pytest.mark.parametrize('status,retried', [(502, False), (504, False), (503, True), (429, True)])
def test_unsafe_requests_retry_only_when_the_server_says_it_did_not_process_them(status, retried):
    script = Script(Answer(status), Answer(200))
    http, _sleeps = client(script)
    if retried:
        http.request('POST', '/manage/v1/config/apply')
        assert len(script.sent) == 2
    else:
        with pytest.raises(HttpStatusError):
            http.request('POST', '/manage/v1/config/apply')
        assert len(script.sent) == 1


def test_refused_connection_is_retried_even_for_unsafe_requests():
    script = Script(urllib.error.URLError(ConnectionRefusedError(111, 'refused')), Answer(200))
    http, _sleeps = client(script)
    http.request('POST', '/manage/v1/config/apply')
    assert len(script.sent) == 2


def test_reset_after_sending_is_not_retried_for_unsafe_requests():
    script = Script(urllib.error.URLError(ConnectionResetError(104, 'reset')), Answer(200))
    http, _sleeps = client(script)
    with pytest.raises(TransportError) as caught:
        http.request('POST', '/enterprises/github/settings/dotcom_connection')
    assert caught.value.maybe_sent
    assert len(script.sent) == 1


def test_reset_is_retried_for_reads():
    script = Script(ConnectionResetError(104, 'reset'), Answer(200))
    http, _sleeps = client(script)
    http.request('GET', '/manage/v1/version')
    assert len(script.sent) == 2


def test_rate_limited_403_is_retried():
    script = Script(Answer(403, headers={'X-RateLimit-Remaining': '0', 'Retry-After': '1'}), Answer(200))
    http, sleeps = client(script)
    http.request('GET', '/enterprises/acme/license-sync-status')
    assert sleeps == [1.0]


@pytest.mark.parametrize('status', [403, 429])
def test_a_rate_limit_that_resets_later_than_a_retry_could_wait_is_not_retried_and_says_when(status):
    reset = int(time.time()) + 900
    script = Script(Answer(status, b'{"message": "API rate limit exceeded"}',
                           headers={'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': str(reset)}))
    http, sleeps = client(script, retries=5)
    with pytest.raises(HttpStatusError) as caught:
        http.request('GET', '/enterprises/acme/license-sync-status')
    assert sleeps == [] and len(script.sent) == 1
    assert 'Rate limited until %s' % time.strftime('%Y-%m-%d %H:%M', time.gmtime(reset)) in caught.value.message
    assert 'not asked again before then' in caught.value.message


def test_a_rate_limit_that_resets_soon_is_waited_for_once():
    script = Script(Answer(403, headers={'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': str(int(time.time()) + 30)}),
                    Answer(200))
    http, sleeps = client(script, retries=5)
    http.request('GET', '/x')
    assert len(sleeps) == 1 and 10 <= sleeps[0] <= 31  # until the reset (a loaded machine may be slow to get here)


@pytest.mark.parametrize('code,words', [(10, 'has expired'), (9, 'not valid yet'), (62, 'does not name this host'),
                                        (19, 'not trust'), (20, 'does not know'), (18, 'self-signed')])
def test_certificate_errors_are_worded_by_their_cause(code, words):
    error = ssl.SSLCertVerificationError(1, 'certificate verify failed')
    error.verify_code, error.verify_message = code, 'the reason'
    http, _sleeps = client(Script(urllib.error.URLError(error)))
    with pytest.raises(TLSVerificationError) as caught:
        http.request('GET', '/x')
    assert words in caught.value.message
    assert ('host name' in caught.value.message) == (code == 62)


def test_plain_403_is_not_retried():
    script = Script(Answer(403, b'{"message": "Must have admin rights"}'))
    http, _sleeps = client(script)
    with pytest.raises(PermissionDeniedError):
        http.request('GET', '/x')
    assert len(script.sent) == 1


def test_401_is_an_authentication_error_naming_the_service():
    http, _sleeps = client(Script(Answer(401, b'{"message": "Bad credentials"}')))
    with pytest.raises(AuthenticationError) as caught:
        http.request('GET', '/manage/v1/version')
    assert 'Manage GHES API' in caught.value.message


def test_no_secret_in_error_messages_even_when_the_server_echoes_it():
    body = ('{"message": "password %s is wrong"}' % SECRET).encode()
    http, _sleeps = client(Script(Answer(400, body)))
    with pytest.raises(HttpStatusError) as caught:
        http.request('GET', '/x')
    assert SECRET not in str(caught.value) and SECRET not in caught.value.api_message
    assert '********' in caught.value.message


def test_untrusted_certificate_is_a_tls_error_with_the_fix_and_not_retried():
    error = ssl.SSLCertVerificationError(1, 'certificate verify failed: self-signed certificate')
    script = Script(urllib.error.URLError(error))
    http, _sleeps = client(script)
    with pytest.raises(TLSVerificationError) as caught:
        http.request('GET', '/x')
    assert 'ca_path' in caught.value.message
    assert len(script.sent) == 1


def test_graphql_post_marked_safe_is_retried_on_502():
    script = Script(Answer(502), Answer(200, b'{"data": {}}'))
    http, _sleeps = client(script)
    http.request('POST', '/graphql', json_body={'query': '{}'}, safe=True)
    assert len(script.sent) == 2


def test_expected_statuses_are_answers_not_errors():
    http, _sleeps = client(Script(Answer(302, b'', {'Location': '/login'})))
    response = http.request('GET', '/enterprises/github/settings/license', expected=(200, 302))
    assert response.status == 302 and response.location == '/login'


def test_non_json_body_gives_a_readable_error():
    http, _sleeps = client(Script(Answer(200, b'<html>proxy login</html>')))
    with pytest.raises(HttpStatusError) as caught:
        http.request('GET', '/manage/v1/version').json()
    assert 'Expected JSON' in caught.value.message


@pytest.mark.parametrize('token', ['ghp_with_newline_0123456789\n', 'ghp_with\r\nheader: injected', 'ghp_\u2019quote'])
def test_a_header_http_cannot_carry_is_a_typed_error_without_the_value(token):
    """http.client raises ValueError quoting the header's value; the client says which header, never the value."""
    sleeps = []
    client = HttpClient('https://127.0.0.1:9', 'GHEC', token=token, policy=RetryPolicy(retries=3, sleep=sleeps.append))
    with pytest.raises(TransportError) as caught:
        client.request('GET', '/user')
    message = caught.value.message
    assert 'Authorization header' in message and 'was not sent' in message
    assert 'ghp_' not in message and caught.value.maybe_sent is False
    assert sleeps == [], 'a request that cannot be built is not retried'
