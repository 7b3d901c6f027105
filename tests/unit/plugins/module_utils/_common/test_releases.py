# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion


@pytest.mark.parametrize('text,capability,expected', [
    ('3.9.4', 'manage_config', False), ('3.12.0', 'manage_config', True),
    ('3.14.9', 'setup_api', True), ('3.15.0', 'setup_api', False),
    ('3.9.0', 'manage_maintenance', False), ('3.10.1', 'manage_maintenance', True),
    ('3.11.3', 'ghe_com_target', False), ('3.12.3', 'ghe_com_target', True),
])
def test_capabilities(text, capability, expected):
    assert GhesVersion(text).has(capability) is expected


def test_supported_range():
    assert not GhesVersion('3.8.9').supported
    assert GhesVersion('3.9.0').supported
    assert not GhesVersion('3.21.0').newer_than_known
    assert GhesVersion('3.22.0').newer_than_known


@pytest.mark.parametrize('text,today,expected', [
    ('3.22.1', '2026-12-01', 'newer than any release'),
    ('3.21.0', '2026-12-01', None),
    ('3.19.3', '2026-12-09', None),              # its last supported day
    ('3.19.3', '2026-12-10', "past the end of GitHub's support (since 2026-12-09)"),
    ('3.9.4', '2026-12-01', "past the end of GitHub's support (since 2024-07-26)"),
    ('3.8.0', '2026-12-01', None),               # refused as unsupported by the collection instead
])
def test_release_warning(text, today, expected):
    warning = GhesVersion(text).release_warning(datetime.date.fromisoformat(today))
    if expected is None:
        assert warning is None
    else:
        assert expected in warning


def test_release_table_is_complete_and_ordered():
    from ansible_collections.ghes.connect.plugins.module_utils._common.releases import RELEASES
    features = sorted(RELEASES)
    assert features == [(3, minor) for minor in range(9, 22)]
    for released, deprecated in RELEASES.values():
        assert datetime.date.fromisoformat(released) < datetime.date.fromisoformat(deprecated)


def test_garbage_is_an_error():
    with pytest.raises(GhesConnectError):
        GhesVersion('enterprise')
