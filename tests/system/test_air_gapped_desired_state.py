# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghes_license_report: upload - an air-gapped appliance is in the desired state by its latest upload."""

from __future__ import annotations

import json

import pytest

from harness import play

SIM_SPEC = {
    'seed': 55,
    'defaults': {'sync_seconds': 0.3},
    'appliances': [{'name': 'gapped', 'version': '3.15.1', 'air_gapped': True},
                   {'name': 'online', 'version': '3.17.1', 'connected': True, 'license_sync': True,
                    'last_sync_days_ago': 1}],
}


@pytest.fixture
def fleet(make_simulator, control):
    """A fresh fleet per test: GHEC keeps every upload, so one test's upload would be the next one's history."""
    sim = make_simulator(SIM_SPEC)
    return sim, control(sim)


def records(run, report_dir, playbook):
    assert run.rc in (0, 2), run.output[-3000:]
    data = json.loads((report_dir / 'drift.json').read_text())
    return dict((r['appliance'], r) for r in data['appliances'])


@pytest.mark.parametrize('playbook', ['playbooks/drift.yml', 'playbooks/drift_per_host.yml'])
def test_air_gapped_appliance_is_in_sync_after_a_successful_upload_and_drift_before(fleet, tmp_path, playbook):
    sim, ctl = fleet
    before = records(play(sim, playbook, hosts='gapped', ghes_target_hosts='gapped', ghes_license_report='upload',
                          drift_report_dir=str(tmp_path / 'before')), tmp_path / 'before', playbook)
    assert before['gapped']['verdict'] == 'drift', before
    assert before['gapped']['differences'] == [
        {'field': 'license_upload.latest', 'before': 'no upload recorded on GHEC', 'after': 'recent success'}]

    first = play(sim, 'playbooks/enable.yml', hosts='gapped', ghes_target_hosts='gapped', ghes_license_report='upload',
                 enable_sync_wait_timeout=30)
    assert first.rc == 0, first.output[-4000:]
    ran = [r['action'].split('.')[-1] for r in first.results if r['host'] == 'gapped' and r['status'] != 'skipped']
    assert 'ghe_license_upload' in ran and 'ghe_connect_fleet' not in ran and 'ghe_connect' not in ran, ran
    assert not ctl.appliance('gapped')['connected']
    line = next(line for line in first.stdout.splitlines() if '"msg": "gapped: license_report=upload' in line)
    assert line.endswith(' SUCCESS - did: license usage uploaded"'), line

    after = records(play(sim, playbook, hosts='gapped', ghes_target_hosts='gapped', ghes_license_report='upload',
                         drift_report_dir=str(tmp_path / 'after')), tmp_path / 'after', playbook)
    assert after['gapped']['verdict'] == 'in_sync', after
    assert after['gapped']['differences'] == []

    again = play(sim, 'playbooks/enable.yml', hosts='gapped', ghes_target_hosts='gapped', ghes_license_report='upload')
    assert again.rc == 0 and again.recap()['gapped']['changed'] == 0, again.output[-3000:]


def test_without_the_host_variable_the_air_gapped_appliance_still_shows_as_drift(fleet, tmp_path):
    """The choice is per host: no ghes_license_report means sync, and an upload does not make it in sync."""
    sim, _ctl = fleet
    run = play(sim, 'playbooks/drift.yml', hosts='gapped:online', ghes_target_hosts='gapped:online', drift_report_dir=str(tmp_path))
    found = records(run, tmp_path, 'playbooks/drift.yml')
    assert found['gapped']['verdict'] != 'in_sync'
    assert found['online']['verdict'] == 'in_sync', found['online']


def test_upload_divergence_a_failed_upload_after_a_success_is_drift_and_enable_sends_again(fleet, tmp_path):
    """A successful upload 2 days old and a failed one 1 day old (enable_max_sync_age 8d): the drift report says drift,
    and the enable role uploads again instead of skipping - so its final check, the same rule, passes."""
    sim, ctl = fleet
    gapped = dict(hosts='gapped', ghes_target_hosts='gapped', ghes_license_report='upload')
    assert play(sim, 'playbooks/enable.yml', enable_sync_wait_timeout=30, **gapped).rc == 0
    ctl.advance(86400)
    ctl.patch('gapped', users_revision=2)  # a new export: a new upload name
    ctl.patch_ghec(upload_result='FAILURE')
    rejected = play(sim, 'upload', hosts='gapped', wait_timeout=30)
    assert rejected.rc != 0, rejected.output[-3000:]
    # Every detail of the failure reaches the result: the upload GHEC rejected, too.
    assert rejected.result('ghe_license_upload', 'gapped')['upload']['sync_state'] == 'FAILURE'
    ctl.advance(86400)
    ctl.patch_ghec(upload_result='SUCCESS')
    ctl.patch('gapped', users_revision=3)
    before = records(play(sim, 'playbooks/drift.yml', drift_report_dir=str(tmp_path / 'before'), **gapped),
                     tmp_path / 'before', 'playbooks/drift.yml')
    assert before['gapped']['verdict'] == 'drift', before
    assert before['gapped']['differences'][0]['before'].endswith(' is FAILURE'), before['gapped']

    again = play(sim, 'playbooks/enable.yml', enable_sync_wait_timeout=30, **gapped)
    assert again.rc == 0, again.output[-4000:]
    upload = again.result('ghe_license_upload', 'gapped')
    assert upload['changed'] is True and upload['skipped_reason'] is None and upload['upload']['sync_state'] == 'SUCCESS'
    after = records(play(sim, 'playbooks/drift.yml', drift_report_dir=str(tmp_path / 'after'), **gapped),
                    tmp_path / 'after', 'playbooks/drift.yml')
    assert after['gapped']['verdict'] == 'in_sync', after
