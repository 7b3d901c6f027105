# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.console_routes import layout_for
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manual_instructions import manual_instruction


@pytest.mark.parametrize('version,kind,label', [
    ('3.9.0', 'select', 'Server can sync user license count and usage'),
    ('3.13.4', 'select', 'Server can sync user license count and usage'),
    ('3.14.0', 'button', 'License sync'),
    ('3.19.1', 'button', 'License sync'),
    ('3.21.0', 'button', 'License sync'),
    ('3.25.0', 'button', 'License sync'),
])
def test_layout_by_release(version, kind, label):
    layout = layout_for(GhesVersion(version))
    assert layout.license_sync.kind == kind and layout.license_sync.label == label


def test_manual_instructions_name_page_and_control_per_release():
    old = manual_instruction(GhesVersion('3.11.2'), 'https://ghes.example.com', 'github', 'license_sync_on')
    new = manual_instruction(GhesVersion('3.17.0'), 'https://ghes.example.com', 'github', 'license_sync_on')
    page = 'https://ghes.example.com/enterprises/github/settings/dotcom_connection'
    assert page in old and '"Server can sync user license count and usage" -> Enabled' in old
    assert page in new and '"License sync" -> Enable' in new
    connect = manual_instruction(GhesVersion('3.17.0'), 'https://ghes.example.com/', 'github', 'connect')
    assert 'Enable GitHub Connect' in connect and page in connect
