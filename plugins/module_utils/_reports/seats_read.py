# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seat model as the report reads it: whole, or unknown with the reason naming the field.

The report is given the seat model of ``ghe_license_seats_info`` (``_seats/model``) by a task, or reads
it back from a part's drift.json. Either way it is data from outside the renderers: ``read_seats`` is
the one place that decides whether it is known. Known means ``known`` is true and every field a
format prints is there, of its type, and consistent with the others; anything else is unknown, with
the reason naming the field, and no number of it reaches a report.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.records import field_fact, kind_name, value_kind


class _Count:
    """A number of seats, people or pairs: an int (never a bool), never negative."""


class _Nullable:
    def __init__(self, kind):
        self.kind = kind


COUNT = _Count()
_NAMES = _Nullable(str)
_LIST_OF_NAMES = [str]
# Every field a format prints (``_reports/seats``, ``prom``, ``junit``), as ``_seats/model.seat_model`` makes it.
_KNOWN = {
    'purchased': COUNT, 'consumed': COUNT, 'over_allocated': COUNT, 'no_verified_domain_email': COUNT,
    'emails_shown': bool,
    'people': dict((kind, COUNT) for kind in ('both', 'ghec_only', 'ghes_only', 'neither', 'unclassified')),
    'visual_studio': {'subscribers': COUNT},
    'likely_duplicates': {'count': COUNT, 'pairs': [{
        'confidence': str, 'rule': str, 'fix': str, 'evidence': _LIST_OF_NAMES,
        'ghes': {'emails': _LIST_OF_NAMES, 'user_ids': _LIST_OF_NAMES}, 'ghec': {'login': _NAMES}}]},
    'rules': [{'id': str, 'confidence': str, 'sees': str, 'sources': _LIST_OF_NAMES}],
    'appliances': [{'host_name': _NAMES, 'inventory': _LIST_OF_NAMES, 'users': COUNT, 'ghes_only': COUNT,
                    'last_sync': _Nullable(dict), 'sync_state': _NAMES, 'note': _NAMES}],
    'not_heard_from': [{'host_name': _NAMES, 'inventory': _LIST_OF_NAMES, 'note': _NAMES}],
}
NO_REASON = 'the seat model says it is unknown and gives no reason'


class _Unread(Exception):
    """A field of the model that is not as the formats need it; ``args[0]`` says which and why."""


def read_seats(seats, where=''):
    """``seats`` as the formats render it: the model itself when known and whole, else ``{known: false, reason}``.

    ``where`` names the file it was read back from (" of drift-part-1.json"), for the reason.
    """
    if not isinstance(seats, dict):
        return unknown('seats%s is %s, not the seat model of ghe_license_seats_info' % (where, value_kind(seats)))
    known = seats.get('known')
    if known is False:
        reason = seats.get('reason')
        return unknown(reason if isinstance(reason, str) and reason.strip() else NO_REASON)
    try:
        if known is not True:
            raise _Unread(field_fact(seats, 'known', bool, None, 'seats' + where).reason)
        if seats.get('reason') is not None:
            raise _Unread('seats%s says it is known and gives a reason (%s)' % (where, seats['reason']))
        _object(seats, _KNOWN, 'seats', where)
        _consistent(seats, where)
    except _Unread as exc:
        return unknown(exc.args[0])
    return dict(seats)


def unknown(reason):
    """The seat model that could not be read: no number, the reason."""
    return {'known': False, 'reason': reason}


def _object(value, spec, path, where):
    for key, kind in spec.items():
        if isinstance(kind, _Nullable):
            if isinstance(value, dict) and key in value and value[key] is None:
                continue
            kind = kind.kind
        fact = field_fact(value, key, _type(kind), None, path + where)
        if not fact.known:
            raise _Unread(fact.reason)
        item = fact.value
        if kind is COUNT and item < 0:
            raise _Unread('%s in %s%s is %d, not a count' % (key, path, where, item))
        _nested(item, kind, '%s.%s' % (path, key), where)


def _nested(value, kind, path, where):
    if isinstance(kind, dict):
        _object(value, kind, path, where)
    elif isinstance(kind, list):
        for index, item in enumerate(value):
            place = '%s[%d]' % (path, index)
            if not isinstance(item, _type(kind[0])):
                raise _Unread('%s%s is %s, not a %s' % (place, where, value_kind(item), kind_name(_type(kind[0]))))
            _nested(item, kind[0], place, where)


def _consistent(seats, where):
    """Nothing, or _Unread when the model's numbers are at odds with each other (one of them is not what was read)."""
    over = max(seats['consumed'] - seats['purchased'], 0)
    if seats['over_allocated'] != over:
        raise _Unread('seats%s says over_allocated %d, but %d consumed of %d purchased is %d'
                      % (where, seats['over_allocated'], seats['consumed'], seats['purchased'], over))
    duplicates = seats['likely_duplicates']
    if duplicates['count'] != len(duplicates['pairs']):
        raise _Unread('seats.likely_duplicates%s says count %d but lists %d pairs'
                      % (where, duplicates['count'], len(duplicates['pairs'])))


def _type(kind):
    if kind is COUNT:
        return int
    if isinstance(kind, dict):
        return dict
    if isinstance(kind, list):
        return list
    return kind
