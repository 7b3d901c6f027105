# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state versus observed state: the one comparison every module and report uses.

A difference is ``{field, before, after}``: the field, what was observed, what is desired.
``ghe_connect`` and ``ghe_license_sync`` report them (and fix what they can), the drift
report lists them, and they are computed here only, so a drift check and a converge run
can never disagree about what counts as drift.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._state import age_seconds


def connect_differences(state, state_wanted, enterprise, target=None):
    """Differences of the GitHub Connect state (``read_connect``) from ``present``/``absent``."""
    if state_wanted == 'absent':
        desired = {'connected': False}
    else:
        desired = {'connected': True}
        # Account and target are only known from the console page; compare them when it was read.
        if state.get('account') is not None:
            desired['account'] = enterprise
        if state.get('target') is not None and target:
            desired['target'] = target
    return [{'field': 'connect.' + key, 'before': state.get(key), 'after': value}
            for key, value in desired.items() if state.get(key) != value]


def sync_problem(sync, max_age):
    """Why the last sync is drift (failed, missing, older than ``max_age`` seconds), or None."""
    last = sync.get('last_sync')
    if not last or not last.get('date'):
        return 'no sync recorded on GHEC'
    if last.get('status') != 'success':
        return 'last sync %s: %s' % (last.get('status'), last.get('error') or 'no error text')
    age = sync.get('sync_age_seconds')
    if max_age is not None and age is not None and age > max_age:
        return 'last successful sync %.1f days ago (max_sync_age %.1f days)' % (age / 86400.0, max_age / 86400.0)
    return None


def license_sync_differences(sync, enabled_wanted, max_age):
    """Differences of license sync (``read_license_sync``) from the desired switch and sync health."""
    differences = []
    if sync.get('enabled') != enabled_wanted:
        differences.append({'field': 'license_sync.enabled', 'before': sync.get('enabled'), 'after': enabled_wanted})
    if enabled_wanted:
        problem = sync_problem(sync, max_age)
        if problem:
            differences.append({'field': 'license_sync.last_sync', 'before': problem, 'after': 'recent success'})
    return differences


def upload_problem(installation, max_age):
    """Why an air-gapped appliance's usage reporting is drift (its latest upload), or None.

    The rule of ``license_report: upload``: its usage reaches GHEC by file, so GHEC's latest
    ``userAccountsUploads`` entry must have succeeded, and (with ``max_age``) recently.
    """
    uploads = [u for u in (installation or {}).get('uploads') or [] if u.get('created_at')]
    if not uploads:
        return 'no upload recorded on GHEC'
    latest = max(uploads, key=lambda u: u['created_at'])
    if latest.get('sync_state') != 'SUCCESS':
        return 'latest upload %s is %s' % (latest.get('name'), latest.get('sync_state') or 'in an unknown state')
    age = age_seconds(latest['created_at'])
    if max_age is not None and age is not None and age > max_age:
        return 'latest successful upload %.1f days ago (max age %.1f days)' % (age / 86400.0, max_age / 86400.0)
    return None


def appliance_differences(info, desired, enterprise, max_age):
    """All differences of a ``gather`` result from ``desired`` ({connected, target, license_sync, license_report})."""
    if info.get('problems') and 'connect' not in info:
        return [{'field': 'readable', 'before': '; '.join(info['problems']), 'after': 'state readable'}]
    if desired.get('license_report') == 'upload':
        # Air-gapped: never connected by design; its latest upload is the whole desired state.
        problem = upload_problem(info['connect'].get('installation'), max_age)
        return [{'field': 'license_upload.latest', 'before': problem, 'after': 'recent success'}] if problem else []
    connected_wanted = desired.get('connected', True)
    differences = connect_differences(info['connect'], 'present' if connected_wanted else 'absent', enterprise,
                                      desired.get('target'))
    if connected_wanted and desired.get('license_sync') is not None:
        differences += license_sync_differences(info['license_sync'], desired['license_sync'], max_age)
    return differences


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
    """One appliance's line of the drift report (every report format is made from these).

    ``differences`` are known observed values that differ from the desired ones; ``unknown``
    lists ``{field, reason}`` for what could not be read; ``blocked_by`` says why a difference
    cannot be fixed by this collection (license, release, maintenance, config run).
    """
    info = info or {}
    sync = info.get('license_sync') or {}
    age = sync.get('sync_age_seconds')
    differences = [] if error is not None else list(differences or [])
    unknown = list(unknown or [])
    blocked_by = list(blocked_by or [])
    return {
        'appliance': name,
        'verdict': verdict(differences, unknown, blocked_by, error),
        'url': info.get('url'),
        'version': info.get('version'),
        'connected': (info.get('connect') or {}).get('connected'),
        'license_sync': sync.get('enabled'),
        'last_sync': sync.get('last_sync'),
        'last_sync_age_days': round(age / 86400.0, 1) if age is not None else None,
        'differences': differences,
        'unknown': unknown,
        'blocked_by': blocked_by,
        'error': error,
    }
