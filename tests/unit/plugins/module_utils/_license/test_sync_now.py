# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
""""Sync now" at most once per stale sync, across runs on one controller."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConsoleLayoutError, GhesConnectError, TransportError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._license import sync_now as _sync
from ansible_collections.ghes.connect.plugins.module_utils._run_cache import entries as _shared_cache


class Console:
    def __init__(self, error=None):
        self.clicks = 0
        self.error = error

    def sync_now(self):
        self.clicks += 1
        time.sleep(0.05)  # a concurrent run has time to look meanwhile
        if self.error:
            raise self.error


class FakeAppliance:
    hostname = 'GHES-1.example.com'
    url = 'https://ghes-1.example.com'

    def __init__(self, directory, console):
        self.params = {'state_dir': str(directory), 'ghec_url': 'https://api.example', 'ghec_enterprise': 'acme'}
        self.console = console

    def changed_state(self):
        pass


def test_a_second_run_waits_for_the_first_click_instead_of_clicking(tmp_path):
    console = Console()
    assert _sync.sync_now_once(FakeAppliance(tmp_path / 's', console), '2026-01-01T00:00:00Z', 300) is True
    assert _sync.sync_now_once(FakeAppliance(tmp_path / 's', console), '2026-01-01T00:00:00Z', 300) is False
    assert console.clicks == 1


def test_concurrent_runs_click_once(tmp_path):
    console = Console()
    threads = [threading.Thread(target=_sync.sync_now_once, args=(FakeAppliance(tmp_path / 's', console), None, 300))
               for _i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert console.clicks == 1


def test_a_newer_last_sync_or_an_old_marker_allows_a_new_click(tmp_path, monkeypatch):
    console = Console()
    appliance = FakeAppliance(tmp_path / 's', console)
    _sync.sync_now_once(appliance, '2026-01-01T00:00:00Z', 300)
    assert _sync.sync_now_once(appliance, '2026-01-08T00:00:00Z', 300) is True, 'that sync arrived: this one is new'
    now = time.time()
    monkeypatch.setattr(_shared_cache.time, 'time', lambda: now + 301)
    assert _sync.sync_now_once(appliance, '2026-01-08T00:00:00Z', 300) is True, 'older than wait_timeout'
    assert console.clicks == 3


def test_a_click_that_failed_leaves_no_marker_one_without_an_answer_does(tmp_path):
    layout = Console(ConsoleLayoutError('Console layout not recognised'))
    with pytest.raises(ConsoleLayoutError):
        _sync.sync_now_once(FakeAppliance(tmp_path / 's', layout), None, 300)
    unanswered = Console(TransportError('reset', maybe_sent=True))
    # No answer counts as a click: GHEC shows whether a sync came, and the next run waits for it.
    assert _sync.sync_now_once(FakeAppliance(tmp_path / 's', unanswered), None, 300) is True
    assert _sync.sync_now_once(FakeAppliance(tmp_path / 's', unanswered), None, 300) is False
    assert layout.clicks == 1 and unanswered.clicks == 1


def test_without_a_private_directory_every_run_clicks(tmp_path):
    unsafe = tmp_path / 's'
    unsafe.mkdir()
    unsafe.chmod(0o777)
    console = Console()
    for _round in range(2):
        assert _sync.sync_now_once(FakeAppliance(unsafe, console), None, 300) is True
    assert console.clicks == 2


class Ghec:
    """GHEC's license-sync-status of the appliance, one record per read (the last one repeats)."""

    url = 'https://ghes-1.example.com'
    hostname = 'ghes-1.example.com'
    waiter = None

    def __init__(self, *last_syncs, ambiguous=None):
        self.last_syncs = list(last_syncs)
        self.ambiguous = ambiguous
        self.reads = 0

    def sync_status(self, refresh=False, server_id=None):
        assert refresh, 'every poll reads GHEC afresh'
        self.reads += 1
        last = self.last_syncs.pop(0) if len(self.last_syncs) > 1 else self.last_syncs[0]
        record = None if self.ambiguous else {'server_id': 'S1', 'last_sync': last}
        return '2026-01-10T00:00:00Z', record, self.ambiguous


OLD = '2026-01-01T00:00:00Z'
NEW = '2026-01-09T23:59:00Z'


@pytest.mark.parametrize('unsaid, reason', [
    ({'date': NEW, 'status': None}, 'status is null in GHEC\'s record of the last license sync'),
    ({'date': NEW}, 'status is null in GHEC\'s record of the last license sync'),
    ({'date': NEW, 'status': 1}, 'status in GHEC\'s record of the last license sync is a int, not a string'),
    ({'date': NEW, 'status': ''}, 'status is empty in GHEC\'s record of the last license sync'),
])
def test_a_new_sync_without_a_status_yet_is_awaited_not_a_failure(unsaid, reason):
    ghec = Ghec(unsaid, {'date': NEW, 'status': 'success'})
    state = _sync.wait_for_new_sync(ghec, OLD, 10)
    assert state.last_sync['status'] == 'success' and ghec.reads == 2
    with pytest.raises(WaitTimeoutError) as timed_out:
        _sync.wait_for_new_sync(Ghec(unsaid), OLD, 1)
    assert timed_out.value.message == (
        'Timed out after 1s waiting for GHEC to say how the new license sync of https://ghes-1.example.com '
        '(ghes-1.example.com) ended: it records a sync on %s, but its status stayed unknown: %s. Run the task again '
        'later to see it.' % (NEW, reason))


def test_a_new_failed_sync_still_fails_and_an_old_record_is_still_waited_past():
    with pytest.raises(GhesConnectError) as failed:
        _sync.wait_for_new_sync(Ghec({'date': NEW, 'status': 'failure', 'error': 'upstream timeout'}), OLD, 10)
    assert 'finished with status "failure" on GHEC: upstream timeout' in failed.value.message
    with pytest.raises(WaitTimeoutError) as timed_out:
        _sync.wait_for_new_sync(Ghec({'date': OLD, 'status': None}), OLD, 1)
    assert 'waiting for GHEC to record a new license sync' in timed_out.value.message


def test_a_wait_for_a_sync_ghec_cannot_attribute_says_why_it_timed_out():
    why = 'GHEC has license-sync records of 2 servers named "ghes-1.example.com" (S1, S2) and nothing read says which'
    with pytest.raises(WaitTimeoutError) as timed_out:
        _sync.wait_for_new_sync(Ghec({'date': NEW, 'status': 'success'}, ambiguous=why), OLD, 1)
    assert timed_out.value.message.startswith('Timed out after 1s waiting for GHEC to record a new license sync of '
                                              'https://ghes-1.example.com (ghes-1.example.com); its last sync is unknown: %s. The sync' % why)
