# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enterprise-wide GHEC reads made once per run and shared by every host's task.

Ansible runs each host's task in its own worker process, forked from the
``ansible-playbook`` process, so nothing in memory survives between them. The cache is
a file per (run, GHEC URL, enterprise, token digest, read) in a private directory: the
first worker takes a lock and fetches, the others wait on the lock and read the file.
Entries live ``ttl`` seconds; any task that changes state invalidates the run's entries
so the next read sees the change. Only enterprise-level data (no credentials) is stored.

A read that covers the whole enterprise (every installation, every sync record) is stored
split by host name (``get_part``), fetched under the lock: an index file with what the read says in general, and
the host names' parts in buckets of about ``PARTS_PER_BUCKET``, a file each, in a directory
of its own. A worker then reads its own appliance's bucket (a few KB) instead of parsing
the whole enterprise: the cost of a host's task does not grow with the size of the fleet,
and a run creates one file per bucket, not one per appliance (creating a file costs far
more than reading one on many disks). ``get`` keeps one appliance's own facts (its
version) for the run's later tasks on that appliance, with no lock: only that appliance's
tasks ask, one after the other.

The files live in the private state directory (``_state_dir``); when it is not private the
cache is off for the run (every read is made by the task that needs it). Even in a private
directory nothing read back is trusted beyond its shape: an index names its parts by this
run's own prefix only (never a path), a time stamp from the future is stale, and the sweep
removes only the directory's own entries, never following a link.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time

from ansible_collections.ghes.connect.plugins.module_utils._files import open_no_follow, write_private
from ansible_collections.ghes.connect.plugins.module_utils._state_dir import still_private, usable_state_directory

DEFAULT_TTL = 300
# Entries of runs that ended are swept when older than this (they are useless after their run).
SWEEP_AFTER_SECONDS = 6 * 3600
# "Sync now" markers (``_sync``) live longer than a run: only very old ones are swept.
SWEEP_MARKERS_AFTER_SECONDS = 7 * 86400
PARTS_PER_BUCKET = 32
_MISSING = object()
_RUN_ID = []
# What the sweep may remove: the entries this module and ``_sync`` make, nothing else.
_OWN_ENTRY = re.compile(r'^(\.?run\d+-|\.ghes-connect-|sync-)')


class SharedReadCache:
    """``scope`` (e.g. GHEC URL, enterprise, token) names what the entries describe; only its digest is stored."""

    def __init__(self, *scope, **options):
        ttl = options.get('ttl', DEFAULT_TTL)
        run_id = options.get('run_id')
        directory = options.get('directory')
        self.ttl = ttl
        run_id = run_id if run_id is not None else current_run_id()
        digest = hashlib.sha256('\n'.join(str(part) for part in scope).encode('utf-8')).hexdigest()[:24]
        self.prefix = 'run%s-%s' % (run_id, digest)
        self._option = directory
        self.directory = None
        self.hits = 0
        self.fetches = 0

    def _ensure_directory(self):
        """The private directory (checked once per process: a fleet scan has thousands of caches), or None."""
        self.directory = usable_state_directory(self._option)
        if self.directory is not None:
            _sweep_now_and_then(self.directory)
        return self.directory is not None

    def _path(self, name):
        return os.path.join(self.directory, '%s-%s.json' % (self.prefix, name))

    @contextlib.contextmanager
    def _locked(self, name):
        with locked(self._path(name) + '.lock'):
            yield

    def get(self, name, fetch, refresh=False):
        """Return the cached value of ``name`` or ``fetch()`` it.

        No lock: this is for an appliance's own facts, which only its own tasks ask for, one
        after the other; a lock file would be one more file created per appliance and run.
        """
        if self.ttl <= 0 or not self._ensure_directory():
            self.fetches += 1
            return fetch()
        path = self._path(name)
        if not refresh:
            cached = read_fresh(path, self.ttl)
            if cached is not None:
                self.hits += 1
                return cached['value']
        value = fetch()
        self.fetches += 1
        write_private(path, json.dumps({'stored': time.time(), 'value': value}), durable=False)
        return value

    def get_part(self, name, key, fetch, split, refresh=False):
        """``(common, part)``: what the read ``name`` says in general, and about ``key`` (None when nothing).

        ``fetch()`` makes the read (once across workers); ``split(value)`` returns
        ``(common, {key: part})`` with lower-case keys (host names). ``key`` None asks for
        the common part only.
        """
        if self.ttl <= 0 or not self._ensure_directory():
            self.fetches += 1
            common, parts = split(fetch())
            return common, _lookup(parts, key)
        if not refresh:
            found = self._read_part(name, key)
            if found is not _MISSING:
                self.hits += 1
                return found
        with self._locked(name):
            if not refresh:
                # Another worker may have fetched it while this one waited for the lock.
                found = self._read_part(name, key)
                if found is not _MISSING:
                    self.hits += 1
                    return found
            common, parts = split(fetch())
            self.fetches += 1
            self._store_parts(name, common, parts)
            return common, _lookup(parts, key)

    def _read_part(self, name, key):
        index = read_fresh(self._path(name), self.ttl)
        if index is None:
            return _MISSING
        parts_name = self._parts_name(name, index)
        buckets = index.get('buckets')
        if parts_name is None or not isinstance(buckets, int) or isinstance(buckets, bool) or buckets < 1:
            return _MISSING  # not an index this module wrote: fetch again, and overwrite it
        if key is None:
            return index['value'], None
        parts = os.path.join(self.directory, parts_name)
        try:
            with open_no_follow(os.path.join(parts, _bucket_file(key, buckets))) as handle:
                return index['value'], json.load(handle).get(key.lower())
        except FileNotFoundError:
            # No bucket file in an intact directory: no host name of the read falls in it. No
            # directory: it was replaced after the index was read - read again under the lock.
            return (index['value'], None) if _is_real_directory(parts) else _MISSING
        except (OSError, ValueError, AttributeError):
            return _MISSING

    def _parts_name(self, name, index):
        """The index's parts directory if it is one this run names (a plain entry with its prefix), else None."""
        parts = index.get('parts')
        pattern = r'^%s-%s\.[0-9a-f]{16}\Z' % (re.escape(self.prefix), re.escape(name))
        if isinstance(parts, str) and re.match(pattern, parts):
            return parts
        return None

    def _store_parts(self, name, common, parts):
        """Write the buckets into a new directory, then point the index at it; drop the old directory."""
        path = self._path(name)
        buckets = max(1, -(-len(parts) // PARTS_PER_BUCKET))
        filled = {}
        for key, part in parts.items():
            filled.setdefault(_bucket_file(key, buckets), {})[key] = part
        generation = '%s-%s.%s' % (self.prefix, name, os.urandom(8).hex())
        staging = os.path.join(self.directory, '.' + generation)
        os.mkdir(staging, 0o700)
        try:
            for filename, content in filled.items():
                _write_new(os.path.join(staging, filename), json.dumps(content))
            os.rename(staging, os.path.join(self.directory, generation))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        previous = read_fresh(path, ttl=None)
        write_private(path, json.dumps({'stored': time.time(), 'value': common, 'parts': generation,
                                        'buckets': buckets}), durable=False)
        previous_parts = previous and self._parts_name(name, previous)
        if previous_parts:
            _remove(os.path.join(self.directory, previous_parts))

    def invalidate(self):
        """Forget this run's entries: a task just changed what they describe."""
        if self.ttl <= 0 or not self._ensure_directory() or not still_private(self.directory):
            return
        entries = [e for e in os.listdir(self.directory) if e.startswith(self.prefix + '-')]
        # Indexes first: a reader that still holds an old index finds its parts gone and reads again.
        for entry in sorted(entries, key=lambda e: not e.endswith('.json')):
            if not entry.endswith('.lock'):
                _remove(os.path.join(self.directory, entry))


def current_run_id():
    """The run this process belongs to: the ``ansible-playbook`` process, parent of the task's worker.

    Asked once per process and kept, so that processes a task forks (a fleet scan's, whose
    parent is the worker) belong to the same run and share its reads. The main process never
    asks: each worker forked from it asks for itself.
    """
    if not _RUN_ID:
        _RUN_ID.append(os.getppid())
    return _RUN_ID[0]


def _lookup(parts, key):
    return None if key is None else parts.get(key.lower())


def _bucket_file(key, buckets):
    return '%d.json' % (int(hashlib.sha256(key.lower().encode('utf-8')).hexdigest()[:8], 16) % buckets)


def _write_new(path, text):
    """A file in a private staging directory: 0600, no rename needed (the directory is renamed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on the file ``path`` (created 0600; a link there is refused, not followed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _is_real_directory(path):
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _remove(path):
    """Remove the entry ``path`` itself: a link is unlinked (never followed), a directory removed whole."""
    try:
        if _is_real_directory(path):
            # rmtree works through file descriptors here (avoids_symlink_attacks): it never leaves the tree.
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def _sweep_now_and_then(directory):
    """Remove what ended runs left behind; at most once an hour (one stat otherwise)."""
    marker = os.path.join(directory, '.swept')
    now = time.time()
    try:
        if 0 <= now - os.lstat(marker).st_mtime < 3600:
            return
    except FileNotFoundError:
        pass
    if not still_private(directory):
        return
    write_private(marker, b'', durable=False)
    for entry in os.scandir(directory):
        if not _OWN_ENTRY.match(entry.name):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        # A time from the future is no reason to keep an entry.
        if 0 <= age < (SWEEP_MARKERS_AFTER_SECONDS if entry.name.startswith('sync-') else SWEEP_AFTER_SECONDS):
            continue
        try:
            _remove(os.path.join(directory, entry.name))
        except OSError:
            pass


def read_fresh(path, ttl):
    """The JSON object at ``path`` if its ``stored`` time is at most ``ttl`` seconds ago (any past time when None).

    A time from the future is stale: an entry that claims one would otherwise be fresh forever.
    """
    try:
        with open_no_follow(path) as handle:
            cached = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(cached, dict) or 'value' not in cached:
        return None
    stored = cached.get('stored')
    if not isinstance(stored, (int, float)) or isinstance(stored, bool):
        return None
    age = time.time() - stored
    if age < 0 or (ttl is not None and age > ttl):
        return None
    return cached
