# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers nobody wrote: Hypothesis strategies that bend the documented shapes (docs/interfaces.md).

``variant(documented)`` draws a copy of a documented answer with a few changes anywhere in it:
a field removed, null, of another type; an empty list or object in its place; extra fields;
a list element duplicated. ``iso_dates()`` draws dates in the ISO-8601 forms and as numbers.
The properties themselves live beside each parser's tests; ``SHAPES`` is their one budget:
a fixed seed (``derandomize``) and a number of examples that keeps the units gate within a
minute more.
"""

from __future__ import annotations

import copy
import datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SHAPES = settings(derandomize=True, max_examples=150, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

OTHER_VALUES = (None, 0, 1, -1, 1.5, '', 'x', 'on', True, False, [], {}, [None], {'extra': 1},
                '2026-11-30T12:00:00', 1796040000, 1796040000.5)
MUTATIONS = ('remove', 'null', 'other', 'empty_list', 'empty_object', 'extra', 'duplicate')


def paths(value, prefix=()):
    """Every path into a JSON value, the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def _parent(value, path):
    for step in path[:-1]:
        value = value[step]
    return value


def mutate(value, path, kind, other=None):
    """``value`` with one change at ``path`` (a copy; the root may be replaced)."""
    value = copy.deepcopy(value)
    replacement = {'null': None, 'other': other, 'empty_list': [], 'empty_object': {}}
    if not path:
        if kind in replacement:
            return replacement[kind]
        if kind == 'remove':
            return None
        if kind == 'extra' and isinstance(value, dict):
            value['unexpected_field'] = other
        if kind == 'duplicate' and isinstance(value, list) and value:
            value.append(copy.deepcopy(value[0]))
        return value
    parent, key = _parent(value, path), path[-1]
    if kind == 'remove':
        del parent[key]
    elif kind in replacement:
        parent[key] = replacement[kind]
    elif kind == 'extra' and isinstance(parent[key], dict):
        parent[key]['unexpected_field'] = other
    elif kind == 'duplicate':
        if isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][-1]))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return value


@st.composite
def variant(draw, documented, changes=3):
    """The documented answer with up to ``changes`` changes anywhere in it."""
    value = copy.deepcopy(documented)
    for _change in range(draw(st.integers(0, changes))):
        path = draw(st.sampled_from(list(paths(value))))
        value = mutate(value, path, draw(st.sampled_from(MUTATIONS)), draw(st.sampled_from(OTHER_VALUES)))
    return value


@st.composite
def one_field_changed(draw, documented):
    """The documented answer with exactly one field removed or nulled: ``(path, answer)``."""
    leaves = [p for p in paths(documented) if p]
    path = draw(st.sampled_from(leaves))
    return path, mutate(documented, path, draw(st.sampled_from(('remove', 'null'))))


def iso_dates():
    """Dates as GHEC or an appliance might write them: ISO-8601 with and without a zone, other forms, numbers."""
    moments = st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2040, 1, 1))
    zones = st.sampled_from([None, datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=2)),
                             datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))])

    def written(pair):
        moment, zone = pair
        moment = moment.replace(tzinfo=zone)
        return [moment.isoformat(), moment.isoformat(timespec='seconds'), moment.isoformat(timespec='milliseconds'),
                moment.strftime('%Y-%m-%dT%H:%M:%SZ'), moment.strftime('%Y%m%dT%H%M%S'), moment.date().isoformat(),
                moment.isoformat(sep=' '), moment.strftime('%a, %d %b %Y %H:%M:%S GMT')]

    texts = st.tuples(moments, zones).map(written).flatmap(st.sampled_from)
    numbers = st.one_of(st.integers(-2 ** 40, 2 ** 40), st.floats(allow_nan=True, allow_infinity=True))
    return st.one_of(texts, numbers, st.sampled_from(['', 'yesterday', 'Z', '2026-13-45T99:99:99Z', None, [], {}]))
