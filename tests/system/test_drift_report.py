# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report's five formats, read by the tools their users read them with, and sliced runs merged.

A real drift play over the simulator gives in_sync, drift and error; hand-made records (through
the real ghe_drift_report task) give every verdict, blocked and unknown included, and names
that are markup, quotes and backslashes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from harness import play
from playbook_runner import REPO

SIM_SPEC = {
    'seed': 19,
    'count': 9,
    'versions': ['3.11.9', '3.14.2', '3.17.1'],
    'defaults': {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
}
FLEET = ['ghes-%03d' % i for i in range(1, 10)]
FORMAT_FILES = ['drift.json', 'drift.md', 'drift.html', 'drift.junit.xml', 'drift.prom']
EVIL = '<img src=x onerror=alert(1)>'
QUOTED = 'ghes "eu-2" \\ c:\\new'
OUTPUT = REPO / 'tests' / 'output'
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']


def record(name, verdict, connected=True, enabled=True, last='2026-11-30T10:00:00Z', differences=(), unknown=(),
           blocked_by=(), error=None, version='3.14.2'):
    """A record of the shape _drift.report_record makes."""
    return {'appliance': name, 'verdict': verdict, 'url': 'https://10.1.2.3', 'version': version, 'connected': connected,
            'license_sync': enabled, 'last_sync': {'date': last, 'status': 'success', 'error': None} if last else None,
            'last_sync_age_days': 1.0 if last else None, 'differences': list(differences), 'unknown': list(unknown),
            'blocked_by': list(blocked_by), 'error': error}


NOT_CONNECTED = {'field': 'connect.connected', 'before': False, 'after': True}
HAND_MADE = [
    record('ghes-ams-1', 'in_sync'),
    record('ghes-ams-2', 'in_sync'),
    record('ghes-fra-1', 'drift', enabled=False, differences=[{'field': 'license_sync.enabled', 'before': False,
                                                               'after': True}]),
    record('ghes-fra-2', 'drift', differences=[{'field': 'license_sync.last_sync', 'before':
                                                'last successful sync 30.0 days ago (max_sync_age 8.0 days)',
                                                'after': 'recent success'}]),
    record('ghes-lon-1', 'blocked', connected=False, enabled=None, last=None, differences=[NOT_CONNECTED],
           blocked_by=['the license does not include GitHub Connect']),
    record('ghes-nyc-1', 'unknown', enabled=None, last=None,
           unknown=[{'field': 'license_sync.enabled', 'reason': 'no recent server statistics and console: never'}]),
    record('ghes-sfo-1', 'error', connected=None, enabled=None, last=None, version=None,
           error='Manage GHES API at https://ghes-sfo-1.example.com:8443 refused the connection'),
    record(EVIL, 'drift', connected=False, differences=[NOT_CONNECTED]),
    record(QUOTED, 'error', connected=None, enabled=None, last=None, error='GHEC said: <b>"bad"</b> \\ & <script>'),
]
DESIRED = {'connected': True, 'target': 'github_com', 'license_sync': True, 'max_sync_age': '8d'}


@pytest.fixture(scope='module')
def checked(module_simulator, tmp_path_factory):
    """The fleet with three drifted appliances and one down, drift-checked once by playbooks/drift.yml."""
    from simulator.control_client import Control
    sim = module_simulator
    ctl = Control(sim.control_url, sim.ca_path)
    ctl.patch('ghes-002', connected=False)
    ctl.patch('ghes-005', license_sync=False)
    ctl.patch('ghes-007', last_sync_days_ago=30)
    ctl.down('ghes-009')
    report_dir = tmp_path_factory.mktemp('report') / 'drift'
    run = play(sim, 'playbooks/drift.yml', forks=5, drift_report_dir=str(report_dir), drift_fail_on_drift=True,
               ghes_retries=0)
    return sim, ctl, run, report_dir, json.loads((report_dir / 'drift.json').read_text())


def hand_made(tmp_path, records=None, check=False, env=None, **options):
    dest = tmp_path / 'hand-made'
    options.setdefault('fail_on_unknown', False)
    options.setdefault('read_at', '2026-12-01T09:00:00Z')
    run = play_report(records=HAND_MADE if records is None else records, dest=str(dest), desired=DESIRED,
                      ghec_enterprise='acme', check=check, env=env, **options)
    return run, dest


def play_report(check=False, env=None, **extra):
    from playbook_runner import run_playbook
    return run_playbook(Path(__file__).parent / 'playbooks' / 'drift_report.yml', 'localhost,', extra_vars=extra,
                        check=check, env=env)


def test_drift_play_writes_every_format_prints_one_line_and_fails_once_on_the_controller(checked):
    _sim, _ctl, run, report_dir, data = checked
    assert run.rc == 2, run.output[-3000:]
    recap = run.recap()
    assert recap['localhost']['failed'] == 1 and all(recap.get(n, {}).get('failed', 0) == 0 for n in FLEET), recap
    assert run.stdout.count('FAILED!') == 1
    assert 'Error on ghes-009; drift on ghes-002, ghes-005, ghes-007 (4 of 9 appliances). Report: %s' \
        % (report_dir / 'drift.html') in run.stdout
    lines = [line for line in run.stdout.splitlines() if line.startswith('Drift report: ')]
    assert lines == ['Drift report: 9 appliances: 1 error, 3 drift, 5 in sync. Problem appliances: error on ghes-009; drift on '
                     'ghes-002, ghes-005, ghes-007. Written: %s'
                     % ', '.join(str(report_dir / name) for name in FORMAT_FILES)]
    assert stat.S_IMODE(os.stat(report_dir).st_mode) == 0o700
    assert sorted(os.listdir(report_dir)) == sorted(FORMAT_FILES)
    for name in FORMAT_FILES:
        assert stat.S_IMODE(os.stat(report_dir / name).st_mode) == 0o600, name
    assert [r['appliance'] for r in data['appliances']] == ['ghes-009', 'ghes-002', 'ghes-005', 'ghes-007', 'ghes-001',
                                                            'ghes-003', 'ghes-004', 'ghes-006', 'ghes-008']
    assert data['counts']['verdicts'] == {'error': 1, 'blocked': 0, 'drift': 3, 'unknown': 0, 'in_sync': 5}
    assert data['counts']['differences'] == {'connect.connected': 1, 'license_sync.enabled': 2,
                                             'license_sync.last_sync': 1}
    assert data['drifted'] == ['ghes-009', 'ghes-002', 'ghes-005', 'ghes-007'] and data['desired']['connected'] is True
    assert data['collection_version'] == '0.1.0' and data['controller'] and data['schema'] == 2
    assert data['data_read_at'] <= data['generated_at']
    secrets = [v for v in list(_sim.info['ghec_tokens'].values()) + list(_sim.info['ghec_sessions']) if len(v) >= 6]
    for name in FLEET:
        secrets += [v for v in _ctl.secrets(name) if v and len(v) >= 6]
    assert len(secrets) > 10
    for name in FORMAT_FILES:
        text = (report_dir / name).read_text()
        assert not [s[:4] for s in secrets if s in text], 'a secret in %s' % name


def test_a_check_that_matched_no_appliance_does_not_pass(checked, tmp_path):
    run = play(checked[0], 'playbooks/drift.yml', ghes_target_hosts='no-such-group', drift_report_dir=str(tmp_path))
    assert run.rc == 2 and run.recap()['localhost']['failed'] == 1, run.output[-3000:]
    assert 'No host of the inventory matches "no-such-group" (the variable ghes_target_hosts)' in run.stdout
    # A check of nothing is a mistake in the command, not a result: the fail switches do not make it pass.
    quiet = play(checked[0], 'playbooks/drift.yml', ghes_target_hosts='no-such-group', drift_report_dir=str(tmp_path),
                 drift_fail_on_unknown=False)
    assert quiet.rc == 2 and 'No host of the inventory matches "no-such-group"' in quiet.stdout


def test_markdown_is_for_people_and_goes_to_the_ci_job_summary(checked, tmp_path):
    report_dir = checked[3]
    text = (report_dir / 'drift.md').read_text()
    assert '3 of 9 appliances differ from the desired state' in text and '1 could not be fully checked' in text
    for literal in ('None', 'True', 'False'):
        assert literal not in text
    assert text.index('| ghes-009 | error |') < text.index('| ghes-002 | drift |') < text.index('| ghes-001 | in sync |')
    assert '- connect.connected: not connected (should be connected). To fix: run the enable playbook' in text

    summary = tmp_path / 'step_summary.md'
    summary.write_text('# earlier step\n')
    env = {'GITHUB_STEP_SUMMARY': str(summary)}
    for _attempt in range(2):
        run, dest = hand_made(tmp_path, env=env, formats=['json'])
        assert run.rc == 0, run.output[-3000:]
    written = summary.read_text()
    assert written.startswith('# earlier step\n') and written.count('# GHES Connect drift report') == 2
    assert '\\<img src=x onerror=alert(1)\\>' in written and EVIL not in written
    assert sorted(os.listdir(dest)) == ['drift.json'], 'formats chooses the files; the summary is extra'
    # A summary path that is a link is not written through: the report is, with a warning.
    target = tmp_path / 'elsewhere.md'
    target.write_text('')
    linked = tmp_path / 'linked-summary.md'
    linked.symlink_to(target)
    run, dest = hand_made(tmp_path, env={'GITHUB_STEP_SUMMARY': str(linked)}, formats=['json'])
    assert run.rc == 0 and 'GITHUB_STEP_SUMMARY: not appended' in run.output and target.read_text() == ''


def test_junit_has_one_case_per_appliance_failures_for_drift_errors_for_what_could_not_be_seen(checked, tmp_path):
    from junitparser import Error, Failure, JUnitXml
    suites = list(JUnitXml.fromfile(str(checked[3] / 'drift.junit.xml')))
    cases = dict((case.name, case) for suite in suites for case in suite)
    assert sorted(cases) == FLEET
    outcome = dict((name, [type(r).__name__ for r in case.result]) for name, case in cases.items())
    assert outcome == dict((n, {'ghes-009': ['Error'], 'ghes-002': ['Failure'], 'ghes-005': ['Failure'],
                                'ghes-007': ['Failure']}.get(n, [])) for n in FLEET)
    assert 'connect.connected: not connected (should be connected)' in cases['ghes-002'].result[0].message
    assert 'refused the connection' in cases['ghes-009'].result[0].message
    assert (suites[0].tests, suites[0].failures, suites[0].errors) == (9, 3, 1)

    run, dest = hand_made(tmp_path, formats=['junit'])
    assert run.rc == 0, run.output[-3000:]
    cases = dict((case.name, case) for suite in JUnitXml.fromfile(str(dest / 'drift.junit.xml')) for case in suite)
    assert len(cases) == len(HAND_MADE) and EVIL in cases and QUOTED in cases
    kinds = dict((name, [(type(r), r.type) for r in case.result]) for name, case in cases.items())
    assert kinds['ghes-lon-1'] == [(Failure, 'blocked')] and kinds['ghes-nyc-1'] == [(Error, 'unknown')]
    assert kinds['ghes-sfo-1'] == [(Error, 'error')] and kinds['ghes-ams-1'] == []
    assert cases[QUOTED].result[0].message == 'GHEC said: <b>"bad"</b> \\ & <script>'


def test_prometheus_textfile_parses_with_every_metric_and_label_and_no_made_up_values(checked, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families
    text = (checked[3] / 'drift.prom').read_text()
    families = dict((f.name, f) for f in text_string_to_metric_families(text))
    samples = dict((name, [(s.labels, s.value) for s in family.samples]) for name, family in families.items())
    connected = dict((labels['appliance'], value) for labels, value in samples['ghes_connect_connected'])
    assert connected == dict((n, 0.0 if n == 'ghes-002' else 1.0) for n in FLEET if n != 'ghes-009'), \
        'the appliance that could not be read has no value, not 0'
    enabled = dict((labels['appliance'], value) for labels, value in samples['ghes_license_sync_enabled'])
    assert enabled['ghes-005'] == 0.0 and 'ghes-009' not in enabled and len(enabled) == 8
    stamps = dict((labels['appliance'], value) for labels, value in samples['ghes_license_last_sync_timestamp_seconds'])
    assert 'ghes-009' not in stamps and stamps['ghes-007'] < stamps['ghes-001'] - 28 * 86400
    verdicts = [(labels['appliance'], labels['verdict']) for labels, value in samples['ghes_connect_verdict'] if value]
    assert sorted(verdicts) == sorted((r['appliance'], r['verdict']) for r in checked[4]['appliances'])
    assert len(samples['ghes_connect_verdict']) == 9 * 5
    assert [value for labels, value in samples['ghes_connect_drift_check_timestamp_seconds']] and \
        samples['ghes_connect_drift_check_timestamp_seconds'][0][0] == {}
    assert families['ghes_connect_connected'].type == 'gauge'

    run, dest = hand_made(tmp_path, formats=['prom'])
    assert run.rc == 0, run.output[-3000:]
    families = dict((f.name, f) for f in text_string_to_metric_families((dest / 'drift.prom').read_text()))
    names = {s.labels['appliance'] for s in families['ghes_connect_verdict'].samples}
    assert QUOTED in names and EVIL in names, 'quotes and backslashes survive the escaping'
    assert [s.value for s in families['ghes_connect_verdict'].samples
            if s.labels == {'appliance': QUOTED, 'verdict': 'error'}] == [1.0]
    assert not [s for s in families['ghes_license_sync_enabled'].samples if s.labels['appliance'] == 'ghes-nyc-1']
    assert families['ghes_connect_drift_check_timestamp_seconds'].samples[0].value == 1796115600.0
    assert not [f for f in os.listdir(dest) if f.startswith('.')], 'written atomically: no temporary file left'


def test_check_mode_writes_nothing_and_bad_input_fails_before_any_write(tmp_path):
    run, dest = hand_made(tmp_path, check=True)
    assert run.rc == 0 and not dest.exists(), run.output[-3000:]
    assert 'Drift report: 9 appliances: 2 error, 1 blocked, 3 drift, 1 unknown, 2 in sync. Problem appliances: ' in run.stdout
    assert '. Would write ' in run.stdout
    for options, message in (({'formats': ['json', 'pdf']}, 'formats'),
                             ({'records': HAND_MADE + [dict(HAND_MADE[0], verdict='drifted')]}, 'ghes-ams-1'),
                             ({'records': HAND_MADE + [HAND_MADE[0]]}, 'ghes-ams-1 is listed twice'),
                             ({'read_at': 'yesterday'}, 'read_at must be an ISO 8601 time'),
                             ({'part': '../escape'}, 'part must be a file-name-safe word')):
        run, dest = hand_made(tmp_path, **options)
        assert run.rc != 0 and message in run.output, run.output[-3000:]
        assert not dest.exists(), options
    run, dest = hand_made(tmp_path, fail_on_unknown=True, fail_on_drift=True)
    assert run.rc != 0 and len(os.listdir(dest)) == 5
    assert ('Error on %s, ghes-sfo-1; blocked on ghes-lon-1; drift on %s, ghes-fra-1, ghes-fra-2; unknown on '
            'ghes-nyc-1 (7 of 9 appliances).' % (QUOTED, EVIL)) in run.stdout


@pytest.fixture(scope='module')
def browser():
    if not os.path.exists(CHROMIUM) and os.geteuid() == 0 and shutil.which('apt-get'):
        subprocess.run(['bash', '-c', 'source scripts/lib.sh && ensure_chromium'], cwd=str(REPO), check=False,
                       capture_output=True, timeout=900)
    if not os.path.exists(CHROMIUM):
        pytest.skip('no browser: %s is missing and could not be installed (.ci/run installs Debian\'s chromium)'
                    % CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, path):
    page = browser.new_page(viewport={'width': 1280, 'height': 800})
    page.dialogs = []
    page.requests = []
    page.on('dialog', lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on('request', lambda request: page.requests.append(request.url))
    page.goto(path.as_uri())
    return page


def visible_names(page):
    return page.locator('tbody tr:visible td.name').all_inner_texts()


def test_html_report_in_a_real_browser(checked, browser, tmp_path):
    report_dir, data = checked[3], checked[4]
    page = open_page(browser, report_dir / 'drift.html')
    for verdict, count in data['counts']['verdicts'].items():
        assert page.locator('#count-%s' % verdict).inner_text() == str(count), verdict
    assert page.locator('#count-total').inner_text() == str(len(data['appliances']))
    assert visible_names(page) == [r['appliance'] for r in data['appliances']], 'problems first, as drift.json'
    assert page.locator('#read-at').inner_text().endswith(' UTC')
    page.locator('input[name=verdict][value=in_sync]').uncheck()
    assert visible_names(page) == ['ghes-009', 'ghes-002', 'ghes-005', 'ghes-007']
    assert page.locator('#shown').inner_text() == '4'
    page.locator('input[name=verdict][value=error]').uncheck()
    assert visible_names(page) == ['ghes-002', 'ghes-005', 'ghes-007']
    page.locator('input[name=verdict][value=in_sync]').check()
    page.locator('#search').fill('ghes-00')
    assert len(visible_names(page)) == 8
    page.locator('#search').fill('-005')
    assert visible_names(page) == ['ghes-005']
    rows = page.locator('tr[data-name="ghes-002"] li.problem').all_inner_texts()
    assert len(rows) == 2 and all('To fix:' in line for line in rows), 'each difference on its own line'
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.locator('#search').fill('')
    page.locator('input[name=verdict][value=error]').check()
    page.screenshot(path=str(OUTPUT / 'drift-report-fleet.png'), full_page=True)
    assert page.requests == [(report_dir / 'drift.html').as_uri()], 'nothing but the page itself is loaded'

    run, dest = hand_made(tmp_path, records=[r for r in HAND_MADE if r['appliance'] not in (EVIL, QUOTED)],
                          formats=['html'])
    assert run.rc == 0, run.output[-3000:]
    page = open_page(browser, dest / 'drift.html')
    assert [page.locator('#count-%s' % v).inner_text() for v in ('error', 'blocked', 'drift', 'unknown', 'in_sync')] \
        == ['1', '1', '2', '1', '2']
    page.screenshot(path=str(OUTPUT / 'drift-report.png'), full_page=True)
    if os.environ.get('GHES_UPDATE_SCREENSHOT'):
        (REPO / 'docs').mkdir(exist_ok=True)
        shutil.copyfile(OUTPUT / 'drift-report.png', REPO / 'docs' / 'drift-report.png')


def test_html_shows_markup_in_names_and_errors_as_text(browser, tmp_path):
    run, dest = hand_made(tmp_path, formats=['html'])
    assert run.rc == 0, run.output[-3000:]
    page = open_page(browser, dest / 'drift.html')
    page.wait_for_timeout(300)
    assert page.dialogs == [], 'no script of the data ran'
    assert page.locator('img').count() == 0 and page.locator('script').count() == 1 and page.locator('b:text("bad")').count() == 0
    names = page.locator('tbody td.name').all_inner_texts()
    assert EVIL in names and QUOTED in names
    assert 'GHEC said: <b>"bad"</b> \\ & <script>.' in page.locator('tr[data-verdict=error] li.problem').all_inner_texts()[0]
    page.locator('#search').fill('<img')
    assert visible_names(page) == [EVIL]
    page.screenshot(path=str(OUTPUT / 'drift-report-markup.png'), full_page=True)


def test_sliced_run_merges_into_the_verdicts_of_one_run(checked, tmp_path):
    sim, _ctl, _run, _dir, whole = checked
    parts = tmp_path / 'parts'
    for index, pattern in enumerate(('ghes[0:2]', 'ghes[3:5]', 'ghes[6:8]'), 1):
        sliced = play(sim, 'playbooks/drift.yml', forks=5, ghes_target_hosts=pattern, drift_report_dir=str(parts),
                      drift_report_part='slice-%d' % index, drift_fail_on_drift=True, ghes_retries=0)
        assert sliced.rc == 0, 'a slice never fails the check: the merge decides\n' + sliced.output[-3000:]
    assert sorted(os.listdir(parts)) == ['drift-part-slice-1.json', 'drift-part-slice-2.json', 'drift-part-slice-3.json']
    merged_dir = tmp_path / 'merged'
    merged = play(sim, 'playbooks/drift_merge.yml', drift_merge_from=str(parts), drift_report_dir=str(merged_dir),
                  drift_fail_on_drift=True)
    assert merged.rc == 2 and merged.recap()['localhost']['failed'] == 1
    assert 'Error on ghes-009; drift on ghes-002, ghes-005, ghes-007 (4 of 9 appliances).' in merged.stdout
    data = json.loads((merged_dir / 'drift.json').read_text())
    assert data['verdicts'] == whole['verdicts'] and data['counts'] == whole['counts']
    assert [r['appliance'] for r in data['appliances']] == [r['appliance'] for r in whole['appliances']]
    assert [r['differences'] for r in data['appliances']] == [r['differences'] for r in whole['appliances']]
    assert [p['source'] for p in data['parts']] == sorted(os.listdir(parts))
    assert sorted(os.listdir(merged_dir)) == sorted(FORMAT_FILES)

    # A part of another run in the same directory is refused, by name, and nothing is written.
    shutil.copyfile(parts / 'drift-part-slice-2.json', parts / 'drift-part-old.json')
    before = (merged_dir / 'drift.json').read_text()
    refused = play(sim, 'playbooks/drift_merge.yml', drift_merge_from=str(parts), drift_report_dir=str(merged_dir))
    assert refused.rc != 0 and 'is in both drift-part-old.json and drift-part-slice-2.json' in refused.stdout
    assert (merged_dir / 'drift.json').read_text() == before
    # So is a part whose data is older than drift_merge_max_age.
    (parts / 'drift-part-old.json').unlink()
    part = json.loads((parts / 'drift-part-slice-3.json').read_text())
    part['data_read_at'] = '2026-01-01T00:00:00Z'
    (parts / 'drift-part-slice-3.json').write_text(json.dumps(part))
    stale = play(sim, 'playbooks/drift_merge.yml', drift_merge_from=str(parts), drift_report_dir=str(merged_dir),
                 drift_merge_max_age='12h')
    assert stale.rc != 0 and 'drift-part-slice-3.json older than merge_max_age' in stale.stdout, stale.output[-2000:]
    assert (merged_dir / 'drift.json').read_text() == before


def test_html_report_of_a_thousand_appliances_stays_usable(browser, tmp_path):
    records = []
    for index in range(1000):
        template = HAND_MADE[index % 7]  # the seven plain names: every verdict
        records.append(dict(template, appliance='ghes-%04d' % index))
    run, dest = hand_made(tmp_path, records=records, formats=['html', 'json'])
    assert run.rc == 0, run.output[-3000:]
    page = open_page(browser, dest / 'drift.html')
    counts = json.loads((dest / 'drift.json').read_text())['counts']['verdicts']
    assert page.locator('#count-in_sync').inner_text() == str(counts['in_sync']) and counts['in_sync'] == 286
    started = page.evaluate('performance.now()')
    page.locator('input[name=verdict][value=in_sync]').uncheck()
    page.locator('#search').fill('ghes-09')
    took = page.evaluate('performance.now()') - started
    shown = int(page.locator('#shown').inner_text())
    assert shown == len([r for r in records if r['verdict'] != 'in_sync' and r['appliance'].startswith('ghes-09')])
    assert took < 5000, 'filtering 1,000 rows took %d ms' % took
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / 'drift-report-1000.txt').write_text('filter and search over 1,000 rows: %d ms\n' % took)
