# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state versus observed state: the one comparison every module and report uses.

A difference is ``{field, before, after}``: the field, what was observed, what is desired.
``ghe_connect`` and ``ghe_license_sync`` report them (and fix what they can), the drift
report lists them, and they are computed here only, so a drift check and a converge run
can never disagree about what counts as drift.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import (
    FAILED,
    NEVER,
    OK,
    STALE,
    UNKNOWN,
    age_seconds,
    duration,
    parse_time,
    sync_health,
)
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import label, latest_upload
from ansible_collections.ghes.connect.plugins.module_utils._state.drift_record import DriftRecord

SYNC_PROBLEMS = (NEVER, FAILED, STALE)
# The field of the usage reported by file in a drift record's differences and unknown (``upload_assessment``).
UPLOAD_FIELD = 'license_upload.latest'


def connect_differences(state, state_wanted, enterprise, target=None):
    """Differences of the GitHub Connect state (a ``ConnectState``) from ``present``/``absent``.

    Only known values differ: an unknown connection (``connected`` None) is in ``connect_unknown``.
    """
    if state_wanted == 'absent':
        desired = {'connected': False}
    else:
        desired = {'connected': True}
        # Account and target are only known from the console page; compare them when it was read.
        if state.account is not None:
            desired['account'] = enterprise
        if state.target is not None and target:
            desired['target'] = target
    observed = dict((key, getattr(state, key)) for key in desired)
    return [{'field': 'connect.' + key, 'before': observed[key], 'after': value}
            for key, value in desired.items() if observed[key] is not None and observed[key] != value]


def connect_unknown(state):
    """``[{field, reason}]`` of the Connect state that could not be read (every state says it, empty or not)."""
    return list(state.unknown)


def connect_assessment(state, desired):
    """``(differences, unknown)`` of a Connect state against ``{state, enterprise, target}`` (``ghe_connect``'s options)."""
    return (connect_differences(state, desired['state'], desired['enterprise'], desired.get('target')),
            connect_unknown(state))


def last_sync_health(sync, max_age):
    """``_ghec.sync_health.sync_health`` of a ``LicenseSyncState``, by GHEC's clock."""
    return sync_health(sync.last_sync, parse_time(sync.observed_at), max_age)


def synced_within(sync, max_age):
    """True when the last sync succeeded no more than ``max_age`` seconds ago (None: no age given, so never)."""
    return max_age is not None and last_sync_health(sync, max_age)['state'] == OK


def switch_unknown_reason(sync):
    """Why the license-sync switch of ``sync`` (``enabled`` None) is unknown: the one wording for verdicts and refusals."""
    return (unknown_reason(sync.unknown, 'license_sync.enabled')
            or 'nothing read says whether it is on: give console credentials (the Connect page shows the switch)')


def switch_assessment(sync, enabled_wanted):
    """``(differences, unknown)`` of the license-sync switch (a ``LicenseSyncState``) against ``enabled_wanted``."""
    if sync.enabled is None:
        return [], [{'field': 'license_sync.enabled', 'reason': switch_unknown_reason(sync)}]
    if sync.enabled != enabled_wanted:
        return [{'field': 'license_sync.enabled', 'before': sync.enabled, 'after': enabled_wanted}], []
    return [], []


def last_sync_assessment(sync, max_age):
    """``(differences, unknown)`` of the last sync: failed, missing or older than ``max_age`` seconds is drift."""
    ambiguous = unknown_reason(sync.unknown, 'license_sync.last_sync')
    if ambiguous is not None:
        return [], [{'field': 'license_sync.last_sync', 'reason': ambiguous}]
    health = last_sync_health(sync, max_age)
    if health['state'] in SYNC_PROBLEMS:
        return [{'field': 'license_sync.last_sync', 'before': health['reason'], 'after': 'recent success'}], []
    if health['state'] == UNKNOWN:
        return [], [{'field': 'license_sync.last_sync', 'reason': health['reason']}]
    return [], []


def license_sync_assessment(sync, enabled_wanted, max_age):
    """``(differences, unknown)`` of license sync (a ``LicenseSyncState``) against the switch and sync health."""
    differences, unknown = switch_assessment(sync, enabled_wanted)
    if enabled_wanted:
        more_differences, more_unknown = last_sync_assessment(sync, max_age)
        differences += more_differences
        unknown += more_unknown
    return differences, unknown


def license_sync_task_assessment(sync, desired):
    """``(differences, unknown)`` of license sync against ``ghe_license_sync``'s ``{enabled, max_age, connected}``.

    Not connected to this enterprise (``connected`` false), nothing syncs to it: the switch counts
    as off unless it reads on, and no last sync is compared (check mode after a predicted
    connection, or a switch to turn off).
    """
    if not desired['connected']:
        enabled = bool(sync.enabled)
        if enabled == desired['enabled']:
            return [], []
        return [{'field': 'license_sync.enabled', 'before': enabled, 'after': desired['enabled']}], []
    return license_sync_assessment(sync, desired['enabled'], desired['max_age'])


def usage_reported(uploads, sync, max_age):
    """``(reported, words)``: whether license usage reached GHEC, by file or by a sync, and why (or why not).

    ``reported`` is None when it cannot be told: which upload is the latest (``_ghec.uploads.latest_upload``: one of
    several cannot be dated), how it went (``syncState`` missing, null or another type), or, with ``max_age``, when
    it succeeded.

    The one rule of ``license_report: upload`` (the drift record) and of ``ghe_license_upload``'s
    "nothing to send" (``upload_skip_reason``): usage reached GHEC when its latest upload
    (``uploads``, ``_ghec.uploads.Upload`` records) succeeded no more than ``max_age`` seconds ago (any age without
    ``max_age``), or when the last license sync (``sync``, a ``LicenseSyncState``)
    did within ``max_age``. A later failed or pending upload is not hidden by an earlier success.
    Every age is on GHEC's clock: the ``Date`` of its answer, ``sync.observed_at``.
    """
    latest, untold = latest_upload(uploads)
    reported, words = False, None
    if untold:
        reported, words = None, untold
    elif latest is None:
        words = 'no upload recorded on GHEC'
    elif not latest.sync_state.known:
        # GHEC did not say how the latest upload went: no failure, no success, and no difference.
        reported, words = None, 'the state of the latest upload %s is unknown: %s' % (label(latest), latest.sync_state.reason)
    elif latest.sync_state.value != 'SUCCESS':
        words = 'latest upload %s is %s' % (label(latest), latest.sync_state.value)
    else:
        name, created_at = label(latest), latest.created_at.value
        age = age_seconds(created_at, now=parse_time(sync.observed_at))
        if max_age is None:
            reported, words = True, 'the latest upload (%s) succeeded' % name
        elif not latest.created_at.known:
            reported, words = None, 'the date of the latest upload %s is unknown: %s' % (name, latest.created_at.reason)
        elif age is None:
            reported, words = None, 'GHEC\'s date of the latest upload %s ("%s") cannot be read as a date' % (name, created_at)
        elif age > max_age:
            words = 'latest successful upload %s ago (max age %s)' % (duration(age), duration(max_age))
        else:
            reported, words = True, 'a successful upload (%s) is younger than max_sync_age' % name
    if reported is not True and synced_within(sync, max_age):
        return True, 'a successful license sync is younger than max_sync_age'
    return reported, words


def upload_assessment(state, desired):
    """``(differences, unknown)`` of usage reporting by file (``usage_reported``) against ``{max_age}``."""
    reported, words = usage_reported(state['uploads'], state['last_sync'], desired['max_age'])
    if reported is None:
        return [], [{'field': UPLOAD_FIELD, 'reason': words}]
    if reported:
        return [], []
    return [{'field': UPLOAD_FIELD, 'before': words, 'after': 'recent success'}], []


def upload_task_assessment(state, desired):
    """``(differences, unknown)`` of ``ghe_license_upload``'s state against ``{max_age}``.

    On the connected path (``used: sync_now``) the last sync (``last_sync_assessment``), on the file path the
    usage reported by file (``upload_assessment``).
    """
    if state['used'] == 'sync_now':
        return last_sync_assessment(state['license_sync'], desired['max_age'])
    return upload_assessment(state, desired)


def upload_skip_reason(state, max_age):
    """Why ``ghe_license_upload`` has nothing to send (its ``skipped_reason``), or None.

    The connected path (``used: sync_now``) skips when the last sync succeeded within ``max_age``. The
    file path skips this very export once GHEC processed it successfully and, with ``max_age``, when
    ``usage_reported`` says usage reached GHEC - so the module never skips what a drift record calls drift.
    Without ``max_age`` every new export is sent.
    """
    if state['used'] == 'sync_now':
        if not synced_within(state['license_sync'], max_age):
            return None
        return ('connected with license sync on, and the last sync succeeded %s ago (max_sync_age)'
                % duration(state['license_sync'].sync_age_seconds))
    mine = state['mine']
    if mine and mine.sync_state.value == 'SUCCESS':
        return 'this export (same sha256) was already uploaded and processed successfully'
    if max_age is None:
        return None
    reported, words = usage_reported(state['uploads'], state['last_sync'], max_age)
    return words if reported is True else None


def ssh_key_assessment(state, desired):
    """``(differences, unknown)`` of the admin shell's authorised keys (``{keys: [{id, fingerprint}], unreadable:
    [reason]}``) against ``ghe_admin_ssh_key``'s ``{key: {id, fingerprint}, present}``: a key is the same key whatever
    its comment. A key listed readably is present; one not among them is absent only when every entry listed could be
    read: an entry whose key cannot be read may be that key, so whether it is listed is unknown, saying why."""
    field = 'admin_ssh_key.%s' % desired['key']['fingerprint']
    present = desired['key']['id'] in [k['id'] for k in state['keys']]
    if not present and state['unreadable']:
        more = ' (and %d more such entries)' % (len(state['unreadable']) - 1) if len(state['unreadable']) > 1 else ''
        reason = ('whether the key is authorised cannot be told: the Manage API lists an entry whose key cannot be read, '
                  'which may be this key: %s%s' % (state['unreadable'][0], more))
        return [], [{'field': field, 'reason': reason}]
    if present == desired['present']:
        return [], []
    return [{'field': field, 'before': 'present' if present else 'absent',
             'after': 'present' if desired['present'] else 'absent'}], []


# Why a fix cannot start now, each with what to do, worded here only: a drift record's ``blocked_by``
# names no appliance (a report counts equal reasons), the preflight's problems name it (``{where}``).
BLOCKERS = (
    ('license', 'the license of the appliance{where} does not permit GitHub Connect (croquetSupport is false): install a '
                'license that includes GitHub Connect'),
    ('maintenance', 'the appliance{where} is in maintenance mode: the console is closed until it ends; leave maintenance '
                    'mode and run again'),
    ('config_run', 'a configuration run is in progress on the appliance{where}: wait for it to finish (or set '
                   'config_wait_timeout) and run again'),
)


# A write needs maintenance mode known to be off and no configuration run known to be going: what could not
# be read blocks as surely as "on" (``{field}`` of a state's ``unknown``, its reason in the sentence).
UNREAD_BLOCKERS = (
    ('maintenance', 'maintenance',
     'maintenance mode of the appliance{where} could not be read: {reason}; nothing is written until it reads as off'),
    ('config_run_in_progress', 'config_run',
     'whether a configuration run is in progress on the appliance{where} could not be read: {reason}; nothing is '
     'written until it reads as idle'),
)


def blockers(license_summary, maintenance, config_running, where='', unknown=None):
    """The ``BLOCKERS`` that hold, from values already read; ``where`` (`` https://...``) names the appliance.

    ``license_summary`` is a ``manage_api.License`` as a dict (or None): a license whose Connect permission no
    documented read says (3.9 - 3.11) blocks nothing here; GitHub's own check then decides. ``unknown``
    (``[{field, reason}]``) names what could not be read: maintenance mode or a configuration run among them
    blocks (``UNREAD_BLOCKERS``), never passes as "off".
    """
    holds = {'license': license_summary is not None and license_summary.get('connect_permitted') is False,
             'maintenance': maintenance is True, 'config_run': config_running is True}
    found = [text.format(where=where) for key, text in BLOCKERS if holds[key]]
    unread = [(unknown_reason(unknown, field), held, text) for field, held, text in UNREAD_BLOCKERS]
    return found + [text.format(where=where, reason=reason) for reason, held, text in unread
                    if reason is not None and not holds[held]]


def blocking(info):
    """Why differences of this appliance cannot be fixed by this collection, from the facts ``info`` holds.

    Maintenance mode or a configuration run that ``info`` could not read (its ``unknown``) blocks, as it
    blocks the write itself (``_state.gathering.preflight``): the verdict and the module agree.
    """
    found = []
    if info.get('version_supported') is False:
        found.append(info['version_problem'])  # gather says it whenever the release is not supported
    return found + blockers(info.get('license'), info.get('maintenance'), info.get('config_run_in_progress'),
                            unknown=info.get('unknown'))


def desired_for_host(desired, license_report):
    """One appliance's desired state: the task's, with the host's own choice of how its usage reaches GHEC
    (``ghes_license_report``: ``sync`` or ``upload``; None: the task's), which wins - on every path alike."""
    return dict(desired, license_report=license_report or desired.get('license_report'))


def assess(info, desired, enterprise, max_age):
    """``{differences, unknown, blocked_by, error}`` of a ``gather`` result against ``desired``.

    The one place that decides what is a difference (a known value that is not the desired one),
    what is unknown (with why and what to give) and what blocks a fix.
    """
    result = {'differences': [], 'unknown': [], 'blocked_by': [], 'error': None}
    if info.get('ghec_error'):
        # The fleet scan's record of the same failure: one verdict, whichever path read it.
        return ghec_failure_assessment(info['ghec_error'], desired)
    if 'connect' not in info:
        if info.get('version_supported') is False:
            result['unknown'].append({'field': 'connect.connected', 'reason': info.get('version_problem')})
            result['blocked_by'] = blocking(info)
        else:
            result['error'] = '; '.join(info.get('problems') or []) or 'the state could not be read'
        return result
    if desired.get('license_report') == 'upload':
        # Air-gapped: never connected by design; its usage reaching GHEC is the whole desired state.
        # Without an installation GHEC lists no upload, unless the name itself could not be settled.
        result['unknown'] = connect_unknown(info['connect'])
        if not result['unknown']:
            installation = info['connect'].installation
            result['differences'], result['unknown'] = upload_assessment(
                {'uploads': installation.uploads if installation else (), 'last_sync': info['license_sync']},
                {'max_age': max_age})
        if result['differences'] or result['unknown']:
            result['blocked_by'] = blocking(info)
        return result
    connected_wanted = desired.get('connected', True)
    result['differences'] = connect_differences(info['connect'], 'present' if connected_wanted else 'absent',
                                                enterprise, desired.get('target'))
    result['unknown'] = connect_unknown(info['connect'])
    if connected_wanted and desired.get('license_sync') is not None:
        differences, unknown = license_sync_assessment(info['license_sync'], desired['license_sync'], max_age)
        result['differences'] += differences
        result['unknown'] += unknown
    if result['differences'] or result['unknown']:
        result['blocked_by'] = blocking(info)
    return result


def ghec_failure(message):
    """The error of every appliance whose GHEC enterprise could not be read (scan and per-host alike)."""
    return 'GHEC could not be read: %s' % message


def ghec_failure_assessment(message, desired):
    """``assess``'s result when GHEC could not be read: ``error``, and every GHEC fact ``desired`` needs unknown, saying why."""
    reason = ghec_failure(message)
    fields = ['connect.connected']
    if desired.get('license_report') != 'upload' and desired.get('connected', True) and desired.get('license_sync') is not None:
        fields += ['license_sync.enabled'] + (['license_sync.last_sync'] if desired['license_sync'] else [])
    return {'differences': [], 'unknown': [{'field': field, 'reason': reason} for field in fields], 'blocked_by': [],
            'error': reason}


# An appliance's verdict, worst first. Every consumer (modules, scan, reports, roles, the
# inventory plugin) reads these words from a record; only ``verdict`` below decides them.
VERDICTS = ('error', 'blocked', 'drift', 'unknown', 'in_sync')
PROBLEM_VERDICTS = ('error', 'blocked', 'drift', 'unknown')


def verdict(differences, unknown=(), blocked_by=(), error=None):
    """One word for an appliance: a known difference outranks what could not be read."""
    if error:
        return 'error'
    if differences and blocked_by:
        return 'blocked'
    if differences:
        return 'drift'
    if unknown:
        return 'unknown'
    return 'in_sync'


def report_record(name, info=None, differences=None, error=None, unknown=None, blocked_by=None):
    """One appliance's ``DriftRecord``, the line of the drift report (every report format is made from these).

    ``differences`` are known observed values that differ from the desired ones; ``unknown``
    lists ``{field, reason}`` for what could not be read; ``blocked_by`` says why a difference
    cannot be fixed by this collection (license, release, maintenance, config run).
    ``installation`` names the GHEC installation the state was read from, and any other one of
    the same host name (``others``); ``hostname`` is the name GHEC was asked about (None: unknown).
    """
    info = info or {}
    connect = info.get('connect')
    installation = connect.installation if connect else None
    sync = info.get('license_sync')
    age = sync.sync_age_seconds if sync else None
    differences = () if error is not None else tuple(differences or ())
    unknown = tuple(unknown or ())
    blocked_by = tuple(blocked_by or ())
    return DriftRecord(
        appliance=name,
        verdict=verdict(differences, unknown, blocked_by, error),
        url=info.get('url'),
        version=info.get('version'),
        hostname=info.get('hostname'),
        connected=connect.connected if connect else None,
        license_sync=sync.enabled if sync else None,
        last_sync=sync.last_sync if sync else None,
        last_sync_age_days=round(age / 86400.0, 1) if age is not None else None,
        differences=differences,
        unknown=unknown,
        blocked_by=blocked_by,
        error=error,
        installation=_installation_names(installation) if installation else None,
        sources=dict(info.get('sources') or {}),
    )


def assessed_record(name, info, assessment):
    """``report_record`` from an ``assess`` result."""
    return report_record(name, info, assessment['differences'], error=assessment['error'],
                         unknown=assessment['unknown'], blocked_by=assessment['blocked_by'])


def _installation_names(installation):
    """What names an ``Installation`` in a drift record, and each of the ``others`` GHEC lists under its name."""
    return dict(_names(installation), others=[_names(other) for other in installation.others])


def _names(installation):
    return dict((field, getattr(installation, field).value) for field in ('id', 'host_name', 'is_connected', 'updated_at'))
