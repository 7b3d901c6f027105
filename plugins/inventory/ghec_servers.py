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
  - Reads the GraphQL C(enterpriseServerInstallations) connection (every page, following cursors), the REST
    C(license-sync-status) and the server statistics of the enterprise (the server id of an appliance's fresh
    statistics picks its sync record when a retired installation of the same name has one too). Sync ages are measured
    against GHEC's clock (its C(Date) header),
    so a controller whose clock is wrong neither invents nor hides stale syncs.
  - Requests are retried with backoff, honouring C(Retry-After) on rate limits (403/429) and transient errors.
  - The source file's name must end in C(ghec_servers.yml) or C(ghec_servers.yaml).
  - Host variables set for each installation - C(ghes_connected) (bool); C(ghes_customer_name);
    C(ghes_last_sync) (C({date, status, error}) or V(null) when GHEC has no sync record);
    C(ghes_last_upload) (the latest license usage upload, C({name, sync_state, created_at}), or V(null) when GHEC
    lists none or which is the latest cannot be told); C(ghes_last_upload_unknown) (why the latest upload cannot be
    told - of several uploads, one GHEC does not date readably could be the latest, or several differing ones carry the
    latest date -, else V(null));
    C(ghes_sync_age_days) (days since the last sync by GHEC's clock, one decimal, or V(null));
    C(ghes_sync_state) (V(never), V(failed), V(unknown), V(stale) or V(ok), in that order of precedence;
    V(unknown) when GHEC's sync date cannot be read as a date);
    C(ghes_installation) (C({id, host_name, server_id, created_at, updated_at}); C(server_id) only when
    GHEC has a sync record); C(ghes_other_installations) (the other installations GHEC lists under the same
    name, C([{id, host_name, is_connected, updated_at}]), usually a retired one; empty when there are none).
  - Groups - C(connected) or C(disconnected) (the installation's C(isConnected); C(connection_unknown) when GHEC's
    answer does not say); C(never_synced) (no sync record); C(sync_failed) (last sync status other than
    C(success)); C(sync_unknown) (a sync date that cannot be read); C(sync_stale) (last sync older than
    O(max_sync_age)); C(sync_ok) (last sync succeeded and is recent). A host can be in C(sync_failed) and
    C(sync_stale) at once. These are the rules M(ghes.connect.ghe_license_sync) and the drift check use; a
    sync dated after GHEC's clock counts as age 0, with a warning.
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
        (C(!vault)) in the source file, or as a template that reads another environment variable or a file of its
        own encrypted with C(ansible-vault encrypt) (run with C(--vault-password-file) or C(--ask-vault-pass)) -
        the EXAMPLES show each. Never write it in clear in the source file.
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
  ghec_api_version:
    description:
      - The GHEC REST API version every REST request names in its C(X-GitHub-Api-Version) header, a date. The
        default is the version this collection is tested against; GHEC answers 400 to a version it does not support.
    type: str
    default: '2022-11-28'
    env:
      - name: GHEC_API_VERSION
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
  max_sync_age:
    description:
      - Age from which the last license sync counts as stale (group C(sync_stale)), as a duration such as V(8d),
        V(36h), V(90m) or a number of seconds. Automatic license sync runs weekly, hence the 8-day default.
      - The modules' option of the same name means the same age, for example
        O(ghes.connect.ghe_license_sync#module:max_sync_age).
    type: str
    default: 8d
  hostnames:
    description:
      - How each host is named. V(host_name) uses the installation's host name as GHEC knows it (for example
        C(ghes-001.example.com)). V(short) uses its first label (C(ghes-001)), so this inventory merges with a
        static one whose hosts are named that way.
      - Names are lower-cased and lose a trailing dot, host names being case-insensitive. When two installations
        get the same name (an appliance restored or rebuilt and reconnected, GHEC keeping the retired record, or two
        domains in V(short) mode) the connected one is kept - among several connected, or none, the one updated
        last - exactly as the modules choose; a warning names them, and C(ghes_other_installations) lists the others.
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
max_sync_age: 10d
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
  # upload_success, upload_failure, upload_pending; upload_unknown when GHEC does not say which upload is the
  # latest or how it went; upload_none when it lists no upload
  - key: >-
      ((ghes_last_upload.sync_state | default('unknown', true)) if ghes_last_upload
      else ('unknown' if ghes_last_upload_unknown else 'none')) | lower
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

---
# env.ghec_servers.yml - the token from an environment variable of another name.
plugin: ghes.connect.ghec_servers
ghec_enterprise: acme
ghec_token: "{{ lookup('ansible.builtin.env', 'MY_TOKEN') }}"

---
# file.ghec_servers.yml - the token from a file encrypted with ansible-vault encrypt.
plugin: ghes.connect.ghec_servers
ghec_enterprise: acme
ghec_token: "{{ lookup('ansible.builtin.file', '/etc/ghes-connect/ghec_token.vault') }}"
'''

import hashlib
import os

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import check_api_version, check_urls, parse_duration
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import scrub_text
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import GhecClient, latest_statistics_by_host
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import choose_installation, choose_sync_record, normalise
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import NODE_FIELDS, parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import (
    FAILED,
    NEVER,
    OK,
    UNKNOWN,
    last_sync_of,
    parse_time,
    statistics_age,
    sync_health,
    unknown_health,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import latest_upload, shown
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy

# The shape of what the cache holds (GHEC's installation nodes as GraphQL gives them, since v2).
CACHE_FORMAT = 'v2'

SECONDS_PER_DAY = 86400
SOURCE_SUFFIXES = ('ghec_servers.yml', 'ghec_servers.yaml')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'ghes.connect.ghec_servers'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(SOURCE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        # Bad options fail here, before any request is made or any cache is read.
        max_sync_age = self._max_sync_age_seconds()
        snapshot = self._snapshot(path, cache)
        self._populate(snapshot, max_sync_age)

    # -- options ----------------------------------------------------------------------------
    def _max_sync_age_seconds(self):
        try:
            return parse_duration(self.get_option('max_sync_age'), 'max_sync_age')
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
        # CACHE_FORMAT: a cache written in an earlier shape is never read as this one.
        return '%s_%s_%s' % (self.get_cache_key(path), CACHE_FORMAT, hashlib.sha256(target.encode('utf-8')).hexdigest()[:12])

    def _fetch_snapshot(self):
        token = self._token()
        client = self._ghec_client(token)
        try:
            # installations first: its first page checks the token (scope, enterprise, owner) and names the fix.
            _enterprise, installations = client.installations()
            sync_status = client.license_sync_status()
            server_ids = _fresh_server_ids(client)
        except GhesConnectError as exc:
            # HttpClient already scrubs the token; scrubbing again costs nothing and guards the future.
            raise AnsibleError('ghes.connect.ghec_servers: %s' % scrub_text(str(exc), [token])) from None
        finally:
            # The kept-alive connection would otherwise stay open in ansible-playbook's process for
            # the whole run, and in every worker it forks.
            client.http.close_pool()
        return {
            'observed_at': sync_status['observed_at'],
            'clock_warning': sync_status['clock_warning'],
            'installations': [_documented_node(node) for node in installations],
            'sync_records': [_sync_record_facts(record) for record in sync_status['server_instances']],
            'server_ids': server_ids,
        }

    def _ghec_client(self, token):
        url = self.get_option('ghec_url')
        ca_path = self.get_option('ghec_ca_path')
        try:
            check_urls({'ghec_url': url})
            check_api_version(self.get_option('ghec_api_version'), 'ghec_api_version (environment variable GHEC_API_VERSION)')
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
        return GhecClient(http, self._enterprise(), api_version=self.get_option('ghec_api_version'))

    # -- building the inventory ---------------------------------------------------------------
    def _populate(self, snapshot, max_sync_age):
        observed_at = parse_time(snapshot['observed_at'])
        if snapshot.get('clock_warning'):
            self.display.warning('ghec_servers: %s.' % snapshot['clock_warning'])
        sync_by_host = {}
        for record in snapshot['sync_records']:
            sync_by_host.setdefault(normalise(record['hostname']), []).append(record)
        server_ids = snapshot.get('server_ids') or {}
        for name, installation in sorted(self._installations_by_host(snapshot['installations']).items()):
            host = normalise(installation.host_name.value)
            record, ambiguous = choose_sync_record(sync_by_host.get(host), server_ids.get(host))
            if not installation.is_connected.known:
                # As the modules: without knowing whether this installation is connected, a record of its name
                # proves nothing about it.
                health = unknown_health('%s, so its license sync record cannot be attributed to it'
                                        % installation.is_connected.reason)
            elif ambiguous:
                health = unknown_health(ambiguous)
            else:
                health = sync_health((record or {}).get('last_sync'), observed_at, max_sync_age,
                                     what='the last license sync of %s' % installation.name)
            if health['warning']:
                self.display.warning('ghec_servers: ' + health['warning'])
            self._add_host(name, installation_host_vars(installation, record, health),
                           state_groups(installation.is_connected.value, health))

    def _installations_by_host(self, nodes):
        """``{inventory hostname: Installation}``, filtered by connected_only, chosen as the modules choose."""
        candidates = {}
        for installation in (parse_installation(node) for node in nodes):
            if not installation.host_name.value:
                self.display.warning('ghec_servers: GHEC lists installation %s without a host name; skipped.'
                                     % installation.id.value)
                continue
            if self.get_option('connected_only') and installation.is_connected.value is not True:
                continue
            candidates.setdefault(inventory_hostname(installation.host_name.value, self.get_option('hostnames')),
                                  []).append(installation)
        chosen = {}
        for name, found in candidates.items():
            installation, others = choose_installation(found)
            if others:
                self.display.warning(
                    'ghec_servers: %d GHEC installations are named %s; using %s, as the modules do '
                    '(the connected one, else the one updated last); also listed: %s.'
                    % (len(found), name, _described(installation), ', '.join(_described(o) for o in others)))
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
def _fresh_server_ids(client):
    """``{host name: server_id}`` from each host's fresh server statistics: the appliance as it is now.

    Between several sync records of one name (a retired installation's and the current one's) the server id
    decides, as in the modules. Statistics are optional: without them (not shared, or not readable) the newest
    sync record is used.
    """
    try:
        read = client.server_statistics()
    except GhesConnectError:
        return {}
    common, latest = latest_statistics_by_host(read)
    now = parse_time(common['observed_at'])
    return dict((host, entry['server_id']) for host, entry in latest.items()
                if host and entry.get('server_id') and statistics_age(entry['collection_date'], now)[0])


def _documented_node(node):
    """An installation's GraphQL node as the cache keeps it: the fields the collection asks for, parsed when used."""
    return dict((key, node[key]) for key in NODE_FIELDS if key in node)


def _sync_record_facts(record):
    return {'server_id': record.get('server_id'), 'hostname': record.get('hostname'), 'last_sync': last_sync_of(record)}


# -- host names, variables and groups ---------------------------------------------------------
def inventory_hostname(host_name, source):
    name = normalise(host_name) or ''
    return name.split('.', 1)[0] if source == 'short' else name


def _described(installation):
    """``ID (connected, updated DATE)`` of an installation, for the warning that names several of one name."""
    connected = {True: 'connected', False: 'disconnected'}.get(installation.is_connected.value, 'connection unknown')
    return '%s (%s, updated %s)' % (installation.id.value, connected, installation.updated_at.value or 'never')


def installation_host_vars(installation, record, health):
    """The host variables of one ``Installation`` (its ``others`` included) and its license-sync record."""
    last_sync = (record or {}).get('last_sync')
    last_upload, last_upload_unknown = latest_upload(installation.uploads)
    age = health['age_seconds']
    return {
        'ghes_connected': installation.is_connected.value,
        'ghes_customer_name': installation.customer_name.value,
        'ghes_last_sync': dict(last_sync) if last_sync else None,
        'ghes_last_upload': shown(last_upload),
        'ghes_last_upload_unknown': last_upload_unknown,
        'ghes_sync_age_days': round(age / float(SECONDS_PER_DAY), 1) if age is not None else None,
        'ghes_sync_state': sync_state(health),
        'ghes_installation': dict(_names(installation), server_id=(record or {}).get('server_id'),
                                  created_at=installation.created_at.value),
        'ghes_other_installations': [dict(_names(o), is_connected=o.is_connected.value) for o in installation.others],
    }


def _names(installation):
    return {'id': installation.id.value, 'host_name': installation.host_name.value,
            'updated_at': installation.updated_at.value}


def sync_state(health):
    """``never``, ``failed``, ``unknown``, ``stale`` or ``ok``: ``_ghec.sync_health.sync_health``'s word."""
    return health['state']


def state_groups(connected, health):
    """The fixed groups of one host: its Connect state, plus every sync condition that holds."""
    groups = [{True: 'connected', False: 'disconnected'}.get(connected, 'connection_unknown')]
    state = health['state']
    if state == NEVER:
        groups.append('never_synced')
    if state == FAILED:
        groups.append('sync_failed')
    if state == UNKNOWN:
        groups.append('sync_unknown')
    if health['also_stale']:
        groups.append('sync_stale')
    if state == OK:
        groups.append('sync_ok')
    return groups
