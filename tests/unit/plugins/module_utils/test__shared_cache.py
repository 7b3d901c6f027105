# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import stat
import time

from ansible_collections.ghes.connect.plugins.module_utils import _shared_cache
from ansible_collections.ghes.connect.plugins.module_utils._shared_cache import SharedReadCache


def cache(tmp_path, **kwargs):
    return SharedReadCache('https://api.example', 'acme', 'ghp_secret_token', run_id=42,
                           directory=str(tmp_path / 'c'), **kwargs)


def test_fetches_once_then_serves_other_workers_from_the_file(tmp_path):
    calls = []
    first, second = cache(tmp_path), cache(tmp_path)
    assert first.get('status', lambda: calls.append(1) or {'n': 1}) == {'n': 1}
    assert second.get('status', lambda: calls.append(1) or {'n': 2}) == {'n': 1}
    assert calls == [1]


def test_refresh_and_invalidate_fetch_again(tmp_path):
    shared = cache(tmp_path)
    shared.get('x', lambda: 1)
    assert shared.get('x', lambda: 2, refresh=True) == 2
    shared.invalidate()
    assert shared.get('x', lambda: 3) == 3


def test_files_are_private_and_never_hold_the_token(tmp_path):
    shared = cache(tmp_path)
    shared.get('x', lambda: {'ok': True})
    directory = tmp_path / 'c'
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for entry in os.listdir(directory):
        path = directory / entry
        assert 'ghp_secret_token' not in entry
        if entry.endswith('.json'):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert 'ghp_secret_token' not in path.read_text()


def test_other_runs_and_scopes_do_not_share(tmp_path):
    cache(tmp_path).get('x', lambda: 1)
    other_run = SharedReadCache('https://api.example', 'acme', 'ghp_secret_token', run_id=43,
                                directory=str(tmp_path / 'c'))
    other_token = SharedReadCache('https://api.example', 'acme', 'ghp_other', run_id=42, directory=str(tmp_path / 'c'))
    assert other_run.get('x', lambda: 2) == 2
    assert other_token.get('x', lambda: 3) == 3


def test_expired_entries_are_fetched_again_and_old_runs_swept(tmp_path, monkeypatch):
    shared = cache(tmp_path, ttl=10)
    shared.get('x', lambda: 1)
    directory = tmp_path / 'c'
    stale = directory / 'run1-old.json'
    stale.write_text('{}')
    os.utime(stale, (time.time() - 7 * 3600,) * 2)
    os.utime(directory / '.swept', (time.time() - 7200,) * 2)
    now = time.time()
    monkeypatch.setattr(_shared_cache.time, 'time', lambda: now + 60)
    assert shared.get('x', lambda: 2) == 2
    assert not stale.exists()
