# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync-health rules every consumer uses: each row, the inputs -> the verdict."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import (
    STATISTICS_FRESH_SECONDS,
    age_seconds,
    duration,
    parse_time,
    statistics_age,
    sync_health,
)

NOW = parse_time('2020-01-10T00:00:00Z')
DAY = 86400
MAX = 8 * DAY


def sync(date, status='success', error=''):
    return {'date': date, 'status': status, 'error': error}


@pytest.mark.parametrize('last_sync, max_age, state, age, also_stale, warns', [
    (None, MAX, 'never', None, False, False),
    # A record that does not say how the sync ended, or when a success was, is unknown: never "never" or "failed".
    ({}, MAX, 'unknown', None, False, False),
    (sync(None), MAX, 'unknown', None, False, False),
    ('a string, not a record', MAX, 'unknown', None, False, False),
    (sync('2020-01-09T00:00:00Z', None), MAX, 'unknown', None, False, False),
    (sync('2020-01-09T00:00:00Z', ''), MAX, 'unknown', None, False, False),
    (sync('2020-01-09T00:00:00Z', 1), MAX, 'unknown', None, False, False),
    ({'date': '2020-01-09T00:00:00Z'}, MAX, 'unknown', None, False, False),
    (sync(None, 'failure', 'boom'), MAX, 'failed', None, False, False),      # a failure is known without its date
    (sync('2020-01-09T00:00:00Z'), MAX, 'ok', DAY, False, False),
    (sync('2020-01-02T00:00:00Z'), MAX, 'ok', MAX, False, False),            # exactly max_age: still ok
    (sync('2020-01-01T23:59:59Z'), MAX, 'stale', MAX + 1, True, False),
    (sync('2020-01-01T00:00:00Z'), None, 'ok', 9 * DAY, False, False),       # no max_age: age never decides
    (sync('yesterday'), MAX, 'unknown', None, False, False),                 # unparsable: unknown, not healthy
    (sync(1578614400), MAX, 'unknown', None, False, False),                  # wrong type: unknown
    (sync('2020-01-10T06:00:00Z'), MAX, 'ok', 0, False, True),               # future: age 0, warning
    (sync('2020-01-09T00:00:00Z', 'failure', 'boom'), MAX, 'failed', DAY, False, False),
    (sync('2020-01-01T00:00:00Z', 'failure', 'boom'), MAX, 'failed', 9 * DAY, True, False),
    (sync('yesterday', 'failure'), MAX, 'failed', None, False, False),       # a failure is known whatever the date
    (sync('2020-01-09T00:00:00+00:00'), MAX, 'ok', DAY, False, False),
    (sync('2020-01-09T00:00:00'), MAX, 'ok', DAY, False, False),             # no zone: UTC
])
def test_sync_health(last_sync, max_age, state, age, also_stale, warns):
    health = sync_health(last_sync, NOW, max_age)
    assert health['state'] == state
    assert health['age_seconds'] == age
    assert health['also_stale'] is also_stale
    assert bool(health['warning']) is warns
    assert (health['reason'] is None) is (state == 'ok')
    for word in ('None', 'True', 'False'):
        assert word not in (health['reason'] or '') and word not in (health['warning'] or '')


def test_reasons_say_what_was_seen():
    assert 'status is null in GHEC\'s record of' in sync_health(sync('2020-01-09T00:00:00Z', None), NOW, MAX)['reason']
    assert 'date is null in GHEC\'s record of' in sync_health(sync(None), NOW, MAX)['reason']
    assert 'last sync failure: boom' == sync_health(sync('2020-01-09T00:00:00Z', 'failure', 'boom'), NOW, MAX)['reason']
    assert '"yesterday"' in sync_health(sync('yesterday'), NOW, MAX)['reason']
    assert '9.0 days ago (max_sync_age 8.0 days)' in sync_health(sync('2020-01-01T00:00:00Z'), NOW, MAX)['reason']
    assert 'in the future' in sync_health(sync('2020-01-11T00:00:00Z'), NOW, MAX)['warning']


@pytest.mark.parametrize('seconds, words', [
    (8 * 86400, '8.0 days'), (86400, '1.0 days'), (36 * 3600, '1.5 days'),
    (3600, '1.0 hours'), (2 * 3600 + 1800, '2.5 hours'), (86399, '24.0 hours'),
    (60, '1 minute'), (59 * 60, '59 minutes'), (0, '0 minutes'), (29, '0 minutes'),
])
def test_durations_read_in_the_unit_a_person_reads(seconds, words):
    assert duration(seconds) == words


def test_a_stale_sync_under_an_hourly_max_age_says_hours_not_zero_days():
    reason = sync_health(sync('2020-01-09T22:00:00Z'), NOW, 3600)['reason']
    assert reason == 'last successful sync 2.0 hours ago (max_sync_age 1.0 hours)', reason


@pytest.mark.parametrize('collection_date, fresh, age', [
    ('2020-01-10T00:00:00Z', True, 0),
    ('2020-01-09T00:00:00Z', True, DAY),
    ('2020-01-08T12:00:00Z', True, STATISTICS_FRESH_SECONDS),
    ('2020-01-08T11:59:59Z', False, STATISTICS_FRESH_SECONDS + 1),
    ('2019-12-01T00:00:00Z', False, 40 * DAY),
    ('2020-01-11T00:00:00Z', True, 0),        # from the future: as fresh as it gets
    (None, None, None),
    ('last week', None, None),
])
def test_statistics_age(collection_date, fresh, age):
    is_fresh, seconds, reason = statistics_age(collection_date, NOW)
    assert (is_fresh, seconds) == (fresh, age)
    assert (reason is None) is (fresh is True)
    if fresh is False:
        assert 'days old' in reason and 'collected daily' in reason


def test_age_seconds_is_none_for_what_is_not_a_date():
    assert age_seconds(None, NOW) is None and age_seconds(['x'], NOW) is None
    assert age_seconds('2020-01-09T00:00:00Z', NOW) == DAY
