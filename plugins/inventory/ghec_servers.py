# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: ghec_servers
short_description: Every GHES appliance a GitHub Enterprise Cloud enterprise knows, with its Connect and sync state
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Builds an inventory from what GitHub Enterprise Cloud (GHEC) knows about the enterprise's GitHub Enterprise
    Server (GHES) installations, one host per installation that ever connected with GitHub Connect or uploaded
    license usage, whether it is connected now, its last license sync and its last usage upload.
  - Shows the drift a static inventory hides - an appliance someone connected by hand, a retired one still
    syncing, a restored one that stopped syncing - and can be merged with a static inventory (O(hostnames=short))
    so that playbooks target, for example, C(ghes:&connected).
  - Reads the GraphQL C(enterpriseServerInstallations) connection (every page, following cursors) and the REST
    C(license-sync-status) of the enterprise. Sync ages are measured against GHEC's clock (its C(Date) header),
    so a controller whose clock is wrong neither invents nor hides stale syncs.
  - Requests are retried with backoff, honouring C(Retry-After) on rate limits (403/429) and transient errors.
  - The source file's name must end in C(ghec_servers.yml) or C(ghec_servers.yaml).
  - Host variables set for each installation - C(ghes_connected) (bool); C(ghes_customer_name);
    C(ghes_last_sync) (C({date, status, error}) or V(null) when GHEC has no sync record);
    C(ghes_last_upload) (the newest license usage upload, C({name, sync_state, created_at}), or V(null));
    C(ghes_sync_age_days) (days since the last sync by GHEC's clock, one decimal, or V(null));
    C(ghes_sync_state) (V(never), V(failed), V(stale) or V(ok), in that order of precedence);
    C(ghes_installation) (C({id, host_name, server_id, created_at, updated_at}); C(server_id) only when
    GHEC has a sync record).
  - Groups - C(connected) or C(disconnected) (the installation's C(isConnected)); C(never_synced) (no sync record);
    C(sync_failed) (last sync status other than C(success)); C(sync_stale) (last sync older than O(stale_after));
    C(sync_ok) (last sync succeeded and is recent). A host can be in C(sync_failed) and C(sync_stale) at once.
  - The token is sent only as an C(Authorization) header to O(ghec_url). It is never set as a variable, never
    written to the inventory cache (which holds only what GHEC answered) and is removed from every error message.
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the source file one of this plugin's.
    type: str
    required: true
    choices: [ghes.connect.ghec_servers]
  ghec_url:
    description:
      - Base URL of the GitHub Enterprise Cloud API. V(https://api.SUBDOMAIN.ghe.com) for GHE.com.
      - Must be an C(https://) URL without credentials, query or fragment.
    type: str
    default: https://api.github.com
    env:
      - name: GHEC_URL
  ghec_token:
    description:
      - Personal access token (classic) of an owner of the enterprise with the C(read:enterprise) scope
        (C(admin:enterprise) also works).
      - This is a secret. Give it through the environment variable E(GHEC_TOKEN), or as a vaulted string
        (C(!vault)) in the source file, or as a template such as
        C("{{ lookup('ansible.builtin.env', 'MY_TOKEN') }}"), or from a file of its own encrypted with
        C(ansible-vault encrypt) - C("{{ lookup('ansible.builtin.file', '/etc/ghes-connect/ghec_token.vault') }}")
        (run with C(--vault-password-file) or C(--ask-vault-pass)); never write it in clear in the source file.
        A value tagged C(!unsafe) is used literally, never templated.
      - Required.
    type: str
    env:
      - name: GHEC_TOKEN
  ghec_enterprise:
    description: Slug of the GHEC enterprise (C(https://github.com/enterprises/SLUG)). Required.
    type: str
    env:
      - name: GHEC_ENTERPRISE
  ghec_ca_path:
    description: PEM CA file trusted for GHEC instead of the system store.
    type: path
    env:
      - name: GHEC_CA_PATH
  ghec_validate_certs:
    description: Verify the GHEC TLS certificate. Turning this off lets an impostor read the token.
    type: bool
    default: true
    env:
      - name: GHEC_VALIDATE_CERTS
  timeout:
    description: Seconds to wait for each GHEC answer.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is sent again after a rate limit, a transient status (408, 429, 502, 503, 504)
        or a network error. Waits follow C(Retry-After) when GHEC sends it (at most 60 seconds), else an
        exponential backoff.
    type: int
    default: 5
  connected_only:
    description:
      - V(true) lists only installations that are connected now; V(false) also lists those GHEC knows but that
        are disconnected (retired, restored from backup, disconnected by hand).
    type: bool
    default: false
  stale_after:
    description:
      - Age from which the last license sync counts as stale (group C(sync_stale)), as a duration such as V(8d),
        V(36h), V(90m) or a number of seconds. Automatic license sync runs weekly, hence the 8-day default.
    type: str
    default: 8d
  hostnames:
    description:
      - How each host is named. V(host_name) uses the installation's host name as GHEC knows it (for example
        C(ghes-001.example.com)). V(short) uses its first label (C(ghes-001)), so this inventory merges with a
        static one whose hosts are named that way.
      - Names are lower-cased, host names being case-insensitive. When two installations get the same name (an
        appliance rebuilt with a new server ID, or two domains in V(short) mode) the most recently updated one
        is kept and a warning names the host.
    type: str
    choices: [host_name, short]
    default: host_name
notes:
  - The token must belong to an owner of the enterprise - GitHub shows Enterprise Server installations to owners only.
  - Every run costs three GHEC requests plus one per 100 installations; enable the inventory cache
    (O(cache=true)) to share one answer between runs.
  - GHEC lists an installation once an appliance connected, synced or uploaded usage; appliances that never did
    any of these are not in this inventory.
seealso:
  - module: ghes.connect.ghe_connect_info
  - module: ghes.connect.ghe_license_sync
  - plugin: ansible.builtin.constructed
    plugin_type: inventory
'''

EXAMPLES = r'''
# acme.ghec_servers.yml - every installation of the enterprise "acme"; the token comes from GHEC_TOKEN.
plugin: ghes.connect.ghec_servers
ghec_enterprise: acme

---
# fleet.ghec_servers.yml - named like the static inventory, cached for an hour, with extra groups.
# Run: ansible-playbook -i inventory/static.yml -i inventory/fleet.ghec_servers.yml \
#        ghes.connect.drift -e "ghes_target_hosts=ghes:&connected"
plugin: ghes.connect.ghec_servers
ghec_enterprise: acme
hostnames: short
stale_after: 10d
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ghes-connect-inventory
cache_timeout: 3600
groups:
  # connected, but its last sync failed or is old: Connect works, license sync does not
  connected_not_syncing: ghes_connected and ghes_sync_state in ['failed', 'stale', 'never']
keyed_groups:
  - key: ghes_customer_name
    prefix: customer
  - key: ghes_last_upload.sync_state | default('none', true) | lower
    prefix: upload
compose:
  ghes_sync_overdue_days: (ghes_sync_age_days - 7) if ghes_sync_age_days is not none else none

---
# connected.ghec_servers.yml - GHE.com, connected installations only, token from a vault.
plugin: ghes.connect.ghec_servers
ghec_url: https://api.octocorp.ghe.com
ghec_enterprise: octocorp
connected_only: true
ghec_token: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  6231...
'''

import hashlib
import os

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.ghes.connect.plugins.module_utils._argspec import check_urls, parse_duration
from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._ghec import GhecClient
from ansible_collections.ghes.connect.plugins.module_utils._http import HttpClient, RetryPolicy
from ansible_collections.ghes.connect.plugins.module_utils._redact import scrub_text
from ansible_collections.ghes.connect.plugins.module_utils._state import age_seconds, parse_time

SECONDS_PER_DAY = 86400
SOURCE_SUFFIXES = ('ghec_servers.yml', 'ghec_servers.yaml')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'ghes.connect.ghec_servers'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(SOURCE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        # Bad options fail here, before any request is made or any cache is read.
        stale_after = self._stale_after_seconds()
        snapshot = self._snapshot(path, cache)
        self._populate(snapshot, stale_after)

    # -- options ----------------------------------------------------------------------------
    def _stale_after_seconds(self):
        try:
            return parse_duration(self.get_option('stale_after'), 'stale_after')
        except GhesConnectError as exc:
            raise AnsibleParserError(str(exc)) from None

    def _token(self):
        """The token as plain text, whether it came from the environment, a vault or a template.

        A vaulted value is decrypted by converting it to text; a template (e.g. an env lookup) is
        rendered; an ``!unsafe`` value is not trusted as a template, so Ansible returns it as is.
        """
        value = self.get_option('ghec_token')
        if value is not None:
            value = self.templar.template(value)
        token = to_text(value) if value is not None else ''
        if not token.strip():
            raise AnsibleParserError('ghec_token is required: set GHEC_TOKEN in the environment, or ghec_token (vaulted) '
                                     'in the source file. It must be a classic token of an enterprise owner with the '
                                     'read:enterprise scope.')
        return token.strip()

    def _enterprise(self):
        enterprise = self.get_option('ghec_enterprise')
        if not enterprise:
            raise AnsibleParserError('ghec_enterprise is required: the slug of the GHEC enterprise '
                                     '(https://github.com/enterprises/SLUG), or GHEC_ENTERPRISE in the environment.')
        return enterprise

    # -- reading GHEC, or the cache -----------------------------------------------------------
    def _snapshot(self, path, cache):
        """What GHEC said, from the inventory cache when allowed and present, else fetched (and cached)."""
        use_cache = self.get_option('cache')
        key = self._cache_key(path)
        if use_cache and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass
        snapshot = self._fetch_snapshot()
        if use_cache:
            self._cache[key] = snapshot
        return snapshot

    def _cache_key(self, path):
        # The same source file may point at another enterprise through the environment: key on both.
        # Nothing derived from the token goes into the key (it is part of the cache file's name).
        target = '%s\n%s' % (self.get_option('ghec_url'), self._enterprise())
        return '%s_%s' % (self.get_cache_key(path), hashlib.sha256(target.encode('utf-8')).hexdigest()[:12])

    def _fetch_snapshot(self):
        token = self._token()
        client = self._ghec_client(token)
        try:
            # installations first: its first page checks the token (scope, enterprise, owner) and names the fix.
            _enterprise, installations = client.installations()
            sync_status = client.license_sync_status()
        except GhesConnectError as exc:
            # HttpClient already scrubs the token; scrubbing again costs nothing and guards the future.
            raise AnsibleError('ghes.connect.ghec_servers: %s' % scrub_text(str(exc), [token])) from None
        finally:
            # The kept-alive connection would otherwise stay open in ansible-playbook's process for
            # the whole run, and in every worker it forks.
            client.http.close()
        return {
            'observed_at': sync_status['observed_at'],
            'installations': [_installation_facts(node) for node in installations],
            'sync_records': [_sync_record_facts(record) for record in sync_status['server_instances']],
        }

    def _ghec_client(self, token):
        url = self.get_option('ghec_url')
        ca_path = self.get_option('ghec_ca_path')
        try:
            check_urls({'ghec_url': url})
        except GhesConnectError as exc:
            raise AnsibleParserError(str(exc)) from None
        if ca_path and not os.path.isfile(ca_path):
            raise AnsibleParserError('ghec_ca_path "%s" does not exist or is not a file: give the path of a PEM CA '
                                     'certificate on the controller.' % ca_path)
        if not self.get_option('ghec_validate_certs'):
            self.display.warning('ghec_servers: ghec_validate_certs is false, so the GHEC certificate is not verified '
                                 'and an impostor could read ghec_token. Prefer ghec_ca_path.')
        http = HttpClient(url, 'GHEC', validate_certs=self.get_option('ghec_validate_certs'), ca_path=ca_path,
                          timeout=self.get_option('timeout'), policy=RetryPolicy(retries=self.get_option('retries')),
                          token=token)
        return GhecClient(http, self._enterprise())

    # -- building the inventory ---------------------------------------------------------------
    def _populate(self, snapshot, stale_after):
        observed_at = parse_time(snapshot.get('observed_at'))
        sync_by_host = dict(((record['hostname'] or '').lower(), record) for record in snapshot['sync_records'])
        for name, installation in sorted(self._installations_by_host(snapshot['installations']).items()):
            record = sync_by_host.get(installation['host_name'].lower())
            age = sync_age_seconds(record, observed_at)
            self._add_host(name, installation_host_vars(installation, record, age, stale_after),
                           state_groups(installation['is_connected'], record, age, stale_after))

    def _installations_by_host(self, installations):
        """``{inventory hostname: installation}``, filtered by connected_only, one installation per name."""
        chosen = {}
        for installation in installations:
            if not installation['host_name']:
                self.display.warning('ghec_servers: GHEC lists installation %s without a host name; skipped.'
                                     % installation['id'])
                continue
            if self.get_option('connected_only') and not installation['is_connected']:
                continue
            name = inventory_hostname(installation['host_name'], self.get_option('hostnames'))
            if name in chosen:
                self.display.warning('ghec_servers: several GHEC installations are named %s; using the one updated '
                                     'last.' % name)
                installation = most_recently_updated(chosen[name], installation)
            chosen[name] = installation
        return chosen

    def _add_host(self, name, host_vars, groups):
        self.inventory.add_host(name)
        for var_name, value in host_vars.items():
            self.inventory.set_variable(name, var_name, value)
        for group in groups:
            self.inventory.add_group(group)
            self.inventory.add_child(group, name)
        strict = self.get_option('strict')
        self._set_composite_vars(self.get_option('compose'), host_vars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option('groups'), host_vars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_vars, name, strict=strict)


# -- what GHEC said, trimmed to what the inventory uses (this is also what the cache holds) -----
def _installation_facts(node):
    uploads = ((node.get('userAccountsUploads') or {}).get('nodes')) or []
    return {
        'id': node.get('id'),
        'host_name': node.get('hostName') or '',
        'customer_name': node.get('customerName'),
        'is_connected': bool(node.get('isConnected')),
        'created_at': node.get('createdAt'),
        'updated_at': node.get('updatedAt'),
        'last_upload': newest_upload(uploads),
    }


def _sync_record_facts(record):
    last_sync = record.get('last_sync') or {}
    return {
        'server_id': record.get('server_id'),
        'hostname': record.get('hostname'),
        'last_sync': dict((key, last_sync.get(key)) for key in ('date', 'status', 'error')) if last_sync else None,
    }


def newest_upload(uploads):
    """The most recent upload as ``{name, sync_state, created_at}``; GHEC does not promise an order."""
    if not uploads:
        return None
    newest = max(uploads, key=lambda upload: _sortable_time(upload.get('createdAt')))
    return {'name': newest.get('name'), 'sync_state': newest.get('syncState'), 'created_at': newest.get('createdAt')}


# -- host names, variables and groups ---------------------------------------------------------
def inventory_hostname(host_name, source):
    name = host_name.strip().lower()
    return name.split('.', 1)[0] if source == 'short' else name


def most_recently_updated(first, second):
    return second if _sortable_time(second['updated_at']) > _sortable_time(first['updated_at']) else first


def _sortable_time(text):
    when = parse_time(text)
    return when.timestamp() if when else float('-inf')


def sync_age_seconds(record, observed_at):
    """Seconds from the last sync to GHEC's ``observed_at``; None without a dated sync."""
    last_sync = (record or {}).get('last_sync') or {}
    # observed_at is GHEC's clock; only an answer without a Date header falls back to the controller's.
    age = age_seconds(last_sync.get('date'), now=observed_at)
    # A sync stamped a little after GHEC's Date header (different servers' clocks) is just recent.
    return max(age, 0) if age is not None else None


def installation_host_vars(installation, record, age, stale_after):
    last_sync = (record or {}).get('last_sync')
    return {
        'ghes_connected': installation['is_connected'],
        'ghes_customer_name': installation['customer_name'],
        'ghes_last_sync': dict(last_sync) if last_sync else None,
        'ghes_last_upload': dict(installation['last_upload']) if installation['last_upload'] else None,
        'ghes_sync_age_days': round(age / float(SECONDS_PER_DAY), 1) if age is not None else None,
        'ghes_sync_state': sync_state(record, age, stale_after),
        'ghes_installation': {
            'id': installation['id'],
            'host_name': installation['host_name'],
            'server_id': (record or {}).get('server_id'),
            'created_at': installation['created_at'],
            'updated_at': installation['updated_at'],
        },
    }


def _sync_flags(record, age, stale_after):
    """``(never, failed, stale)`` for the last sync, by the same rules as ghe_license_sync's drift check."""
    last_sync = (record or {}).get('last_sync') or {}
    if not last_sync.get('date'):
        return True, False, False
    failed = last_sync.get('status') != 'success'
    # A date GHEC wrote but we cannot read proves nothing recent: stale.
    stale = age is None or age > stale_after
    return False, failed, stale


def sync_state(record, age, stale_after):
    never, failed, stale = _sync_flags(record, age, stale_after)
    if never:
        return 'never'
    if failed:
        return 'failed'
    return 'stale' if stale else 'ok'


def state_groups(connected, record, age, stale_after):
    """The fixed groups of one host: its Connect state, plus every sync condition that holds."""
    never, failed, stale = _sync_flags(record, age, stale_after)
    groups = ['connected' if connected else 'disconnected']
    if never:
        groups.append('never_synced')
    if failed:
        groups.append('sync_failed')
    if stale:
        groups.append('sync_stale')
    if not (never or failed or stale):
        groups.append('sync_ok')
    return groups
