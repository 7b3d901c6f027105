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

SRC_GHEC_GRAPHQL = 'ghec_graphql'
SRC_GHEC_SYNC = 'ghec_license_sync_status'
SRC_GHEC_STATS = 'ghec_server_statistics'
SRC_CONSOLE = 'console'
SRC_MANAGE = 'manage_api'
SRC_LEGACY = 'setup_api'
SRC_ADMIN_SHELL = 'admin_shell'


CONSOLE_ALWAYS = 'always'
CONSOLE_AUTO = 'auto'      # only when the documented reads cannot answer
CONSOLE_NEVER = 'never'
# Server statistics are collected about daily: older entries do not describe the switch now.
STATISTICS_FRESH_SECONDS = 36 * 3600


def console_mode(appliance, wanted=CONSOLE_AUTO):
    """``wanted``, or ``never`` without console credentials.

    Whether the console is open (not in maintenance) is left to ``add_console_view``.
    """
    if wanted == CONSOLE_NEVER or not appliance.has_console_credentials:
        return CONSOLE_NEVER
    return wanted


def verify_mode(appliance):
    """After a write, the console page (the switch itself) is re-read whenever it can be."""
    return CONSOLE_ALWAYS if appliance.console_usable else CONSOLE_NEVER


def read_connect(appliance, console=CONSOLE_AUTO, refresh=False):
    """``{connected, status, account, target, authorization_url, features, installation, sources}``.

    GHEC's GraphQL decides ``connected``. The console page is read when ``console`` is
    ``always``, or ``auto`` and GHEC does not list the appliance as connected (only the
    page shows a pending approval or a connection to another enterprise).
    """
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
        'sources': {'connected': SRC_GHEC_GRAPHQL, 'status': SRC_GHEC_GRAPHQL},
    }
    if console == CONSOLE_ALWAYS or (console == CONSOLE_AUTO and not connected):
        add_console_view(appliance, state)
    return state


def add_console_view(appliance, state):
    """Complete ``state`` with what the GitHub Connect page shows; False when the console is closed.

    Whether it is open (credentials given, no maintenance) is asked here, only when a read
    needs the page: a state the documented reads settle costs no maintenance request.
    """
    if not appliance.console_usable:
        return False
    console = appliance.console.connect_state()
    state['status'] = console.status
    state['account'] = console.account
    state['target'] = console.target
    state['authorization_url'] = console.authorization_url
    state['features'] = console.features
    state['sources'].update(status=SRC_CONSOLE, account=SRC_CONSOLE, target=SRC_CONSOLE, features=SRC_CONSOLE)
    if console.status == 'connected' and not state['connected'] \
            and console.account == appliance.params.get('ghec_enterprise'):
        # The appliance says connected, GHEC does not (yet): report what is confirmed.
        state['status'] = 'unconfirmed'
    return True


def read_license_sync(appliance, connect, console=CONSOLE_AUTO, refresh=False):
    """``{enabled, last_sync, sync_age_seconds, server_id, sources}``; ``enabled`` None when nothing says.

    The switch comes from the console page when it was read (or ``console`` is
    ``always``), else from GHEC's server statistics when the appliance shares them,
    else from the console page when ``console`` allows.
    """
    if appliance.shell is not None:
        return _license_sync_from_shell(appliance, refresh or console == CONSOLE_ALWAYS)
    sources = {}
    enabled = None
    if console == CONSOLE_ALWAYS and connect['sources'].get('features') != SRC_CONSOLE:
        add_console_view(appliance, connect)
    if 'license_usage_sync' in connect['features']:
        enabled = connect['features']['license_usage_sync']
        sources['enabled'] = SRC_CONSOLE
    elif connect['connected']:
        enabled = _enabled_from_statistics(appliance)
        if enabled is not None:
            sources['enabled'] = SRC_GHEC_STATS
        elif console != CONSOLE_NEVER and add_console_view(appliance, connect):
            enabled = connect['features'].get('license_usage_sync')
            sources['enabled'] = SRC_CONSOLE if enabled is not None else None
    elif connect['status'] == 'disabled':
        # License sync is a GitHub Connect feature: without Connect it is off.
        enabled = False
        sources['enabled'] = connect['sources'].get('status', SRC_GHEC_GRAPHQL)
    state = read_last_sync(appliance, refresh=refresh)
    if state['last_sync']:
        sources['last_sync'] = SRC_GHEC_SYNC
    state.update(enabled=enabled, sources=sources)
    return state


def _license_sync_from_shell(appliance, refresh):
    """The switch from the appliance's own usage export (``instance.features[]``, documented): no console,
    no server statistics needed. The export's ``server_id`` is the appliance's exact identity."""
    from ansible_collections.ghes.connect.plugins.module_utils._admin_shell import features
    _content, export = appliance.shell_export(refresh=refresh)
    state = read_last_sync(appliance, refresh=refresh)
    sources = {'enabled': SRC_ADMIN_SHELL, 'appliance_server_id': SRC_ADMIN_SHELL}
    if state['last_sync']:
        sources['last_sync'] = SRC_GHEC_SYNC
    state.update(enabled='license_usage_sync' in features(export),
                 appliance_server_id=export['instance'].get('server_id'), sources=sources)
    return state


def read_last_sync(appliance, refresh=False):
    """``{last_sync: {date, status, error} | None, sync_age_seconds, server_id}`` from GHEC."""
    observed_at, record = appliance.sync_status(refresh=refresh)
    last_sync = None
    age = None
    if record and record.get('last_sync'):
        last_sync = dict((k, record['last_sync'].get(k)) for k in ('date', 'status', 'error'))
        age = age_seconds(last_sync.get('date'), now=parse_time(observed_at))
    return {'last_sync': last_sync, 'sync_age_seconds': age, 'server_id': (record or {}).get('server_id')}


def _enabled_from_statistics(appliance):
    """The switch as the appliance's latest server statistics say, if recent; else None."""
    try:
        observed_at, latest = appliance.server_statistics()
    except GhesConnectError:
        return None
    if not latest:
        return None
    age = age_seconds(latest['collection_date'], now=parse_time(observed_at))
    if age is None or age > STATISTICS_FRESH_SECONDS:
        return None
    return 'license_usage_sync' in latest['features_enabled']


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
