# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The license-sync switch from the admin shell's usage export: what the export does not say is unknown, with the reason."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import read_license_sync

SERVER_ID = '9d1b5b7c-3f0e-4c1a-9a57-2f4b1c6d8e10'


class ShellAppliance:
    """An appliance reached over the admin shell: its export, and GHEC's sync record of ``SERVER_ID``."""

    shell = object()
    hostname = 'ghes-1.example.com'

    def __init__(self, export):
        self.export = export
        self.asked_for = []

    def shell_export(self, refresh=False):
        return b'{}', self.export

    def sync_status(self, refresh=False, server_id=None):
        self.asked_for.append(server_id)
        record = {'server_id': SERVER_ID, 'last_sync': {'date': '2026-01-09T00:00:00Z', 'status': 'success', 'error': ''}}
        return '2026-01-10T00:00:00Z', record if server_id == SERVER_ID else None, None


def test_a_well_formed_export_says_the_switch_and_the_server():
    appliance = ShellAppliance({'instance': {'server_id': SERVER_ID, 'features': [{'name': 'license_usage_sync'}]}})
    state = read_license_sync(appliance, connect=None)
    assert state.enabled is True and state.appliance_server_id == SERVER_ID and state.unknown == []
    assert state.sources == {'enabled': 'admin_shell', 'appliance_server_id': 'admin_shell', 'last_sync': 'ghec_license_sync_status'}
    assert appliance.asked_for == [SERVER_ID]


@pytest.mark.parametrize('instance, said', [
    ({'server_id': SERVER_ID}, 'features missing from'),
    ({'server_id': SERVER_ID, 'features': None}, 'features is null in'),
    ({'server_id': SERVER_ID, 'features': [{'enabled_at': 'x'}]}, 'lists an entry without a name'),
])
def test_an_export_that_does_not_list_its_features_leaves_the_switch_unknown_never_off(instance, said):
    state = read_license_sync(ShellAppliance({'instance': instance}), connect=None)
    assert state.enabled is None and 'enabled' not in state.sources
    assert said in unknown_reason(state.unknown, 'license_sync.enabled')


def test_an_export_without_a_server_id_asks_ghec_without_one():
    appliance = ShellAppliance({'instance': {'features': []}})
    state = read_license_sync(appliance, connect=None)
    assert state.enabled is False and state.appliance_server_id is None and appliance.asked_for == [None]
    assert 'appliance_server_id' not in state.sources
