# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import shutil
import stat
import time

from ansible_collections.ghes.connect.plugins.module_utils._run_cache import enterprise_reads as _enterprise_cache
from ansible_collections.ghes.connect.plugins.module_utils._run_cache import entries as _shared_cache
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.appliance_facts import (
    APPLIANCE_FACTS_TTL,
    ApplianceFactsCache,
)
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.enterprise_reads import GHEC_CACHE_TTL, EnterpriseReadCache


def cache(tmp_path, **kwargs):
    """The run's enterprise-wide GHEC reads."""
    return EnterpriseReadCache('https://api.example', 'acme', 'ghp_secret_token', run_id=42,
                               directory=str(tmp_path / 'c'), **kwargs)


def new_worker():
    """What a task's next worker process starts with: nothing this process has looked at or read."""
    _shared_cache._SWEEP_LOOKED.clear()
    _enterprise_cache._INDEXES.clear()
    _enterprise_cache._BUCKETS.clear()


def facts(tmp_path, manage_url='https://ghes.example:8443', **kwargs):
    """The run's facts of one appliance."""
    return ApplianceFactsCache(manage_url, run_id=42, directory=str(tmp_path / 'c'), **kwargs)


def test_each_cache_has_its_own_named_lifetime(tmp_path):
    assert cache(tmp_path).ttl == GHEC_CACHE_TTL and facts(tmp_path).ttl == APPLIANCE_FACTS_TTL
    # ghec_cache_ttl: 0 turns the GHEC sharing off; it does not govern the appliance's own facts.
    assert cache(tmp_path, ttl=0).ttl == 0 and facts(tmp_path).ttl == APPLIANCE_FACTS_TTL


def test_fetches_once_then_serves_the_appliances_later_tasks_from_the_file(tmp_path):
    calls = []
    first, second = facts(tmp_path), facts(tmp_path)
    assert first.get('version', lambda: calls.append(1) or '3.17.2') == '3.17.2'
    assert second.get('version', lambda: calls.append(1) or '3.18.0') == '3.17.2'
    assert calls == [1]


def test_appliance_facts_and_enterprise_reads_never_share_entries(tmp_path):
    facts(tmp_path).get('installations', lambda: 'planted')
    assert cache(tmp_path).get_part('installations', 'x', lambda: ['x'], by_host) == ({'total': 1}, {'name': 'x'})
    assert facts(tmp_path, 'https://other.example:8443').get('version', lambda: '3.19.0') == '3.19.0'


def test_refresh_and_invalidate_fetch_again(tmp_path):
    shared = cache(tmp_path)
    shared.get_part('x', None, lambda: ['a'], by_host)
    assert shared.get_part('x', None, lambda: ['a', 'b'], by_host, refresh=True)[0] == {'total': 2}
    shared.invalidate()
    assert shared.get_part('x', None, lambda: ['a', 'b', 'c'], by_host)[0] == {'total': 3}


def test_files_are_private_and_never_hold_the_token(tmp_path):
    shared = cache(tmp_path)
    shared.get_part('x', 'a', lambda: ['a'], by_host)
    facts(tmp_path).get('version', lambda: {'ok': True})
    directory = tmp_path / 'c'
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for entry in os.listdir(directory):
        path = directory / entry
        assert 'ghp_secret_token' not in entry
        if entry.endswith('.json'):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert 'ghp_secret_token' not in path.read_text()


def test_other_runs_and_scopes_do_not_share(tmp_path):
    cache(tmp_path).get_part('x', None, lambda: ['a'], by_host)
    other_run = EnterpriseReadCache('https://api.example', 'acme', 'ghp_secret_token', run_id=43,
                                    directory=str(tmp_path / 'c'))
    other_token = EnterpriseReadCache('https://api.example', 'acme', 'ghp_other', run_id=42,
                                      directory=str(tmp_path / 'c'))
    assert other_run.get_part('x', None, lambda: ['a', 'b'], by_host)[0] == {'total': 2}
    assert other_token.get_part('x', None, lambda: ['a', 'b', 'c'], by_host)[0] == {'total': 3}
    for name, other in (('url', {'ghec_url': 'https://api.other'}), ('enterprise', {'enterprise': 'other'}),
                        ('no TLS check', {'tls': (False, None)}), ('another CA', {'tls': (True, '/ca.pem')})):
        args = dict({'ghec_url': 'https://api.example', 'enterprise': 'acme', 'token': 'ghp_secret_token'}, **other)
        kept = EnterpriseReadCache(run_id=42, directory=str(tmp_path / 'c'), **args)
        assert kept.get_part('x', None, lambda: ['a'] * 7, by_host)[0] == {'total': 7}, name
    same = EnterpriseReadCache('https://api.example/', 'acme', 'ghp_secret_token', run_id=42, directory=str(tmp_path / 'c'))
    assert same.get_part('x', None, lambda: [], by_host)[0] == {'total': 1}
    facts(tmp_path).get('version', lambda: 1)
    other_run_facts = ApplianceFactsCache('https://ghes.example:8443', run_id=43, directory=str(tmp_path / 'c'))
    assert other_run_facts.get('version', lambda: 2) == 2


def test_expired_entries_are_fetched_again_and_old_runs_swept(tmp_path, monkeypatch):
    shared = facts(tmp_path, ttl=10)
    shared.get('x', lambda: 1)
    directory = tmp_path / 'c'
    stale = directory / 'run1-old.json'
    stale.write_text('{}')
    os.utime(stale, (time.time() - 7 * 3600,) * 2)
    os.utime(directory / '.swept', (time.time() - 7200,) * 2)
    now = time.time()
    monkeypatch.setattr(_shared_cache.time, 'time', lambda: now + 60)
    new_worker()
    assert shared.get('x', lambda: 2) == 2
    assert not stale.exists()


# -- reads split by host name -----------------------------------------------------------------
def by_host(value):
    return {'total': len(value)}, dict((name.lower(), {'name': name}) for name in value)


def test_a_split_read_is_fetched_once_and_each_worker_gets_its_own_part(tmp_path):
    calls = []

    def fetch():
        calls.append(1)
        return ['A.example.com', 'b.example.com']

    first, second = cache(tmp_path), cache(tmp_path)
    assert first.get_part('inst', 'a.example.com', fetch, by_host) == ({'total': 2}, {'name': 'A.example.com'})
    assert second.get_part('inst', 'B.EXAMPLE.COM', fetch, by_host) == ({'total': 2}, {'name': 'b.example.com'})
    assert second.get_part('inst', 'c.example.com', fetch, by_host) == ({'total': 2}, None)
    assert second.get_part('inst', None, fetch, by_host) == ({'total': 2}, None)
    assert calls == [1]


def test_a_worker_reads_two_small_files_whatever_the_size_of_the_fleet(tmp_path, monkeypatch):
    hosts = ['ghes-%04d.example.com' % i for i in range(2000)]
    cache(tmp_path).get_part('inst', hosts[0], lambda: hosts, by_host)
    created = sum(len(files) for _root, _dirs, files in os.walk(tmp_path / 'c'))
    assert created <= 2000 // _enterprise_cache.PARTS_PER_BUCKET + 4, 'a file per bucket, not per host'
    opened = []
    real_open = _shared_cache.open_no_follow

    def counting_open(path, *args, **kwargs):
        opened.append(path)
        return real_open(path, *args, **kwargs)

    # Every read of the cache goes through open_no_follow (a link is never followed).
    monkeypatch.setattr(_enterprise_cache, 'open_no_follow', counting_open)
    monkeypatch.setattr(_shared_cache, 'open_no_follow', counting_open)
    new_worker()
    assert cache(tmp_path).get_part('inst', hosts[1234], lambda: [], by_host)[1] == {'name': hosts[1234]}
    assert len(opened) == 2, 'the index and one bucket'
    with open(opened[1]) as bucket:
        assert len(json.load(bucket)) <= 3 * _enterprise_cache.PARTS_PER_BUCKET


def test_a_fleet_scan_process_reads_each_file_once_however_many_hosts_it_asks_for(tmp_path, monkeypatch):
    hosts = ['ghes-%04d.example.com' % i for i in range(640)]
    cache(tmp_path).get_part('inst', hosts[0], lambda: hosts, by_host)
    opened = []
    real_open = _shared_cache.open_no_follow
    monkeypatch.setattr(_enterprise_cache, 'open_no_follow', lambda path: opened.append(path) or real_open(path))
    monkeypatch.setattr(_shared_cache, 'open_no_follow', lambda path: opened.append(path) or real_open(path))
    new_worker()
    reader = cache(tmp_path)
    for _round in range(2):
        for host in hosts:
            assert reader.get_part('inst', host.upper(), lambda: [], by_host) == ({'total': 640}, {'name': host})
    assert len(opened) == len(set(opened)) == 1 + 640 // _enterprise_cache.PARTS_PER_BUCKET, 'the index, each bucket once'


def test_what_a_process_keeps_is_never_served_once_the_file_is_another_or_gone(tmp_path):
    reader, other = cache(tmp_path), cache(tmp_path)
    reader.get_part('inst', 'x', lambda: ['x'], by_host)
    assert reader.get_part('inst', 'x', lambda: [], by_host) == ({'total': 1}, {'name': 'x'})
    # Another worker's new read (a new index, new parts): seen at once.
    other.get_part('inst', 'x', lambda: ['x', 'y'], by_host, refresh=True)
    assert reader.get_part('inst', 'y', lambda: [], by_host) == ({'total': 2}, {'name': 'y'})
    # Another worker's invalidation (after a write): fetched again, not served from memory.
    other.invalidate()
    assert reader.get_part('inst', 'x', lambda: ['x', 'y', 'z'], by_host)[0] == {'total': 3}
    # Past its lifetime: what the process kept is as stale as the file.
    short = cache(tmp_path, ttl=0.2)
    short.get_part('inst', 'x', lambda: [], by_host)
    time.sleep(0.3)
    assert short.get_part('inst', 'x', lambda: ['x'] * 4, by_host)[0] == {'total': 4}


def test_a_link_put_in_place_of_a_file_already_read_is_refused(tmp_path):
    outside = tmp_path / 'outside.json'
    outside.write_text(json.dumps({'stored': time.time(), 'value': {'planted': True}, 'buckets': 1}))
    shared = cache(tmp_path)
    shared.get_part('inst', 'x', lambda: ['x'], by_host)
    assert shared.get_part('inst', 'x', lambda: [], by_host)[1] == {'name': 'x'}
    index = shared._path('inst')
    os.unlink(index)
    os.symlink(outside, index)
    assert shared.get_part('inst', 'x', lambda: ['x', 'y'], by_host)[0] == {'total': 2}
    assert not os.path.islink(index), 'the fetch writes a file of its own in place of the link'


def test_refresh_replaces_the_parts_and_removes_the_old_ones(tmp_path):
    shared = cache(tmp_path)
    for round_ in range(5):
        common, part = shared.get_part('inst', 'x', lambda: ['x'] * (round_ + 1), by_host, refresh=True)
        assert common == {'total': round_ + 1} and part == {'name': 'x'}
    directories = [e for e in os.listdir(tmp_path / 'c') if os.path.isdir(tmp_path / 'c' / e)]
    assert len(directories) == 1


def test_invalidate_forgets_split_reads_too(tmp_path):
    shared = cache(tmp_path)
    shared.get_part('inst', 'x', lambda: ['x'], by_host)
    shared.invalidate()
    assert [e for e in os.listdir(tmp_path / 'c') if e.startswith(shared.prefix) and not e.endswith('.lock')] == []
    assert shared.get_part('inst', 'x', lambda: ['x', 'y'], by_host)[0] == {'total': 2}


def test_an_index_whose_parts_vanished_is_read_again_not_taken_for_absence(tmp_path):
    """A worker that read the index just before another replaced the parts must not report 'not known'."""
    shared = cache(tmp_path)
    shared.get_part('inst', 'x', lambda: ['x'], by_host)
    index = _shared_cache.read_fresh(shared._path('inst'), None)
    shutil.rmtree(tmp_path / 'c' / index['parts'])
    assert shared.get_part('inst', 'x', lambda: ['x', 'z'], by_host) == ({'total': 2}, {'name': 'x'})


def test_parts_are_private(tmp_path):
    shared = cache(tmp_path)
    shared.get_part('inst', 'x', lambda: ['x'], by_host)
    for root, directories, files in os.walk(tmp_path / 'c'):
        for name in directories:
            assert stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode) == 0o700
        for name in files:
            if name.endswith('.json'):
                assert stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode) == 0o600


def test_a_process_forked_by_a_task_belongs_to_the_tasks_run(tmp_path):
    """A fleet scan forks: its processes' parent is the worker, yet they share the run's reads."""
    here = _shared_cache.current_run_id()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, str(_shared_cache.current_run_id()).encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert int(os.read(reader, 64)) == here


# -- what is read back is not trusted beyond its shape -----------------------------------------
def plant_index(shared, name, **index):
    """An index put there by someone else, written as every writer does: a new file renamed into place."""
    os.makedirs(shared_directory(shared), mode=0o700, exist_ok=True)
    path = os.path.join(shared_directory(shared), '%s-%s.json' % (shared.prefix, name))
    with open(path + '.new', 'w') as handle:
        json.dump(dict({'stored': time.time(), 'value': {'planted': True}, 'buckets': 1}, **index), handle)
    os.replace(path + '.new', path)


def shared_directory(shared):
    return shared._option


def test_an_index_naming_a_path_outside_is_ignored_and_nothing_outside_is_removed(tmp_path):
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'authorized_keys').write_text('ssh-ed25519 AAAA')
    shared = cache(tmp_path)
    for parts in (str(victim), '../victim', 'victim', shared.prefix + '-inst.0123456789abcdef/..'):
        plant_index(shared, 'inst', parts=parts)
        assert shared.get_part('inst', 'x', lambda: ['x'], by_host, refresh=False) == ({'total': 1}, {'name': 'x'})
        # The next store reads the previous index and removes its parts: never what it names outside.
        shared.get_part('inst', 'x', lambda: ['x'], by_host, refresh=True)
        assert (victim / 'authorized_keys').read_text() == 'ssh-ed25519 AAAA'


def test_a_time_stamp_from_the_future_is_stale(tmp_path):
    own = facts(tmp_path)
    own.get('x', lambda: 1)
    path = own._path('x')
    with open(path, 'w') as handle:
        json.dump({'stored': 1e12, 'value': 'planted'}, handle)
    assert own.get('x', lambda: 2) == 2
    shared = cache(tmp_path)
    plant_index(shared, 'inst', stored=1e12, parts=shared.prefix + '-inst.0123456789abcdef')
    assert shared.get_part('inst', None, lambda: ['x'], by_host) == ({'total': 1}, None)


def test_entries_of_odd_shapes_are_fetched_again(tmp_path):
    own = facts(tmp_path)
    own.get('x', lambda: 1)
    for content in ('[]', '{"stored": "now", "value": 1}', '{"stored": true, "value": 1}', '{"stored": 1}', 'not json'):
        with open(own._path('x'), 'w') as handle:
            handle.write(content)
        assert own.get('x', lambda: 'fetched') == 'fetched'
    shared = cache(tmp_path)
    for buckets in (0, -1, 'many', True, None):
        plant_index(shared, 'inst', parts=shared.prefix + '-inst.0123456789abcdef', buckets=buckets)
        assert shared.get_part('inst', None, lambda: ['x', 'y'], by_host) == ({'total': 2}, None)


def test_the_sweep_removes_only_its_own_old_entries_and_never_follows_a_link(tmp_path):
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'keep').write_text('x')
    os.utime(outside / 'keep', (time.time() - 30 * 86400,) * 2)
    shared = facts(tmp_path)
    shared.get('x', lambda: 1)
    directory = tmp_path / 'c'
    old = time.time() - 7 * 3600
    (directory / 'run1-old-link').symlink_to(outside)
    (directory / 'run1-old-dir').mkdir()
    (directory / 'run1-old-dir' / 'inner').symlink_to(outside / 'keep')
    (directory / 'not-ours').write_text('x')
    (directory / 'run1-future.json').write_text('{}')
    for entry in ('run1-old-dir', 'not-ours'):
        os.utime(directory / entry, (old, old))
    os.utime(directory / 'run1-old-link', (old, old), follow_symlinks=False)
    os.utime(directory / 'run1-future.json', (1e12, 1e12))
    os.utime(directory / '.swept', (old, old))
    new_worker()
    shared.get('x', lambda: 2)
    assert sorted(os.listdir(outside)) == ['keep'] and (outside / 'keep').read_text() == 'x'
    left = os.listdir(directory)
    assert 'run1-old-link' not in left and 'run1-old-dir' not in left and 'run1-future.json' not in left
    assert 'not-ours' in left


def test_an_unsafe_directory_turns_the_cache_off_with_one_warning(tmp_path):
    from ansible_collections.ghes.connect.plugins.module_utils._run_cache import state_dir as _state_dir
    _state_dir.take_warnings()
    unsafe = tmp_path / 'c'
    unsafe.mkdir()
    unsafe.chmod(0o777)
    calls = []
    for _round in range(3):
        own, shared = facts(tmp_path), cache(tmp_path)
        assert own.get('x', lambda: calls.append(1) or len(calls)) == len(calls)
        assert shared.get_part('inst', 'x', lambda: calls.append(1) or ['x'], by_host)[1] == {'name': 'x'}
    assert len(calls) == 6, 'every read is made: nothing is stored in or read from the directory'
    assert os.listdir(unsafe) == []
    warnings = _state_dir.take_warnings()
    assert len(warnings) == 1 and str(unsafe) in warnings[0] and 'chmod 700' in warnings[0]
