# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One appliance as its GHEC enterprise records it: its installation, its license-sync record, its statistics.

Each is one host's part of an enterprise-wide read made once per run and shared by every
host's task (``_run_cache.enterprise_reads``): the GHEC client is built only by the task that fetches,
the others read their own part. Which record is this appliance's is ``_ghec.identity``'s decision.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import (
    installations_by_host,
    latest_statistics_by_host,
    sync_records_by_host,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import (
    choose_installation,
    choose_sync_record,
    normalise,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.enterprise_reads import GHEC_CACHE_TTL, EnterpriseReadCache

_SPLIT_BY_HOST = {'installations': installations_by_host, 'license_sync_status': sync_records_by_host,
                  'server_statistics': latest_statistics_by_host}


class GhecView:
    """``clients`` builds the GHEC client when a read must be made; ``hostname()`` names this appliance (or None)."""

    def __init__(self, clients, hostname):
        self.clients = clients
        self.hostname = hostname
        self._access = []
        # The warning that this task's ages are on the controller's clock, once noted: a fleet scan says it once.
        self.clock_warning = None
        params = clients.params
        self.shared = EnterpriseReadCache(params['ghec_url'], params['ghec_enterprise'], params['ghec_token'],
                                          ttl=params.get('ghec_cache_ttl', GHEC_CACHE_TTL),
                                          directory=params.get('state_dir'),
                                          tls=(params.get('ghec_validate_certs', True), params.get('ghec_ca_path')))

    def _part(self, name, hostname, refresh=False):
        def fetch():
            return getattr(self.clients.ghec, name)()
        return self.shared.get_part(name, hostname, fetch, _SPLIT_BY_HOST[name], refresh=refresh)

    def access(self):
        """The enterprise as ghec_token sees it, checked (scope, enterprise, owner) with the run's first read."""
        if not self._access:
            self._access.append(self._part('installations', None)[0]['enterprise'])
        return self._access[0]

    def warm(self):
        """Fetch the run's enterprise-wide reads (installations, license-sync status) without asking the appliance."""
        self.access()
        self._part('license_sync_status', None)

    def installation(self, hostname=None, refresh=False):
        """GHEC's installation of this appliance (or of ``hostname``), uploads included; None if GHEC has none.

        An ``installation.Installation``; several of one name: ``identity.choose_installation`` decides, the
        others are in its ``others``.
        """
        name = normalise(hostname) if hostname else self.hostname()
        if name is None:
            return None
        return choose_installation(parse_installation(node) for node in self._part('installations', name, refresh)[1] or ())[0]

    def installations_listed(self):
        """``(some host names, how many)`` GHEC lists: for the message that says this appliance is not among them."""
        common = self._part('installations', None)[0]
        return common.get('host_names') or [], common.get('total') or 0

    def sync_status(self, refresh=False, server_id=None):
        """``(observed_at, record, why unknown)``: GHEC's clock, and its license-sync record of this appliance.

        ``server_id``, when known, picks this appliance's record among several of its host name;
        without it, records of several servers are no record of this one (``why unknown`` says so).
        """
        self.access()
        common, records = self._part('license_sync_status', self.hostname(), refresh)
        self._note_clock(common)
        return (common['observed_at'],) + choose_sync_record(records, server_id)

    def server_statistics(self):
        """``(observed_at, {collection_date, features_enabled, server_id})``: this appliance's latest shared statistics, or None."""
        self.access()
        common, latest = self._part('server_statistics', self.hostname())
        self._note_clock(common)
        return common['observed_at'], latest

    def _note_clock(self, common):
        """One warning per task when an age is measured on the controller's clock (GHEC sent no ``Date``)."""
        if common.get('clock_warning') and self.clock_warning is None:
            self.clock_warning = common['clock_warning'] + '.'
            self.clients.warnings.append(self.clock_warning)

    def changed_state(self):
        """Called after any write: the shared GHEC reads may now be stale."""
        self.shared.invalidate()
