# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One appliance's own facts (its version, its configured host name), kept for the run's later tasks on it.

No lock: only that appliance's tasks ask, one after the other, and a lock file would be
one more file created per appliance and run. The facts are keyed by the appliance's
Manage URL and live ``APPLIANCE_FACTS_TTL`` seconds: ``ghec_cache_ttl`` is about GHEC's
enterprise-wide reads and does not govern them.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._run_cache.entries import RunEntries, read_fresh

# A version or a configured host name changes only with an upgrade or a settings change and a
# configuration run, each longer than a task: five minutes bounds how old a long run's later
# tasks may find them, and a new run always reads them again (entries are per run).
APPLIANCE_FACTS_TTL = 300


class ApplianceFactsCache(RunEntries):
    """The run's facts of the appliance whose Manage API is at ``manage_url``."""

    def __init__(self, manage_url, directory=None, run_id=None, ttl=APPLIANCE_FACTS_TTL):
        super().__init__(('appliance', manage_url), directory=directory, run_id=run_id)
        self.ttl = ttl

    def get(self, name, fetch):
        """The kept value of ``name``, or ``fetch()`` it and keep it."""
        if not self._ensure_directory():
            return fetch()
        path = self._path(name)
        cached = read_fresh(path, self.ttl)
        if cached is not None:
            return cached['value']
        value = fetch()
        self._store(path, value=value)
        return value
