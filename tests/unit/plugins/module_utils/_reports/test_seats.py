# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The "Seats" section in every format: a known model, an unknown one, markup in the data, sliced runs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ansible_collections.ghes.connect.plugins.module_utils._reports.formats import render
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import build, merge
from ansible_collections.ghes.connect.plugins.module_utils._seats.masking import shower
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import seat_model, unknown_model
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import NOW, ghec_only, ghes_only, people

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
