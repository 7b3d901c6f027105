# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The "Seats" section in every format: a known model, an unknown one, markup in the data, sliced runs."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given

from ansible_collections.ghes.connect.plugins.module_utils._reports.formats import render
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import as_json, build, merge
from ansible_collections.ghes.connect.plugins.module_utils._reports.seats import appliance_rows
from ansible_collections.ghes.connect.plugins.module_utils._reports.seats_read import read_seats
from ansible_collections.ghes.connect.plugins.module_utils._seats.masking import shower
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import seat_model, unknown_model
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import NOW, ghec_only, ghes_only, people
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, variant

EVIL = '<img src=x onerror=alert(1)>'


def seats(show=False):
    rows = [ghes_only('Dana@corp.example', host='ghes-1.example.com'), ghec_only(EVIL, [], 'dana@corp.example'),
            ghec_only('lpark', ['lee|park@corp.example']),
            ghes_only('lee|park@legacy.example', host='old.example.com', number=2)]
    read = {'purchased': 3, 'consumed': 4, 'pages': 1, 'people': people(*rows)}
    status = {'observed_at': NOW, 'server_instances': []}
    assert shower(show)
    return seat_model(read, status, inventory=[{'appliance': 'ams', 'hostname': 'ghes-1.example.com'}],
                      max_age=8 * 86400, show_emails=show, enterprise='acme')


def files(model_seats):
    model = build([], {}, enterprise='acme', seats=model_seats)
    return dict((name, content) for _fmt, name, content in render(model, ['json', 'md', 'html', 'junit', 'prom']))


def test_every_format_has_the_seats_and_no_address_when_masked():
    written = files(seats())
    assert json.loads(written['drift.json'])['seats']['likely_duplicates']['count'] == 2
    for name, content in written.items():
        assert 'Dana@corp.example' not in content and 'dana@corp.example' not in content, name
    assert '## Seats' in written['drift.md'] and 'over-allocated by 1' in written['drift.md']
    assert 'lee\\|park' not in written['drift.md']          # masked before it could need escaping
    assert EVIL not in written['drift.html'] and '&lt;img src=x' in written['drift.html']
    suites = ET.fromstring(written['drift.junit.xml'])
    assert suites.get('tests') == '3' and suites.get('failures') == '3'
    prom = written['drift.prom']
    assert 'ghes_seats_consumed 4\n' in prom and 'ghes_seats_likely_duplicated 2\n' in prom


def test_shown_addresses_are_escaped_like_any_data():
    written = files(seats(show=True))
    assert 'Dana@corp.example' in written['drift.md'] and 'lee\\|park@legacy.example' in written['drift.md']


def test_an_unknown_model_says_why_and_gives_no_number():
    written = files(unknown_model('Page 2 of the consumed licenses could not be read', enterprise='acme'))
    assert 'Seats: unknown - Page 2' in written['drift.md'] and 'Seats: unknown - Page 2' in written['drift.html']
    assert 'ghes_seats_known 0' in written['drift.prom'] and 'ghes_seats_consumed' not in written['drift.prom']
    suites = ET.fromstring(written['drift.junit.xml'])
    assert suites.get('errors') == '1' and suites.get('tests') == '1'


def test_without_seats_the_formats_are_as_before():
    written = files(None)
    assert 'Seats' not in written['drift.md'] and 'ghes_seats' not in written['drift.prom']
    assert 'seats' not in written['drift.junit.xml']


def test_a_merged_report_keeps_the_seats_of_its_parts():
    known = seats()
    parts = [('a.json', json.loads(json.dumps(build([], {}, enterprise='acme')))),
             ('b.json', json.loads(json.dumps(build([], {}, enterprise='acme', seats=known))))]
    assert merge(parts)['seats']['consumed'] == 4


def written_with(model_seats):
    """Every format of a report given ``model_seats`` (as ghe_drift_report's ``seats`` option gives it)."""
    return files(model_seats)


@pytest.mark.parametrize('change, needle', [
    (lambda s: s.pop('consumed'), 'consumed missing from seats'),
    (lambda s: s.update(consumed='4'), 'consumed in seats is a str, not a number'),
    (lambda s: s.update(purchased=None), 'purchased is null in seats'),
    (lambda s: s.update(purchased=True), 'purchased in seats is a bool, not a number'),
    (lambda s: s.update(consumed=-4), 'consumed in seats is -4, not a count'),
    (lambda s: s['people'].pop('neither'), 'neither missing from seats.people'),
    (lambda s: s['likely_duplicates'].update(count=7), 'seats.likely_duplicates says count 7 but lists 2 pairs'),
    (lambda s: s.update(over_allocated=0), 'seats says over_allocated 0, but 4 consumed of 3 purchased is 1'),
    (lambda s: s['appliances'][0].update(inventory='ams'), 'inventory in seats.appliances[0] is a str, not a list'),
    (lambda s: s.update(emails_shown='false'), 'emails_shown in seats is a str, not a boolean'),
])
def test_a_known_model_with_a_field_missing_or_of_another_type_is_unknown_naming_it(change, needle):
    given_seats = seats()
    change(given_seats)
    written = written_with(given_seats)
    assert json.loads(written['drift.json'])['seats'] == {'known': False, 'reason': json.loads(
        written['drift.json'])['seats']['reason']}
    assert needle in json.loads(written['drift.json'])['seats']['reason']
    assert 'Seats: unknown - ' in written['drift.md'] and html.escape(needle) in written['drift.html']
    assert 'ghes_seats_known 0\n' in written['drift.prom'] and 'ghes_seats_consumed' not in written['drift.prom']
    assert ET.fromstring(written['drift.junit.xml']).get('errors') == '1'


@pytest.mark.parametrize('known', ['false', 'true', 0, 1, None, [], 'no'])
def test_known_that_is_not_a_boolean_is_never_read_as_true(known):
    given_seats = dict(seats(), known=known)
    written = written_with(given_seats)
    assert 'ghes_seats_known 0\n' in written['drift.prom'] and 'ghes_seats_consumed' not in written['drift.prom']
    assert 'Seats: unknown - known' in written['drift.md']


def test_a_model_that_says_unknown_without_a_reason_says_that():
    written = written_with({'known': False})
    assert 'Seats: unknown - the seat model says it is unknown and gives no reason' in written['drift.md']
    written = written_with({'known': False, 'reason': 'Page 2 of the consumed licenses could not be read'})
    assert 'Seats: unknown - Page 2 of the consumed licenses could not be read' in written['drift.md']


def test_a_part_whose_seats_lack_a_count_is_merged_with_the_seats_unknown_naming_part_and_field():
    broken = seats()
    del broken['purchased']
    parts = [('a.json', json.loads(as_json(build([], {}, enterprise='acme', seats=seats())))),
             ('b.json', json.loads(as_json(build([], {}, enterprise='acme'))))]
    parts[0][1]['seats'] = broken
    merged = merge(parts)
    assert merged['seats']['known'] is False and 'purchased missing from seats of a.json' in merged['seats']['reason']
    for _fmt, _name, content in render(merged, ['json', 'md', 'html', 'junit', 'prom']):
        assert content


def _part(source, part_seats):
    return source, json.loads(as_json(build([], {}, enterprise='acme', seats=part_seats)))


def test_parts_that_read_different_seats_merge_with_the_seats_unknown_naming_the_parts():
    other = seats()
    other['consumed'], other['over_allocated'] = 5, 2
    for second in (other, unknown_model('Page 2 could not be read', enterprise='acme')):
        merged = merge([_part('a.json', seats()), _part('b.json', second)])
        reason = merged['seats']['reason']
        assert merged['seats']['known'] is False and 'a.json' in reason and 'b.json' in reason, reason
        written = dict((name, content) for _fmt, name, content in render(merged, ['md', 'prom']))
        assert 'ghes_seats_consumed' not in written['drift.prom'] and 'Seats: unknown - ' in written['drift.md']


def test_parts_that_read_the_same_seats_at_other_moments_merge_into_those_seats_read_at_the_earliest():
    early, late = seats(), seats()
    early['read_at'], late['read_at'] = '2026-12-07T11:58:00+00:00', '2026-12-07T12:03:00+00:00'
    merged = merge([_part('a.json', late), _part('b.json', early)])
    assert merged['seats'] == early


@SHAPES
@given(variant(seats(), changes=3))
def test_a_seat_model_of_any_shape_is_rendered_as_it_says_or_unknown_with_the_reason(changed):
    read = read_seats(changed)
    if read['known'] is True:
        # Known only as given: every number the formats print is the model's own.
        assert read == changed and changed['known'] is True
    else:
        assert set(read) >= {'known', 'reason'} and read['known'] is False
        assert isinstance(read['reason'], str) and read['reason']
    assert read_seats(read) == read   # drift.json read back says the same
    written = written_with(changed)
    if changed is None:
        assert 'ghes_seats' not in written['drift.prom'] and 'Seats' not in written['drift.md']
    elif read['known']:
        assert 'ghes_seats_known 1\n' in written['drift.prom']
        assert 'ghes_seats_consumed %d\n' % changed['consumed'] in written['drift.prom']
    else:
        assert 'ghes_seats_known 0\n' in written['drift.prom'] and 'ghes_seats_consumed' not in written['drift.prom']
        assert 'Seats: unknown - %s' % html.escape(read['reason']) in written['drift.html'].replace('&#x27;', "'")


@pytest.mark.parametrize('last_sync, sync_state, shown', [
    (None, 'never', 'never'),
    (None, 'unknown', 'unknown'),
    (None, None, 'unknown'),
    ({'status': 'success'}, 'unknown', 'unknown'),
    ({'date': '2026-12-01T09:00:00Z', 'status': None}, 'ok', '2026-12-01 09:00:00 UTC (no status)'),
])
def test_an_appliance_row_says_never_only_when_ghec_has_no_sync_of_it(last_sync, sync_state, shown):
    given_seats = seats()
    given_seats['appliances'][0].update(last_sync=last_sync, sync_state=sync_state)
    row = appliance_rows(read_seats(given_seats))[0]
    assert row[4] == shown
