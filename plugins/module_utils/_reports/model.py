# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report model: one structure that every format (JSON, Markdown, HTML, JUnit, Prometheus) renders.

The model is made from drift records (``_state.comparison.report_record``) and never decides a verdict:
it sorts, counts and dates what the records say. ``drift.json`` is the model itself, so a
sliced run's parts can be read back and merged into one report.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import value_kind
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time
from ansible_collections.ghes.connect.plugins.module_utils._reports.seats_read import read_seats, unknown
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import PROBLEM_VERDICTS, VERDICTS

# Version of drift.json's layout; 1 was the first (desired, appliances, drifted only).
SCHEMA = 2
_RANK = dict((verdict, rank) for rank, verdict in enumerate(VERDICTS))


class ReportInputError(InputError):
    """Records or part reports the report cannot be made from; the message names what and the fix."""


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    """``2026-12-01T09:10:56Z`` for an aware datetime (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_iso(text):
    """An aware datetime from an ISO 8601 string, or None when it is not one.

    The one date reader of the verdicts (``_ghec.sync_health.parse_time``): a time without a zone is
    GHEC's UTC there, so every report format shows the date the verdict was decided on.
    """
    return parse_time(text)


def build(records, desired, enterprise=None, controller=None, collection_version=None, generated_at=None,
          read_at=None, parts=None, seats=None):
    """The report model of ``records``: metadata, counts, and the records sorted problems first, then by name.

    ``seats`` is the seat model of ``ghe_license_seats_info`` (the "Seats" section), or None; it is kept as
    ``read_seats`` reads it (whole, or unknown with the reason).
    """
    checked = [_checked(index, record) for index, record in enumerate(records)]
    _refuse_duplicates(checked)
    ordered = sorted(checked, key=lambda r: (_RANK[r['verdict']], r['appliance']))
    generated_at = generated_at or utc_now()
    return {
        'schema': SCHEMA,
        'generated_at': iso(generated_at),
        'data_read_at': iso(read_at) if read_at is not None else None,
        'controller': controller,
        'collection_version': collection_version,
        'enterprise': enterprise,
        'desired': desired,
        'total': len(ordered),
        'counts': counts(ordered),
        'appliances': ordered,
        'verdicts': dict((r['appliance'], r['verdict']) for r in ordered),
        # Kept from schema 1: the appliances with a problem verdict, in report order.
        'drifted': [r['appliance'] for r in ordered if r['verdict'] in PROBLEM_VERDICTS],
        'parts': parts or [],
        'seats': read_seats(seats) if seats is not None else None,
    }


def counts(records):
    """Appliances per verdict (every verdict, zeros too), and per kind of difference, unknown field and blocker."""
    verdicts = dict((verdict, 0) for verdict in VERDICTS)
    differences, unknown, blocked_by = {}, {}, {}
    for record in records:
        verdicts[record['verdict']] += 1
        for field in sorted({d.get('field') or 'unnamed' for d in record['differences']}):
            differences[field] = differences.get(field, 0) + 1
        for field in sorted({u.get('field') or 'unnamed' for u in record['unknown']}):
            unknown[field] = unknown.get(field, 0) + 1
        for reason in sorted(set(record['blocked_by'])):
            blocked_by[reason] = blocked_by.get(reason, 0) + 1
    return {'verdicts': verdicts, 'differences': differences, 'unknown': unknown, 'blocked_by': blocked_by}


def problems(model, verdicts):
    """``{verdict: [appliance, ...]}`` for the given verdicts that occur in the report, worst first."""
    found = {}
    for record in model['appliances']:
        if record['verdict'] in verdicts:
            found.setdefault(record['verdict'], []).append(record['appliance'])
    return dict((verdict, found[verdict]) for verdict in VERDICTS if verdict in found)


def merge(parts, generated_at=None, controller=None, collection_version=None):
    """One model from part models ``[(source, model), ...]`` (the drift.json of each slice of a sliced run).

    The parts must have been checked against the same desired state and enterprise, and no
    appliance may be in two parts (a part left over from an earlier run would otherwise make
    the report mix old and new data). The report's data is as old as its oldest part. The seats
    are enterprise-wide: known only when every part that read them read the same (``merged_seats``).
    """
    if not parts:
        raise ReportInputError('merge_from: no part reports found; give the directory the slices wrote their '
                               'drift.json into.')
    for source, model in parts:
        _check_part(source, model)
    first_source, first = parts[0]
    records, seen, read = [], {}, []
    for source, model in parts:
        for key in ('desired', 'enterprise'):
            if model.get(key) != first.get(key):
                raise ReportInputError('merge_from: %s and %s were checked against different %s (%s, %s); merge only '
                                       'the parts of one run.' % (first_source, source, key, _shown(first.get(key)),
                                                                  _shown(model.get(key))))
        for record in model['appliances']:
            name = record.get('appliance') if isinstance(record, dict) else None
            if isinstance(name, str):   # a record without a name is refused by build(), naming its place
                if name in seen:
                    raise ReportInputError('merge_from: %s is in both %s and %s; remove the part left over from another '
                                           'run (or give each run its own directory).' % (name, seen[name], source))
                seen[name] = source
            records.append(record)
        read.append(parse_iso(model.get('data_read_at')) or parse_iso(model.get('generated_at')))
    known = [moment for moment in read if moment is not None]
    summary = [{'source': source, 'generated_at': model.get('generated_at'), 'data_read_at': model.get('data_read_at'),
                'appliances': len(model['appliances'])} for source, model in parts]
    seats = merged_seats([(source, model['seats']) for source, model in parts if model.get('seats') is not None])
    return build(records, first['desired'], enterprise=first['enterprise'], controller=controller,
                 collection_version=collection_version, generated_at=generated_at,
                 read_at=min(known) if known else None, parts=summary, seats=seats)


def merged_seats(reads):
    """The seats of the parts' seat reads ``[(source, seats)]``, or None when no part read them.

    Each slice reads the enterprise's seats itself, moments apart. Reads that say the same (but for when they were
    read) are the seats, as of the earliest; reads that differ - one known and one unknown included - leave the
    seats unknown, naming each part and what it read: which one is the enterprise's is not known.
    """
    if not reads:
        return None
    read = [(source, read_seats(seats, ' of %s' % source)) for source, seats in reads]
    said = [dict(seats, read_at=None) for _source, seats in read]
    if any(other != said[0] for other in said[1:]):
        words = ['%s: %s' % (source, _seats_said(seats)) for source, seats in read]
        same_counts = len(set(_seats_said(seats) for _source, seats in read)) == 1
        return unknown('the parts read different seats (%s%s), so which are the enterprise\'s is unknown'
                       % ('; '.join(words), '; the same counts, other details differ' if same_counts else ''))
    if not read[0][1]['known']:
        return read[0][1]
    moments = [parse_iso(seats.get('read_at')) for _source, seats in read]
    if any(moment is None for moment in moments):
        # One read's moment is not known, so neither is the earliest.
        return dict(read[0][1], read_at=None)
    return read[min(range(len(read)), key=lambda index: moments[index])][1]


def _seats_said(seats):
    if not seats['known']:
        return 'unknown - %s' % seats['reason']
    return '%d consumed of %d purchased' % (seats['consumed'], seats['purchased'])


def _check_part(source, model):
    """Nothing, or ReportInputError when the part read back from ``source`` does not say what the merge needs:
    its layout (``schema``), the desired state and enterprise it was checked against, and its appliances."""
    if not isinstance(model, dict):
        raise ReportInputError('merge_from: %s is not a drift report (a %s, not an object).' % (source, type(model).__name__))
    if model.get('schema') != SCHEMA:
        raise ReportInputError('merge_from: %s was written in drift.json schema %s (this collection reads %d); merge parts '
                               'written by one version of the collection.' % (source, _shown(model.get('schema')), SCHEMA))
    if not isinstance(model.get('desired'), dict):
        raise ReportInputError('merge_from: %s has no desired state (desired is %s), so what it was checked against is '
                               'unknown; merge only the parts ghe_drift_report wrote.' % (source, _shown(model.get('desired'))))
    if 'enterprise' not in model or not isinstance(model['enterprise'], (str, type(None))):
        raise ReportInputError('merge_from: %s does not say its enterprise; merge only the parts ghe_drift_report wrote.'
                               % source)
    if not isinstance(model.get('appliances'), list):
        raise ReportInputError('merge_from: %s has no appliances list; merge only the parts ghe_drift_report wrote.' % source)


def _checked(index, record):
    """``record`` with the fields every format reads, or ReportInputError naming what is wrong.

    Records come from this run's results or from part files written earlier, read back: each list is a list
    of its items (a null list is an empty one, as the record type's default), a record that says ``in_sync``
    lists no problem, and ``last_sync`` is an object or null. Anything else is refused, never read ad hoc.
    """
    if not isinstance(record, dict) or not isinstance(record.get('appliance'), str) or not record['appliance']:
        raise ReportInputError('records[%d] has no appliance name; give the records that ghe_drift_scan or '
                               'ghe_connect_info return.' % index)
    if not isinstance(record.get('verdict'), str) or record['verdict'] not in _RANK:
        found = 'verdict %s' % _shown(record['verdict']) if record.get('verdict') is not None else 'no verdict'
        raise ReportInputError('records[%d] (%s) has %s, not one of %s; give the records that ghe_drift_scan or '
                               'ghe_connect_info return.' % (index, record['appliance'], found, ', '.join(VERDICTS)))
    where = 'records[%d] (%s)' % (index, record['appliance'])
    checked = dict(record)
    for key, kind, item_words in (('differences', dict, 'an object'), ('unknown', dict, 'an object'),
                                  ('blocked_by', str, 'a sentence')):
        items = record.get(key)
        if items is None:
            items = []
        if not isinstance(items, (list, tuple)):
            raise ReportInputError('%s: %s is a %s, not a list of %s; give the records that ghe_drift_scan or '
                                   'ghe_connect_info return.' % (where, key, type(items).__name__,
                                                                 'sentences' if kind is str else 'objects'))
        for position, item in enumerate(items):
            if not isinstance(item, kind):
                raise ReportInputError('%s: %s[%d] is %s, not %s; give the records that ghe_drift_scan or '
                                       'ghe_connect_info return.' % (where, key, position, value_kind(item), item_words))
            if kind is dict and not isinstance(item.get('field'), (str, type(None))):
                raise ReportInputError('%s: %s[%d].field is %s, not the name of a field; give the records that '
                                       'ghe_drift_scan or ghe_connect_info return.'
                                       % (where, key, position, value_kind(item['field'])))
        checked[key] = list(items)
    if 'last_sync' in record and not isinstance(record['last_sync'], (dict, type(None))):
        raise ReportInputError('%s: last_sync is a %s, not an object or null; give the records that ghe_drift_scan or '
                               'ghe_connect_info return.' % (where, type(record['last_sync']).__name__))
    # What would make verdict() say otherwise (a blocker without a difference leaves an appliance in sync).
    listed = [key for key in ('differences', 'unknown') if checked[key]] + (['error'] if record.get('error') else [])
    if record['verdict'] == 'in_sync' and listed:
        raise ReportInputError('%s says in_sync but lists %s: a record at odds with itself is not counted; give the '
                               'records that ghe_drift_scan or ghe_connect_info return.' % (where, ' and '.join(listed)))
    return checked


def _shown(value):
    """A value in a message as JSON (null, true, "text"), not as a Python literal."""
    return json.dumps(value, sort_keys=True)


def _refuse_duplicates(records):
    seen = set()
    for record in records:
        key = record['appliance']
        if key in seen:
            raise ReportInputError('records: %s is listed twice; each appliance must be checked once per report.' % key)
        seen.add(key)


def as_json(model):
    """drift.json: the model itself (stable key order, so unchanged data gives the same bytes)."""
    return json.dumps(model, indent=2, sort_keys=True) + '\n'
