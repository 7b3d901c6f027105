# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect, in process, against scripted HTTP: every request it makes, in order, and its result."""

from __future__ import annotations

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action


def connect(args=None, check_mode=False, diff=False, **variables):
    return run_action('ghe_connect', dict({'approval_timeout': 0}, **(args or {})), f.host_vars(**variables),
                      check_mode=check_mode, diff=diff)


def test_already_connected_reads_ghec_only_and_writes_nothing(script):
    script.expect(*f.version_calls(), f.installations_call(f.installation()))
    result = connect()
    assert result['changed'] is False and not result.get('failed'), result
    assert result['connected'] is True and result['method_used'] == 'none' and result['differences'] == []
    assert script.writes() == []
