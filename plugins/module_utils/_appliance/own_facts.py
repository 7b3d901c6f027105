# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one appliance says about itself: its version, the host name it is configured with, maintenance, license.

Each fact is read once per task; the version and the configured host name are also kept for
the run's later tasks on the appliance (``_run_cache.appliance_facts``) unless the caller reads
every appliance once (a fleet scan), where keeping them would cost a file per appliance that
nothing reads. What could not be read is said, never guessed (``_ghec.identity``).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, NotFoundError, UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import resolve
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manage_api import parse_license
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.nodes import (
    LEGACY_MAINTENANCE_ASKED,
    parse_maintenance,
    parse_versions,
)
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.setup_legacy import hostname_fact, parse_settings_hostname
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.appliance_facts import ApplianceFactsCache


class ApplianceFacts:
    """Facts read through ``clients`` (an ``_appliance.clients.ApplianceClients``); their warnings go to ``warnings``."""

    def __init__(self, clients, warnings, share_facts=True):
        self.clients = clients
        self.params = clients.params
        self.warnings = warnings
        self.share_facts = share_facts
        self._read = {}

    def _once(self, key, read):
        if key not in self._read:
            self._read[key] = read()
        return self._read[key]

    def _kept_for_the_run(self, name, read):
        if not self.share_facts:
            return read()
        kept = self._once('run_cache', lambda: ApplianceFactsCache(self.clients.manage_url,
                                                                   directory=self.params.get('state_dir')))
        return kept.get(name, read)

    # -- version ------------------------------------------------------------------------------
    @property
    def version(self):
        """The GHES version, detected once per run and shared by the run's tasks for this appliance."""
        def detect():
            version = GhesVersion(self._kept_for_the_run('version', self._detect_version))
            warning = version.release_warning()
            if warning:
                self.warnings.append(warning)
            return version
        return self._once('version', detect)

    def _detect_version(self):
        """``/manage/v1/version`` over every node (the oldest release governs, mixed ones are named); GHES REST's
        version header when the Manage API has no answer."""
        try:
            versions = parse_versions(self.clients.manage.version_nodes())
        except NotFoundError:
            if not self.params.get('token'):
                raise
        else:
            warning = versions.mixed_warning()
            if warning:
                self.warnings.append(warning)
            return str(versions.governing)
        version = self.clients.rest.version()
        if not version.known:
            raise UnexpectedAnswerError('Cannot tell the GHES version of %s: /manage/v1/version answered 404 and %s.'
                                        % (self.clients.url, version.reason))
        return str(GhesVersion(version.value))

    # -- identity -----------------------------------------------------------------------------
    @property
    def identity(self):
        """Which name GHEC knows this appliance by, or why none can be established (``_ghec.identity.Identity``)."""
        def build():
            configured, source, error = self._configured_hostname()
            identity = resolve(self.params.get('hostname'), configured, source, error)
            if identity.warning:
                self.warnings.append(identity.warning)
            return identity
        return self._once('identity', build)

    def _configured_hostname(self):
        """``(github_hostname, source, error)`` from the appliance's documented settings, shared by the run's tasks.

        ``/manage/v1/config/settings`` on 3.12 and later, ``/setup/api/settings`` where it exists (3.9 - 3.14,
        also when the Manage API's read fails there). Each read is retried like any other; what could not be
        read is said, never replaced by the URL's host (an IP or a load balancer is not the name GHEC knows).
        """
        def read():
            errors, readers = [], []
            if self.version.has('manage_config'):
                readers.append(lambda: hostname_fact(self.clients.manage.settings(), 'manage_api',
                                                     'the Manage API settings (GET /manage/v1/config/settings)'))
            if self.version.has('setup_api'):
                readers.append(lambda: parse_settings_hostname(self.clients.legacy.settings()))
            for reader in readers:
                try:
                    name = reader()
                except GhesConnectError as exc:
                    errors.append(exc.message)
                    continue
                if name.known:
                    return {'name': name.value, 'source': name.source}
                errors.append(name.reason)
            raise GhesConnectError('; '.join(errors) or 'no settings read exists for GHES %s' % self.version)
        try:
            found = self._kept_for_the_run('github_hostname', read)
        except GhesConnectError as exc:
            return None, None, exc.message
        return found['name'], found['source'], None

    # -- license, maintenance, config runs, the shell's export ---------------------------------
    def license(self):
        """The Manage API's license as a ``manage_api.License`` record (3.12+), or None where it has no license endpoint."""
        if self.version.has('manage_config'):
            return parse_license(self.clients.manage.license())
        return None

    def maintenance_on(self):
        """Whether any node is in maintenance mode: True, False, or None when no read says (read once per task;
        ``maintenance_unknown()`` then says why)."""
        return self._once('maintenance', self._read_maintenance).value

    def maintenance_unknown(self):
        """Why maintenance mode is unknown, or None (after ``maintenance_on``)."""
        fact = self._read.get('maintenance')
        return fact.reason if fact is not None else None

    def maintenance_known(self):
        """Maintenance mode as this task already read it, or None when it did not (no request) or it is unknown."""
        fact = self._read.get('maintenance')
        return fact.value if fact is not None else None

    def _read_maintenance(self):
        if self.clients.shell is not None:
            # Documented and answered by the appliance itself: it wins over the HTTP reads.
            return parse_maintenance({'status': self.clients.shell.maintenance()}, asked='the admin shell\'s ghe-maintenance -q')
        if self.version.has('manage_maintenance'):
            return parse_maintenance(self.clients.manage.maintenance())
        return parse_maintenance(self.clients.legacy.maintenance(), asked=LEGACY_MAINTENANCE_ASKED)

    def config_run_in_progress(self):
        """Whether a configuration run is in progress: True, False, or None when the answer does not say."""
        return self.config_run_fact().value

    def config_run_fact(self):
        """``records.Fact`` of a configuration run in progress, over every node (read once per task)."""
        return self._once('config_run', self.clients.config_runner.running_fact)

    def shell_export(self, refresh=False):
        """``(bytes, dict)``: the license usage export over the administrative shell, once per task (or again)."""
        if refresh:
            self._read.pop('shell_export', None)
        return self._once('shell_export', self.clients.shell.license_usage)
