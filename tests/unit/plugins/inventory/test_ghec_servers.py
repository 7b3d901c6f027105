# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ghec_servers inventory plugin, parsing real source files, with GHEC replaced by a fake at the transport.

The fake sits under ``HttpClient._send``, so the real HttpClient (retries, scrubbing) and the
real GhecClient (GraphQL pagination, typed errors) run as in production.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import os
from urllib.parse import urlsplit

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.plugins.inventory import display as inventory_display
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import add_fragments

from ansible_collections.ghes.connect.plugins.inventory import ghec_servers
from ansible_collections.ghes.connect.plugins.inventory.ghec_servers import (
    InventoryModule,
    inventory_hostname,
    state_groups,
    sync_state,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import PAGE_SIZE
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time, sync_health
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, Response

PLUGIN_NAME = 'ghes.connect.ghec_servers'
TOKEN = 'ghp_unit0test0token0never0shown'
GHEC_NOW = parse_time('2020-01-10T00:00:00Z')  # GHEC's clock: years behind the machine running the tests
DAY = 86400


# -- a fake GHEC behind HttpClient._send --------------------------------------------------------
def installation(host, connected=True, uploads=(), updated_at='2020-01-01T00:00:00Z', customer='Acme Corp'):
    return {'id': 'ESI_%s' % host, 'hostName': host, 'customerName': customer, 'isConnected': connected,
            'createdAt': '2019-06-01T00:00:00Z', 'updatedAt': updated_at,
            'userAccountsUploads': {'nodes': list(uploads)}}


def upload(name, state, created_at):
    return {'name': name, 'syncState': state, 'createdAt': created_at}


def synced(host, days_ago, status='success', error='', server_id=None):
    date = GHEC_NOW - datetime.timedelta(days=days_ago)
    return {'server_id': server_id or 'sid-%s' % host, 'hostname': host,
            'last_sync': {'date': date.strftime('%Y-%m-%dT%H:%M:%SZ'), 'status': status, 'error': error}}


class FakeGhec:
    """Answers the three reads of the plugin like GHEC; records every request."""

    def __init__(self, installations=(), sync_records=(), token=TOKEN, scopes='read:enterprise', enterprise='acme'):
        self.installations = list(installations)
        self.sync_records = list(sync_records)
        self.statistics = None      # None: 404, as when nothing is shared
        self.token = token
        self.scopes = scopes
        self.enterprise = enterprise
        self.owner = True
        self.rate_limited_answers = 0
        self.requests = []

    def send(self, http, method, url, data, headers):
        path = urlsplit(url).path
        body = json.loads(data) if data else None
        self.requests.append((method, path, body))
        if http.headers.get('Authorization') != 'token %s' % self.token:
            return self.answer(401, {'message': 'Bad credentials'})
        if self.rate_limited_answers:
            self.rate_limited_answers -= 1
            return self.answer(403, {'message': 'API rate limit exceeded'}, {'retry-after': '0'})
        if path == '/graphql':
            return self.graphql(body['query'], body['variables'])
        if path == '/enterprises/%s/license-sync-status' % self.enterprise:
            return self.answer(200, {'server_instances': self.sync_records})
        if path == '/enterprise-installation/%s/server-statistics' % self.enterprise and self.statistics is not None:
            return self.answer(200, self.statistics)
        return self.answer(404, {'message': 'Not Found'})

    def graphql(self, query, variables):
        if not {'read:enterprise', 'admin:enterprise'} & set(self.scopes.split(', ')):
            return self.answer(200, {'errors': [{'type': 'INSUFFICIENT_SCOPES', 'message': 'scope'}]})
        if variables['slug'] != self.enterprise:
            return self.answer(200, {'data': {'enterprise': None}, 'errors': [{'type': 'NOT_FOUND', 'message': 'no'}]})
        enterprise = dict((field, value) for field, value in
                          (('slug', 'acme'), ('name', 'Acme'), ('viewerIsAdmin', self.owner)) if field in query)
        if not self.owner:
            return self.answer(200, {'data': {'enterprise': dict(enterprise, ownerInfo=None)},
                                     'errors': [{'type': 'FORBIDDEN', 'message': 'not an owner'}]})
        start = int(variables.get('after') or 0)
        nodes = self.installations[start:start + PAGE_SIZE]
        end = start + len(nodes)
        page = {'hasNextPage': end < len(self.installations), 'endCursor': str(end)}
        return self.answer(200, {'data': {'enterprise': dict(enterprise, ownerInfo={'enterpriseServerInstallations': {
            'nodes': nodes, 'pageInfo': page}})}})

    def answer(self, status, payload, headers=None):
        all_headers = {'date': email.utils.format_datetime(GHEC_NOW, usegmt=True), 'x-oauth-scopes': self.scopes}
        all_headers.update(headers or {})
        return Response(status, all_headers, json.dumps(payload).encode('utf-8'), 'https://ghec.test')

    def graphql_pages(self):
        return [body['variables'].get('after') for method, path, body in self.requests
                if path == '/graphql' and 'ownerInfo' in body['query']]


@pytest.fixture
def ghec(monkeypatch):
    fake = FakeGhec()

    def send(http, method, url, data, headers, reusable=False):   # a plain function: the client is ``http``
        return fake.send(http, method, url, data, headers)

    monkeypatch.setattr(HttpClient, '_send', send)
    return fake


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Options come from the source file and GHEC_TOKEN only, whatever the developer's shell holds."""
    for name in list(os.environ):
        if name.startswith(('GHEC_', 'ANSIBLE_INVENTORY_', 'ANSIBLE_CACHE_')):
            monkeypatch.delenv(name)
    monkeypatch.setenv('GHEC_TOKEN', TOKEN)


# -- running the plugin as ansible-inventory does ------------------------------------------------
def new_plugin():
    """The plugin with its documented options registered, as the plugin loader would do."""
    if not C.config.has_configuration_definition('inventory', PLUGIN_NAME):
        docs = yaml.safe_load(ghec_servers.DOCUMENTATION)
        # Short names resolve with or without the collection loader (plain pytest has none).
        docs['extends_documentation_fragment'] = [name.replace('ansible.builtin.', '')
                                                  for name in docs['extends_documentation_fragment']]
        add_fragments(docs, ghec_servers.__file__, fragment_loader=fragment_loader)
        C.config.initialize_plugin_configuration_definitions('inventory', PLUGIN_NAME, docs['options'])
    plugin = InventoryModule()
    plugin._load_name = plugin.ansible_name = PLUGIN_NAME
    plugin._redirected_names = [PLUGIN_NAME]
    return plugin


def source(tmp_path, name='fleet.ghec_servers.yml', **options):
    config = {'plugin': PLUGIN_NAME, 'ghec_url': 'https://ghec.test', 'ghec_enterprise': 'acme'}
    config.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def parse(path, cache=True, loader=None):
    """Parse ``path`` like InventoryManager does (including the cache write); return the inventory."""
    plugin = new_plugin()
    inventory = InventoryData()
    plugin.parse(inventory, loader or DataLoader(), path, cache=cache)
    if plugin.get_option('cache'):      # without it there is no cache plugin to write to
        plugin.update_cache_if_changed()
    inventory.reconcile_inventory()
    return inventory


def groups_of(inventory, host):
    return sorted(g.name for g in inventory.get_host(host).get_groups() if g.name != 'all')


def host_vars(inventory, host):
    return inventory.get_host(host).get_vars()


def mixed_fleet(ghec):
    ghec.installations = [
        installation('ok.example.com'),
        installation('stale.example.com'),
        installation('failed.example.com'),
        installation('old-failure.example.com'),
        installation('never.example.com'),
        installation('retired.example.com', connected=False),
    ]
    ghec.sync_records = [
        synced('ok.example.com', 1),
        synced('stale.example.com', 12),
        synced('failed.example.com', 2, status='failure', error='upload failed'),
        synced('old-failure.example.com', 20, status='failure', error='unreachable'),
        synced('retired.example.com', 3),
    ]


# -- verify_file ----------------------------------------------------------------------------------
@pytest.mark.parametrize('name, wanted', [
    ('prod.ghec_servers.yml', True), ('ghec_servers.yaml', True),
    ('prod.ghec_servers.json', False), ('hosts.yml', False)])
def test_only_ghec_servers_sources_are_claimed(tmp_path, name, wanted):
    path = tmp_path / name
    path.write_text('plugin: %s\n' % PLUGIN_NAME)
    assert new_plugin().verify_file(str(path)) is wanted


# -- listing and pagination ----------------------------------------------------------------------
def test_every_installation_is_listed_across_graphql_pages(ghec, tmp_path):
    ghec.installations = [installation('extra-%04d.example.com' % i, connected=i % 3 != 0) for i in range(250)]
    inventory = parse(source(tmp_path))
    assert len(inventory.hosts) == 250
    assert ghec.graphql_pages() == [None, '100', '200']
    assert len(inventory.groups['disconnected'].get_hosts()) == 84
    assert len(inventory.groups['never_synced'].get_hosts()) == 250


def test_a_rate_limited_request_is_retried_after_retry_after(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    ghec.rate_limited_answers = 2
    inventory = parse(source(tmp_path))
    assert list(inventory.hosts) == ['a.example.com']
    assert [r[1] for r in ghec.requests][:3] == ['/graphql'] * 3


def test_retries_option_bounds_the_retries(ghec, tmp_path):
    ghec.rate_limited_answers = 5
    with pytest.raises(AnsibleError, match='Rate limited'):
        parse(source(tmp_path, retries=1))
    assert len(ghec.requests) == 2


# -- groups and variables -------------------------------------------------------------------------
def test_each_sync_condition_gets_its_groups(ghec, tmp_path):
    mixed_fleet(ghec)
    inventory = parse(source(tmp_path))
    assert {host: groups_of(inventory, host) for host in inventory.hosts} == {
        'ok.example.com': ['connected', 'sync_ok'],
        'stale.example.com': ['connected', 'sync_stale'],
        'failed.example.com': ['connected', 'sync_failed'],
        'old-failure.example.com': ['connected', 'sync_failed', 'sync_stale'],
        'never.example.com': ['connected', 'never_synced'],
        'retired.example.com': ['disconnected', 'sync_ok'],
    }


def test_host_vars_describe_connect_sync_and_upload(ghec, tmp_path):
    ghec.installations = [installation('a.example.com', uploads=[upload('u1.json', 'SUCCESS', '2020-01-05T00:00:00Z')])]
    ghec.sync_records = [synced('a.example.com', 2.5, status='failure', error='boom', server_id='sid-1')]
    found = host_vars(parse(source(tmp_path)), 'a.example.com')
    assert dict((k, v) for k, v in found.items() if k.startswith('ghes_')) == {
        'ghes_connected': True,
        'ghes_customer_name': 'Acme Corp',
        'ghes_last_sync': {'date': '2020-01-07T12:00:00Z', 'status': 'failure', 'error': 'boom'},
        'ghes_last_upload': {'name': 'u1.json', 'sync_state': 'SUCCESS', 'created_at': '2020-01-05T00:00:00Z'},
        'ghes_last_upload_unknown': None,
        'ghes_sync_age_days': 2.5,
        'ghes_sync_state': 'failed',
        'ghes_installation': {'id': 'ESI_a.example.com', 'host_name': 'a.example.com', 'server_id': 'sid-1',
                              'created_at': '2019-06-01T00:00:00Z', 'updated_at': '2020-01-01T00:00:00Z'},
        'ghes_other_installations': [],
    }


def test_never_synced_host_has_null_sync_vars(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    found = host_vars(parse(source(tmp_path)), 'a.example.com')
    assert (found['ghes_last_sync'], found['ghes_sync_age_days'], found['ghes_sync_state'],
            found['ghes_last_upload']) == (None, None, 'never', None)


def test_sync_age_is_measured_on_ghec_clock_not_the_controllers(ghec, tmp_path):
    # GHEC's Date says 2020-01-10; a sync on 2020-01-09 is one day old however late the controller's clock is.
    ghec.installations = [installation('a.example.com')]
    ghec.sync_records = [synced('a.example.com', 1)]
    inventory = parse(source(tmp_path))
    assert host_vars(inventory, 'a.example.com')['ghes_sync_age_days'] == 1.0
    assert groups_of(inventory, 'a.example.com') == ['connected', 'sync_ok']


def test_sync_record_is_matched_by_host_name_case_insensitively(ghec, tmp_path):
    ghec.installations = [installation('GHES-1.Example.com')]
    ghec.sync_records = [synced('ghes-1.example.com', 1)]
    assert groups_of(parse(source(tmp_path)), 'ghes-1.example.com') == ['connected', 'sync_ok']


@pytest.mark.parametrize('age, expected', [(8 * DAY, 'ok'), (8 * DAY + 1, 'stale')])
def test_stale_means_strictly_older_than_max_sync_age(age, expected):
    date = (GHEC_NOW - datetime.timedelta(seconds=age)).strftime('%Y-%m-%dT%H:%M:%SZ')
    health = sync_health({'date': date, 'status': 'success'}, GHEC_NOW, 8 * DAY)
    assert sync_state(health) == expected
    assert state_groups(True, health) == ['connected', 'sync_%s' % expected]


def test_a_sync_date_that_cannot_be_read_is_unknown_not_stale_nor_healthy():
    # The same rule as the modules: a date nobody can read proves nothing either way.
    health = sync_health({'date': 'last Tuesday', 'status': 'success'}, GHEC_NOW, 8 * DAY)
    assert sync_state(health) == 'unknown'
    assert state_groups(False, health) == ['disconnected', 'sync_unknown']


def test_an_unparsable_date_in_the_inventory_puts_the_host_in_sync_unknown(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    ghec.sync_records = [{'server_id': 's', 'hostname': 'a.example.com',
                          'last_sync': {'date': 'yesterday', 'status': 'success', 'error': ''}}]
    inventory = parse(source(tmp_path))
    assert groups_of(inventory, 'a.example.com') == ['connected', 'sync_unknown']
    assert host_vars(inventory, 'a.example.com')['ghes_sync_state'] == 'unknown'
    assert host_vars(inventory, 'a.example.com')['ghes_sync_age_days'] is None


def test_a_sync_dated_in_the_future_counts_as_age_zero_with_a_warning(ghec, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(inventory_display, 'warning', warnings.append)
    ghec.installations = [installation('a.example.com')]
    ghec.sync_records = [synced('a.example.com', -0.5)]
    inventory = parse(source(tmp_path))
    assert host_vars(inventory, 'a.example.com')['ghes_sync_age_days'] == 0.0
    assert groups_of(inventory, 'a.example.com') == ['connected', 'sync_ok']
    assert len(warnings) == 1 and 'in the future' in warnings[0] and 'a.example.com' in warnings[0]


def test_a_retired_installation_of_the_same_name_never_hides_the_current_one(ghec, tmp_path, monkeypatch):
    # GHEC keeps the retired record (listed first, disconnected, even updated later by a stray upload)
    # and its old sync record: the connected installation and the newest sync are the appliance's.
    warnings = []
    monkeypatch.setattr(inventory_display, 'warning', warnings.append)
    ghec.installations = [
        installation('ghes-1.example.com', connected=False, updated_at='2020-01-09T00:00:00Z'),
        installation('GHES-1.example.com.', connected=True, updated_at='2020-01-08T00:00:00Z'),
    ]
    ghec.installations[0]['id'], ghec.installations[1]['id'] = 'ESI_retired', 'ESI_current'
    ghec.sync_records = [synced('ghes-1.example.com', 30, server_id='old'), synced('ghes-1.example.com.', 1, server_id='new')]
    # The appliance's fresh statistics name its server: without them, two servers' records are nobody's (below).
    ghec.statistics = [{'server_id': 'new', 'host_name': 'ghes-1.example.com', 'collection_date': '2020-01-09T00:00:00Z',
                        'github_connect': {'features_enabled': ['license_usage_sync']}}]
    inventory = parse(source(tmp_path))
    assert list(inventory.hosts) == ['ghes-1.example.com']
    variables = host_vars(inventory, 'ghes-1.example.com')
    assert variables['ghes_installation']['id'] == 'ESI_current' and variables['ghes_installation']['server_id'] == 'new'
    assert [o['id'] for o in variables['ghes_other_installations']] == ['ESI_retired']
    assert groups_of(inventory, 'ghes-1.example.com') == ['connected', 'sync_ok']
    assert len(warnings) == 1 and 'ESI_retired' in warnings[0] and 'ESI_current' in warnings[0]
    ghec.statistics = None
    assert groups_of(parse(source(tmp_path), cache=False), 'ghes-1.example.com') == ['connected', 'sync_unknown']


def test_the_server_id_of_fresh_statistics_picks_the_sync_record_of_the_current_installation(ghec, tmp_path):
    # The retired installation's record is newer (and a success); the current appliance's last sync failed.
    ghec.installations = [installation('ghes-1.example.com', connected=False), installation('ghes-1.example.com')]
    ghec.sync_records = [synced('ghes-1.example.com', 0.2, server_id='old'),
                         synced('ghes-1.example.com', 1, status='failure', error='boom', server_id='new')]
    ghec.statistics = [{'server_id': 'new', 'host_name': 'GHES-1.example.com', 'collection_date': '2020-01-09T00:00:00Z',
                        'github_connect': {'features_enabled': ['license_usage_sync']}}]
    inventory = parse(source(tmp_path))
    assert host_vars(inventory, 'ghes-1.example.com')['ghes_installation']['server_id'] == 'new'
    assert groups_of(inventory, 'ghes-1.example.com') == ['connected', 'sync_failed']
    # stale statistics say nothing about the appliance now: two servers' records, and none known to be its own
    ghec.statistics[0]['collection_date'] = '2019-12-01T00:00:00Z'
    assert groups_of(parse(source(tmp_path)), 'ghes-1.example.com') == ['connected', 'sync_unknown']


def test_an_installation_whose_answer_lacks_is_connected_is_in_connection_unknown(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    del ghec.installations[0]['isConnected']
    inventory = parse(source(tmp_path))
    # As the modules: whether GHEC records a sync of an installation that does not say it is connected proves nothing.
    assert groups_of(inventory, 'a.example.com') == ['connection_unknown', 'sync_unknown']
    assert host_vars(inventory, 'a.example.com')['ghes_connected'] is None


def test_max_sync_age_is_a_duration(ghec, tmp_path):
    mixed_fleet(ghec)
    inventory = parse(source(tmp_path, max_sync_age='36h'))
    assert sorted(h.name for h in inventory.groups['sync_stale'].get_hosts()) == [
        'failed.example.com', 'old-failure.example.com', 'retired.example.com', 'stale.example.com']


def test_an_invalid_max_sync_age_fails_before_any_request(ghec, tmp_path):
    with pytest.raises(AnsibleError, match='max_sync_age must be a duration like 8d'):
        parse(source(tmp_path, max_sync_age='a week'))
    assert ghec.requests == []


def test_newest_upload_wins_whatever_order_ghec_returns(ghec, tmp_path):
    ghec.installations = [installation('a.example.com', uploads=[
        upload('old.json', 'FAILURE', '2020-01-01T00:00:00Z'),
        upload('new.json', 'PENDING', '2020-01-08T00:00:00Z'),
        upload('mid.json', 'SUCCESS', '2020-01-04T00:00:00Z')])]
    assert host_vars(parse(source(tmp_path)), 'a.example.com')['ghes_last_upload']['name'] == 'new.json'


def test_the_last_upload_is_null_with_the_reason_while_one_of_several_cannot_be_dated(ghec, tmp_path):
    # The undated upload may be the newest: the inventory showed new.json, a guess.
    ghec.installations = [installation('a.example.com', uploads=[
        upload('new.json', 'SUCCESS', '2020-01-08T00:00:00Z'), upload('undated.json', 'FAILURE', None)])]
    found = host_vars(parse(source(tmp_path)), 'a.example.com')
    assert found['ghes_last_upload'] is None
    assert found['ghes_last_upload_unknown'] == ('which upload is the latest cannot be told: createdAt is null in '
                                                 'GHEC\'s upload "undated.json"')


def test_a_host_with_a_readable_latest_upload_or_none_has_no_reason(ghec, tmp_path):
    ghec.installations = [installation('a.example.com', uploads=[upload('new.json', 'SUCCESS', '2020-01-08T00:00:00Z')]),
                          installation('b.example.com')]
    inventory = parse(source(tmp_path))
    assert host_vars(inventory, 'a.example.com')['ghes_last_upload_unknown'] is None
    assert (host_vars(inventory, 'b.example.com')['ghes_last_upload'], host_vars(inventory, 'b.example.com')['ghes_last_upload_unknown']) == (None, None)


# -- connected_only and host names -------------------------------------------------------------------
def test_connected_only_drops_disconnected_installations(ghec, tmp_path):
    mixed_fleet(ghec)
    inventory = parse(source(tmp_path, connected_only=True))
    assert 'retired.example.com' not in inventory.hosts
    assert len(inventory.hosts) == 5
    assert 'disconnected' not in inventory.groups


def test_short_hostnames_use_the_first_label_lower_cased(ghec, tmp_path):
    ghec.installations = [installation('GHES-001.corp.example.com')]
    inventory = parse(source(tmp_path, hostnames='short'))
    assert list(inventory.hosts) == ['ghes-001']
    assert host_vars(inventory, 'ghes-001')['ghes_installation']['host_name'] == 'GHES-001.corp.example.com'


@pytest.mark.parametrize('host_name, mode, expected', [
    ('ghes-001.example.com', 'host_name', 'ghes-001.example.com'),
    ('ghes-001.example.com', 'short', 'ghes-001'),
    ('Ghes-001', 'short', 'ghes-001'),
])
def test_inventory_hostname(host_name, mode, expected):
    assert inventory_hostname(host_name, mode) == expected


def test_installations_sharing_a_name_keep_the_latest_and_warn(ghec, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(inventory_display, 'warning', warnings.append)
    ghec.installations = [
        installation('ghes-1.a.example.com', connected=False, updated_at='2020-01-02T00:00:00Z'),
        installation('ghes-1.b.example.com', connected=True, updated_at='2020-01-05T00:00:00Z'),
        installation('ghes-1.c.example.com', connected=False, updated_at='2020-01-03T00:00:00Z'),
    ]
    inventory = parse(source(tmp_path, hostnames='short'))
    assert list(inventory.hosts) == ['ghes-1']
    assert host_vars(inventory, 'ghes-1')['ghes_installation']['host_name'] == 'ghes-1.b.example.com'
    assert len(host_vars(inventory, 'ghes-1')['ghes_other_installations']) == 2
    assert len(warnings) == 1 and 'ghes-1' in warnings[0]


# -- constructed features ----------------------------------------------------------------------------
def test_keyed_groups_groups_and_compose_see_the_host_vars(ghec, tmp_path):
    mixed_fleet(ghec)
    ghec.installations.append(installation('other.example.com', customer='Globex'))
    inventory = parse(source(
        tmp_path,
        keyed_groups=[{'key': 'ghes_customer_name', 'prefix': 'customer'},
                      {'key': 'ghes_sync_state', 'prefix': 'sync_state'}],
        groups={'connected_not_syncing': "ghes_connected and ghes_sync_state != 'ok'"},
        compose={'ghes_needs_attention': "ghes_sync_state in ['failed', 'never']"}))
    assert sorted(h.name for h in inventory.groups['customer_Globex'].get_hosts()) == ['other.example.com']
    assert len(inventory.groups['customer_Acme_Corp'].get_hosts()) == 6
    assert sorted(h.name for h in inventory.groups['sync_state_never'].get_hosts()) == [
        'never.example.com', 'other.example.com']
    assert sorted(h.name for h in inventory.groups['connected_not_syncing'].get_hosts()) == [
        'failed.example.com', 'never.example.com', 'old-failure.example.com', 'other.example.com',
        'stale.example.com']
    assert host_vars(inventory, 'failed.example.com')['ghes_needs_attention'] is True
    assert host_vars(inventory, 'ok.example.com')['ghes_needs_attention'] is False


def test_strict_makes_a_broken_compose_fatal(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    lenient = parse(source(tmp_path, compose={'x': 'no_such_var.attr'}))
    assert 'x' not in host_vars(lenient, 'a.example.com')
    with pytest.raises(AnsibleError, match='Could not set x'):
        parse(source(tmp_path, strict=True, compose={'x': 'no_such_var.attr'}))


# -- cache -----------------------------------------------------------------------------------------
def cached_source(tmp_path, **options):
    return source(tmp_path, cache=True, cache_plugin='jsonfile',
                  cache_connection=str(tmp_path / 'cache'), **options)


def cache_files(tmp_path):
    return sorted((tmp_path / 'cache').iterdir())


def test_cache_holds_what_ghec_said_but_not_the_token(ghec, tmp_path):
    mixed_fleet(ghec)
    parse(cached_source(tmp_path))
    files = cache_files(tmp_path)
    assert len(files) == 1
    text = files[0].read_text()
    assert 'stale.example.com' in text
    assert TOKEN not in text and TOKEN not in files[0].name


def test_a_cached_inventory_is_served_without_asking_ghec(ghec, tmp_path, monkeypatch):
    mixed_fleet(ghec)
    path = cached_source(tmp_path)
    first = parse(path)
    requests_made = len(ghec.requests)
    monkeypatch.setenv('GHEC_TOKEN', 'ghp_revoked_since')
    second = parse(path)
    assert len(ghec.requests) == requests_made
    assert {h: groups_of(second, h) for h in second.hosts} == {h: groups_of(first, h) for h in first.hosts}


def test_cached_answers_are_regrouped_with_the_current_options(ghec, tmp_path):
    mixed_fleet(ghec)
    parse(cached_source(tmp_path))
    requests_made = len(ghec.requests)
    regrouped = parse(cached_source(tmp_path, connected_only=True, hostnames='short'))
    assert len(ghec.requests) == requests_made
    assert sorted(regrouped.hosts) == ['failed', 'never', 'ok', 'old-failure', 'stale']


def test_refreshing_the_cache_asks_ghec_again(ghec, tmp_path):
    mixed_fleet(ghec)
    path = cached_source(tmp_path)
    parse(path)
    ghec.installations.append(installation('new.example.com'))
    assert 'new.example.com' not in parse(path).hosts
    assert 'new.example.com' in parse(path, cache=False).hosts      # ansible-inventory --flush-cache
    assert 'new.example.com' in parse(path).hosts


def test_another_enterprise_from_the_environment_does_not_reuse_the_cache(ghec, tmp_path, monkeypatch):
    mixed_fleet(ghec)
    path = cached_source(tmp_path)
    parse(path)
    config = yaml.safe_load(open(path))
    del config['ghec_enterprise']
    with open(path, 'w') as handle:
        yaml.safe_dump(config, handle)
    monkeypatch.setenv('GHEC_ENTERPRISE', 'globex')
    with pytest.raises(AnsibleError, match='enterprise "globex" does not exist'):
        parse(path)


# -- the token -------------------------------------------------------------------------------------
def everything_shown(inventory):
    return json.dumps({'hosts': {h.name: h.get_vars() for h in inventory.hosts.values()},
                       'groups': {g.name: g.get_vars() for g in inventory.groups.values()}}, default=str)


def test_the_token_is_in_no_host_or_group_var(ghec, tmp_path):
    mixed_fleet(ghec)
    inventory = parse(source(tmp_path))
    assert 'ok.example.com' in everything_shown(inventory)
    assert TOKEN not in everything_shown(inventory)


def test_a_vaulted_token_is_decrypted(ghec, tmp_path, monkeypatch):
    monkeypatch.delenv('GHEC_TOKEN')
    secret = VaultSecret(b'vault-password')
    ciphertext = VaultLib([('default', secret)]).encrypt(TOKEN).decode()
    path = tmp_path / 'vault.ghec_servers.yml'
    path.write_text('plugin: %s\nghec_url: https://ghec.test\nghec_enterprise: acme\nghec_token: !vault |\n  %s\n'
                    % (PLUGIN_NAME, ciphertext.replace('\n', '\n  ')))
    loader = DataLoader()
    use_vault_secret(monkeypatch, loader, secret)
    ghec.installations = [installation('a.example.com')]
    assert list(parse(str(path), loader=loader).hosts) == ['a.example.com']


def use_vault_secret(monkeypatch, loader, secret):
    """What ``--vault-password-file`` sets up: the loader's secrets and, from ansible-core 2.19, the ambient ones."""
    loader.set_vault_secrets([('default', secret)])
    try:
        from ansible.parsing.vault import VaultSecretsContext
    except ImportError:  # ansible-core < 2.19 decrypts with the loader's secrets alone
        return
    monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext([('default', secret)]))


def test_a_templated_token_is_rendered(ghec, tmp_path, monkeypatch):
    monkeypatch.delenv('GHEC_TOKEN')
    monkeypatch.setenv('MY_GHEC_TOKEN', TOKEN)
    ghec.installations = [installation('a.example.com')]
    path = source(tmp_path, ghec_token="{{ lookup('env', 'MY_GHEC_TOKEN') }}")
    assert list(parse(path).hosts) == ['a.example.com']


def test_an_unsafe_token_is_used_literally(ghec, tmp_path, monkeypatch):
    monkeypatch.delenv('GHEC_TOKEN')
    ghec.token = "{{ not_a_template }}"
    ghec.installations = [installation('a.example.com')]
    path = tmp_path / 'unsafe.ghec_servers.yml'
    path.write_text("plugin: %s\nghec_url: https://ghec.test\nghec_enterprise: acme\n"
                    "ghec_token: !unsafe '{{ not_a_template }}'\n" % PLUGIN_NAME)
    assert list(parse(str(path)).hosts) == ['a.example.com']


def test_a_refused_token_is_named_but_never_shown(ghec, tmp_path):
    ghec.token = 'ghp_the_right_one'
    with pytest.raises(AnsibleError) as raised:
        parse(source(tmp_path))
    assert '401 Bad credentials' in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_server_echoing_the_token_is_scrubbed(ghec, tmp_path, monkeypatch):
    monkeypatch.setattr(FakeGhec, 'graphql', lambda self, query, variables: self.answer(
        500, {'message': 'internal error while handling %s' % TOKEN}))
    with pytest.raises(AnsibleError) as raised:
        parse(source(tmp_path, retries=0))
    assert 'internal error while handling ********' in str(raised.value)
    assert TOKEN not in str(raised.value)


# -- other errors -----------------------------------------------------------------------------------
def test_a_token_without_scope_says_which_scope_is_missing(ghec, tmp_path):
    ghec.scopes = 'repo'
    with pytest.raises(AnsibleError, match='lacks the read:enterprise scope .it has: repo.'):
        parse(source(tmp_path))


def test_an_unknown_enterprise_says_how_to_find_the_slug(ghec, tmp_path):
    with pytest.raises(AnsibleError, match=r'enterprise "globex" does not exist .*check ghec_enterprise'):
        parse(source(tmp_path, ghec_enterprise='globex'))


def test_a_missing_token_fails_before_any_request(ghec, tmp_path, monkeypatch):
    monkeypatch.delenv('GHEC_TOKEN')
    with pytest.raises(AnsibleError, match='ghec_token is required: set GHEC_TOKEN'):
        parse(source(tmp_path))
    assert ghec.requests == []


def test_a_missing_enterprise_fails_before_any_request(ghec, tmp_path):
    path = tmp_path / 'x.ghec_servers.yml'
    path.write_text('plugin: %s\n' % PLUGIN_NAME)
    with pytest.raises(AnsibleError, match='ghec_enterprise is required'):
        parse(str(path))
    assert ghec.requests == []


def test_a_plain_http_url_is_refused_before_the_token_is_sent(ghec, tmp_path):
    with pytest.raises(AnsibleError, match='ghec_url must be an https:// URL'):
        parse(source(tmp_path, ghec_url='http://ghec.test'))
    assert ghec.requests == []


def test_a_missing_ca_file_is_named_before_the_token_is_sent(ghec, tmp_path):
    with pytest.raises(AnsibleError, match='ghec_ca_path ".*no-such-ca.pem" does not exist'):
        parse(source(tmp_path, ghec_ca_path=str(tmp_path / 'no-such-ca.pem')))
    assert ghec.requests == []


def test_turning_certificate_checks_off_warns(ghec, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(inventory_display, 'warning', warnings.append)
    ghec.installations = [installation('a.example.com')]
    parse(source(tmp_path, ghec_validate_certs=False))
    assert len(warnings) == 1 and 'ghec_validate_certs is false' in warnings[0]


def test_the_token_is_checked_with_the_first_page_not_a_request_of_its_own(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    parse(source(tmp_path))
    assert [path for _method, path, _body in ghec.requests] == [
        '/graphql', '/enterprises/acme/license-sync-status', '/enterprise-installation/acme/server-statistics']


def test_a_token_of_a_non_owner_fails_with_the_fix(ghec, tmp_path):
    ghec.owner = False
    with pytest.raises(AnsibleError, match='not an owner of the GHEC enterprise "acme".*use an owner'):
        parse(source(tmp_path))
    assert len(ghec.requests) == 1


def test_its_connections_to_ghec_are_closed_after_the_read_and_after_a_failure(ghec, tmp_path, monkeypatch):
    closed = []
    monkeypatch.setattr(HttpClient, 'close_pool', lambda http: closed.append(http.base_url))
    ghec.installations = [installation('a.example.com')]
    parse(source(tmp_path))
    assert closed == ['https://ghec.test']
    ghec.owner = False
    with pytest.raises(AnsibleError):
        parse(source(tmp_path))
    assert closed == ['https://ghec.test'] * 2


# -- issue 26: what GHEC did not say is never a group's fact -------------------------------------
def test_is_connected_null_with_a_successful_sync_is_never_both_connection_unknown_and_sync_ok(ghec, tmp_path):
    # As the modules: an installation that does not say whether it is connected owns no sync record.
    ghec.installations = [installation('a.example.com', connected=None)]
    ghec.sync_records = [synced('a.example.com', 1)]
    inventory = parse(source(tmp_path))
    assert groups_of(inventory, 'a.example.com') == ['connection_unknown', 'sync_unknown']
    assert host_vars(inventory, 'a.example.com')['ghes_sync_state'] == 'unknown'


def test_sync_records_of_two_servers_without_statistics_are_sync_unknown(ghec, tmp_path):
    ghec.installations = [installation('a.example.com')]
    ghec.sync_records = [synced('a.example.com', 30, status='failure', server_id='mine'),
                         synced('a.example.com', 1, server_id='another')]
    assert groups_of(parse(source(tmp_path)), 'a.example.com') == ['connected', 'sync_unknown']


def test_a_ghec_answer_without_a_date_header_ages_on_the_controllers_clock_with_one_warning(ghec, tmp_path,
                                                                                            monkeypatch):
    warnings = []
    monkeypatch.setattr(inventory_display, 'warning', warnings.append)
    answer = ghec.answer

    def without_date(status, payload, headers=None):
        response = answer(status, payload, headers)
        del response.headers['date']
        return response

    monkeypatch.setattr(ghec, 'answer', without_date)
    ghec.installations = [installation('a.example.com')]
    ghec.sync_records = [synced('a.example.com', 1)]
    inventory = parse(source(tmp_path, max_sync_age='30d'))
    clock = [w for w in warnings if 'controller\'s clock' in w]
    assert len(clock) == 1 and 'without a Date header' in clock[0], warnings
    # GHEC's fixed clock is years behind the controller's: aged on the controller's, the sync is years old.
    assert host_vars(inventory, 'a.example.com')['ghes_sync_age_days'] > 365
