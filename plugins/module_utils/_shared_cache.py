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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time

from ansible_collections.ghes.connect.plugins.module_utils._files import write_private

DEFAULT_TTL = 300
# Entries of runs that ended are swept when older than this (they are useless after their run).
SWEEP_AFTER_SECONDS = 6 * 3600
PARTS_PER_BUCKET = 32
_MISSING = object()
_READY_DIRECTORIES = set()
_RUN_ID = []


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
        self.directory = directory or os.path.join(tempfile.gettempdir(), 'ghes-connect-%d' % os.getuid())
        self.hits = 0
        self.fetches = 0

    def _ensure_directory(self):
        """Create and check the directory once per process (a fleet scan has thousands of caches)."""
        if self.directory not in _READY_DIRECTORIES:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            if os.stat(self.directory).st_uid != os.getuid():
                raise OSError('%s belongs to another user; refusing to use it as a cache' % self.directory)
            _READY_DIRECTORIES.add(self.directory)
        _sweep_now_and_then(self.directory)

    def _path(self, name):
        return os.path.join(self.directory, '%s-%s.json' % (self.prefix, name))

    @contextlib.contextmanager
    def _locked(self, name):
        with open(self._path(name) + '.lock', 'a') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def get(self, name, fetch, refresh=False):
        """Return the cached value of ``name`` or ``fetch()`` it.

        No lock: this is for an appliance's own facts, which only its own tasks ask for, one
        after the other; a lock file would be one more file created per appliance and run.
        """
        if self.ttl <= 0:
            self.fetches += 1
            return fetch()
        self._ensure_directory()
        path = self._path(name)
        if not refresh:
            cached = _read_fresh(path, self.ttl)
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
        if self.ttl <= 0:
            self.fetches += 1
            common, parts = split(fetch())
            return common, _lookup(parts, key)
        self._ensure_directory()
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
        index = _read_fresh(self._path(name), self.ttl)
        if index is None:
            return _MISSING
        if key is None:
            return index['value'], None
        parts = os.path.join(self.directory, index['parts'])
        try:
            with open(os.path.join(parts, _bucket_file(key, index['buckets']))) as handle:
                return index['value'], json.load(handle).get(key.lower())
        except FileNotFoundError:
            # No bucket file in an intact directory: no host name of the read falls in it. No
            # directory: it was replaced after the index was read - read again under the lock.
            return (index['value'], None) if os.path.isdir(parts) else _MISSING
        except (OSError, ValueError):
            return _MISSING

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
        previous = _read_fresh(path, ttl=None)
        write_private(path, json.dumps({'stored': time.time(), 'value': common, 'parts': generation,
                                        'buckets': buckets}), durable=False)
        if previous and previous.get('parts'):
            shutil.rmtree(os.path.join(self.directory, previous['parts']), ignore_errors=True)

    def invalidate(self):
        """Forget this run's entries: a task just changed what they describe."""
        if not os.path.isdir(self.directory):
            return
        entries = [e for e in os.listdir(self.directory) if e.startswith(self.prefix)]
        # Indexes first: a reader that still holds an old index finds its parts gone and reads again.
        for entry in sorted(entries, key=lambda e: not e.endswith('.json')):
            path = os.path.join(self.directory, entry)
            if entry.endswith('.json'):
                _unlink(path)
            elif os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)


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


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sweep_now_and_then(directory):
    """Remove what ended runs left behind; at most once an hour (one stat otherwise)."""
    marker = os.path.join(directory, '.swept')
    try:
        if time.time() - os.stat(marker).st_mtime < 3600:
            return
    except FileNotFoundError:
        pass
    with open(marker, 'a'):
        os.utime(marker)
    cutoff = time.time() - SWEEP_AFTER_SECONDS
    for entry in os.listdir(directory):
        path = os.path.join(directory, entry)
        try:
            if os.stat(path).st_mtime >= cutoff:
                continue
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _read_fresh(path, ttl):
    """The entry at ``path`` if it is younger than ``ttl`` seconds (any age when ``ttl`` is None)."""
    try:
        with open(path) as handle:
            cached = json.load(handle)
    except (OSError, ValueError):
        return None
    if ttl is not None and time.time() - cached.get('stored', 0) > ttl:
        return None
    return cached
