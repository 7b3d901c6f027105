# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The identity resolver: each row, the inputs -> which name GHEC is asked about, or why none."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import (
    choose_installation,
    choose_sync_record,
    normalise,
    not_listed_reason,
    resolve,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation


@pytest.mark.parametrize('given, configured, error, name, source, warns', [
    # the appliance's own configured name, read from its settings
    (None, 'ghes-1.example.com', None, 'ghes-1.example.com', 'manage_api', False),
    # other letter case and a trailing dot are the same name
    (None, 'GHES-1.Example.COM.', None, 'ghes-1.example.com', 'manage_api', False),
    # the option overrides; equal names (case, dot) give no warning
    ('Ghes-1.example.com.', 'ghes-1.example.com', None, 'ghes-1.example.com', 'option', False),
    # the option overrides a different configured name, and a warning says so
    ('lb.example.com', 'ghes-1.example.com', None, 'lb.example.com', 'option', True),
    # the option is used when the settings cannot be read (nothing to compare with)
    ('ghes-1.example.com', None, '503 Service Unavailable', 'ghes-1.example.com', 'option', False),
    # no option, settings unreadable: unknown - never the URL's host
    (None, None, '503 Service Unavailable', None, None, False),
    # no option, settings without a name: unknown
    (None, '  ', None, None, None, False),
    # a blank option counts as not given
    ('', 'ghes-1.example.com', None, 'ghes-1.example.com', 'manage_api', False),
])
def test_resolve(given, configured, error, name, source, warns):
    identity = resolve(given, configured, 'manage_api' if configured else None, error)
    assert identity.name == name
    assert identity.source == source
    assert bool(identity.warning) is warns
    assert identity.known is (name is not None)
    if name is None:
        assert 'set the hostname option' in identity.reason
        if error:
            assert error in identity.reason
    if warns:
        assert 'lb.example.com' in identity.warning and 'ghes-1.example.com' in identity.warning


@pytest.mark.parametrize('value, expected', [
    ('A.B.', 'a.b'), (' a.b ', 'a.b'), ('.', None), ('', None), (None, None), (42, None), ('a..', 'a'),
])
def test_normalise(value, expected):
    assert normalise(value) == expected


def node(ident, connected, updated):
    return parse_installation({'id': ident, 'hostName': 'ghes.example.com', 'isConnected': connected, 'updatedAt': updated})


@pytest.mark.parametrize('candidates, chosen, others', [
    ([], None, []),
    ([node('a', False, '2020-01-01T00:00:00Z')], 'a', []),
    # retired (listed first, disconnected) + current (connected): the connected one, whatever the dates
    ([node('old', False, '2020-02-01T00:00:00Z'), node('new', True, '2020-01-01T00:00:00Z')], 'new', ['old']),
    # none connected: the one updated last
    ([node('a', False, '2020-01-02T00:00:00Z'), node('b', False, '2020-01-01T00:00:00Z')], 'a', ['b']),
    # several connected: the one updated last among them
    ([node('a', True, '2020-01-01T00:00:00Z'), node('b', False, '2020-03-01T00:00:00Z'),
      node('c', True, '2020-02-01T00:00:00Z')], 'c', ['a', 'b']),
    # an unreadable date loses to any readable one; among equals, the one GHEC lists last
    ([node('a', False, 'soon'), node('b', False, '2020-01-01T00:00:00Z')], 'b', ['a']),
    ([node('a', False, None), node('b', False, None)], 'b', ['a']),
])
def test_choose_installation(candidates, chosen, others):
    found, rest = choose_installation(candidates)
    assert (found.id.value if found else None) == chosen
    assert [r.id.value for r in rest] == others
    if found:
        assert [o.id.value for o in found.others] == others


def test_an_installation_that_does_not_say_it_is_connected_is_not_chosen_as_connected():
    found, rest = choose_installation([node('said', False, '2020-02-01T00:00:00Z'), node('silent', None, '2020-01-01T00:00:00Z')])
    assert found.id.value == 'said' and [r.id.value for r in rest] == ['silent']
    assert not rest[0].is_connected.known and 'isConnected is null' in rest[0].is_connected.reason


def record(server_id, date):
    return {'server_id': server_id, 'last_sync': {'date': date, 'status': 'success'}}


@pytest.mark.parametrize('records, server_id, expected', [
    ([], None, None),
    # one server's records: its most recent sync
    ([record('one', '2020-01-01T00:00:00Z'), record('one', '2020-01-09T00:00:00Z')], None, 'one'),
    # a known server id decides, even for an older record
    ([record('old', '2020-01-01T00:00:00Z'), record('new', '2020-01-09T00:00:00Z')], 'old', 'old'),
    # a known server id with no record of it: this appliance has no record (the others are not its own)
    ([record('old', '2020-01-01T00:00:00Z')], 'new', None),
])
def test_choose_sync_record(records, server_id, expected):
    chosen, why = choose_sync_record(records, server_id)
    assert (chosen or {}).get('server_id') == expected and why is None


def test_sync_records_of_several_servers_without_a_server_id_are_none_of_them():
    # The newest success is another server's as likely as this appliance's (issue 26).
    chosen, why = choose_sync_record([record('old', '2020-01-01T00:00:00Z'), record('new', '2020-01-09T00:00:00Z')])
    assert chosen is None and 'new, old' in why and 'server id' in why


def test_not_listed_reason_quotes_some_names_and_says_what_to_set():
    reason = not_listed_reason('127.0.0.1', ['a.example.com', 'b.example.com'], 12)
    assert '"127.0.0.1"' in reason and 'a.example.com, b.example.com and 10 more' in reason
    assert 'set the hostname option' in reason
    assert 'no installation at all' in not_listed_reason('x', [], 0)


@pytest.mark.parametrize('missing', [{}, {'server_id': None}, {'server_id': 7}, {'server_id': ''}])
def test_a_sync_record_that_does_not_say_its_server_is_not_another_servers(missing):
    # The appliance's server id is known; a record of its name that names no server may be its own: its last sync is
    # unknown, not "never synced" (a difference made from a field the answer lacked).
    lacking = dict(record('x', '2020-01-09T00:00:00Z'), **missing)
    if not missing:
        del lacking['server_id']
    chosen, why = choose_sync_record([record('old', '2020-01-01T00:00:00Z'), lacking], 'new')
    assert chosen is None and why and 'server id' in why
    # A record of this very server still decides, whatever the others lack.
    chosen, why = choose_sync_record([lacking, record('new', '2020-01-01T00:00:00Z')], 'new')
    assert chosen['server_id'] == 'new' and why is None
