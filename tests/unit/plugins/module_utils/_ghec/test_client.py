# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHEC answers that lack a documented field, carry null or the wrong type, or page forever."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    PermissionDeniedError,
    UnexpectedAnswerError,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import GhecClient, installations_by_host
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy, Response


class Answers:
    """Answers each request with the next payload (the last one again when they run out)."""

    def __init__(self, *payloads):
        self.payloads = list(payloads)
        self.sent = 0
        self.headers = []

    def __call__(self, method, url, data, headers, reusable=False):  # set on the class: no self of HttpClient
        payload = self.payloads[min(self.sent, len(self.payloads) - 1)]
        self.sent += 1
        self.headers.append(headers)
        return Response(200, {'x-oauth-scopes': 'read:enterprise'}, json.dumps(payload).encode(), url)


def client(monkeypatch, *payloads):
    answers = Answers(*payloads)
    monkeypatch.setattr(HttpClient, '_send', answers)
    http = HttpClient('https://ghec.test', 'GHEC', token='t', policy=RetryPolicy(retries=0, sleep=lambda s: None))
    return GhecClient(http, 'acme'), answers


def page(nodes, has_next=False, cursor=None, total=None, enterprise=None):
    connection = {'nodes': nodes, 'pageInfo': {'hasNextPage': has_next, 'endCursor': cursor}}
    if total is not None:
        connection['totalCount'] = total
    ent = {'slug': 'acme', 'name': 'Acme', 'viewerIsAdmin': True,
           'ownerInfo': {'enterpriseServerInstallations': connection}}
    ent.update(enterprise or {})
    return {'data': {'enterprise': ent}}


NODE = {'id': 'ESI_1', 'hostName': 'a.example.com', 'isConnected': True, 'updatedAt': '2020-01-01T00:00:00Z'}


def test_a_missing_viewer_is_admin_is_no_claim_about_the_user(monkeypatch):
    first = page([NODE])
    del first['data']['enterprise']['viewerIsAdmin']
    ghec, _answers = client(monkeypatch, first)
    enterprise, nodes = ghec.installations()
    assert [n['hostName'] for n in nodes] == ['a.example.com'] and enterprise['slug'] == 'acme'


def test_an_explicit_false_viewer_is_admin_is_the_owner_message(monkeypatch):
    ghec, _answers = client(monkeypatch, page([NODE], enterprise={'viewerIsAdmin': False}))
    with pytest.raises(PermissionDeniedError, match='not an owner'):
        ghec.installations()


@pytest.mark.parametrize('second, field', [
    ({'data': {'enterprise': None}}, 'enterprise is missing'),
    ({'data': {'enterprise': {'slug': 'acme', 'ownerInfo': None}}}, 'enterprise.ownerInfo is missing'),
    (page('nodes'), 'nodes is a str'),
    (page(['not an object']), 'installation 2 is a str'),
    (page([dict(NODE, hostName=7)]), 'hostName is a int'),
    (page([dict(NODE, isConnected='yes')]), 'isConnected is a str'),
    ({'data': None}, 'enterprise is missing'),
    ([], 'the answer is a list'),
])
def test_a_malformed_later_page_is_a_typed_error_naming_what_was_asked(monkeypatch, second, field):
    ghec, _answers = client(monkeypatch, page([NODE], True, 'c1', total=2), second)
    with pytest.raises(UnexpectedAnswerError) as caught:
        ghec.installations()
    assert field in caught.value.message and 'installations of the enterprise' in caught.value.message


@pytest.mark.parametrize('has_next', ['missing', None, 'yes', 1])
def test_a_page_that_does_not_say_whether_more_follow_is_no_last_page(monkeypatch, has_next):
    # Taken as the last page, the installations after it would read as not listed by GHEC (a fact from a field
    # the answer lacked).
    first = page([NODE], has_next, 'c1', total=2)
    if has_next == 'missing':
        del first['data']['enterprise']['ownerInfo']['enterpriseServerInstallations']['pageInfo']['hasNextPage']
    ghec, _answers = client(monkeypatch, first, page([dict(NODE, id='ESI_2', hostName='b.example.com')]))
    with pytest.raises(UnexpectedAnswerError, match='hasNextPage is'):
        ghec.installations()


def test_a_missing_is_connected_is_kept_as_not_said(monkeypatch):
    node = dict(NODE)
    del node['isConnected']
    ghec, _answers = client(monkeypatch, page([node]))
    assert ghec.installations()[1][0].get('isConnected') is None


def test_a_repeated_cursor_stops_at_once(monkeypatch):
    ghec, answers = client(monkeypatch, page([NODE], True, 'same'))
    with pytest.raises(UnexpectedAnswerError, match='repeats or lacks its cursor'):
        ghec.installations()
    assert answers.sent == 2


def test_more_pages_than_the_total_allows_stop(monkeypatch):
    pages = [page([dict(NODE, id='ESI_%d' % i)], True, 'c%d' % i, total=150) for i in range(10)]
    ghec, answers = client(monkeypatch, *pages)
    with pytest.raises(UnexpectedAnswerError, match='pages for 150 installations'):
        ghec.installations()
    assert answers.sent == 3     # ceil(150 / 100) + 1


@pytest.mark.parametrize('payload, field', [
    ({'server_instances': [{'hostname': 'a', 'last_sync': 'yesterday'}]}, 'server_instances[0].last_sync is a str'),
    ({'server_instances': None}, 'server_instances is missing'),
    ({}, 'server_instances is missing'),
    ({'server_instances': ['x']}, 'server_instances[0] is a str'),
    ([], 'the answer is a list'),
])
def test_license_sync_status_decoding(monkeypatch, payload, field):
    ghec, _answers = client(monkeypatch, payload)
    with pytest.raises(UnexpectedAnswerError) as caught:
        ghec.license_sync_status()
    assert field in caught.value.message and 'license-sync-status' in caught.value.message


def test_server_statistics_decoding(monkeypatch):
    ghec, _answers = client(monkeypatch, [{'host_name': 'a', 'github_connect': {'features_enabled': 'license_usage_sync'}}])
    with pytest.raises(UnexpectedAnswerError, match='features_enabled is a str'):
        ghec.server_statistics()


def test_installations_by_host_groups_names_without_case_or_trailing_dot():
    common, parts = installations_by_host(({'slug': 'acme'}, [
        {'id': '1', 'hostName': 'A.example.com.'}, {'id': '2', 'hostName': 'a.EXAMPLE.com'}, {'id': '3', 'hostName': None}]))
    assert [n['id'] for n in parts['a.example.com']] == ['1', '2']
    assert common['host_names'] == ['a.example.com'] and common['total'] == 1


@pytest.mark.parametrize('api_version', [None, '2026-03-10'])
def test_rest_requests_name_their_api_version_and_graphql_none(monkeypatch, api_version):
    answers = Answers({'server_instances': []}, page([NODE]))
    monkeypatch.setattr(HttpClient, '_send', answers)
    http = HttpClient('https://ghec.test', 'GHEC', token='t', policy=RetryPolicy(retries=0, sleep=lambda s: None))
    ghec = GhecClient(http, 'acme', **({'api_version': api_version} if api_version else {}))
    ghec.license_sync_status()
    ghec.installations()
    rest, graphql = answers.headers
    assert rest['X-GitHub-Api-Version'] == (api_version or '2022-11-28')
    assert 'X-GitHub-Api-Version' not in graphql
