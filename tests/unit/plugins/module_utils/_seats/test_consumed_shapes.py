# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumed-licenses pages in shapes nobody wrote: every read is the answer's own numbers and rows, or a typed
refusal; a count the answer lacked never becomes 0, and no person is counted from two rows."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._seats.consumed import read_consumed
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import Response
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import client, ghec_only, ghes_only, row
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, variant

PAGE = {'total_seats_purchased': 10, 'total_seats_consumed': 5, 'users': [
    row('both', ids=['ghes-1.example.com:1'], ghec=True, ghes=True, emails=['both@corp.example'],
        verified=['both@corp.example']),
    ghec_only('cloud', verified=['cloud@corp.example'], name_id='cloud@corp.example'),
    ghes_only('server@corp.example', number=2),
    row(vs=True, vs_status='matched', license_type='visual_studio'),
    ghes_only('other@corp.example', host='ghes-2.example.com', number=2),
]}


def answering(body):
    """``HttpClient._send`` answering every request with ``body`` on one page (no Link header)."""
    def send(_http, method, url, data, headers, reusable=False):
        return Response(200, {'date': 'Mon, 07 Dec 2026 12:00:00 GMT'}, json.dumps(body).encode(), url)
    return send


@SHAPES
@given(variant(PAGE, changes=4))
def test_a_page_is_read_as_it_says_or_refused(answer):
    with pytest.MonkeyPatch.context() as patch:
        try:
            read = read_consumed(client(patch, answering(answer)))
        except GhesConnectError as exc:
            assert exc.message and 'consumed licenses' in exc.message, exc.message
            return
    # The numbers are the answer's own, whole and present: nothing missing became 0.
    assert (read['purchased'], read['consumed']) == (answer['total_seats_purchased'], answer['total_seats_consumed'])
    assert all(isinstance(n, int) and not isinstance(n, bool) for n in (read['purchased'], read['consumed']))
    assert len(read['people']) == len(answer['users']) >= read['consumed']
    # No login and no GHES account is held by two people.
    identities = [key for person in read['people'] for key in person.identities()]
    assert len(identities) == len(set(identities))
    for person, given_row in zip(read['people'], answer['users']):
        assert person.login == (given_row['github_com_login'] or None)
        assert person.ghes is given_row['enterprise_server_user'] and person.ghec is given_row['github_com_user']
        assert list(person.server_ids) == given_row['enterprise_server_user_ids']
