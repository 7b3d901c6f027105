# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One appliance and its GHEC enterprise, as a task sees them.

Builds every client from the validated task options (lazily: a task pays only for the
interfaces it uses), detects the GHES version once, and answers the questions every
module asks: which installation GHEC knows this appliance as (``_identity``), whether a
config run or maintenance is going on, what GHEC says about it.

The clients a task may not need (console, legacy API, REST, config runs) are imported when
first built: every task runs in a new worker process, where each module imported costs
about half a millisecond against Ansible's own 12 ms or so per host and task.
"""

from __future__ import annotations

import os

from ansible_collections.ghes.connect.plugins.module_utils._argspec import (
    SECRET_OPTIONS,
    check_urls,
    default_manage_url,
)
from ansible_collections.ghes.connect.plugins.module_utils._connections import ConnectionPool
from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    GhesConnectError,
    InputError,
    NotFoundError,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec import (
    GhecClient,
    installations_by_host,
    latest_statistics_by_host,
    sync_records_by_host,
)
from ansible_collections.ghes.connect.plugins.module_utils._host_vars import where_set
from ansible_collections.ghes.connect.plugins.module_utils._http import HttpClient, RetryPolicy
from ansible_collections.ghes.connect.plugins.module_utils._identity import (
    choose_installation,
    choose_sync_record,
    normalise,
    resolve,
)
from ansible_collections.ghes.connect.plugins.module_utils._manage import ManageClient
from ansible_collections.ghes.connect.plugins.module_utils._shared_cache import SharedReadCache
from ansible_collections.ghes.connect.plugins.module_utils._version import GhesVersion


CONSOLE_MAX_RETRY_AFTER = 5.0


class Appliance:
    """``share_facts``: keep what this task learns of the appliance (its version) for the run's
    later tasks. A fleet scan, which reads every appliance once, leaves it off: it would cost a
    file per appliance and nothing later reads it."""

    def __init__(self, params, policy=None, share_facts=True):
        check_urls(params)
        for option in ('ca_path', 'ghec_ca_path'):
            if params.get(option) and not os.path.isfile(params[option]):
                raise InputError('%s "%s" does not exist or is not a file: give the path of a PEM CA certificate on '
                                 'the controller.' % (option, params[option]))
        self.params = params
        self.share_facts = share_facts
        self.secrets = tuple(params[k] for k in SECRET_OPTIONS if params.get(k))
        self.policy = policy or RetryPolicy(retries=params.get('retries', 5))
        self.warnings = []
        # Set by the task: waiter(what, timeout) tells the operator about a wait (plugin_utils._wait.Wait).
        self.waiter = None
        if not params.get('validate_certs', True):
            self.warnings.append('validate_certs is false: the appliance\'s TLS certificate is not verified, so its '
                                 'credentials could be sent to an impostor. Prefer ca_path.')
        if params.get('ghec_token') and not params.get('ghec_validate_certs', True):
            self.warnings.append('ghec_validate_certs is false: the GHEC certificate is not verified.')
        self.url = params['url'].rstrip('/')
        self.manage_url = (params.get('manage_url') or default_manage_url(self.url)).rstrip('/')
        self._cache = {}
        # The administrative shell (``_admin_shell.AdminShell``) when the task reaches the host over SSH; set
        # by the action base from the task's own connection.
        self.shell = None
        # The Manage API, REST and the console of one appliance may share an origin: one pool of
        # kept-alive connections serves every client of this appliance.
        self.pool = ConnectionPool()

    def close(self):
        """Close the connections kept open for this appliance."""
        self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- HTTP plumbing ----------------------------------------------------------------------
    def _address_from(self, base):
        """The option (and host variable) that set ``base``, as a message names it."""
        if base == self.manage_url and not self.params.get('manage_url'):
            return ('%s, on port 8443 (set %s when the Manage API listens elsewhere)'
                    % (where_set('url'), where_set('manage_url')))
        for option in ('manage_url', 'url', 'ghec_url', 'ghec_web_url'):
            if self.params.get(option) and self.params[option].rstrip('/') == base:
                return where_set(option)
        return None

    def _http(self, base, service, policy=None, **auth):
        cloud = service.startswith('GHEC')
        return HttpClient(
            base, service,
            validate_certs=self.params.get('ghec_validate_certs' if cloud else 'validate_certs', True),
            ca_path=self.params.get('ghec_ca_path' if cloud else 'ca_path'),
            timeout=self.params.get('timeout', 30), policy=policy or self.policy, secrets=self.secrets,
            pool=self.pool, address_from=self._address_from(base), **auth)

    def _once(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    @property
    def manage(self):
        def build():
            if not self.params.get('manage_password'):
                raise InputError('manage_password is required (the root site administrator password for the Manage '
                                 'GHES API, or GHES_MANAGE_PASSWORD).')
            return ManageClient(self._http(self.manage_url, 'Manage GHES API',
                                           basic_auth=(self.params.get('manage_username') or 'api_key',
                                                       self.params['manage_password'])))
        return self._once('manage', build)

    @property
    def legacy(self):
        def build():
            from ansible_collections.ghes.connect.plugins.module_utils._setup_legacy import SetupLegacyClient
            return SetupLegacyClient(self._http(self.manage_url, 'Management Console API (/setup/api)',
                                                basic_auth=('api_key', self.params.get('manage_password') or '')))
        return self._once('legacy', build)

    @property
    def rest(self):
        def build():
            from ansible_collections.ghes.connect.plugins.module_utils._rest import RestClient
            if not self.params.get('token'):
                raise InputError('token (a site administrator\'s token with the site_admin scope) is required here.')
            return RestClient(self._http(self.url, 'GHES REST API', token=self.params['token']))
        return self._once('rest', build)

    @property
    def has_console_credentials(self):
        return bool(self.params.get('console_username') and self.params.get('console_password'))

    @property
    def console(self):
        def build():
            from ansible_collections.ghes.connect.plugins.module_utils._console import ConsoleClient
            if not self.has_console_credentials:
                raise InputError('%s needs a console step, and method: console needs console_username and '
                                 'console_password (host variables ghes_console_username, ghes_console_password: a site '
                                 'administrator of the appliance). Give them, or set method: manual to do the step by '
                                 'hand.' % self.url)
            # A console page answering 503 with a long Retry-After is the maintenance page: waiting
            # it out inside one read never helps (callers fall back to GHEC's documented reads).
            policy = RetryPolicy(retries=self.policy.retries, backoff=self.policy.backoff,
                                 max_retry_after=CONSOLE_MAX_RETRY_AFTER, sleep=self.policy.sleep)
            return ConsoleClient(self._http(self.url, 'GHES console', policy=policy), self.params['console_username'],
                                 self.params['console_password'], self.params.get('enterprise_slug') or 'github',
                                 self.version, totp_secret=self.params.get('console_totp_secret'),
                                 host_label=self.url)
        return self._once('console', build)

    @property
    def ghec(self):
        def build():
            for option in ('ghec_token', 'ghec_enterprise'):
                if not self.params.get(option):
                    raise InputError('%s is required: the GHEC enterprise is where ghes.connect verifies the state '
                                     'it sets (%s).' % (option, 'GHEC_TOKEN' if option == 'ghec_token' else 'GHEC_ENTERPRISE'))
            web = self._http(self.params['ghec_web_url'], 'GHEC web') if self.params.get('ghec_web_url') else None
            return GhecClient(self._http(self.params['ghec_url'], 'GHEC', token=self.params['ghec_token']),
                              self.params['ghec_enterprise'], web_http=web,
                              web_session=self.params.get('ghec_session'))
        return self._once('ghec', build)

    @property
    def shared(self):
        return self._once('shared', lambda: SharedReadCache(
            self.params['ghec_url'], self.params['ghec_enterprise'], self.params['ghec_token'],
            ttl=self.params.get('ghec_cache_ttl', 300), directory=self.params.get('state_dir')))

    @property
    def run_cache(self):
        """Facts of this appliance shared by the run's tasks (its version), keyed by its Manage URL."""
        return self._once('run_cache', lambda: SharedReadCache(
            'appliance', self.manage_url, ttl=self.params.get('ghec_cache_ttl', 300),
            directory=self.params.get('state_dir')))

    @property
    def config_runner(self):
        def build():
            from ansible_collections.ghes.connect.plugins.module_utils._config_run import ConfigRunner
            return ConfigRunner(self.version, self.manage, self.legacy, waiter=self.waiter)
        return self._once('config_runner', build)

    # -- facts ----------------------------------------------------------------------------
    @property
    def version(self):
        """The GHES version, detected once per run and shared by the run's tasks for this appliance."""
        def detect():
            if not self.share_facts:
                version = GhesVersion(self._detect_version())
            else:
                version = GhesVersion(self.run_cache.get('version', self._detect_version))
            warning = version.release_warning()
            if warning:
                self.warnings.append(warning)
            return version
        return self._once('version', detect)

    def _detect_version(self):
        """``/manage/v1/version``; GHES REST's version header when the Manage API has no answer."""
        try:
            return str(GhesVersion(self.manage.version()['version']['version']))
        except NotFoundError:
            if not self.params.get('token'):
                raise
        _meta, version = self.rest.meta()
        if not version:
            raise GhesConnectError('Cannot tell the GHES version of %s: neither /manage/v1/version nor the REST API '
                                   'said.' % self.url)
        return str(GhesVersion(version))

    @property
    def identity(self):
        """Which name GHEC knows this appliance by, or why none can be established (``_identity.Identity``)."""
        def build():
            configured, source, error = self._configured_hostname()
            identity = resolve(self.params.get('hostname'), configured, source, error)
            if identity.warning:
                self.warnings.append(identity.warning)
            return identity
        return self._once('identity', build)

    @property
    def hostname(self):
        """The host name GHEC knows this appliance by (normalised), or None when it cannot be established."""
        return self.identity.name

    def _configured_hostname(self):
        """``(github_hostname, source, error)`` from the appliance's documented settings, shared by the run's tasks.

        ``/manage/v1/config/settings`` on 3.12 and later, ``/setup/api/settings`` where it exists (3.9 - 3.14,
        also when the Manage API's read fails there). Each read is retried like any other; what could not be
        read is said, never replaced by the URL's host (an IP or a load balancer is not the name GHEC knows).
        """
        def read():
            errors, readers = [], []
            if self.version.has('manage_config'):
                readers.append(('manage_api', lambda: _setting(self.manage.settings(), 'github_hostname')))
            if self.version.has('setup_api'):
                readers.append(('setup_api', lambda: _setting(_setting(self.legacy.settings(), 'enterprise'),
                                                              'github_hostname')))
            for source, reader in readers:
                try:
                    name = reader()
                except GhesConnectError as exc:
                    errors.append(exc.message)
                    continue
                if isinstance(name, str) and name.strip():
                    return {'name': name.strip(), 'source': source}
                errors.append('%s settings name no github_hostname' % source)
            raise GhesConnectError('; '.join(errors) or 'no settings read exists for GHES %s' % self.version)
        try:
            if self.share_facts:
                found = self.run_cache.get('github_hostname', read)
            else:
                found = read()
        except GhesConnectError as exc:
            return None, None, exc.message
        return found['name'], found['source'], None

    def license(self):
        """The license object (3.12+), or None where the Manage API has no license endpoint."""
        if self.version.has('manage_config'):
            return self.manage.license()
        return None

    def maintenance_on(self):
        """Whether any node is in maintenance mode (read once per task)."""
        return self._once('maintenance', self._read_maintenance)

    def maintenance_known(self):
        """Maintenance mode as this task already read it, or None when it did not (no request)."""
        return self._cache.get('maintenance')

    @property
    def console_usable(self):
        """Console credentials are given and the console is open (it is closed in maintenance mode)."""
        return self.has_console_credentials and not self.maintenance_on()

    def _read_maintenance(self):
        if self.shell is not None:
            # Documented and answered by the appliance itself: it wins over the HTTP reads.
            return self.shell.maintenance() == 'on'
        if self.version.has('manage_maintenance'):
            nodes = self.manage.maintenance()
            return any(n.get('status') in ('on', True) for n in nodes)
        data = self.legacy.maintenance() or {}
        return data.get('status') in ('on', True)

    def shell_export(self, refresh=False):
        """``(bytes, dict)``: the license usage export over the administrative shell, once per task (or again)."""
        if refresh:
            self._cache.pop('shell_export', None)
        return self._once('shell_export', self.shell.license_usage)

    def config_run_in_progress(self):
        return self.config_runner.running()

    # -- GHEC, read once per run and shared, each host reading only its own part ------------
    def _ghec_part(self, name, hostname, refresh=False):
        split = {'installations': installations_by_host, 'license_sync_status': sync_records_by_host,
                 'server_statistics': latest_statistics_by_host}[name]

        def fetch():
            # The GHEC client is built only by the task that fetches: the others read the cache.
            return getattr(self.ghec, name)()
        return self.shared.get_part(name, hostname, fetch, split, refresh=refresh)

    def ghec_access(self):
        """The enterprise as ghec_token sees it, checked (scope, enterprise, owner) with the run's first read."""
        return self._once('access', lambda: self._ghec_part('installations', None)[0]['enterprise'])

    def warm_ghec_reads(self):
        """Fetch the run's enterprise-wide reads (installations, license-sync status) without asking the appliance."""
        self.ghec_access()
        self._ghec_part('license_sync_status', None)

    def installation(self, hostname=None, refresh=False):
        """GHEC's installation of this appliance (or of ``hostname``), uploads included; None if GHEC has none.

        Several of one name: ``_identity.choose_installation`` decides; the others are under ``_others``.
        """
        name = normalise(hostname) if hostname else self.hostname
        if name is None:
            return None
        chosen, others = choose_installation(self._ghec_part('installations', name, refresh)[1])
        if chosen is not None and others:
            chosen = dict(chosen, _others=others)
        return chosen

    def installations_listed(self):
        """``(some host names, how many)`` GHEC lists: for the message that says this appliance is not among them."""
        common = self._ghec_part('installations', None)[0]
        return common.get('host_names') or [], common.get('total') or 0

    def sync_status(self, refresh=False, server_id=None):
        """``(observed_at, record)``: GHEC's clock, and its license-sync record of this appliance (or None).

        ``server_id``, when known, picks this appliance's record among several of its host name.
        """
        self.ghec_access()
        common, records = self._ghec_part('license_sync_status', self.hostname, refresh)
        return common['observed_at'], choose_sync_record(records, server_id)

    def server_statistics(self):
        """``(observed_at, {collection_date, features_enabled, server_id})``: this appliance's latest shared statistics, or None."""
        self.ghec_access()
        common, latest = self._ghec_part('server_statistics', self.hostname)
        return common['observed_at'], latest

    def instruction(self, action):
        """What a person does by hand for ``action`` on this appliance's release."""
        from ansible_collections.ghes.connect.plugins.module_utils._console import manual_instruction
        return manual_instruction(self.version, self.url, self.params.get('enterprise_slug') or 'github', action)

    def changed_state(self):
        """Called after any write: the shared GHEC reads may now be stale."""
        self.shared.invalidate()


def _setting(settings, key):
    """``settings[key]`` of a settings answer; None when the answer is not an object."""
    return settings.get(key) if isinstance(settings, dict) else None
