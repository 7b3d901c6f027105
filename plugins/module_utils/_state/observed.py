# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The observed state of one appliance, each field with the source it came from.

Documented interfaces decide: GHEC GraphQL says whether the appliance is connected,
GHEC REST when it last synced. The console (MODELLED) adds what no API shows: a pending
approval, which enterprise account, the target, and the license-sync switch. Modules
compare desired state with what these functions return, and verify their writes by
calling them again.

A value is known (with its source) or unknown (``None``, with the reason and what to give
to read it in the state's ``unknown``: ``[{field, reason}]``, ``records.set_unknown``); the states are
``_state.states.ConnectState`` and ``LicenseSyncState``. Nothing unknown is ever turned
into a default: GHEC listing no installation under the appliance's name says nothing about
whether the appliance is connected.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, Refusal
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
from ansible_collections.ghes.connect.plugins.module_utils._common.records import set_unknown, unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import not_listed_reason
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import (
    age_seconds,
    last_sync_of,
    parse_time,
    statistics_age,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.states import STATUS_UNKNOWN, ConnectState, LicenseSyncState

SRC_GHEC_GRAPHQL = 'ghec_graphql'
SRC_GHEC_SYNC = 'ghec_license_sync_status'
SRC_GHEC_STATS = 'ghec_server_statistics'
SRC_CONSOLE = 'console'
SRC_MANAGE = 'manage_api'
SRC_LEGACY = 'setup_api'
SRC_REST = 'ghes_rest'
SRC_ADMIN_SHELL = 'admin_shell'


CONSOLE_ALWAYS = 'always'
CONSOLE_AUTO = 'auto'      # only when the documented reads cannot answer
CONSOLE_NEVER = 'never'


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
    """The ``ConnectState``.

    GHEC's GraphQL decides ``connected`` for the installation of the appliance's name
    (``_ghec.identity``). The console page is read when ``console`` is ``always``, or ``auto`` and
    GHEC does not list the appliance as connected (only the page shows a pending approval or
    a connection to another enterprise). When the name cannot be established, or GHEC lists
    no installation by it, and the appliance's own page does not settle it, ``connected`` is
    None and ``status`` is ``unknown``: its ``unknown`` says why (field ``connect.connected``).
    """
    identity = appliance.identity
    installation = appliance.installation(refresh=refresh) if identity.known else None
    said = installation.is_connected.value if installation else None
    state = ConnectState(
        connected=said,
        status=STATUS_UNKNOWN if said is None else ('connected' if said else 'disabled'),
        account=appliance.params.get('ghec_enterprise') if said else None,
        installation=installation,
        sources={'connected': SRC_GHEC_GRAPHQL, 'status': SRC_GHEC_GRAPHQL} if said is not None else {},
    )
    if said is None:
        if not identity.known:
            reason = identity.reason
        elif installation is None:
            reason = not_listed_reason(identity.name, *appliance.installations_listed())
        else:
            reason = 'GHEC does not say whether the appliance is connected: %s' % installation.is_connected.reason
        set_unknown(state.unknown, 'connect.connected', reason)
    if console == CONSOLE_ALWAYS or (console == CONSOLE_AUTO and not said):
        if not add_console_view(appliance, state) and state.connected is None \
                and appliance.has_console_credentials and appliance.maintenance_on():
            set_unknown(state.unknown, 'connect.connected', unknown_reason(state.unknown, 'connect.connected')
                        + '; the console, whose Connect page would say, is closed: %s is in maintenance mode' % appliance.url)
    return state


def refuse_unknown(appliance, connect, what, operator_connects=False):
    """Stop before any write when the appliance's identity or connection state is unknown.

    A write decided from a guess (an appliance GHEC does not list by its name is not thereby
    disconnected) could disconnect a connected appliance or wait for an approval given long ago.
    ``operator_connects``: a person connects by hand (``method: manual``) and nothing is written
    by the collection; then a known name that GHEC does not list yet is no reason to stop - the
    module verifies the person's work by GHEC listing that very name as connected.
    """
    reason = unknown_reason(connect.unknown, 'connect.connected')
    if reason is None and not appliance.identity.known:
        reason = appliance.identity.reason
    if operator_connects and appliance.identity.known and connect.installation is None \
            and connect.status == STATUS_UNKNOWN and not connect.features:
        return
    if reason is not None:
        if not appliance.params.get('console_username'):
            # The appliance's own Connect page settles what GHEC cannot: say how to let us read it.
            reason += ('. Console credentials are %s and %s; or use method: manual, where a person does the console '
                       'step and the module verifies it' % (where_set('console_username'), where_set('console_password')))
        raise Refusal('The GitHub Connect state of %s is unknown, so %s was not acted on and nothing was '
                      'changed: %s.' % (appliance.url, what, reason), state=connect.to_dict())


def add_console_view(appliance, state):
    """Complete ``state`` with what the GitHub Connect page shows; False when the console is closed.

    Whether it is open (credentials given, no maintenance) is asked here, only when a read
    needs the page: a state the documented reads settle costs no maintenance request.
    The page settles an unknown connection only where it needs no GHEC confirmation: Connect
    not enabled, pending, or connected to another enterprise.
    """
    if not appliance.console_usable:
        return False
    console = appliance.console.connect_state()
    enterprise = appliance.params.get('ghec_enterprise')
    state.status = console.status
    state.account = console.account
    state.target = console.target
    state.authorization_url = console.authorization_url
    if console.link_withheld:
        set_unknown(state.unknown, 'connect.authorization_url', console.link_withheld)
    state.features = console.features
    state.sources.update(status=SRC_CONSOLE, account=SRC_CONSOLE, target=SRC_CONSOLE, features=SRC_CONSOLE)
    ours = console.status == 'connected' and console.account == enterprise
    if state.connected is None:
        if ours:
            # The appliance says connected to our enterprise, GHEC shows no installation of its name.
            state.status = STATUS_UNKNOWN
            set_unknown(state.unknown, 'connect.connected', 'the appliance\'s Connect page says connected to "%s", but %s'
                        % (enterprise, unknown_reason(state.unknown, 'connect.connected')))
        else:
            state.connected = False
            state.sources['connected'] = SRC_CONSOLE
            set_unknown(state.unknown, 'connect.connected', None)
    elif ours and not state.connected:
        # The appliance says connected, GHEC does not (yet): report what is confirmed.
        state.status = 'unconfirmed'
    return True


def read_license_sync(appliance, connect, console=CONSOLE_AUTO, refresh=False):
    """The ``LicenseSyncState``, read with ``connect`` (the ``ConnectState``).

    ``enabled`` None when nothing says (its ``unknown`` tells why and what
    to give). The switch comes from the console page when it was read (or ``console`` is
    ``always``), else from GHEC's server statistics when the appliance shares them and they
    are fresh, else from the console page when ``console`` allows.
    """
    if appliance.shell is not None:
        state = _license_sync_from_shell(appliance, refresh or console == CONSOLE_ALWAYS)
        state.connect = connect
        return state
    sources = {}
    unknown = []
    enabled = None
    if console == CONSOLE_ALWAYS and connect.sources.get('features') != SRC_CONSOLE:
        add_console_view(appliance, connect)
    statistics = _statistics(appliance) if connect.connected else None
    if 'license_usage_sync' in connect.features:
        enabled = connect.features['license_usage_sync']
        sources['enabled'] = SRC_CONSOLE
    elif connect.connected:
        enabled, why = _enabled_from_statistics(statistics)
        if enabled is not None:
            sources['enabled'] = SRC_GHEC_STATS
        elif console != CONSOLE_NEVER and add_console_view(appliance, connect):
            enabled = connect.features.get('license_usage_sync')
            if enabled is not None:
                sources['enabled'] = SRC_CONSOLE
            else:
                why += '; the Connect page shows no license sync switch'
        if enabled is None:
            set_unknown(unknown, 'license_sync.enabled', why + _console_hint(appliance, console))
    elif connect.connected is False and connect.status == 'disabled':
        # License sync is a GitHub Connect feature: without Connect it is off.
        enabled = False
        sources['enabled'] = connect.sources.get('status', SRC_GHEC_GRAPHQL)
    elif connect.connected is None:
        set_unknown(unknown, 'license_sync.enabled',
                    'the connection state is unknown: ' + unknown_reason(connect.unknown, 'connect.connected'))
    else:
        set_unknown(unknown, 'license_sync.enabled', 'the appliance is not connected to this enterprise (its Connect page '
                    'says %s%s), so no license sync to it can be read'
                    % (connect.status, ' to "%s"' % connect.account if connect.account else ''))
    fresh_id = statistics['server_id'] if statistics and statistics.get('fresh') else None
    state = read_last_sync(appliance, refresh=refresh, server_id=fresh_id)
    for entry in state.unknown:
        set_unknown(unknown, entry['field'], entry['reason'])
    if connect.connected is None:
        # Without knowing which installation this is, a record of its name proves nothing.
        state.last_sync, state.sync_age_seconds, state.server_id, state.warnings = None, None, None, []
        set_unknown(unknown, 'license_sync.last_sync', 'which installation is this appliance\'s is unknown: '
                    + unknown_reason(connect.unknown, 'connect.connected'))
    elif state.last_sync:
        sources['last_sync'] = SRC_GHEC_SYNC
    state.enabled, state.sources, state.unknown, state.connect = enabled, sources, unknown, connect
    return state


def _license_sync_from_shell(appliance, refresh):
    """The switch from the appliance's own usage export (``instance.features[]``, documented): no console,
    no server statistics needed. The export's ``server_id`` is the appliance's exact identity; what the
    export does not say well formed is unknown, with the reason."""
    from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import parse_usage_export
    _content, export = appliance.shell_export(refresh=refresh)
    said = parse_usage_export(export)
    state = read_last_sync(appliance, refresh=refresh, server_id=said.server_id.value)
    sources = said.sources()
    if state.last_sync:
        sources['last_sync'] = SRC_GHEC_SYNC
    enabled = 'license_usage_sync' in said.features.value if said.features.known else None
    if said.features.known:
        sources['enabled'] = sources.pop('features')
    else:
        set_unknown(state.unknown, 'license_sync.enabled', said.features.reason)
    if said.server_id.known:
        sources['appliance_server_id'] = sources.pop('server_id')
    state.enabled, state.appliance_server_id, state.from_shell, state.sources = enabled, said.server_id.value, True, sources
    return state


def read_last_sync(appliance, refresh=False, server_id=None):
    """The ``LicenseSyncState`` of GHEC's record of the last sync (``last_sync`` ``{date, status, error}`` or None);
    ``enabled`` is not read here.

    ``unknown`` says why (field ``license_sync.last_sync``) when GHEC's records of the name are several servers'.

    ``sync_age_seconds`` is measured against GHEC's clock; a date after it counts as 0 (with a
    warning), a date that cannot be read leaves it None (``_ghec.sync_health`` then says unknown).
    """
    observed_at, record, ambiguous = appliance.sync_status(refresh=refresh, server_id=server_id)
    last_sync = last_sync_of(record)
    age = None
    warnings = []
    if last_sync is not None:
        age = age_seconds(last_sync.get('date'), now=parse_time(observed_at))
        if age is not None and age < 0:
            warnings.append('GHEC dates the last license sync of %s in the future (%s, %d s after GHEC\'s clock): '
                            'counted as age 0.' % (appliance.hostname, last_sync.get('date'), -age))
            age = 0
    return LicenseSyncState(last_sync=last_sync, sync_age_seconds=age, observed_at=observed_at,
                            server_id=(record or {}).get('server_id'), warnings=warnings,
                            unknown=[{'field': 'license_sync.last_sync', 'reason': ambiguous}] if ambiguous else [])


def _statistics(appliance):
    """This appliance's latest server statistics with ``fresh``, ``age`` and ``reason``; None when it shares none."""
    try:
        observed_at, latest = appliance.server_statistics()
    except GhesConnectError as exc:
        return {'fresh': None, 'reason': 'GHEC\'s server statistics could not be read (%s)' % exc.message,
                'server_id': None}
    if not latest:
        return None
    fresh, age, reason = statistics_age(latest.get('collection_date'), parse_time(observed_at))
    return dict(latest, fresh=fresh, age=age, reason=reason)


def _enabled_from_statistics(statistics):
    """``(enabled, why not)``: the switch as fresh server statistics say, else None and the reason."""
    if statistics is None:
        return None, 'GHEC has no server statistics from the appliance (Server Statistics is off)'
    if not statistics['fresh']:
        return None, statistics['reason']
    if statistics['features_enabled'] is None:
        return None, 'its latest server statistics do not list the enabled GitHub Connect features'
    return 'license_usage_sync' in statistics['features_enabled'], None


def _console_hint(appliance, console):
    if console == CONSOLE_NEVER and appliance.has_console_credentials:
        return ': read the Connect page (console: auto or always)'
    if not appliance.has_console_credentials:
        return ': give console credentials (console_username, console_password) to read the switch on the Connect ' \
               'page, or turn on Server Statistics'
    if appliance.maintenance_on():
        return ': the console is closed (maintenance mode); run again after maintenance'
    return ''
