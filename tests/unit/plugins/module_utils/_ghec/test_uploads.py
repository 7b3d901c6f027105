# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHEC's uploads as ``Upload`` records: a field GHEC removed, nulled or gave as another type is unknown with the
reason, never a value; a well-formed one is known from GHEC's GraphQL; results see ``{name, sync_state, created_at}``."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import UPLOAD_FIELDS, latest_upload, parse_upload, shown, uploads
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import OTHER_VALUES, SHAPES, iso_dates, mutate, variant

# docs/interfaces.md: one node of GraphQL's userAccountsUploads, as GHEC documents it.
UPLOAD = {'name': 'ghes-usage-ghes-1-0123456789abcdef.json', 'syncState': 'SUCCESS', 'createdAt': '2026-11-30T12:00:00Z'}
FIELD_OF = dict(UPLOAD_FIELDS)


@SHAPES
@given(st.sampled_from(sorted(UPLOAD)), st.sampled_from(('remove', 'null', 'other')),
       st.sampled_from([v for v in OTHER_VALUES if not isinstance(v, str)]))
def test_an_upload_field_removed_nulled_or_retyped_never_yields_a_value(key, kind, other):
    upload = parse_upload(mutate(UPLOAD, (key,), kind, other))
    fact = getattr(upload, FIELD_OF[key])
    assert not fact.known and fact.value is None and key in fact.reason
    assert upload.to_dict()[FIELD_OF[key]] is None
    # The other fields are still what GHEC said.
    for other_key, field in UPLOAD_FIELDS:
        if other_key != key:
            assert getattr(upload, field).value == UPLOAD[other_key]


@SHAPES
@given(variant({'userAccountsUploads': {'nodes': [UPLOAD, dict(UPLOAD, name='second.json')]}}, changes=4))
def test_every_upload_value_is_one_the_answer_holds_as_a_string(answer):
    listed = answer.get('userAccountsUploads') if isinstance(answer, dict) else None
    nodes = listed.get('nodes') if isinstance(listed, dict) else None
    if not isinstance(nodes, list):
        return  # the client refuses it, naming the field (test_shapes)
    said = [n for n in nodes if isinstance(n, dict)]
    read = uploads(answer)
    assert len(read) == len(said)
    for upload, node in zip(read, said):
        for key, field in UPLOAD_FIELDS:
            fact = getattr(upload, field)
            if fact.known:
                assert isinstance(node.get(key), str) and fact.value == node[key] and fact.source == 'ghec_graphql'
            else:
                assert fact.value is None and key in fact.reason


def test_a_well_formed_upload_shows_as_before():
    upload = parse_upload(UPLOAD)
    assert shown(upload) == {'name': UPLOAD['name'], 'sync_state': 'SUCCESS', 'created_at': '2026-11-30T12:00:00Z'}
    assert upload.unknown() == [] and shown(None) is None
    assert parse_upload({'name': 'x.json'}).unknown() == [
        {'field': 'created_at', 'reason': 'createdAt missing from GHEC\'s upload "x.json"'},
        {'field': 'sync_state', 'reason': 'syncState missing from GHEC\'s upload "x.json"'}]


def test_an_upload_is_read_by_attribute_and_never_changed():
    upload = parse_upload(UPLOAD)
    with pytest.raises(AttributeError):
        upload.syncState  # pylint: disable=pointless-statement
    with pytest.raises(dataclasses.FrozenInstanceError):
        upload.name = None


def test_the_latest_upload_is_unknown_while_one_of_several_cannot_be_dated():
    dated = parse_upload(UPLOAD)
    older = parse_upload(dict(UPLOAD, name='older.json', createdAt='2026-11-29T12:00:00Z'))
    null, unreadable = parse_upload(dict(UPLOAD, name='n.json', createdAt=None)), parse_upload(dict(UPLOAD, name='u.json', createdAt='soon'))
    assert latest_upload([older, dated]) == (dated, None) and latest_upload([]) == (None, None)
    assert latest_upload([null]) == (null, None), 'the only upload listed is the latest'
    assert latest_upload([dated, null]) == (None, 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "n.json"')
    assert latest_upload([unreadable, dated, null]) == (None, 'which upload is the latest cannot be told: GHEC\'s date of the upload '
                                                              'u.json ("soon") cannot be read as a date (and 1 more upload(s) without a '
                                                              'readable date)')


def test_the_latest_upload_is_unknown_while_several_differing_ones_carry_the_latest_date():
    success, failure = parse_upload(UPLOAD), parse_upload(dict(UPLOAD, name='again.json', syncState='FAILURE'))
    older = parse_upload(dict(UPLOAD, name='older.json', createdAt='2026-11-29T12:00:00Z'))
    assert latest_upload([older, success, failure]) == (None, 'which upload is the latest cannot be told: GHEC dates 2 different '
                                                              'uploads 2026-11-30T12:00:00Z (%s, again.json)' % UPLOAD['name'])
    # The same upload listed twice is one upload: it is the latest.
    assert latest_upload([older, success, parse_upload(UPLOAD)]) == (success, None)


@SHAPES
@given(st.lists(st.fixed_dictionaries({'name': st.sampled_from(('a.json', 'b.json', None)),
                                       'syncState': st.sampled_from(('SUCCESS', 'FAILURE', None)),
                                       'createdAt': st.one_of(st.none(), st.sampled_from(('soon', '')), iso_dates())}),
                max_size=4))
def test_the_latest_upload_is_one_no_other_upload_could_be_newer_than_or_unknown_saying_why(nodes):
    records = [parse_upload(node) for node in nodes]
    latest, reason = latest_upload(records)
    if not records:
        assert (latest, reason) == (None, None)
    elif latest is None:
        assert len(records) > 1 and reason.startswith('which upload is the latest cannot be told: ')
    else:
        assert reason is None and latest in records
        if len(records) > 1:
            # Every upload is dated, and none that differs is dated as late or later.
            dates = [parse_time(upload.created_at.value) for upload in records]
            assert None not in dates
            last = parse_time(latest.created_at.value)
            assert all(when < last for upload, when in zip(records, dates) if upload != latest)
