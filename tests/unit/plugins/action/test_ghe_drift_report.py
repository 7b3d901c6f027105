# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_drift_report, in process: renders records on the controller and never makes a request.

The scripted-HTTP fixture is armed with no expected call, so any request at all fails the test.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import run_action


def record(name, verdict, differences=(), unknown=(), error=None):
    return {'appliance': name, 'verdict': verdict, 'url': 'https://%s.example.com' % name, 'version': '3.14.2',
            'hostname': '%s.example.com' % name, 'connected': verdict != 'drift', 'license_sync': True,
            'last_sync': None, 'last_sync_age_days': None, 'differences': list(differences),
            'unknown': list(unknown), 'blocked_by': [], 'error': error, 'installation': None, 'sources': {}}


RECORDS = [record('ghes-1', 'in_sync'),
           record('ghes-2', 'drift', differences=[{'field': 'connect.connected', 'before': False, 'after': True}]),
           record('ghes-3', 'unknown', unknown=[{'field': 'license_sync.enabled', 'reason': 'console closed'}])]


def report(args, check_mode=False):
    return run_action('ghe_drift_report', args, {}, check_mode=check_mode)


@pytest.fixture(autouse=True)
def no_step_summary(monkeypatch):
    monkeypatch.delenv('GITHUB_STEP_SUMMARY', raising=False)


def test_every_format_is_written_private_and_the_problems_named(script, tmp_path):
    dest = tmp_path / 'report'
    result = report({'records': RECORDS, 'dest': str(dest), 'ghec_enterprise': 'acme', 'fail_on_unknown': False})
    assert not result.get('failed'), result
    assert result['counts']['in_sync'] == 1 and result['counts']['drift'] == 1 and result['counts']['unknown'] == 1
    assert result['appliances'] == 3 and 'ghes-2' in result['drifted']
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o700
    for path in result['paths'].values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    model = json.loads(open(result['json_path']).read())
    assert sorted(a['appliance'] for a in model['appliances']) == ['ghes-1', 'ghes-2', 'ghes-3']
    assert script.made == []


def test_check_mode_writes_no_file(script, tmp_path):
    dest = tmp_path / 'report'
    result = report({'records': RECORDS, 'dest': str(dest), 'fail_on_unknown': False}, check_mode=True)
    assert not result.get('failed'), result
    assert 'Would write' in result['msg'] and not dest.exists() and script.made == []


def test_unknown_fails_by_default_naming_the_appliance_after_writing_the_report(script, tmp_path):
    result = report({'records': RECORDS, 'dest': str(tmp_path / 'report')})
    assert result['failed'] is True and 'ghes-3' in result['msg'] and 'ghes-2' not in result['msg'], result
    assert os.path.exists(result['json_path'])


def test_fail_on_drift_names_every_problem_appliance_once(script, tmp_path):
    result = report({'records': RECORDS, 'dest': str(tmp_path / 'report'), 'fail_on_drift': True})
    assert result['failed'] is True and 'ghes-2' in result['msg'] and 'ghes-3' in result['msg'], result
    assert '(2 of 3 appliances)' in result['msg']


def test_defer_failure_returns_the_failure_without_failing(script, tmp_path):
    result = report({'records': RECORDS, 'dest': str(tmp_path / 'report'), 'fail_on_drift': True,
                     'defer_failure': True})
    assert not result.get('failed') and 'ghes-2' in result['failure'], result


@pytest.mark.parametrize('args, message', [
    ({}, 'records: required'),
    ({'records': RECORDS, 'part': '../escape'}, 'part must be a file-name-safe word'),
    ({'records': RECORDS, 'read_at': 'yesterday'}, 'read_at must be an ISO 8601 time'),
    ({'records': RECORDS, 'formats': ['pdf']}, 'formats'),
])
def test_bad_input_fails_and_writes_nothing(script, tmp_path, args, message):
    dest = tmp_path / 'report'
    result = report(dict(args, dest=str(dest)))
    assert result['failed'] is True and message in result['msg'], result
    assert not dest.exists() and script.made == []


def test_a_dest_through_a_link_is_refused(script, tmp_path):
    real = tmp_path / 'real'
    real.mkdir(mode=0o700)
    link = tmp_path / 'link'
    link.symlink_to(real)
    result = report({'records': RECORDS, 'dest': str(link), 'fail_on_unknown': False})
    assert result['failed'] is True and 'Nothing was written' in result['msg'], result
    assert os.listdir(str(real)) == []


def test_the_summary_line_names_the_first_ten_problem_appliances_then_a_count(script, tmp_path):
    records = [record('ghes-%02d' % n, 'drift') for n in range(1, 13)] + [record('ghes-13', 'error', error='refused'),
                                                                          record('ghes-14', 'in_sync')]
    result = report({'records': records, 'dest': str(tmp_path / 'report'), 'fail_on_drift': True, 'defer_failure': True})
    named = 'error on ghes-13; drift on %s and 3 more' % ', '.join('ghes-%02d' % n for n in range(1, 10))
    assert result['msg'].startswith('Drift report: 14 appliances: 1 error, 12 drift, 1 in sync. Problem appliances: %s. '
                                    'Written: ' % named), result['msg']
    assert result['failure'].startswith(named[0].upper() + named[1:] + ' (13 of 14 appliances).')


def test_the_summary_line_of_a_clean_fleet_names_none(script, tmp_path):
    result = report({'records': [record('ghes-1', 'in_sync')], 'dest': str(tmp_path / 'report')})
    assert 'Problem appliances' not in result['msg'] and result['msg'].startswith('Drift report: 1 appliances: 1 in sync.')


def test_a_seats_option_marked_known_without_its_counts_is_reported_unknown_naming_the_field(script, tmp_path):
    # What the role passes when a seat read went wrong in a way nobody expected: known, and no number.
    dest = tmp_path / 'report'
    result = report({'records': RECORDS, 'dest': str(dest), 'fail_on_unknown': False,
                     'seats': {'known': True, 'reason': None}})
    assert not result.get('failed'), result
    seats = json.loads(open(result['json_path']).read())['seats']
    assert seats == {'known': False, 'reason': 'purchased missing from seats'}
    prom = open(result['paths']['prom']).read()
    assert 'ghes_seats_known 0\n' in prom and 'ghes_seats_purchased' not in prom
    assert 'Seats: unknown - purchased missing from seats' in open(result['markdown_path']).read()
