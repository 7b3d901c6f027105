# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift record: made by report_record only, read by attribute, frozen, and shown in the one JSON shape."""

from __future__ import annotations

import dataclasses
import json
import pickle

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import report_record
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState

NODE = {'id': 'I1', 'hostName': 'ghes-1.example.com', 'isConnected': True, 'customerName': 'Acme',
        'createdAt': '2026-01-01T00:00:00Z', 'updatedAt': '2026-11-30T00:00:00Z'}
LAST_SYNC = {'date': '2026-11-30T10:00:00Z', 'status': 'success', 'error': None}
KEYS = ['appliance', 'verdict', 'url', 'version', 'hostname', 'connected', 'license_sync', 'last_sync', 'last_sync_age_days',
        'differences', 'unknown', 'blocked_by', 'error', 'installation', 'sources']


def read():
    installation = dataclasses.replace(parse_installation(NODE), others=(parse_installation(dict(NODE, id='I0')),))
    return {'url': 'https://ghes-1.example.com', 'version': '3.16.0', 'hostname': 'ghes-1.example.com',
            'connect': ConnectState(connected=True, status='connected', installation=installation),
            'license_sync': LicenseSyncState(enabled=False, last_sync=LAST_SYNC, sync_age_seconds=129600),
            'sources': {'connect.connected': 'ghec_graphql'}}


def test_a_record_shows_every_field_as_json_holds_it():
    switch_off = {'field': 'license_sync.enabled', 'before': False, 'after': True}
    shown = report_record('ghes-1', read(), [switch_off]).to_dict()
    assert list(shown) == KEYS
    assert shown == {
        'appliance': 'ghes-1', 'verdict': 'drift', 'url': 'https://ghes-1.example.com', 'version': '3.16.0',
        'hostname': 'ghes-1.example.com', 'connected': True, 'license_sync': False, 'last_sync': LAST_SYNC,
        'last_sync_age_days': 1.5, 'differences': [switch_off], 'unknown': [], 'blocked_by': [], 'error': None,
        'installation': {'id': 'I1', 'host_name': 'ghes-1.example.com', 'is_connected': True, 'updated_at': '2026-11-30T00:00:00Z',
                         'others': [{'id': 'I0', 'host_name': 'ghes-1.example.com', 'is_connected': True,
                                     'updated_at': '2026-11-30T00:00:00Z'}]},
        'sources': {'connect.connected': 'ghec_graphql'}}
    assert json.loads(json.dumps(shown)) == shown


def test_an_error_record_claims_nothing_and_has_the_same_keys():
    failed = report_record('ghes-2', error='did not answer', differences=[{'field': 'x', 'before': 1, 'after': 2}])
    assert (failed.verdict, failed.differences, failed.connected, failed.installation) == ('error', (), None, None)
    assert list(failed.to_dict()) == KEYS


def test_what_could_not_be_read_is_the_one_unknown_shape():
    unknown = [{'field': 'connect.connected', 'reason': 'GHEC lists no installation named "ghes-3"'}]
    record = report_record('ghes-3', {'connect': ConnectState(unknown=unknown)}, unknown=unknown)
    assert record.verdict == 'unknown' and record.to_dict()['unknown'] == unknown


def test_a_record_is_read_by_attribute_never_changed_and_travels_between_processes():
    record = report_record('ghes-1', read())
    with pytest.raises(AttributeError):
        record.verdicts  # pylint: disable=pointless-statement
    with pytest.raises(TypeError):
        record['verdict']  # pylint: disable=pointless-statement
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.verdict = 'in_sync'
    # The scan's processes send records back through a pipe.
    assert pickle.loads(pickle.dumps(record)) == record
    # What a result holds is a copy: changing it changes no record.
    shown = record.to_dict()
    shown['sources']['x'] = 'y'
    assert 'x' not in record.sources
