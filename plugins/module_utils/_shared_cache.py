# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enterprise-wide GHEC reads made once per run and shared by every host's task.

Ansible runs each host's task in its own worker process, forked from the
``ansible-playbook`` process, so nothing in memory survives between them. The cache is
a file per (run, GHEC URL, enterprise, token digest, read) in a private directory: the
first worker takes a lock and fetches, the others wait on the lock and read the file.
Entries live ``ttl`` seconds; any task that changes state invalidates the run's entries
so the next read sees the change. Only enterprise-level data (no credentials) is stored.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time

from ansible_collections.ghes.connect.plugins.module_utils._files import write_private

DEFAULT_TTL = 300
# Entries of runs that ended are swept when older than this (they are useless after their run).
SWEEP_AFTER_SECONDS = 6 * 3600


class SharedReadCache:
    """``scope`` (e.g. GHEC URL, enterprise, token) names what the entries describe; only its digest is stored."""

    def __init__(self, *scope, **options):
        ttl = options.get('ttl', DEFAULT_TTL)
        run_id = options.get('run_id')
        directory = options.get('directory')
        self.ttl = ttl
        run_id = run_id if run_id is not None else os.getppid()
        digest = hashlib.sha256('\n'.join(str(part) for part in scope).encode('utf-8')).hexdigest()[:24]
        self.prefix = 'run%s-%s' % (run_id, digest)
        self.directory = directory or os.path.join(tempfile.gettempdir(), 'ghes-connect-%d' % os.getuid())
        self.hits = 0
        self.fetches = 0

    def _ensure_directory(self):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        if os.stat(self.directory).st_uid != os.getuid():
            raise OSError('%s belongs to another user; refusing to use it as a cache' % self.directory)
        _sweep_now_and_then(self.directory)

    def get(self, name, fetch, refresh=False):
        """Return the cached value of ``name`` or ``fetch()`` it (once across workers)."""
        if self.ttl <= 0:
            self.fetches += 1
            return fetch()
        self._ensure_directory()
        path = os.path.join(self.directory, '%s-%s.json' % (self.prefix, name))
        with open(path + '.lock', 'a') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not refresh:
                    cached = _read_fresh(path, self.ttl)
                    if cached is not None:
                        self.hits += 1
                        return cached['value']
                value = fetch()
                self.fetches += 1
                write_private(path, json.dumps({'stored': time.time(), 'value': value}))
                return value
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def invalidate(self):
        """Forget this run's entries: a task just changed what they describe."""
        if not os.path.isdir(self.directory):
            return
        for entry in os.listdir(self.directory):
            if entry.startswith(self.prefix) and entry.endswith('.json'):
                try:
                    os.unlink(os.path.join(self.directory, entry))
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
            if os.stat(path).st_mtime < cutoff:
                os.unlink(path)
        except OSError:
            pass


def _read_fresh(path, ttl):
    try:
        with open(path) as handle:
            cached = json.load(handle)
    except (OSError, ValueError):
        return None
    if time.time() - cached.get('stored', 0) > ttl:
        return None
    return cached
