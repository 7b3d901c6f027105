# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One verdict for one situation: the fleet scan, the per-host task, the modules' verdict function and the
inventory plugin, each run over the same recorded answers (a table of situations), must agree.

The scan and the per-host task (``ghe_connect_info``, as the drift role runs it) run in process against scripted
HTTP; the modules' verdict function is ``_state.comparison.assess`` over what the per-host task gathered; the
inventory plugin reads the same GHEC answers through its own client. The inventory has no verdict, only groups:
its connection group and its sync group must say what the records say.
"""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.action import ghe_connect_info
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import assess, assessed_record
from ansible_collections.ghes.connect.plugins.module_utils._state import gathering
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient
from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action
from ansible_collections.ghes.connect.tests.unit.plugins.inventory import test_ghec_servers as inventory_tests

DESIRED = {'connected': True, 'license_sync': True, 'max_sync_age': '7d'}
MAX_AGE = 7 * 86400
OTHER_SERVER = '9f1c2b7e-0d4a-4e51-8a3b-6c2d1e0f9a88'
STATISTICS_WITHOUT_ID = dict(f.statistics(), server_id=None)
ZONELESS_SUCCESS = {'date': '2026-11-30T12:00:00', 'status': 'success', 'error': ''}

# situation: (installation, sync records, statistics entries, the verdict, the inventory's groups)
SITUATIONS = {
    'connected and synced yesterday': (
        f.installation(), [f.sync_record(days=1)], [f.statistics()], 'in_sync', ['connected', 'sync_ok']),
    'last sync failed': (
        f.installation(), [f.sync_record(days=1, status='failure', error='boom')], [f.statistics()], 'drift',
        ['connected', 'sync_failed']),
    'never synced': (f.installation(), [], [f.statistics()], 'drift', ['connected', 'never_synced']),
    'sync older than max_sync_age': (
        f.installation(), [f.sync_record(days=9)], [f.statistics()], 'drift', ['connected', 'sync_stale']),
    'a sync date without a zone': (
        f.installation(), [dict(f.sync_record(), last_sync=ZONELESS_SUCCESS)], [f.statistics()], 'in_sync',
        ['connected', 'sync_ok']),
    'isConnected null with a successful sync': (
        f.installation(connected=None), [f.sync_record(days=1)], [f.statistics()], 'unknown',
        ['connection_unknown', 'sync_unknown']),
    'two servers of one name, statistics without a server id': (
        f.installation(), [f.sync_record(days=9, status='failure', error='boom'),
                           f.sync_record(days=1, server_id=OTHER_SERVER)],
        [STATISTICS_WITHOUT_ID], 'unknown', ['connected', 'sync_unknown']),
}


def ghec_calls(installation, records, statistics):
    """GHEC's recorded answers; every path may read them as often as it likes (the run's cache serves some)."""
    calls = [f.installations_call(installation), f.sync_status_call(*records), f.statistics_call(*statistics)]
    for call in calls:
        call.repeat = True
        call.optional = True
    return calls


def appliance_calls():
    calls = [*f.version_calls(), f.license_call()]
    for call in calls:
        call.repeat = True
        call.optional = True
    return calls


def scanned(script, answers):
    script.expect(*ghec_calls(*answers), *appliance_calls())
    task_vars = dict(f.host_vars(), hostvars={'ghes-1': f.host_vars()}, ansible_play_hosts_all=['ghes-1'])
    result = run_action('ghe_drift_scan', {'concurrency': 1, 'processes': 1, 'console': 'never', 'desired': DESIRED},
                        task_vars)
    assert not result.get('failed'), result
    return result['appliances'][0]


def per_host(script, monkeypatch, answers):
    """The task's result, and what it gathered (its typed states), as the task read it."""
    gathered = []

    def gather(*args, **kwargs):
        gathered.append(gathering.gather(*args, **kwargs))
        return gathered[-1]
    monkeypatch.setattr(ghe_connect_info, 'gather', gather)
    script.expect(*ghec_calls(*answers), *appliance_calls())
    result = run_action('ghe_connect_info', {'console': 'never', 'preflight': False, 'desired': DESIRED},
                        f.host_vars())
    assert not result.get('failed'), result
    return result, gathered[0]


def inventory_groups(monkeypatch, tmp_path, answers):
    installation, records, statistics = answers
    fake = inventory_tests.FakeGhec([installation], records, token=f.GHEC_TOKEN)
    fake.statistics = statistics
    monkeypatch.setattr(inventory_tests, 'GHEC_NOW', parse_time(f.NOW))
    monkeypatch.setattr(HttpClient, '_send', lambda http, method, url, data, headers, reusable=False:
                        fake.send(http, method, url, data, headers))
    monkeypatch.setenv('GHEC_TOKEN', f.GHEC_TOKEN)
    inventory = inventory_tests.parse(inventory_tests.source(tmp_path, max_sync_age='7d'))
    return inventory_tests.groups_of(inventory, f.HOSTNAME)


@pytest.mark.parametrize('situation', sorted(SITUATIONS))
def test_the_scan_the_task_the_verdict_function_and_the_inventory_agree(script, monkeypatch, tmp_path, situation):
    *answers, verdict, groups = SITUATIONS[situation]
    scan_record = scanned(script, answers)
    task, read = per_host(script, monkeypatch, answers)
    assert gathering.shown(read) == task['appliance']
    modules_record = assessed_record('ghes-1', read, assess(read, DESIRED, f.SLUG, MAX_AGE)).to_dict()
    verdicts = {'scan': scan_record['verdict'], 'task': task['record']['verdict'], 'modules': modules_record['verdict']}
    assert set(verdicts.values()) == {verdict}, verdicts
    assert scan_record['unknown'] == task['record']['unknown'] == modules_record['unknown']
    assert scan_record['differences'] == task['record']['differences'] == modules_record['differences']
    assert inventory_groups(monkeypatch, tmp_path, answers) == groups
    # The inventory's groups say what the records say: its connection, and a sync it cannot judge is unknown.
    connection = {True: 'connected', False: 'disconnected', None: 'connection_unknown'}[scan_record['connected']]
    assert connection in groups
    assert ('sync_unknown' in groups) == ('license_sync.last_sync' in [u['field'] for u in scan_record['unknown']])
