# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report: JSON for machines, Markdown for people, from the same records."""

from __future__ import annotations

import json

from ansible_collections.ghes.connect.plugins.module_utils._drift import PROBLEM_VERDICTS


def drifted(records):
    """The appliances whose verdict is a problem (drift, blocked, unknown or error)."""
    return [r['appliance'] for r in records if r.get('verdict') in PROBLEM_VERDICTS]


def as_json(records, desired):
    return json.dumps({'desired': desired, 'appliances': records, 'drifted': drifted(records)},
                      indent=2, sort_keys=True) + '\n'


def as_markdown(records, desired, enterprise):
    wanted = 'connected to `%s`' % (enterprise or 'the GHEC enterprise')
    if desired.get('license_sync') is not None:
        wanted += ', license sync %s' % ('on' if desired['license_sync'] else 'off')
    if desired.get('license_sync') and desired.get('max_sync_age'):
        wanted += ', last successful sync within %s' % desired['max_sync_age']
    lines = [
        '# GHES Connect drift report',
        '',
        '%d of %d appliances differ from the desired state (%s).' % (len(drifted(records)), len(records), wanted),
        '',
        '| appliance | version | connected | license sync | last sync age (days) | differences |',
        '|---|---|---|---|---|---|',
    ]
    for record in sorted(records, key=lambda r: r['appliance']):
        differences = '; '.join(['%s: %s → %s' % (d['field'], _word(d['before']), _word(d['after']))
                                 for d in record.get('differences') or []]
                                + ['%s: unknown (%s)' % (u['field'], u['reason']) for u in record.get('unknown') or []]
                                + ['blocked: %s' % b for b in record.get('blocked_by') or []]) \
            or record.get('error') or 'none'
        lines.append('| %s | %s | %s | %s | %s | %s |' % (
            record['appliance'], _cell(record.get('version'), '?'), _word(record.get('connected')),
            _word(record.get('license_sync')), _cell(record.get('last_sync_age_days'), 'never'),
            differences.replace('|', '\\|')))
    return '\n'.join(lines) + '\n'


def _word(value):
    """A value as people read it: on, off, unknown - never a Python literal."""
    if value is None:
        return 'unknown'
    if isinstance(value, bool):
        return 'on' if value else 'off'
    return str(value)


def _cell(value, missing):
    return missing if value is None else str(value)
