# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How messages name the places an option comes from: the task, the host variable, the environment."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import how_to_set, where_set


@pytest.mark.parametrize('option, expected', [
    ('manage_password', 'manage_password (host variable ghes_manage_password, environment variable GHES_MANAGE_PASSWORD)'),
    ('ghec_token', 'ghec_token (host variable ghec_token, environment variable GHEC_TOKEN)'),
    ('timeout', 'timeout (host variable ghes_timeout)'),    # no environment variable
    ('approval_timeout', 'approval_timeout'),               # a task option only
])
def test_where_set_names_every_place(option, expected):
    assert where_set(option) == expected


@pytest.mark.parametrize('option, expected', [
    ('url', 'set the task option url, the host variable ghes_url or the environment variable GHES_URL'),
    ('ghec_enterprise', 'set the task option ghec_enterprise, the host variable ghec_enterprise or the environment '
                        'variable GHEC_ENTERPRISE'),
    ('retries', 'set the task option retries or the host variable ghes_retries'),
    ('dest', 'set the task option dest'),
])
def test_how_to_set_names_every_place(option, expected):
    assert how_to_set(option) == expected
