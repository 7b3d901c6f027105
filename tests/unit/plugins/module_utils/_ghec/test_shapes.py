# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHEC's answers in shapes nobody wrote, through the real HttpClient and GhecClient: each read returns what
the answer holds or raises the collection's typed error naming the read, never KeyError/TypeError/AttributeError;
dates in every ISO-8601 form and as numbers are read one way by the verdict and by drift.prom."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import (
    GhecClient,
    installations_by_host,
    latest_statistics_by_host,
    sync_records_by_host,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import choose_installation, choose_sync_record
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import FIELDS, parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import OK, parse_time, sync_health
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import uploads
from ansible_collections.ghes.connect.plugins.module_utils._reports import prom
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import VERDICTS, report_record
from ansible_collections.ghes.connect.plugins.module_utils._state.states import LicenseSyncState
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, Response, RetryPolicy
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, iso_dates, variant

DATE = 'Tue, 01 Dec 2026 12:00:00 GMT'
NOW = parse_time('2026-12-01T12:00:00Z')
# docs/interfaces.md §4, §5: one page of installations, the license-sync status, the server statistics.
INSTALLATION = {'id': 'ESI_1', 'hostName': 'ghes-1.example.com', 'customerName': 'Acme Corp', 'isConnected': True,
                'createdAt': '2026-11-01T12:00:00Z', 'updatedAt': '2026-11-30T12:00:00Z',
                'userAccountsUploads': {'nodes': [{'name': 'usage.json', 'syncState': 'SUCCESS',
                                                   'createdAt': '2026-11-29T12:00:00Z'}]}}
INSTALLATIONS = {'data': {'enterprise': {'slug': 'acme', 'name': 'Acme Corp', 'viewerIsAdmin': True, 'ownerInfo': {
    'enterpriseServerInstallations': {'nodes': [INSTALLATION, dict(INSTALLATION, id='ESI_2', hostName='ghes-2.example.com')],
                                      'pageInfo': {'hasNextPage': False, 'endCursor': None}, 'totalCount': 2}}}}}
SYNC_STATUS = {'server_instances': [
    {'server_id': 'deadbeef1', 'hostname': 'ghes-1.example.com',
     'last_sync': {'date': '2026-11-30T12:00:00Z', 'status': 'success', 'error': ''}},
    {'server_id': 'deadbeef2', 'hostname': 'ghes-2.example.com',
     'last_sync': {'date': '2026-11-30T12:00:00Z', 'status': 'failure', 'error': 'boom'}}]}
STATISTICS = [{'server_id': 'deadbeef1', 'collection_date': '2026-12-01T00:00:00Z', 'ghes_version': '3.14.2',
               'host_name': 'ghes-1.example.com', 'github_connect': {'features_enabled': ['license_usage_sync']},
               'ghe_stats': {}}]
NOT_PARSER_ERRORS = (KeyError, TypeError, AttributeError, IndexError, ValueError)


def ghec_answering(payload, headers=None):
    """The real GhecClient over the real HttpClient, whose every request gets ``payload``."""
    body = json.dumps(payload).encode('utf-8')
    answer_headers = {'x-oauth-scopes': 'read:enterprise'} if headers is None else headers

    class Answering(HttpClient):
        def _send(self, method, url, data, headers, reusable=False):
            return Response(200, dict(answer_headers), body, url)

    http = Answering('https://ghec.test', 'GHEC', token='t', policy=RetryPolicy(retries=0, sleep=lambda s: None))
    return GhecClient(http, 'acme')


def read_or_typed_error(read):
    """The read's value, or None when it raised the collection's error naming what was asked."""
    try:
        return read()
    except GhesConnectError as exc:
        assert exc.message and 'GHEC' in exc.message, exc.message
        return None


def strings_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value


@SHAPES
@given(variant(INSTALLATIONS, changes=4))
def test_installations_are_the_answers_nodes_or_a_typed_error(answer):
    read = read_or_typed_error(ghec_answering(answer).installations)
    if read is None:
        return
    _enterprise, nodes = read
    said = set(strings_in(answer))
    for node in nodes:
        for field in ('id', 'hostName', 'customerName', 'updatedAt'):
            assert node.get(field) is None or node[field] in said
        assert node.get('isConnected') in (True, False, None)
        # A name GHEC did not give as a string is unknown, never a value.
        assert [u.name.value for u in uploads(node) if u.name.known] == [
            u['name'] for u in ((node.get('userAccountsUploads') or {}).get('nodes') or [])
            if isinstance(u, dict) and isinstance(u.get('name'), str)]
    common, parts = installations_by_host(read)
    assert sum(len(p) for p in parts.values()) == len(nodes) and common['total'] <= len(nodes)
    for candidates in parts.values():
        installations = [parse_installation(candidate) for candidate in candidates]
        chosen, others = choose_installation(installations)
        assert len(others) == len(candidates) - 1 and list(chosen.others) == others
        for installation, candidate in zip(installations, candidates):
            # Known exactly when the node said it; unknown (with the reason) when it did not.
            for key, field in FIELDS:
                fact = getattr(installation, field)
                assert fact.known is (candidate.get(key) is not None)
                assert fact.value == candidate.get(key) and (fact.known or key in fact.reason)


@SHAPES
@given(variant(SYNC_STATUS, changes=4), st.sampled_from([DATE, None, '', 'yesterday', '1796126400']))
def test_the_license_sync_status_is_on_ghecs_clock_or_the_controllers_with_a_warning(answer, date):
    headers = {'date': date} if date is not None else {}
    read = read_or_typed_error(ghec_answering(answer, headers).license_sync_status)
    if read is None:
        return
    assert parse_time(read['observed_at']) is not None
    assert (read['clock_warning'] is None) == (date == DATE)
    common, parts = sync_records_by_host(read)
    for records in parts.values():
        chosen, why = choose_sync_record(records)
        servers = set(str(r.get('server_id')) for r in records)
        # Several servers' records and no server id: none of them is this appliance's, and the reason says so.
        assert (chosen is None and why) if len(servers) > 1 else (why is None and chosen in records)
        health = sync_health((chosen or {}).get('last_sync'), parse_time(common['observed_at']), 7 * 86400)
        if health['state'] == OK:
            assert chosen['last_sync']['status'] == 'success' and parse_time(chosen['last_sync']['date']) is not None


@SHAPES
@given(variant(STATISTICS, changes=4))
def test_server_statistics_give_the_answers_features_or_a_typed_error(answer):
    read = read_or_typed_error(lambda: ghec_answering(answer, {'date': DATE}).server_statistics())
    if read is None:
        return
    _common, latest = latest_statistics_by_host(read)
    said = set(strings_in(answer))
    for entry in latest.values():
        assert entry['features_enabled'] is None or all(feature in said for feature in entry['features_enabled'])
        assert entry['server_id'] is None or entry['server_id'] in said


@SHAPES
@given(iso_dates(), st.sampled_from(['success', 'failure', None, '', 1]))
def test_a_sync_date_is_read_one_way_by_the_verdict_and_by_drift_prom(date, status):
    last_sync = {'date': date, 'status': status, 'error': None}
    try:
        health = sync_health(last_sync, NOW, 7 * 86400)
    except NOT_PARSER_ERRORS as exc:     # pragma: no cover - the property's failure
        raise AssertionError('sync_health raised %r on %r' % (exc, date)) from exc
    assert health['state'] != OK or parse_time(date) is not None
    record = report_record('a', {'license_sync': LicenseSyncState(last_sync=last_sync)}).to_dict()
    model = {'appliances': [record], 'counts': {'verdicts': dict((v, 0) for v in VERDICTS)},
             'generated_at': '2026-12-01T12:00:00Z'}
    text = prom.render(model)
    shown = [line for line in text.splitlines() if line.startswith('ghes_license_last_sync_timestamp_seconds{')]
    moment = parse_time(date)
    # drift.prom shows a sync date exactly when the verdict could read it, and as the verdict read it.
    assert bool(shown) == (moment is not None)
    if shown:
        assert float(shown[0].rsplit(' ', 1)[1]) == moment.timestamp()
