# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is a difference, what is unknown, what blocks: each row, an observed state -> the record's verdict."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_list
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import assess, assessed_record, verdict
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState

NOW = '2020-01-10T00:00:00+00:00'
DAY = 86400
DESIRED = {'connected': True, 'license_sync': True}


def connect(connected=True, status=None, unknown=None, account=None):
    return ConnectState(connected=connected, status=status or {True: 'connected', False: 'disabled'}.get(connected, 'unknown'),
                        account=account, unknown=unknown_list(unknown or {}))


def sync(enabled=True, date='2020-01-09T00:00:00Z', status='success', unknown=None):
    return LicenseSyncState(enabled=enabled, last_sync={'date': date, 'status': status, 'error': ''} if date else None,
                            observed_at=NOW, unknown=unknown_list(unknown or {}))


def info(connect_state, sync_state, **facts):
    return dict({'version_supported': True, 'connect': connect_state, 'license_sync': sync_state, 'sources': {}}, **facts)


NOT_LISTED = {'connect.connected': 'GHEC lists no installation named "10.0.0.5"; it lists a.example.com: set the '
                                   'hostname option'}
STALE_STATS = {'license_sync.enabled': 'its latest server statistics are 3.0 days old: give console credentials'}


@pytest.mark.parametrize('case, observed, verdict_word, differing, unknown_fields, blocked', [
    ('in sync', info(connect(), sync()), 'in_sync', [], [], False),
    ('disconnected (known)', info(connect(False), sync(False, None)), 'drift',
     ['connect.connected', 'license_sync.enabled', 'license_sync.last_sync'], [], False),
    ('not listed by name: unknown, never disconnected', info(
        connect(None, unknown=NOT_LISTED),
        sync(None, None, unknown={'license_sync.enabled': 'x', 'license_sync.last_sync': 'x'})),
     'unknown', [], ['connect.connected', 'license_sync.enabled', 'license_sync.last_sync'], False),
    ('switch unknown (stale statistics), sync healthy', info(connect(), sync(None, unknown=STALE_STATS)),
     'unknown', [], ['license_sync.enabled'], False),
    ('switch unknown but sync failed: the known difference wins', info(
        connect(), sync(None, status='failure', unknown=STALE_STATS)), 'drift', ['license_sync.last_sync'],
     ['license_sync.enabled'], False),
    ('unparsable sync date', info(connect(), sync(date='yesterday')), 'unknown', [], ['license_sync.last_sync'], False),
    ('stale sync', info(connect(), sync(date='2019-12-01T00:00:00Z')), 'drift', ['license_sync.last_sync'], [], False),
    ('future sync date: age 0', info(connect(), sync(date='2020-01-11T00:00:00Z')), 'in_sync', [], [], False),
    ('license forbids Connect', info(connect(False), sync(False, None), license={'connect_permitted': False}),
     'blocked', ['connect.connected', 'license_sync.enabled', 'license_sync.last_sync'], [], True),
    ('license forbids Connect, but in sync: not blocked', info(connect(), sync(), license={'connect_permitted': False}),
     'in_sync', [], [], False),
    ('maintenance with drift', info(connect(), sync(False), maintenance=True), 'blocked', ['license_sync.enabled'],
     [], True),
    ('config run with drift', info(connect(), sync(False), config_run_in_progress=True), 'blocked',
     ['license_sync.enabled'], [], True),
    # A write would be refused until these read as off (preflight): the record says blocked, as the module would.
    ('maintenance unread with drift', info(connect(), sync(False), maintenance=None,
                                           unknown=unknown_list({'maintenance': 'the Manage API answered 502'})),
     'blocked', ['license_sync.enabled'], [], True),
    ('config run unread with drift', info(connect(), sync(False), config_run_in_progress=None,
                                          unknown=unknown_list({'config_run_in_progress': 'a node has no status'})),
     'blocked', ['license_sync.enabled'], [], True),
    ('connect permission unknown (3.11) blocks nothing', info(connect(False), sync(False, None),
                                                              license={'connect_permitted': None}),
     'drift', ['connect.connected', 'license_sync.enabled', 'license_sync.last_sync'], [], False),
    ('connected to another enterprise', info(connect(False, 'connected', account='other'), sync(False, None)),
     'drift', ['connect.connected', 'connect.account', 'license_sync.enabled', 'license_sync.last_sync'], [], False),
    ('unsupported release', {'version_supported': False, 'version_problem': 'GHES 3.8 is not supported',
                             'sources': {}}, 'unknown', [], ['connect.connected'], True),
    ('GHEC unreadable', dict(info(connect(None), sync(None)), ghec_error='bad token', problems=['bad token']),
     'unknown', [], [], False),
])
def test_assess(case, observed, verdict_word, differing, unknown_fields, blocked):
    if 'ghec_error' in observed:
        observed = {'version_supported': True, 'problems': ['bad token'], 'sources': {}}
        verdict_word = 'error'
    assessment = assess(observed, DESIRED, 'acme', 8 * DAY)
    record = assessed_record('ghes-1', observed, assessment)
    assert record.verdict == verdict_word, case
    assert [d['field'] for d in record.differences] == differing, case
    assert [u['field'] for u in record.unknown] == unknown_fields, case
    assert bool(record.blocked_by) is blocked, case
    for difference in record.differences:
        assert difference['before'] is not None, case      # never an unknown as a difference


def test_desired_absent_compares_only_connected():
    assessment = assess(info(connect(), sync()), {'connected': False}, 'acme', None)
    assert [d['field'] for d in assessment['differences']] == ['connect.connected']


@pytest.mark.parametrize('differences, unknown, blocked_by, error, expected', [
    ([], [], [], None, 'in_sync'),
    ([], [{'field': 'x', 'reason': 'y'}], [], None, 'unknown'),
    ([{'field': 'x'}], [{'field': 'y'}], [], None, 'drift'),
    ([{'field': 'x'}], [], ['license'], None, 'blocked'),
    ([], [{'field': 'x'}], ['license'], None, 'unknown'),
    ([{'field': 'x'}], [], [], 'boom', 'error'),
])
def test_verdict(differences, unknown, blocked_by, error, expected):
    assert verdict(differences, unknown, blocked_by, error) == expected
