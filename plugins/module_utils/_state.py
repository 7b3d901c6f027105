# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The observed state of one appliance, each field with the source it came from.

Documented interfaces decide: GHEC GraphQL says whether the appliance is connected,
GHEC REST when it last synced. The console (MODELLED) adds what no API shows: a pending
approval, which enterprise account, the target, and the license-sync switch. Modules
compare desired state with what these functions return, and verify their writes by
calling them again.
"""

from __future__ import annotations

import datetime

from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._ghec import find_sync_record

SRC_GHEC_GRAPHQL = 'ghec_graphql'
SRC_GHEC_SYNC = 'ghec_license_sync_status'
SRC_GHEC_STATS = 'ghec_server_statistics'
SRC_CONSOLE = 'console'
SRC_MANAGE = 'manage_api'
SRC_LEGACY = 'setup_api'


def read_connect(appliance, use_console, refresh=False):
    """``{connected, status, account, target, authorization_url, features, installation, sources}``."""
    installation = appliance.installation(refresh=refresh)
    connected = bool(installation and installation.get('isConnected'))
    state = {
        'connected': connected,
        'status': 'connected' if connected else 'disabled',
        'account': appliance.params.get('ghec_enterprise') if connected else None,
        'target': None,
        'authorization_url': None,
        'features': {},
        'installation': _installation_summary(installation),
        'sources': {'connected': SRC_GHEC_GRAPHQL},
    }
    if use_console:
        console = appliance.console.connect_state()
        state['status'] = console.status
        state['account'] = console.account
        state['target'] = console.target
        state['authorization_url'] = console.authorization_url
        state['features'] = console.features
        state['sources'].update(status=SRC_CONSOLE, account=SRC_CONSOLE, target=SRC_CONSOLE, features=SRC_CONSOLE)
        if console.status == 'connected' and not connected and console.account == appliance.params.get('ghec_enterprise'):
            # The appliance says connected, GHEC does not (yet): report what is confirmed.
            state['status'] = 'unconfirmed'
    return state


def read_license_sync(appliance, connect, refresh=False):
    """``{enabled, last_sync, sync_age_seconds, sources}``; ``enabled`` None when nothing says."""
    sources = {}
    enabled = None
    if 'license_usage_sync' in connect['features']:
        enabled = connect['features']['license_usage_sync']
        sources['enabled'] = SRC_CONSOLE
    elif connect['connected']:
        enabled = _enabled_from_statistics(appliance)
        if enabled is not None:
            sources['enabled'] = SRC_GHEC_STATS
    elif connect['status'] == 'disabled':
        # License sync is a GitHub Connect feature: without Connect it is off.
        enabled = False
        sources['enabled'] = connect['sources'].get('status', SRC_GHEC_GRAPHQL)
    state = read_last_sync(appliance, refresh=refresh)
    if state['last_sync']:
        sources['last_sync'] = SRC_GHEC_SYNC
    state.update(enabled=enabled, sources=sources)
    return state


def read_last_sync(appliance, refresh=False):
    """``{last_sync: {date, status, error} | None, sync_age_seconds, server_id}`` from GHEC."""
    status = appliance.sync_status(refresh=refresh)
    record = find_sync_record(status['server_instances'], hostname=appliance.hostname)
    last_sync = None
    age = None
    if record and record.get('last_sync'):
        last_sync = dict((k, record['last_sync'].get(k)) for k in ('date', 'status', 'error'))
        age = age_seconds(last_sync.get('date'), now=parse_time(status.get('observed_at')))
    return {'last_sync': last_sync, 'sync_age_seconds': age, 'server_id': (record or {}).get('server_id')}


def _enabled_from_statistics(appliance):
    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=8)).strftime('%Y-%m-%d')
    try:
        stats = appliance.shared.get('server_statistics', lambda: appliance.ghec.server_statistics(date_start=since))
    except GhesConnectError:
        return None
    mine = [s for s in stats if (s.get('host_name') or '').lower() == appliance.hostname.lower()]
    if not mine:
        return None
    latest = max(mine, key=lambda s: s.get('collection_date') or '')
    return 'license_usage_sync' in ((latest.get('github_connect') or {}).get('features_enabled') or [])


def _installation_summary(installation):
    if not installation:
        return None
    uploads = ((installation.get('userAccountsUploads') or {}).get('nodes')) or []
    return {'id': installation.get('id'), 'host_name': installation.get('hostName'),
            'customer_name': installation.get('customerName'), 'is_connected': installation.get('isConnected'),
            'updated_at': installation.get('updatedAt'),
            'uploads': [{'name': u.get('name'), 'sync_state': u.get('syncState'), 'created_at': u.get('createdAt')}
                        for u in uploads]}


def parse_time(text):
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(str(text).replace('Z', '+00:00'))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def age_seconds(text, now=None):
    when = parse_time(text)
    if when is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return int((now - when).total_seconds())
