# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enterprise-wide GHEC reads made once per run and shared by every host's task.

The first worker takes a lock and fetches, the others wait on the lock and read the files.
Entries live ``ghec_cache_ttl`` seconds (``0`` turns sharing off); any task that changes
state invalidates the run's entries so the next read sees the change. Only
enterprise-level data (no credentials) is stored.

A read that covers the whole enterprise (every installation, every sync record) is stored
split by host name: an index file with what the read says in general, and the host names'
parts in buckets of about ``PARTS_PER_BUCKET``, a file each, in a directory of its own. A
worker then reads its own appliance's bucket (a few KB) instead of parsing the whole
enterprise: the cost of a host's task does not grow with the size of the fleet, and a run
creates one file per bucket, not one per appliance (creating a file costs far more than
reading one on many disks). An index names its parts by this run's own prefix only (never a
path), so a planted index cannot point a read or a removal outside the directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil

from ansible_collections.ghes.connect.plugins.module_utils._common.files import make_directory, open_no_follow
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.entries import (
    RunEntries,
    is_real_directory,
    file_identity,
    is_fresh,
    locked,
    read_entry,
    read_fresh,
    remove_entry,
)
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.state_dir import still_private

# The default of ``ghec_cache_ttl``: seconds a run's tasks share one enterprise-wide read.
GHEC_CACHE_TTL = 300
PARTS_PER_BUCKET = 32
# A parts directory's name ends in 16 hex digits; compiled on import, not in every host's worker.
_PARTS_SUFFIX = re.compile(r'[0-9a-f]{16}')
_MISSING = object()
# What this process has read of the files, kept by path: a fleet scan's threads (and the
# processes it forks, which inherit it) ask for the same few files thousands of times. An index
# is used again while the file at its name is the one it was read from (one lstat: a new read
# and an invalidation put another file there, or none); a bucket never changes once its
# directory has its name (written in a staging directory, renamed into place, removed whole).
_INDEXES = {}
_BUCKETS = {}


class EnterpriseReadCache(RunEntries):
    """The run's shared reads of one GHEC enterprise as one token sees it, over one kind of TLS check.

    Hosts share a read only when they would have made the same one: the same GHEC URL, enterprise,
    token and certificate check (a read made without verifying GHEC's certificate, or trusting
    another CA, is not one a host that verifies may believe).
    """

    def __init__(self, ghec_url, enterprise, token, ttl=GHEC_CACHE_TTL, directory=None, run_id=None, tls=(True, None)):
        super().__init__((ghec_url.rstrip('/'), enterprise, token) + tuple(tls), directory=directory, run_id=run_id)
        self.ttl = ttl

    @contextlib.contextmanager
    def _locked(self, name):
        with locked(self._path(name) + '.lock'):
            yield

    def get_part(self, name, key, fetch, split, refresh=False):
        """``(common, part)``: what the read ``name`` says in general, and about ``key`` (None when nothing).

        ``fetch()`` makes the read (once across workers); ``split(value)`` returns
        ``(common, {key: part})`` with lower-case keys (host names). ``key`` None asks for
        the common part only.
        """
        if self.ttl <= 0 or not self._ensure_directory():
            common, parts = split(fetch())
            return common, _lookup(parts, key)
        if not refresh:
            found = self._read_part(name, key)
            if found is not _MISSING:
                return found
        with self._locked(name):
            if not refresh:
                # Another worker may have fetched it while this one waited for the lock.
                found = self._read_part(name, key)
                if found is not _MISSING:
                    return found
            common, parts = split(fetch())
            self._store_parts(name, common, parts)
            return common, _lookup(parts, key)

    def _read_part(self, name, key):
        index = self._index(name)
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
            return index['value'], _bucket(os.path.join(parts, _bucket_file(key, buckets))).get(key.lower())
        except FileNotFoundError:
            # No bucket file in an intact directory: no host name of the read falls in it. No
            # directory: it was replaced after the index was read - read again under the lock.
            return (index['value'], None) if is_real_directory(parts) else _MISSING
        except (OSError, ValueError, AttributeError):
            return _MISSING

    def _index(self, name):
        """The fresh index of the read ``name``, or None; read again only when the file at its name is another."""
        path = self._path(name)
        try:
            identity = file_identity(os.lstat(path))
        except OSError:
            return None
        known = _INDEXES.get(path)
        if known is None or known[0] != identity:
            entry, identity = read_entry(path)
            known = _INDEXES[path] = (identity, entry)
        return known[1] if is_fresh(known[1], self.ttl) else None

    def _parts_name(self, name, index):
        """The index's parts directory if it is one this run names (a plain entry with its prefix), else None."""
        parts = index.get('parts')
        ours = '%s-%s.' % (self.prefix, name)
        if isinstance(parts, str) and parts.startswith(ours) and _PARTS_SUFFIX.fullmatch(parts[len(ours):]):
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
        make_directory(staging)
        try:
            for filename, content in filled.items():
                _write_new(os.path.join(staging, filename), json.dumps(content))
            os.rename(staging, os.path.join(self.directory, generation))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        previous = read_fresh(path, ttl=None)
        self._store(path, value=common, parts=generation, buckets=buckets)
        previous_parts = previous and self._parts_name(name, previous)
        if previous_parts:
            remove_entry(os.path.join(self.directory, previous_parts))

    def invalidate(self):
        """Forget this run's entries: a task just changed what they describe."""
        if self.ttl <= 0 or not self._ensure_directory() or not still_private(self.directory):
            return
        entries = [e for e in os.listdir(self.directory) if e.startswith(self.prefix + '-')]
        # Indexes first: a reader that still holds an old index finds its parts gone and reads again.
        for entry in sorted(entries, key=lambda e: not e.endswith('.json')):
            if not entry.endswith('.lock'):
                remove_entry(os.path.join(self.directory, entry))


def _lookup(parts, key):
    return None if key is None else parts.get(key.lower())


def _bucket(path):
    """The parts in the bucket file ``path`` (a link there is refused), read once per process."""
    if path not in _BUCKETS:
        with open_no_follow(path) as handle:
            _BUCKETS[path] = json.load(handle)
    return _BUCKETS[path]


def _bucket_file(key, buckets):
    return '%d.json' % (int(hashlib.sha256(key.lower().encode('utf-8')).hexdigest()[:8], 16) % buckets)


def _write_new(path, text):
    """A file in a private staging directory: 0600, no rename needed (the directory is renamed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
