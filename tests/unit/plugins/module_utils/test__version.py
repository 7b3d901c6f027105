# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._version import GhesVersion


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
    assert GhesVersion('3.20.0').newer_than_known


def test_garbage_is_an_error():
    with pytest.raises(GhesConnectError):
        GhesVersion('enterprise')
