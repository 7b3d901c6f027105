# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The clients of one appliance and its GHEC enterprise, built from the task's options when first used.

Each client that needs an option the task did not give fails naming it. The Manage API, REST
and the console of one appliance may share an origin: one pool of kept-alive connections
serves every client of this appliance.

Every client module (and the HTTP layer with the standard library's TLS, HTTP, urllib and
cookie modules) is imported here, at the top: Ansible's linear strategy loads each task's
action plugin class in ansible-playbook's own process, so what the plugin imports is imported
once per run and inherited by every worker it forks. An import deferred to the worker was paid
again by every host's task (about 30 ms of CPU each: Ansible compiles a collection's modules
from source, without a bytecode cache).
"""

from __future__ import annotations

import os

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import (
    GHEC_API_VERSION,
    SECRET_OPTIONS,
    default_manage_url,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import how_to_set, where_set
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import GhecClient
from ansible_collections.ghes.connect.plugins.module_utils._ghec.links import PersonLinks
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.config_runs import ConfigRunner
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.console import ConsoleClient
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manage_api import ManageClient
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.rest import RestClient
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.setup_legacy import SetupLegacyClient
from ansible_collections.ghes.connect.plugins.module_utils._transport.connections import ConnectionPool
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy

# The most of one answer each interface reads (HttpClient's default elsewhere): generous for what each
# sends - the console's license usage export lists every user of a large enterprise; GHEC's pages are
# paginated - and far from what would cost the controller its memory (a 70 MB answer cost it 450 MB).
MAX_ANSWER_MB = {'GHES console': 64, 'GHEC': 32, 'GHEC web': 16, 'Manage GHES API': 16,
                 'Management Console API (/setup/api)': 16, 'GHES REST API': 16}

# A console page answering 503 with a long Retry-After is the maintenance page: waiting it out
# inside one read never helps (callers fall back to GHEC's documented reads).
CONSOLE_MAX_RETRY_AFTER = 5.0


class ApplianceClients:
    """``version()`` gives the appliance's ``GhesVersion`` (the console and config runs follow it);
    ``warnings`` collects what the connection options deserve to be told (TLS checks turned off)."""

    def __init__(self, params, version, policy=None, warnings=None, budgeted=False):
        # The URL options were checked with the rest of the task's inputs (_common/argspec.check_task_inputs).
        for option in ('ca_path', 'ghec_ca_path'):
            if params.get(option) and not os.path.isfile(params[option]):
                raise InputError('%s "%s" does not exist or is not a file: give the path of a PEM CA certificate on '
                                 'the controller.' % (option, params[option]))
        self.params = params
        self._version = version
        self.warnings = warnings if warnings is not None else []
        if not params.get('validate_certs', True):
            self.warnings.append('validate_certs is false: the appliance\'s TLS certificate is not verified, so its '
                                 'credentials could be sent to an impostor. Prefer ca_path.')
        if params.get('ghec_token') and not params.get('ghec_validate_certs', True):
            self.warnings.append('ghec_validate_certs is false: the GHEC certificate is not verified.')
        self.secrets = tuple(params[k] for k in SECRET_OPTIONS if params.get(k))
        self._policy = policy
        self._budgeted = budgeted
        self.url = params['url'].rstrip('/')
        self.manage_url = (params.get('manage_url') or default_manage_url(self.url)).rstrip('/')
        # The administrative shell (``_interfaces.admin_shell.AdminShell``) when the task reaches the host over SSH; set
        # by the action base from the task's own connection. Facts read it first where it answers.
        self.shell = None
        # Set by the task: waiter(what, timeout) tells the operator about a wait (module_utils._wait.Wait).
        self.waiter = None
        self.pool = None        # made with the first client: one pool for all of them
        self._built = {}

    def close_pool(self):
        """Close the connections kept open for every client of this appliance."""
        if self.pool is not None:
            self.pool.close()

    @property
    def policy(self):
        """The retry policy of every client (the task's ``retries``), unless the caller gave one."""
        if self._policy is None:
            self._policy = RetryPolicy(retries=self.params.get('retries', 5))
            if self._budgeted:  # from the first request on: the budget of one appliance of a fleet task
                self._policy = self._policy.with_budget(self.params.get('timeout', 30))
        return self._policy

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
        if self.pool is None:
            self.pool = ConnectionPool()
        cloud = service.startswith('GHEC')
        return HttpClient(
            base, service,
            validate_certs=self.params.get('ghec_validate_certs' if cloud else 'validate_certs', True),
            ca_path=self.params.get('ghec_ca_path' if cloud else 'ca_path'),
            timeout=self.params.get('timeout', 30), policy=policy or self.policy, secrets=self.secrets,
            pool=self.pool, address_from=self._address_from(base), max_answer=MAX_ANSWER_MB[service] * 1024 * 1024, **auth)

    def _once(self, key, build):
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    # -- the clients ------------------------------------------------------------------------
    @property
    def manage(self):
        def build():
            if not self.params.get('manage_password'):
                raise InputError('manage_password is required (the root site administrator password for the Manage '
                                 'GHES API): %s.' % how_to_set('manage_password'))
            return ManageClient(self._http(self.manage_url, 'Manage GHES API',
                                           basic_auth=(self.params.get('manage_username') or 'api_key',
                                                       self.params['manage_password'])))
        return self._once('manage', build)

    @property
    def legacy(self):
        def build():
            return SetupLegacyClient(self._http(self.manage_url, 'Management Console API (/setup/api)',
                                                basic_auth=('api_key', self.params.get('manage_password') or '')))
        return self._once('legacy', build)

    @property
    def rest(self):
        def build():
            if not self.params.get('token'):
                raise InputError('token is required here (a site administrator\'s token with the site_admin scope): %s.'
                                 % how_to_set('token'))
            return RestClient(self._http(self.url, 'GHES REST API', token=self.params['token']))
        return self._once('rest', build)

    @property
    def has_console_credentials(self):
        return bool(self.params.get('console_username') and self.params.get('console_password'))

    @property
    def console(self):
        def build():
            if not self.has_console_credentials:
                raise InputError('%s needs a console step, and method: console needs %s and %s (a site administrator '
                                 'of the appliance). Give them, or set method: manual to do the step by hand.'
                                 % (self.url, where_set('console_username'), where_set('console_password')))
            policy = RetryPolicy(retries=self.policy.retries, backoff=self.policy.backoff,
                                 max_retry_after=CONSOLE_MAX_RETRY_AFTER, sleep=self.policy.sleep, budget=self.policy.budget)
            return ConsoleClient(self._http(self.url, 'GHES console', policy=policy), self.params['console_username'],
                                 self.params['console_password'], self.params.get('enterprise_slug') or 'github',
                                 self._version(), totp_secret=self.params.get('console_totp_secret'),
                                 host_label=self.url, link_check=PersonLinks.from_params(self.params).check)
        return self._once('console', build)

    @property
    def ghec(self):
        def build():
            for option in ('ghec_token', 'ghec_enterprise'):
                if not self.params.get(option):
                    raise InputError('%s is required (the GHEC enterprise is where ghes.connect verifies the state it '
                                     'sets): %s.' % (option, how_to_set(option)))
            web = self._http(self.params['ghec_web_url'], 'GHEC web') if self.params.get('ghec_web_url') else None
            return GhecClient(self._http(self.params['ghec_url'], 'GHEC', token=self.params['ghec_token']),
                              self.params['ghec_enterprise'], web_http=web,
                              web_session=self.params.get('ghec_session'),
                              api_version=self.params.get('ghec_api_version', GHEC_API_VERSION))
        return self._once('ghec', build)

    @property
    def config_runner(self):
        def build():
            return ConfigRunner(self._version(), self.manage, self.legacy, waiter=self.waiter)
        return self._once('config_runner', build)
