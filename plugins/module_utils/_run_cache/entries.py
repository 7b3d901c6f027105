# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's entries in the private state directory: naming, freshness, locks, the sweep.

Ansible runs each host's task in its own worker process, forked from the
``ansible-playbook`` process, so nothing in memory survives between them: what a run's
tasks share lives in files named by the run and a digest of their subject. Two caches
are built on this and say what they keep and for how long:

- ``_run_cache.enterprise_reads.EnterpriseReadCache``: the enterprise-wide GHEC reads (locked, one
  fetch for the whole fleet, ``ghec_cache_ttl``);
- ``_run_cache.appliance_facts.ApplianceFactsCache``: one appliance's own facts (no lock,
  ``APPLIANCE_FACTS_TTL``).

The files live in the private state directory (``_run_cache.state_dir``); when it is not private the
caches are off for the run (every read is made by the task that needs it). Even in a private
directory nothing read back is trusted beyond its shape: a time stamp from the future is
stale, and the sweep removes only the directory's own entries, never following a link.
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

from ansible_collections.ghes.connect.plugins.module_utils._common.files import open_no_follow, write_private
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.state_dir import still_private, usable_state_directory

# Entries of runs that ended are swept when older than this (they are useless after their run).
SWEEP_AFTER_SECONDS = 6 * 3600
# "Sync now" markers (``_license.sync_now``) live longer than a run: only very old ones are swept.
SWEEP_MARKERS_AFTER_SECONDS = 7 * 86400
_RUN_ID = []
_SWEEP_LOOKED = set()
# What the sweep may remove: the entries the caches and ``_license.sync_now`` make, nothing else.
_OWN_ENTRY = re.compile(r'^(\.?run\d+-|\.ghes-connect-|sync-)')


class RunEntries:
    """This run's entries about one ``subject`` (a tuple of strings); only its digest is stored, never a credential."""

    def __init__(self, subject, directory=None, run_id=None):
        run_id = run_id if run_id is not None else current_run_id()
        digest = hashlib.sha256('\n'.join(str(part) for part in subject).encode('utf-8')).hexdigest()[:24]
        self.prefix = 'run%s-%s' % (run_id, digest)
        self._option = directory
        self.directory = None

    def _ensure_directory(self):
        """The private directory (checked once per process: a fleet scan has thousands of caches), or None."""
        self.directory = usable_state_directory(self._option)
        if self.directory is not None:
            _sweep_now_and_then(self.directory)
        return self.directory is not None

    def _path(self, name):
        return os.path.join(self.directory, '%s-%s.json' % (self.prefix, name))

    def _store(self, path, **entry):
        """Write one entry (0600, atomically), stamped with the time it was stored."""
        write_private(path, json.dumps(dict(entry, stored=time.time())), durable=False)


def current_run_id():
    """The run this process belongs to: the ``ansible-playbook`` process, parent of the task's worker.

    Asked once per process and kept, so that processes a task forks (a fleet scan's, whose
    parent is the worker) belong to the same run and share its reads. The main process never
    asks: each worker forked from it asks for itself.
    """
    if not _RUN_ID:
        _RUN_ID.append(os.getppid())
    return _RUN_ID[0]


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on the file ``path`` (created 0600; a link there is refused, not followed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def is_real_directory(path):
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def remove_entry(path):
    """Remove the entry ``path`` itself: a link is unlinked (never followed), a directory removed whole."""
    try:
        if is_real_directory(path):
            # rmtree works through file descriptors here (avoids_symlink_attacks): it never leaves the tree.
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def _sweep_now_and_then(directory):
    """Remove what ended runs left behind; at most once an hour, looked at once per process.

    Once per process: a fleet scan opens thousands of caches, and a task's worker lives for one task.
    """
    if directory in _SWEEP_LOOKED:
        return
    _SWEEP_LOOKED.add(directory)
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
            remove_entry(os.path.join(directory, entry.name))
        except OSError:
            pass


def read_fresh(path, ttl):
    """The JSON object at ``path`` if its ``stored`` time is at most ``ttl`` seconds ago (any past time when None).

    A time from the future is stale: an entry that claims one would otherwise be fresh forever.
    """
    entry, _identity = read_entry(path)
    return entry if is_fresh(entry, ttl) else None


def read_entry(path):
    """``(entry, identity)``: the JSON object at ``path`` (None when it is not one of ours) and which file it came from.

    The identity (``file_identity``) is taken from the file that was read, so a reader that keeps
    the entry can tell, by an ``lstat`` of ``path``, whether the file there is still that one.
    """
    try:
        with open_no_follow(path) as handle:
            identity = file_identity(os.fstat(handle.fileno()))
            cached = json.load(handle)
    except (OSError, ValueError):
        return None, None
    if not isinstance(cached, dict) or 'value' not in cached:
        return None, identity
    return cached, identity


def file_identity(status):
    """What tells one file from another at the same name: every entry is written anew and renamed into place."""
    return status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size


def is_fresh(entry, ttl):
    """``entry`` (from ``read_entry``) was stored at most ``ttl`` seconds ago (any past time when None)."""
    if entry is None:
        return False
    stored = entry.get('stored')
    if not isinstance(stored, (int, float)) or isinstance(stored, bool):
        return False
    age = time.time() - stored
    return not (age < 0 or (ttl is not None and age > ttl))
