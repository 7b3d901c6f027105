# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The full picture of one appliance, and the preflight every write runs first.

``gather`` is what ``ghe_connect_info`` returns; the other modules run
``preflight`` before their first write, so one problem list (all problems at once,
each with its fix) explains why nothing was changed.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    GhesConnectError,
    PreflightError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, set_unknown
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import unsupported_message
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.rest import parse_license as parse_rest_license
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import assess, blockers
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import (
    SRC_ADMIN_SHELL,
    SRC_LEGACY,
    SRC_MANAGE,
    SRC_REST,
    console_mode,
    read_connect,
    read_license_sync,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState


def gather(appliance, console, preflight_reads=True):
    """Version, identity, license, config run, maintenance, Connect and license sync, with sources.

    ``console``: ``always``, ``auto`` (only when documented reads cannot answer) or ``never``.
    ``preflight_reads=False`` skips license, config run and maintenance (a drift check needs
    only the Connect and sync state; ``add_blocking_facts`` reads what decides whether a
    difference can be fixed, for the appliances that have one). ``connect`` and
    ``license_sync`` are always there (``ConnectState``, ``LicenseSyncState``; ``shown`` makes the
    result): what could not be read is None, and their ``unknown`` says why (``ghec_error`` when
    GHEC itself could not be read).
    """
    version = appliance.version
    info = {
        'url': appliance.url,
        'version': str(version),
        'feature_release': version.feature_text,
        'version_supported': version.supported,
        'version_problem': None if version.supported else unsupported_message(version),
        'sources': {'version': SRC_MANAGE},
        'problems': [],
        'unknown': [],
    }
    if not version.supported:
        info['problems'] = [info['version_problem']]
        return info
    identity = appliance.identity
    info['hostname'] = identity.name
    info['identity'] = identity.as_dict()
    if preflight_reads:
        summary, source, why = read_license(appliance)
        info['license'] = summary
        info['sources']['license'] = source
        if why:
            set_unknown(info['unknown'], 'license.connect_permitted', why)
        config_run = appliance.config_run_fact()
        info['config_run_in_progress'] = config_run.value
        info['maintenance'] = appliance.maintenance_on()
        # What the per-node answers left unknown is said, never taken as "off" (an empty node list included).
        if not config_run.known:
            set_unknown(info['unknown'], 'config_run_in_progress', config_run.reason)
        if info['maintenance'] is None:
            set_unknown(info['unknown'], 'maintenance', appliance.maintenance_unknown())
        info['sources']['config_run_in_progress'] = SRC_MANAGE if version.has('manage_config') else SRC_LEGACY
        info['sources']['maintenance'] = SRC_ADMIN_SHELL if appliance.shell is not None else (
            SRC_MANAGE if version.has('manage_maintenance') else SRC_LEGACY)
        info['problems'] = appliance_problems(appliance, summary, info['maintenance'],
                                              info['config_run_in_progress'], unknown=info['unknown'])
    ghec = ghec_problem(appliance)
    if ghec:
        info['problems'].append(ghec)
        info['ghec_error'] = ghec
        info['connect'], info['license_sync'] = unknown_state('GHEC could not be read: %s' % ghec)
        return info
    mode = console_mode(appliance, console)
    connect = read_connect(appliance, mode)
    sync = read_license_sync(appliance, connect, mode)
    appliance.warnings.extend(sync.warnings)
    info['sources'].update(('connect.' + k, v) for k, v in connect.sources.items())
    info['sources'].update(('license_sync.' + k, v) for k, v in sync.sources.items())
    info['connect'] = connect
    info['license_sync'] = sync
    return info


def shown(info):
    """A ``gather`` result as ``ghe_connect_info`` returns it: its states as their ``to_dict()``."""
    states = dict((key, info[key].to_dict()) for key in ('connect', 'license_sync') if key in info)
    return dict(info, **states)


def unknown_state(reason):
    """``(connect, license_sync)`` states of which nothing could be read, each field saying why."""
    connect = ConnectState(unknown=[{'field': 'connect.connected', 'reason': reason}])
    sync = LicenseSyncState(unknown=[{'field': field, 'reason': reason}
                                     for field in ('license_sync.enabled', 'license_sync.last_sync')])
    return connect, sync


def read_license(appliance):
    """``(summary, source, why connect_permitted is unknown)``.

    The Manage API's license (3.12+) says everything, ``croquetSupport`` included. On 3.9 - 3.11
    GHES REST's ``/enterprise/settings/license`` answers with a site administrator's ``token``
    (seats may be "unlimited"); no documented read there says whether the license permits
    GitHub Connect, so ``connect_permitted`` is None.
    """
    record = appliance.license()
    if record is not None:
        return record.to_dict(), SRC_MANAGE, record.connect_permitted.reason
    if not appliance.params.get('token'):
        return None, None, ('GHES %s has no Manage API license read: give token (a site administrator\'s, '
                            'site_admin scope) to read it through GHES REST' % appliance.version)
    try:
        rest = parse_rest_license(appliance.rest.license()).to_dict()
    except GhesConnectError as exc:
        return None, None, 'the license could not be read through GHES REST (%s)' % exc.message
    summary = dict(rest, connect_permitted=None, evaluation=None, perpetual=None, cluster_support=None)
    return summary, SRC_REST, ('GHES %s publishes no read of whether its license permits GitHub Connect '
                               '(croquetSupport is in the Manage API from 3.12)' % appliance.version)


def add_blocking_facts(appliance, info):
    """Add to a ``gather(preflight_reads=False)`` result what decides whether a difference can be fixed.

    At most one request: the license (Manage API, 3.12+; it says whether Connect is permitted).
    Maintenance is added when this task already read it (the console needed it); a config run
    is left to the preflight of the task that would write (it is over in minutes).
    """
    if 'license' not in info and appliance.version.has('manage_config'):
        try:
            record = appliance.license()
            info['license'] = record.to_dict()
            info['sources']['license'] = SRC_MANAGE
            if not record.connect_permitted.known:
                set_unknown(info['unknown'], 'license.connect_permitted', record.connect_permitted.reason)
        except GhesConnectError as exc:
            set_unknown(info['unknown'], 'license.connect_permitted', 'the license could not be read (%s)' % exc.message)
    if 'maintenance' not in info:
        known = appliance.maintenance_known()
        if known is not None:
            info['maintenance'] = known
            info['sources']['maintenance'] = SRC_MANAGE if appliance.version.has('manage_maintenance') else SRC_LEGACY


def assess_appliance(appliance, info, desired, enterprise, max_age):
    """``_state.comparison.assess`` of ``info``, with the blocking facts read first when something is not in sync."""
    result = assess(info, desired, enterprise, max_age)
    if (result['differences'] or result['unknown']) and info.get('version_supported') and not result['error']:
        add_blocking_facts(appliance, info)
        result = assess(info, desired, enterprise, max_age)
    return result


def preflight(appliance, need_connect_license=True, config_wait=0):
    """Raise ``PreflightError`` listing every reason a write must not start.

    Checks the version, the license (where the appliance exposes it), maintenance, a
    running config run (waited for up to ``config_wait`` seconds), and the GHEC token's
    scope and ownership of the enterprise. Maintenance mode or a config run that could not
    be read blocks with the reason: a write starts only when both read as off.
    """
    version = appliance.version
    if not version.supported:
        raise PreflightError([unsupported_message(version)])
    license_record = appliance.license() if need_connect_license else None
    maintenance = appliance.maintenance_on()
    unknown = []
    if maintenance is None:
        set_unknown(unknown, 'maintenance', appliance.maintenance_unknown())
    timed_out = []
    try:
        run = appliance.config_runner.wait_idle(config_wait) if config_wait > 0 else appliance.config_run_fact()
    except WaitTimeoutError as exc:
        run = Fact.of(False, None)    # still running: the timeout says so, once
        timed_out.append(exc.message)
    if not run.known:
        set_unknown(unknown, 'config_run_in_progress', run.reason)
    found = appliance_problems(appliance, license_record.to_dict() if license_record is not None else None,
                               maintenance, run.value, unknown=unknown) + timed_out
    ghec = ghec_problem(appliance)
    if ghec:
        found.append(ghec)
    if found:
        raise PreflightError(found)


def appliance_problems(appliance, license_data, maintenance, config_running, unknown=None):
    """The appliance's reasons a write must not start (``_state.comparison.blockers``), as sentences naming it.

    ``unknown`` (``[{field, reason}]``): maintenance mode or a config run that could not be read is one of them.
    """
    found = blockers(license_data, maintenance, config_running, ' ' + appliance.url, unknown=unknown)
    return ['%s%s.' % (text[0].upper(), text[1:]) for text in found]


def ghec_problem(appliance):
    """Why the GHEC token or enterprise cannot be used (scope, ownership, unknown), or None."""
    try:
        appliance.ghec_access()
    except GhesConnectError as exc:
        return exc.message
    return None
