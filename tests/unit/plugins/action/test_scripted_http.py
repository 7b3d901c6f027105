# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scripted-HTTP harness itself: it fails a test on every call it did not expect, and on every call left unmade."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import (
    Call,
    Script,
    UnexpectedCall,
    install,
)

BASE = 'https://ghes.test'


@pytest.fixture
def scripted(monkeypatch):
    script = Script()
    install(script, monkeypatch)
    return script


def send(method, path, body=None):
    request = urllib.request.Request(BASE + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get('X-Seen'), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get('X-Seen'), exc.read()


def test_the_answer_is_the_scripted_status_headers_and_body(scripted):
    scripted.expect(Call('GET', BASE + '/a', status=201, headers={'X-Seen': 'yes'}, json={'ok': True}),
                    Call('GET', BASE + '/b', status=404, body=b'none'))
    assert send('GET', '/a') == (201, 'yes', b'{"ok": true}')
    assert send('GET', '/b') == (404, None, b'none')
    scripted.check()


def test_an_unexpected_write_is_refused_naming_it(scripted):
    scripted.expect(Call('GET', BASE + '/a'))
    with pytest.raises(UnexpectedCall, match=r'unexpected WRITE DELETE https://ghes.test/keys'):
        send('DELETE', '/keys')
    with pytest.raises(AssertionError, match='unexpected WRITE DELETE'):
        scripted.check()


def test_a_write_before_the_reads_listed_before_it_is_refused(scripted):
    scripted.expect(Call('GET', BASE + '/state'), Call('POST', BASE + '/switch', status=302))
    with pytest.raises(UnexpectedCall, match=r'expected GET https://ghes.test/state next'):
        send('POST', '/switch', b'on=1')


def test_reads_between_writes_may_come_in_any_order_but_strict_pins_them(scripted):
    scripted.expect(Call('GET', BASE + '/one'), Call('GET', BASE + '/two'))
    send('GET', '/two')
    send('GET', '/one')
    scripted.check()
    scripted.strict = True
    scripted.expect(Call('GET', BASE + '/one'), Call('GET', BASE + '/two'))
    with pytest.raises(UnexpectedCall):
        send('GET', '/two')


def test_calls_left_unmade_fail_the_check(scripted):
    scripted.expect(Call('GET', BASE + '/a'), Call('PUT', BASE + '/b'))
    send('GET', '/a')
    with pytest.raises(AssertionError, match='expected call never made: PUT https://ghes.test/b'):
        scripted.check()


def test_a_sent_request_without_an_answer_raises_its_error(scripted):
    scripted.expect(Call('POST', BASE + '/slow', error=TimeoutError('timed out')))
    with pytest.raises(OSError, match='timed out'):
        send('POST', '/slow', b'x')
    assert [r.url for r in scripted.writes()] == [BASE + '/slow']


def test_a_repeat_read_may_be_read_again_until_the_next_write_and_an_optional_one_skipped(scripted):
    scripted.expect(Call('GET', BASE + '/state', repeat=True), Call('GET', BASE + '/extra', optional=True),
                    Call('POST', BASE + '/switch'), Call('GET', BASE + '/state', body=b'after'))
    send('GET', '/state')
    send('GET', '/state')
    send('POST', '/switch', b'on=1')
    assert send('GET', '/state')[2] == b'after'
    with pytest.raises(UnexpectedCall):
        send('GET', '/state')   # not a repeat: once only


def test_a_repeat_read_never_made_fails_the_check(scripted):
    scripted.expect(Call('GET', BASE + '/state', repeat=True))
    with pytest.raises(AssertionError, match='expected call never made: GET https://ghes.test/state'):
        scripted.check()


def test_a_write_is_never_optional():
    with pytest.raises(AssertionError):
        Call('DELETE', BASE + '/keys', optional=True)
