# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What counts as a healthy license sync, and when server statistics still describe an appliance.

One set of rules for every consumer: the modules, the fleet scan, the drift records and the
``ghec_servers`` inventory plugin. Ages are measured against GHEC's own clock (the ``Date``
of its answer), so a controller whose clock is wrong neither invents nor hides drift.

A date that cannot be read proves nothing: the sync's health is then ``unknown`` (with the
reason), never "healthy" and never "stale". A date after GHEC's clock (servers' clocks differ
a little) counts as age 0, with a warning that says so.
"""

from __future__ import annotations

import datetime

from ansible_collections.ghes.connect.plugins.module_utils._common.records import field_fact

# Server statistics are collected by a daily job on the appliance (GitHub's "About Server
# Statistics"); an entry older than a day and a half has missed a collection and no longer
# describes the Connect features as they are now.
STATISTICS_FRESH_SECONDS = 36 * 3600

NEVER = 'never'
FAILED = 'failed'
UNKNOWN = 'unknown'
STALE = 'stale'
OK = 'ok'
SECONDS_PER_DAY = 86400.0


def parse_time(text):
    """An aware ``datetime`` from an ISO-8601 string, or None for anything else (a wrong type included)."""
    if not text or not isinstance(text, str):
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def age_seconds(text, now=None):
    """Seconds from ``text`` to ``now`` (the controller's clock when None); None when unreadable. May be negative."""
    when = parse_time(text)
    if when is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return int((now - when).total_seconds())


def duration(seconds):
    """An age or a ``max_sync_age`` in words a person reads at a glance: days from a day on, hours below, minutes
    below an hour (``1h`` is "1.0 hours", not "0.0 days")."""
    if seconds >= SECONDS_PER_DAY:
        return '%.1f days' % (seconds / SECONDS_PER_DAY)
    if seconds >= 3600:
        return '%.1f hours' % (seconds / 3600.0)
    minutes = int(round(seconds / 60.0))
    return '%d minute%s' % (minutes, '' if minutes == 1 else 's')


def last_sync_of(record):
    """GHEC's record of a server's last license sync (``record['last_sync']``) as ``{date, status, error}``, or None
    when it has none. An empty one stays a record: what it does not say is unknown (``sync_health``), not "never"."""
    last_sync = record.get('last_sync') if isinstance(record, dict) else None
    if not isinstance(last_sync, dict):
        return None
    return dict((key, last_sync.get(key)) for key in ('date', 'status', 'error'))


def sync_health(last_sync, now, max_age=None, what='the last license sync'):
    """The health of one GHEC ``last_sync`` record (``{date, status, error}`` or None).

    Returns ``{state, age_seconds, reason, warning}``: ``state`` is ``never`` (no sync record),
    ``unknown`` (a record without a status, a success without a date or with a date that cannot
    be read), ``failed`` (a status other than ``success``, whatever its date), ``stale`` (older
    than ``max_age`` seconds) or ``ok``.
    ``reason`` says why in words for every state but ``ok``; ``warning`` is set when a date
    after GHEC's clock was counted as age 0. ``stale`` is also reported, as ``also_stale``,
    for a failed sync that is old as well (the inventory groups show both).
    """
    health = {'state': OK, 'age_seconds': None, 'reason': None, 'warning': None, 'also_stale': False}
    if last_sync is None:
        health.update(state=NEVER, reason='no sync recorded on GHEC')
        return health
    unsaid = _unsaid(last_sync, what)
    if unsaid:
        # A record that does not say how the sync ended (or, for a success, when) is no sync and no failure.
        health.update(state=UNKNOWN, reason=unsaid)
        return health
    age = age_seconds(last_sync.get('date'), now=now)
    if age is not None and age < 0:
        health['warning'] = ('GHEC dates %s in the future (%s, %d s after GHEC\'s own clock): counted as age 0.'
                             % (what, last_sync.get('date'), -age))
        age = 0
    health['age_seconds'] = age
    stale = age is not None and max_age is not None and age > max_age
    status = last_sync['status']
    if status != 'success':
        health.update(state=FAILED, also_stale=stale, reason='last sync %s: %s' % (status, last_sync.get('error') or 'no error text'))
    elif age is None:
        health.update(state=UNKNOWN, reason='GHEC\'s date of %s ("%s") cannot be read as a date'
                      % (what, last_sync.get('date')))
    elif stale:
        health.update(state=STALE, also_stale=True, reason='last successful sync %s ago (max_sync_age %s)'
                      % (duration(age), duration(max_age)))
    return health


def _unsaid(last_sync, what):
    """Why GHEC's ``last_sync`` record does not say how the sync ended (a status) or, for a success, when (a date);
    None when it says both. A failure is known whatever its date."""
    record = 'GHEC\'s record of %s' % what
    status = field_fact(last_sync, 'status', str, None, record)
    if not status.known:
        return status.reason
    if not status.value:
        return 'status is empty in %s' % record
    if status.value == 'success':
        date = field_fact(last_sync, 'date', str, None, record)
        return None if date.known else date.reason
    return None


def unknown_health(reason):
    """A ``sync_health`` result for a last sync that cannot be attributed or read: ``unknown``, saying why."""
    return {'state': UNKNOWN, 'age_seconds': None, 'reason': reason, 'warning': None, 'also_stale': False}


def statistics_age(collection_date, now):
    """``(fresh, age_seconds, reason)`` of an appliance's latest server statistics entry.

    ``fresh`` is True when the entry still describes the appliance (collected within
    ``STATISTICS_FRESH_SECONDS``), False when it is older, None when there is no readable date.
    """
    age = age_seconds(collection_date, now=now)
    if age is None:
        return None, None, ('its latest server statistics carry no readable collection date (%s)'
                            % (collection_date if collection_date else 'none'))
    age = max(age, 0)
    if age > STATISTICS_FRESH_SECONDS:
        return False, age, ('its latest server statistics are %s old (collected %s; statistics are collected daily, '
                            'and older than %d hours do not describe the switch now)'
                            % (duration(age), collection_date, STATISTICS_FRESH_SECONDS // 3600))
    return True, age, None
