# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of the human-readable reports (Markdown, HTML, JUnit messages): values and what to do.

People read these, so no Python value (None, True, False) reaches them: a switch is "on" or
"off", a value nobody could read is "unknown", a sync that never happened is "never". Each
problem of an appliance is one line with the action that fixes it.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ghes.connect.plugins.module_utils._reports.model import parse_iso

LABELS = {'in_sync': 'in sync', 'drift': 'drift', 'blocked': 'blocked', 'unknown': 'unknown', 'error': 'error'}
# How a boolean field reads, by field; any other boolean is a switch.
_BOOLEAN_WORDS = dict((field, ('connected', 'not connected'))
                      for field in ('connected', 'connect.connected', 'desired.connected'))
ENABLE = 'run the enable playbook (ghes.connect.enable) for this appliance'


# Control characters (a terminal colour code in an error string, say) would garble the page or the table.
_CONTROL = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f]')


def plain(value):
    """``value`` as printable text on one line: control characters dropped, line breaks and tabs made spaces."""
    return ' '.join(_CONTROL.sub('', str(value)).split())


def sentence(text):
    """``text`` ending in a full stop (not a second one)."""
    return text if text.endswith(('.', '?', '!')) else text + '.'


def fix_line(what, todo):
    """One problem and what to do about it, as a line of text."""
    return '%s To fix: %s' % (sentence(what), sentence(todo))


def label(verdict):
    return LABELS.get(verdict, str(verdict))


def words(value, field=''):
    """``value`` as a person reads it."""
    if value is None:
        return 'unknown'
    if isinstance(value, bool):
        yes, no = _BOOLEAN_WORDS.get(field, ('on', 'off'))
        return yes if value else no
    if isinstance(value, (list, tuple)):
        return ', '.join(words(item, field) for item in value) or 'none'
    if isinstance(value, dict):
        return ', '.join('%s %s' % (key, words(item, key)) for key, item in sorted(value.items())) or 'none'
    return str(value)


def when(text):
    """An ISO time as ``2026-12-01 09:10:56 UTC`` (other text as it is; missing as "unknown")."""
    moment = parse_iso(text)
    if moment is None:
        return words(text)
    return moment.strftime('%Y-%m-%d %H:%M:%S UTC') if moment.utcoffset().total_seconds() == 0 else moment.isoformat()


def last_sync(record):
    """The last sync GHEC recorded: "2026-11-30 10:00:00 UTC (success)", "never", or "unknown"."""
    if 'last_sync' not in record:
        return 'unknown'   # a record that does not say is not one that says "none"
    sync = record['last_sync']
    if not sync:
        # No sync on record means "never" only when the license-sync state was read and the sync itself was not
        # among what could not be read.
        unread = any('last_sync' in str(u.get('field') or '') for u in record.get('unknown') or [])
        return 'never' if record.get('license_sync') is not None and not unread else 'unknown'
    text = when(sync.get('date')) if sync.get('date') else 'unknown time'
    status = sync.get('status')
    if status:
        text += ' (%s)' % status
    if record.get('last_sync_age_days') is not None:
        text += ', %s days ago' % record['last_sync_age_days']
    return text


def kinds_sentence(counts):
    """Appliances per kind of problem, most frequent first: "license_sync.enabled differs on 2; ...", or None."""
    parts = []
    for key, verb in (('differences', 'differs on'), ('unknown', 'could not be read on'), ('blocked_by', 'blocks')):
        ranked = sorted(counts.get(key, {}).items(), key=lambda item: (-item[1], item[0]))
        parts += ['%s %s %d' % (name, verb, number) for name, number in ranked]
    return '; '.join(parts) or None


def desired_sentence(desired, enterprise):
    """What the appliances are compared with, in words: only what ``desired`` says.

    A desired state that does not say ``connected`` says nothing about Connect, and a switch that is not true or
    false is shown as it was given, never read as one (the report's ``desired`` is whatever its task was given).
    """
    said = []
    connected = desired.get('connected')
    if connected is True:
        said.append('connected to %s' % (enterprise or 'the GHEC enterprise'))
        if desired.get('target') is not None:
            said[-1] += ' (target %s)' % words(desired['target'])
    elif connected is False:
        said.append('not connected')
    else:
        if connected is not None:
            said.append('connected %s' % _not_a_switch(connected))
        if desired.get('target') is not None:
            said.append('target %s' % words(desired['target']))
    license_sync = desired.get('license_sync')
    if isinstance(license_sync, bool):
        said.append('license sync %s' % words(license_sync))
    elif license_sync is not None:
        said.append('license sync %s' % _not_a_switch(license_sync))
    if license_sync is True and desired.get('max_sync_age') is not None:
        said.append('last successful sync within %s' % words(desired['max_sync_age']))
    return ', '.join(said) or 'the report was given no desired state'


def _not_a_switch(value):
    return '%s (not true or false)' % json.dumps(value, sort_keys=True, default=str)


def problem_lines(record):
    """``[(kind, what, what to do)]`` for each problem of ``record``, in the order a person should fix them."""
    lines = []
    if record.get('error'):
        lines.append(('error', str(record['error']), 'fix the cause above (access, address, credentials), then run '
                                                     'the drift check again'))
    for reason in record.get('blocked_by') or []:
        lines.append(('blocked', 'blocked by: %s' % reason, 'resolve this first; the collection cannot change this '
                                                            'appliance until it is'))
    for difference in record.get('differences') or []:
        lines.append(('drift', difference_text(difference), advice(difference)))
    for unknown in record.get('unknown') or []:
        what = 'could not read %s: %s' % (unknown.get('field') or 'a value', unknown.get('reason') or 'no reason given')
        lines.append(('unknown', what, 'give the collection what it needs to read it (see the reason), then run the drift '
                                       'check again'))
    return lines


def difference_text(difference):
    field = difference.get('field') or 'a value'
    return '%s: %s (should be %s)' % (field, words(difference.get('before'), field),
                                      words(difference.get('after'), field))


def advice(difference):
    """What fixes one difference."""
    field = difference.get('field') or ''
    after = difference.get('after')
    if field == 'connect.connected':
        if after:
            return ENABLE + ', then have an enterprise owner approve the connection on GitHub.com'
        return 'disconnect it: ghes.connect.ghe_connect with state: absent'
    if field == 'connect.account':
        return 'it is connected to another enterprise: disconnect it (ghe_connect state: absent), then ' + ENABLE
    if field == 'connect.target':
        return 'it is connected to the other target: disconnect it, then ' + ENABLE + ' with enable_target set'
    if field == 'license_sync.enabled':
        return (ENABLE + ' to turn license sync on') if after else \
            'turn license sync off: ghes.connect.ghe_license_sync with state: disabled'
    if field == 'license_sync.last_sync':
        return ENABLE + ' with enable_sync_now: true ("Sync now"); if the sync fails again, read its error on GHEC'
    return ENABLE


def overview(record):
    """The short cells of an appliance's row: version, connected, license sync, last sync."""
    return {
        'version': words(record.get('version')),
        'connected': words(record.get('connected'), 'connected'),
        'license_sync': words(record.get('license_sync')),
        'last_sync': last_sync(record),
    }
