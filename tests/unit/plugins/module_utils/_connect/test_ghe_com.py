# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the ghe-config keys, already set, still need a configuration run (the last run's answer)."""

from __future__ import annotations

import types

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._connect.ghe_com import read_config


def appliance(status):
    shell = types.SimpleNamespace(config_get=lambda key: 'true' if key.endswith('enabled') else 'acme')
    return types.SimpleNamespace(
        shell=shell, warnings=[], params={'manage_password': 'x'},
        version=types.SimpleNamespace(has=lambda feature: True),
        manage=types.SimpleNamespace(config_apply_status=lambda run_id=None: status))


@pytest.mark.parametrize('status, failed', [
    ({'running': False, 'successful': False}, True),
    ({'running': False, 'successful': True}, False),
    ({'running': True, 'successful': False}, False),
    # A node that says it is running: the run is going, not failed.
    ({'running': False, 'successful': False, 'nodes': [{'running': True, 'successful': False}]}, False),
    # An answer that does not say whether a run is going is no failed run (it may be one in progress): no new run.
    ({'successful': False}, False),
    ({'running': None, 'successful': False}, False),
    ({'running': 'no', 'successful': False}, False),
    (None, False),
])
def test_a_failed_last_run_needs_one_only_when_the_answer_says_it_ended(status, failed):
    config = read_config(appliance(status), 'acme')
    assert config['before'] == config['after'] and config['last_run_failed'] is failed
