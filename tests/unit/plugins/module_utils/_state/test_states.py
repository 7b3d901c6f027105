# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The typed states: the shape results show, one shape of unknown, a fact with its source or its reason, no silent None."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, unknown_list
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import unknown_state
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState

LAST_SYNC = {'date': '2026-12-01T10:00:00Z', 'status': 'success', 'error': None}
NOT_LISTED = 'GHEC lists no installation named "ghes-1"'


def connected():
    return ConnectState(connected=True, status='connected', account='acme', features={'license_usage_sync': True},
                        sources={'connected': 'ghec_graphql', 'status': 'console', 'account': 'console'})


def synced():
    return LicenseSyncState(enabled=True, last_sync=LAST_SYNC, sync_age_seconds=86400, observed_at='2026-12-02T10:00:00Z',
                            server_id='s-1', sources={'enabled': 'console', 'last_sync': 'ghec_license_sync_status'},
                            warnings=['a warning'], connect=connected())


def test_a_connect_state_shows_every_field_but_its_sources():
    assert connected().to_dict() == {
        'connected': True, 'status': 'connected', 'account': 'acme', 'target': None, 'authorization_url': None,
        'features': {'license_usage_sync': True}, 'installation': None, 'unknown': []}
    assert connected().diffable() == {'connected': True, 'status': 'connected', 'account': 'acme', 'target': None}


def test_a_license_sync_state_shows_the_read_and_only_with_sources_its_bookkeeping():
    shown = {'enabled': True, 'last_sync': LAST_SYNC, 'sync_age_seconds': 86400, 'observed_at': '2026-12-02T10:00:00Z',
             'server_id': 's-1', 'unknown': []}
    assert synced().to_dict() == shown
    assert synced().to_dict(with_sources=True) == dict(shown, sources=synced().sources, warnings=['a warning'])
    assert synced().public() == {'enabled': True, 'last_sync': LAST_SYNC, 'sync_age_seconds': 86400}


def test_the_appliance_s_own_server_id_is_shown_only_where_its_usage_export_was_read():
    assert 'appliance_server_id' not in synced().to_dict()
    from_shell = LicenseSyncState(appliance_server_id=None, from_shell=True)
    assert from_shell.to_dict()['appliance_server_id'] is None


def test_what_could_not_be_read_has_one_shape_in_both_states():
    connect, sync = unknown_state('GHEC could not be read: bad token')
    assert connect.to_dict()['unknown'] == [{'field': 'connect.connected', 'reason': 'GHEC could not be read: bad token'}]
    assert sync.to_dict()['unknown'] == unknown_list({'license_sync.enabled': 'GHEC could not be read: bad token',
                                                      'license_sync.last_sync': 'GHEC could not be read: bad token'})
    assert connect.to_dict()['connected'] is None and sync.to_dict()['enabled'] is None


def test_a_fact_is_known_with_its_source_or_unknown_with_the_reason():
    assert connected().fact('connected') == Fact.of(True, 'ghec_graphql')
    assert synced().fact('last_sync') == Fact.of(LAST_SYNC, 'ghec_license_sync_status')
    unknown = ConnectState(unknown=unknown_list({'connect.connected': NOT_LISTED}))
    assert unknown.fact('connected') == Fact.missing(NOT_LISTED)
    # A None nothing explains is unknown too, never a value.
    assert not connected().fact('target').known and connected().fact('target').reason == 'connect.target was not read'
    assert not LicenseSyncState().fact('enabled').known


@pytest.mark.parametrize('state, misspelt', [(connected(), 'conected'), (synced(), 'enable')])
def test_a_misspelt_field_is_an_error_never_a_silent_none(state, misspelt):
    with pytest.raises(AttributeError):
        getattr(state, misspelt)
    with pytest.raises(AttributeError):
        state.fact(misspelt)
    with pytest.raises(TypeError):
        state[misspelt]  # pylint: disable=pointless-statement


def test_a_newer_last_sync_replaces_the_record_and_keeps_the_switch():
    newer = LicenseSyncState(last_sync=dict(LAST_SYNC, date='2026-12-02T09:00:00Z'), sync_age_seconds=3600,
                             observed_at='2026-12-02T10:00:00Z', server_id='s-1')
    after = synced().with_last_sync(newer)
    assert (after.enabled, after.sources, after.connect) == (True, synced().sources, connected())
    assert (after.last_sync, after.sync_age_seconds, after.warnings) == (newer.last_sync, 3600, [])
