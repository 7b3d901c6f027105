# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report model and its five renderers, from hand-made records of every verdict and messy shape."""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given

from ansible_collections.ghes.connect.plugins.module_utils._reports import html as _report_html
from ansible_collections.ghes.connect.plugins.module_utils._reports import junit as _report_junit
from ansible_collections.ghes.connect.plugins.module_utils._reports import markdown as _report_markdown
from ansible_collections.ghes.connect.plugins.module_utils._reports import prom as _report_prom
from ansible_collections.ghes.connect.plugins.module_utils._reports.formats import render
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import ReportInputError, as_json, build, merge
from ansible_collections.ghes.connect.plugins.module_utils._reports.text import desired_sentence as text_desired_sentence
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import VERDICTS, report_record
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, variant

NOW = datetime.datetime(2026, 12, 1, 9, 30, 0, tzinfo=datetime.timezone.utc)
READ = datetime.datetime(2026, 12, 1, 9, 29, 12, tzinfo=datetime.timezone.utc)
DESIRED = {'connected': True, 'target': 'github_com', 'license_sync': True, 'max_sync_age': '8d'}
EVIL = '<img src=x onerror=alert(1)>'
QUOTED = 'ghes "eu" \\ 2'


def drift_record(*args, **kwargs):
    """A drift record as results and drift.json hold it: the model is made from these."""
    return report_record(*args, **kwargs).to_dict()


def info(connected=True, enabled=True, date='2026-11-30T10:00:00Z', status='success', age=84000.0, version='3.14.2'):
    last = {'date': date, 'status': status, 'error': None} if date else None
    return {'url': 'https://10.0.0.7', 'version': version, 'connect': ConnectState(connected=connected),
            'license_sync': LicenseSyncState(enabled=enabled, last_sync=last, sync_age_seconds=age if date else None)}


def fleet():
    """One record of every verdict, plus the shapes real fleets have."""
    return [
        drift_record('ghes-b', info()),
        drift_record('ghes-a', info()),
        drift_record('ghes-drift', info(connected=False),
                     [{'field': 'connect.connected', 'before': False, 'after': True}]),
        drift_record(EVIL, info(enabled=False), [{'field': 'license_sync.enabled', 'before': False, 'after': True}]),
        drift_record('ghes-blocked', info(connected=False, enabled=None, date=None),
                     [{'field': 'connect.connected', 'before': False, 'after': True}],
                     blocked_by=['the license does not include GitHub Connect (croquetSupport: false)']),
        drift_record('ghes-unknown', info(enabled=None, date=None),
                     unknown=[{'field': 'license_sync.enabled', 'reason': 'no recent server statistics; give '
                               'console credentials'}]),
        drift_record(QUOTED, None, error='GHEC said: <b>bad</b> "credentials" \x1b[31m & more\nsecond line'),
        drift_record('ghes-failed-sync', info(status='failed', date='2026-11-29T10:00:00+00:00'),
                     [{'field': 'license_sync.last_sync', 'before': 'last sync failed: 422', 'after': 'recent success'}]),
    ]


def model(records=None):
    return build(fleet() if records is None else records, DESIRED, enterprise='acme', controller='ctl-1',
                 collection_version='0.1.0', generated_at=NOW, read_at=READ)


def test_model_sorts_problems_first_then_by_name_and_counts_every_verdict():
    m = model()
    order = [r['appliance'] for r in m['appliances']]
    assert order == [QUOTED, 'ghes-blocked', EVIL, 'ghes-drift', 'ghes-failed-sync', 'ghes-unknown', 'ghes-a', 'ghes-b']
    verdicts = [r['verdict'] for r in m['appliances']]
    assert verdicts == ['error', 'blocked', 'drift', 'drift', 'drift', 'unknown', 'in_sync', 'in_sync']
    assert m['counts']['verdicts'] == {'error': 1, 'blocked': 1, 'drift': 3, 'unknown': 1, 'in_sync': 2}
    assert list(m['counts']['verdicts']) == list(VERDICTS)
    assert m['counts']['differences'] == {'connect.connected': 2, 'license_sync.enabled': 1, 'license_sync.last_sync': 1}
    assert m['counts']['unknown'] == {'license_sync.enabled': 1}
    assert m['generated_at'] == '2026-12-01T09:30:00Z' and m['data_read_at'] == '2026-12-01T09:29:12Z'
    assert m['drifted'] == order[:6] and m['verdicts']['ghes-a'] == 'in_sync'
    assert (m['controller'], m['collection_version'], m['enterprise'], m['total']) == ('ctl-1', '0.1.0', 'acme', 8)


def test_model_never_decides_a_verdict_it_reads_the_records():
    record = drift_record('ghes-x', info())
    record['verdict'] = 'blocked'  # whatever _drift decided, the report says the same
    assert model([record])['appliances'][0]['verdict'] == 'blocked'
    for broken, needle in ((dict(record, verdict=None), "has no verdict"), (dict(record, verdict='drifted'), 'has verdict "drifted"'),
                           (dict(record, verdict=['drift']), r'has verdict \["drift"\]'),
                           ({'verdict': 'drift'}, 'no appliance name')):
        with pytest.raises(ReportInputError, match=needle):
            model([broken])
    with pytest.raises(ReportInputError, match='ghes-x is listed twice'):
        model([record, dict(record)])


def test_json_keeps_the_first_layout_keys_and_adds_the_model():
    data = json.loads(as_json(model()))
    assert data['desired'] == DESIRED and len(data['appliances']) == 8
    assert sorted(data['drifted']) == sorted([QUOTED, 'ghes-blocked', EVIL, 'ghes-drift', 'ghes-failed-sync',
                                              'ghes-unknown'])
    assert data['counts']['verdicts']['drift'] == 3 and data['schema'] == 2
    assert as_json(model()) == as_json(model()), 'same data, same bytes'


@pytest.mark.parametrize('fmt', ['md', 'html', 'junit'])
def test_human_formats_show_no_python_literals(fmt):
    content = render(model(), [fmt])[0][2]
    for literal in ('None', 'True', 'False', "{'", "['"):
        assert literal not in content, '%s in %s' % (literal, fmt)


def test_markdown_counts_timestamp_problems_first_and_one_line_per_difference():
    text = _report_markdown.render(model())
    assert '4 of 8 appliances differ from the desired state' in text and '2 could not be fully checked' in text
    assert '| error | blocked | drift | unknown | in sync |\n|---|---|---|---|---|\n| 1 | 1 | 3 | 1 | 2 |' in text
    assert 'Data read 2026-12-01 09:29:12 UTC; report written 2026-12-01 09:30:00 UTC on ctl-1' in text
    rows = [line for line in text.splitlines() if line.startswith('| ') and ' | ' in line][3:]
    assert rows[0].startswith('| ghes "eu" \\\\ 2 | error |') and rows[-1].startswith('| ghes-b | in sync |')
    assert '| ghes-drift | drift | 3.14.2 | not connected | on | 2026-11-30 10:00:00 UTC (success), 1.0 days ago |' in text
    assert '| ghes-unknown | unknown | 3.14.2 | connected | unknown | unknown |' in text
    assert '| ghes-blocked | blocked | 3.14.2 | not connected | unknown | unknown |' in text
    assert ('By kind: connect.connected differs on 2; license\\_sync.enabled differs on 1; license\\_sync.last\\_sync '
            'differs on 1; license\\_sync.enabled could not be read on 1; the license does not include GitHub Connect '
            '(croquetSupport: false) blocks 1.') in text
    assert '- connect.connected: not connected (should be connected). To fix: run the enable playbook' in text
    # Names and error strings are text: no HTML or Markdown reaches the reader, no line is broken.
    assert '\\<img src=x onerror=alert(1)\\>' in text and EVIL not in text
    assert '\\<b\\>bad\\</b\\> "credentials" \\[31m &amp; more second line' in text and '\x1b' not in text


def test_markdown_says_never_only_when_the_sync_state_was_read():
    never = drift_record('ghes-new', info(date=None))
    unread = drift_record('ghes-unread', info(enabled=None, date=None))
    unread_sync = [{'field': 'license_sync.last_sync', 'reason': 'GHEC answered 502'}]
    failed_read = drift_record('ghes-no-status', info(date=None), unknown=unread_sync)
    text = _report_markdown.render(model([never, unread, failed_read]))
    assert '| ghes-new | in sync | 3.14.2 | connected | on | never |' in text
    assert '| ghes-unread | in sync | 3.14.2 | connected | unknown | unknown |' in text
    assert '| ghes-no-status | unknown | 3.14.2 | connected | on | unknown |' in text


def test_html_escapes_every_value_and_allows_only_its_own_script_and_style():
    page = _report_html.render(model())
    assert EVIL not in page and '&lt;img src=x onerror=alert(1)&gt;' in page
    assert '<b>bad</b>' not in page and '&lt;b&gt;bad&lt;/b&gt;' in page
    assert 'ghes &quot;eu&quot; \\ 2' in page
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page), 'no external asset'
    assert page.count('<script') == 1 and page.count('<style') == 1
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy and 'unsafe-inline' not in policy
    assert '<b id="count-drift">3</b>' in page and '<b id="count-total">8</b>' in page
    assert page.index('data-name="ghes &quot;eu&quot; \\ 2"') < page.index('data-name="ghes-a"')
    assert 'Data read <time id="read-at">2026-12-01 09:29:12 UTC</time>' in page
    assert page.count('<tr data-verdict=') == 8
    assert page.count('<li class="problem">') == 7, 'each problem on its own line'


def test_junit_one_case_per_appliance_failures_and_errors():
    text = _report_junit.render(model())
    root = ET.fromstring(text.encode('utf-8'))
    suite = root.find('testsuite')
    assert (suite.get('tests'), suite.get('failures'), suite.get('errors')) == ('8', '4', '2')
    cases = dict((c.get('name'), c) for c in suite.findall('testcase'))
    assert len(cases) == 8 and EVIL in cases and QUOTED in cases
    assert cases['ghes-drift'].find('failure').get('message') == 'connect.connected: not connected (should be connected)'
    assert cases['ghes-blocked'].find('failure').get('type') == 'blocked'
    assert cases['ghes-unknown'].find('error').get('type') == 'unknown'
    error = cases[QUOTED].find('error')
    assert '\x1b' not in error.get('message') and '"credentials"' in error.get('message')
    assert '\n' in error.get('message'), 'a line break in an attribute survives as &#10;'
    assert list(cases['ghes-a']) == []
    assert 'To fix: run the enable playbook' in cases['ghes-drift'].find('failure').text


def test_prometheus_exposition_omits_unknown_values_and_escapes_labels():
    text = _report_prom.render(model())
    samples = [line for line in text.splitlines() if not line.startswith('#')]
    assert 'ghes_connect_connected{appliance="ghes-drift"} 0' in samples
    assert 'ghes_connect_connected{appliance="ghes-a"} 1' in samples
    assert not [s for s in samples if s.startswith('ghes_connect_connected{appliance="ghes \\"eu\\"')], 'unknown: absent'
    assert not [s for s in samples if s.startswith('ghes_license_sync_enabled{appliance="ghes-unknown"}')]
    assert 'ghes_license_last_sync_timestamp_seconds{appliance="ghes-a"} 1796032800' in samples
    assert 'ghes_license_last_sync_success{appliance="ghes-failed-sync"} 0' in samples
    assert 'ghes_connect_verdict{appliance="ghes \\"eu\\" \\\\ 2",verdict="error"} 1' in samples
    assert 'ghes_connect_verdict{appliance="ghes \\"eu\\" \\\\ 2",verdict="in_sync"} 0' in samples
    assert 'ghes_connect_drift_check_timestamp_seconds %d' % READ.timestamp() in samples
    assert 'ghes_connect_drift_check_appliances{verdict="drift"} 3' in samples
    assert len([s for s in samples if s.startswith('ghes_connect_verdict{')]) == 8 * len(VERDICTS)


def test_a_sync_date_without_a_zone_is_read_as_the_verdict_reads_it_in_prom():
    # The verdict reads GHEC's zoneless date as UTC (_sync_health.parse_time); drift.prom used to drop it.
    record = drift_record('ghes-naive', info())
    record['last_sync'] = {'date': '2026-11-30T12:00:00', 'status': 'success', 'error': None}
    text = _report_prom.render(build([record], DESIRED, enterprise='acme', generated_at=READ, read_at=READ))
    assert 'ghes_license_last_sync_timestamp_seconds{appliance="ghes-naive"} 1796040000' in text.splitlines()
    assert 'ghes_license_last_sync_success{appliance="ghes-naive"} 1' in text.splitlines()


def part(names, read_at, desired=None):
    records = [drift_record(name, info()) for name in names]
    return json.loads(as_json(build(records, desired or DESIRED, enterprise='acme', generated_at=read_at,
                                    read_at=read_at)))


def test_merge_of_slices_is_the_report_of_one_run_dated_by_its_oldest_part():
    older = READ - datetime.timedelta(minutes=3)
    merged = merge([('s1', part(['ghes-3', 'ghes-1'], READ)), ('s2', part(['ghes-2'], older))], generated_at=NOW)
    whole = build([drift_record(n, info()) for n in ('ghes-1', 'ghes-2', 'ghes-3')], DESIRED, enterprise='acme')
    assert merged['appliances'] == whole['appliances'] and merged['counts'] == whole['counts']
    assert merged['data_read_at'] == '2026-12-01T09:26:12Z'
    assert [p['source'] for p in merged['parts']] == ['s1', 's2']


def test_merge_refuses_overlapping_or_mismatched_parts_and_nothing():
    with pytest.raises(ReportInputError, match='ghes-1 is in both s1 and s2'):
        merge([('s1', part(['ghes-1'], READ)), ('s2', part(['ghes-1'], READ))])
    with pytest.raises(ReportInputError, match='different desired'):
        merge([('s1', part(['ghes-1'], READ)), ('s2', part(['ghes-2'], READ, dict(DESIRED, license_sync=False)))])
    with pytest.raises(ReportInputError, match='no part reports found'):
        merge([])


def test_a_record_without_its_last_sync_field_is_unknown_never_never():
    # "never" is what a null last_sync says once the sync state was read; a record that lacks the field says nothing.
    lacking = drift_record('ghes-old-part', info(date=None))
    del lacking['last_sync']
    assert '| ghes-old-part | in sync | 3.14.2 | connected | on | unknown |' in _report_markdown.render(model([lacking]))


def test_a_record_that_says_in_sync_and_lists_a_problem_is_refused_never_counted_in_sync():
    unread = [{'field': 'license_sync.enabled', 'reason': 'GHEC answered 502'}]
    for problem in ({'unknown': unread}, {'differences': [{'field': 'connect.connected', 'before': False, 'after': True}]},
                    {'error': 'GHEC said: no'}):
        record = dict(drift_record('ghes-x', info()), **problem)
        with pytest.raises(ReportInputError, match=r'records\[0\] \(ghes-x\) says in_sync but lists'):
            model([record])
    # A blocker without a difference is in sync, as verdict() decides; a worse verdict than its lists say stays the
    # record's own (the report never decides one).
    assert model([dict(drift_record('ghes-x', info()), blocked_by=['maintenance mode'])])['counts']['verdicts']['in_sync'] == 1
    assert model([dict(drift_record('ghes-x', info()), verdict='unknown')])['appliances'][0]['verdict'] == 'unknown'


@pytest.mark.parametrize('field, value, needle', [
    ('unknown', 'license_sync.enabled', r'unknown is a str, not a list of objects'),
    ('unknown', {'field': 'license_sync.enabled', 'reason': 'x'}, r'unknown is a dict, not a list of objects'),
    ('unknown', ['license_sync.enabled'], r'unknown\[0\] is a str, not an object'),
    ('unknown', [None], r'unknown\[0\] is null, not an object'),
    ('unknown', [{'field': {'name': 'x'}, 'reason': 'x'}], r'unknown\[0\].field is a dict, not the name of a field'),
    ('differences', [{'field': ['connect.connected'], 'before': 1, 'after': 2}], r'differences\[0\].field is a list'),
    ('differences', [['connect.connected']], r'differences\[0\] is a list, not an object'),
    ('blocked_by', 'maintenance mode', r'blocked_by is a str, not a list of sentences'),
    ('blocked_by', [{'reason': 'maintenance'}], r'blocked_by\[0\] is a dict, not a sentence'),
    ('last_sync', '2026-11-30T10:00:00Z', r'last_sync is a str, not an object or null'),
])
def test_a_record_whose_lists_are_of_another_shape_is_refused_naming_the_field(field, value, needle):
    record = drift_record('ghes-x', info(), [{'field': 'connect.connected', 'before': False, 'after': True}])
    record[field] = value
    with pytest.raises(ReportInputError, match=r'records\[0\] \(ghes-x\): ' + needle):
        model([record])


def test_merge_refuses_a_part_that_does_not_say_what_it_was_checked_against():
    good = part(['ghes-1'], READ)
    for broken, needle in ((dict(good, schema=3), r's2 was written in drift.json schema 3 \(this collection reads 2\)'),
                           ({k: v for k, v in good.items() if k != 'schema'}, r's2 was written in drift.json schema null'),
                           ({k: v for k, v in good.items() if k != 'desired'}, r's2 has no desired state'),
                           (dict(good, desired=None), r's2 has no desired state'),
                           ({k: v for k, v in good.items() if k != 'enterprise'}, r's2 does not say its enterprise'),
                           ({k: v for k, v in good.items() if k != 'appliances'}, r's2 has no appliances list'),
                           (dict(good, appliances={'ghes-2': {}}), r's2 has no appliances list')):
        with pytest.raises(ReportInputError, match='merge_from: ' + needle):
            merge([('s1', part(['ghes-0'], READ)), ('s2', broken)])
    # Parts that all lack the desired state are refused too: {} is not what they were checked against.
    bare = {k: v for k, v in good.items() if k != 'desired'}
    with pytest.raises(ReportInputError, match='merge_from: s1 has no desired state'):
        merge([('s1', bare)])


SLICE = json.loads(as_json(build([drift_record('ghes-s%d' % k, info()) for k in range(2)] + [
    drift_record('ghes-s-drift', info(connected=False), [{'field': 'connect.connected', 'before': False, 'after': True}]),
    drift_record('ghes-s-unknown', info(enabled=None, date=None),
                 unknown=[{'field': 'license_sync.enabled', 'reason': 'GHEC answered 502'}])],
    DESIRED, enterprise='acme', generated_at=READ, read_at=READ)))


@SHAPES
@given(variant(SLICE, changes=4))
def test_a_part_read_back_is_merged_as_it_says_or_refused(changed):
    try:
        merged = merge([('s1', part(['ghes-other'], READ)), ('s2', changed)], generated_at=NOW)
    except ReportInputError as exc:
        assert exc.message.startswith(('merge_from: ', 'records')), exc.message
        return
    given_records = list(changed['appliances'])
    assert merged['total'] == len(given_records) + 1
    for record in given_records:
        # Each verdict is the part's own; none is in sync while it lists what differs or could not be read.
        assert merged['verdicts'][record['appliance']] == record['verdict']
        if record['verdict'] == 'in_sync':
            assert not (record.get('differences') or record.get('unknown') or record.get('error'))
    assert merged['desired'] == changed['desired'] == SLICE['desired'] or merged['desired'] == changed['desired']
    assert merged['counts']['verdicts'] == dict((v, list(merged['verdicts'].values()).count(v)) for v in VERDICTS)
    for fmt, _name, content in render(merged, ['json', 'md', 'html', 'junit', 'prom']):
        assert content, fmt


@SHAPES
@given(variant(drift_record('ghes-v', info(), [{'field': 'connect.connected', 'before': False, 'after': True}],
                            unknown=[{'field': 'license_sync.enabled', 'reason': 'GHEC answered 502'}]), changes=3))
def test_a_record_of_any_shape_is_reported_as_it_says_or_refused(changed):
    try:
        made = model([changed, drift_record('ghes-a', info())])
    except ReportInputError as exc:
        assert exc.message.startswith('records['), exc.message
        return
    assert made['verdicts']['ghes-v'] == changed['verdict'] and made['total'] == 2
    for fmt, _name, content in render(made, ['json', 'md', 'html', 'junit', 'prom']):
        assert content, fmt


@pytest.mark.parametrize('desired, says, never', [
    ({}, 'the report was given no desired state', 'connected'),
    ({'license_sync': True}, 'license sync on', 'connected'),
    ({'target': 'github_com'}, 'target github_com', 'connected'),
    ({'connected': True, 'target': 'ghe_com'}, 'connected to acme (target ghe_com)', 'not connected'),
    ({'connected': False, 'license_sync': False}, 'not connected, license sync off', 'connected to'),
    ({'connected': 'false'}, 'connected "false" (not true or false)', 'connected to'),
    ({'license_sync': 'false', 'max_sync_age': '8d'}, 'license sync "false" (not true or false)', 'license sync on'),
])
def test_the_desired_sentence_says_only_what_the_desired_state_says(desired, says, never):
    sentence = text_desired_sentence(desired, 'acme')
    assert says in sentence and never not in sentence.replace(says, ''), sentence
    made = build([], desired, enterprise='acme', generated_at=NOW)
    assert _report_markdown.text(says) in _report_markdown.render(made)
    assert says in _report_html.render(made).replace('&quot;', '"')
