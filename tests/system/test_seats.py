# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_seats_info over the simulator's realistic enterprise: the counts, each duplicate rule's true pair
and look-alike, the appliances, paging failures, masking, and no write in any mode."""

from __future__ import annotations

import pytest

from harness import ghec_writes, play

SIM_SPEC = {
    'seed': 29,
    'count': 3,
    'inventory_hostnames': True,
    'defaults': {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
}
APPLIANCES = ['ghes-%03d' % i for i in range(1, 4)]
# The realistic scenario's pairs (tests/simulator/ghec_seats.py REALISTIC_PAIRS), by rule: the GHEC login paired.
TRUE_PAIRS = {'saml_name_id': 'dreyes', 'verified_email_case': 'mkim', 'local_part_other_domain': 'ohaddad',
              'login_is_local_part': 'jlopez'}
LOOK_ALIKES = ['pnguyen', 'lparker', 'sam-corp', 'tchen']
RAW_ADDRESSES = ['Dana.Reyes@corp.example', 'min.kim@corp.example', 'omar.haddad@legacy.example', 'jlopez@corp.example']


@pytest.fixture(scope='module')
def enterprise(module_simulator):
    from simulator.control_client import Control
    ctl = Control(module_simulator.control_url, module_simulator.ca_path)
    ctl.patch_ghec(seat_scenario='realistic', seats_purchased=40, seat_faults=None)
    return module_simulator, ctl


@pytest.fixture(autouse=True)
def clean(enterprise):
    _sim, ctl = enterprise
    ctl.patch_ghec(seat_faults=None)
    for name in APPLIANCES:
        ctl.patch(name, last_sync_days_ago=1)
    ctl.clear_ghec_requests()


def inventory(sim):
    appliances = sim.info['appliances']
    return [{'appliance': name, 'hostname': appliances[name]['hostname']} for name in APPLIANCES]


def seats(enterprise, check=False, verbosity=0, **options):
    sim, _ctl = enterprise
    run = play(sim, 'seats', check=check, verbosity=verbosity, appliances=inventory(sim), **options)
    assert run.rc == 0, run.output[-3000:]
    results = run.for_task('ghe_license_seats_info')
    assert len(results) == 1, run.output[-3000:]
    return run, results[0]['result']


def test_the_counts_of_the_realistic_enterprise(enterprise):
    run, result = seats(enterprise)
    model = result['seats']
    assert model['known'] is True and model['pages'] == 1
    assert (model['purchased'], model['consumed'], model['over_allocated']) == (40, 43, 3)
    assert model['people'] == {'both': 14, 'ghec_only': 13, 'ghes_only': 15, 'neither': 1, 'unclassified': 0, 'total': 43}
    assert model['visual_studio'] == {'subscribers': 2, 'by_status': {'matched': 1, 'pending': 1}}
    assert result['msg'] in run.stdout and result['msg'].startswith('Seats: 43 consumed of 40 purchased (over-allocated by 3)')
    assert '4 likely counted twice' in result['msg']


def test_each_rule_finds_its_true_pair_and_leaves_its_look_alike(enterprise):
    _run, result = seats(enterprise)
    duplicates = result['seats']['likely_duplicates']
    assert duplicates['count'] == 4
    assert dict((p['rule'], p['ghec']['login']) for p in duplicates['pairs']) == TRUE_PAIRS
    paired = [p['ghec']['login'] for p in duplicates['pairs']]
    assert not set(LOOK_ALIKES) & set(paired)
    assert all(p['label'] == 'likely' and p['evidence'] and p['fix'] for p in duplicates['pairs'])
    assert duplicates['ambiguous'] == {'local_part_other_domain': 2}
    assert [r['id'] for r in result['seats']['rules']] == list(TRUE_PAIRS)


def test_appliances_are_named_as_the_inventory_names_them(enterprise):
    sim, ctl = enterprise
    ctl.patch('ghes-003', last_sync_days_ago=30)
    _run, result = seats(enterprise)
    hosts = dict((a['host_name'], a) for a in result['seats']['appliances'])
    assert hosts['ghes-001.example.com']['inventory'] == ['ghes-001']
    assert hosts['ghes-retired.corp.example']['inventory'] == [] and hosts['ghes-retired.corp.example']['users'] == 2
    heard = dict((s['host_name'], s) for s in result['seats']['not_heard_from'])
    assert set(heard) == {'ghes-003.example.com', 'ghes-retired.corp.example'}
    stale = heard['ghes-003.example.com']
    assert stale['inventory'] == ['ghes-003'] and heard['ghes-retired.corp.example']['state'] == 'never'
    assert stale['state'] == 'stale' and stale['since'] and 'seats are as of that date' in stale['note']
    assert 'ghes-003' in result['msg']


@pytest.mark.parametrize('fault, reason', [
    ({'fail_page': 1}, 'Page 1 of .* could not be read'),
    ({'skip_page': 2}, 'links to page 3'),
    ({'empty_page': 1}, 'is empty but links'),
])
def test_a_page_that_fails_or_goes_missing_makes_the_seats_unknown(enterprise, fault, reason):
    import re
    _sim, ctl = enterprise
    ctl.patch_ghec(seat_faults=fault)
    # Three pages: the realistic 43 people at 100 a page are one, so the scale scenario is used here.
    ctl.patch_ghec(seat_scenario={'kind': 'scale', 'users': 250})
    try:
        _run, result = seats(enterprise)
    finally:
        ctl.patch_ghec(seat_scenario='realistic')
    model = result['seats']
    assert model['known'] is False and re.search(reason, model['reason']), model
    assert 'consumed' not in model and 'people' not in model
    assert result['msg'].startswith('Seats: unknown - ')


def test_addresses_are_masked_in_the_result_and_in_verbose_output(enterprise):
    run, result = seats(enterprise, verbosity=3)
    assert result['seats']['emails_shown'] is False
    for address in RAW_ADDRESSES:
        assert address not in run.output and address not in repr(result)
    assert 'D***@corp.example' in repr(result)


def test_show_emails_shows_them(enterprise):
    _run, result = seats(enterprise, show_emails=True)
    assert result['seats']['emails_shown'] is True
    text = repr(result['seats']['likely_duplicates'])
    assert all(address in text for address in RAW_ADDRESSES)


def test_check_mode_reads_the_same_and_writes_nothing(enterprise):
    _sim, ctl = enterprise
    _run, result = seats(enterprise, check=True)
    assert result['seats']['known'] is True and result['changed'] is False
    assert ghec_writes(ctl) == []
    paths = [r['path'] for r in ctl.ghec_requests()['requests']]
    assert any(p.startswith('/enterprises/acme/consumed-licenses') for p in paths)
    assert all(r['method'] == 'GET' for r in ctl.ghec_requests()['requests'])


def drift(enterprise, tmp_path, check=False, verbosity=0, **options):
    sim, _ctl = enterprise
    report_dir = tmp_path / 'report'
    run = play(sim, 'playbooks/drift.yml', check=check, verbosity=verbosity, drift_report_dir=str(report_dir),
               drift_seats=True, **options)
    assert run.rc == 0, run.output[-3000:]
    return run, report_dir


def test_the_drift_role_adds_seats_to_every_format_masked_in_0600_files(enterprise, tmp_path):
    import json
    import stat
    import xml.etree.ElementTree as ET
    run, report_dir = drift(enterprise, tmp_path, verbosity=1)
    lines = [line for line in run.stdout.splitlines() if line.strip().startswith('Seats: ')]
    assert len(lines) == 1 and 'Seats: 43 consumed of 40 purchased (over-allocated by 3)' in lines[0], run.stdout[-3000:]
    files = dict((path.name, path) for path in report_dir.iterdir())
    for path in files.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not any(address in path.read_text() for address in RAW_ADDRESSES), path.name
    assert not any(address in run.output for address in RAW_ADDRESSES)
    seats = json.loads(files['drift.json'].read_text())['seats']
    assert seats['known'] and seats['likely_duplicates']['count'] == 4 and seats['emails_shown'] is False
    hosts = dict((a['host_name'], a['inventory']) for a in seats['appliances'])
    assert hosts['ghes-002.example.com'] == ['ghes-002']
    markdown = files['drift.md'].read_text()
    assert '## Seats' in markdown and '### Likely counted twice' in markdown and 'D\\*\\*\\*@corp.example' in markdown
    assert 'id="seats"' in files['drift.html'].read_text() and 'id="seat-duplicates"' in files['drift.html'].read_text()
    suites = ET.fromstring(files['drift.junit.xml'].read_text())
    seat_suite = [s for s in suites if s.get('name').startswith('ghes.connect seats')][0]
    assert (seat_suite.get('tests'), seat_suite.get('failures')) == ('3', '3')
    prom = files['drift.prom'].read_text().splitlines()
    for sample in ('ghes_seats_known 1', 'ghes_seats_purchased 40', 'ghes_seats_consumed 43',
                   'ghes_seats_likely_duplicated 4', 'ghes_seats_people{deployment="ghes_only"} 15'):
        assert sample in prom


def test_the_drift_role_shows_addresses_only_in_the_files_when_asked(enterprise, tmp_path):
    run, report_dir = drift(enterprise, tmp_path, verbosity=3, drift_seats_show_emails=True)
    markdown = (report_dir / 'drift.md').read_text()
    assert 'Dana.Reyes@corp.example' in markdown and 'omar.haddad@legacy.example' in markdown
    assert not any(address in run.output for address in RAW_ADDRESSES)


def test_the_drift_role_reports_seats_unknown_when_a_page_fails(enterprise, tmp_path):
    _sim, ctl = enterprise
    ctl.patch_ghec(seat_faults={'fail_page': 1})
    run, report_dir = drift(enterprise, tmp_path)
    assert 'Seats: unknown - Page 1 of' in run.stdout
    prom = (report_dir / 'drift.prom').read_text()
    assert 'ghes_seats_known 0' in prom and 'ghes_seats_consumed' not in prom
    assert 'Seats: unknown - Page 1 of' in (report_dir / 'drift.md').read_text()


def test_the_drift_role_in_check_mode_writes_nothing_to_ghec_or_the_appliances(enterprise, tmp_path):
    from harness import writes
    _sim, ctl = enterprise
    for name in APPLIANCES:
        ctl.clear_requests(name)
    run, report_dir = drift(enterprise, tmp_path, check=True)
    assert 'Seats: 43 consumed' in run.stdout
    assert ghec_writes(ctl) == [] and all(writes(ctl, name) == [] for name in APPLIANCES)
