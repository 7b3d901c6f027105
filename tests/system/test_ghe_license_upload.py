# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_upload, by real ansible-playbook runs against the simulator."""

from __future__ import annotations

import json
import os
import stat

import pytest

from harness import ghec_writes, play, writes


@pytest.fixture
def upload_fleet(sim_and_control):
    """Appliances whose uploads GHEC processes in half a second."""
    return lambda *appliances: sim_and_control(*appliances, seed=5, upload_processing_seconds=0.5)


def gapped(name, version='3.15.1', **fields):
    return dict(name=name, version=version, air_gapped=True, **fields)


def uploads(ctl):
    return ctl.ghec()['uploads']


def test_air_gapped_export_upload_success_then_idempotent(upload_fleet, tmp_path):
    sim, ctl = upload_fleet(gapped('ag'))
    dest = tmp_path / 'ag.json'
    first = play(sim, 'upload', dest=str(dest))
    assert first.rc == 0, first.output
    result = first.result('ghe_license_upload', 'ag')
    assert result['changed'] and result['used'] == 'file'
    assert result['upload']['sync_state'] == 'SUCCESS'
    assert result['upload']['sha256'] == result['export']['sha256']
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert json.loads(dest.read_text())['instance']['host_name'] == 'ag.example.com'
    assert len(uploads(ctl)) == 1

    second = play(sim, 'upload', dest=str(dest))
    assert second.rc == 0, second.output
    again = second.result('ghe_license_upload', 'ag')
    assert again['changed'] is False and 'already uploaded' in again['skipped_reason']
    assert len(uploads(ctl)) == 1


def test_check_mode_uploads_nothing_and_writes_no_export(upload_fleet, tmp_path):
    sim, ctl = upload_fleet(gapped('chk'))
    dest = tmp_path / 'chk.json'
    run = play(sim, 'upload', dest=str(dest), check=True)
    assert run.rc == 0, run.output
    result = run.result('ghe_license_upload', 'chk')
    assert result['changed'] is True and result['upload']['sync_state'] is None
    assert not dest.exists()
    assert uploads(ctl) == [] and ghec_writes(ctl) == [] and writes(ctl, 'chk') == []


def test_max_sync_age_skips_after_a_recent_success(upload_fleet):
    sim, ctl = upload_fleet(gapped('ma'))
    assert play(sim, 'upload').rc == 0
    ctl.patch('ma', users_revision=2)  # a new export (different digest)
    run = play(sim, 'upload', max_sync_age='7d')
    assert run.rc == 0, run.output
    assert 'younger than max_sync_age' in run.result('ghe_license_upload', 'ma')['skipped_reason']
    assert len(uploads(ctl)) == 1
    forced = play(sim, 'upload', force=True, max_sync_age='7d')
    assert forced.result('ghe_license_upload', 'ma')['changed'] is True
    assert len(uploads(ctl)) == 2


BROKEN_FILES = [
    ('not json', b'{"instance": {', 'is not valid JSON (line 1 column'),
    ('no instance', b'{"users": "abc"}', 'has no "instance" object'),
    ('missing fields', json.dumps({'instance': {'server_id': '9d1b5b7c-3f0e-4c1a-9a57-2f4b1c6d8e10'},
                                   'users': 'x'}).encode(), 'lacks instance.host_name'),
    ('tampered server id', None, 'malformed instance.server_id'),
    ('binary', b'\xff\xfe\x00\x01', 'is not UTF-8 text'),
]


@pytest.mark.parametrize('case,content,message', BROKEN_FILES, ids=[c[0] for c in BROKEN_FILES])
def test_malformed_or_tampered_files_fail_and_upload_nothing(upload_fleet, tmp_path, case, content, message):
    sim, ctl = upload_fleet(gapped('mf'))
    if content is None:
        sample = json.loads(open(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'samples',
                                              'license-usage-export.json')).read()) \
            if os.path.exists(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared')) else None
        sample = sample or {'instance': {'host_name': 'mf.example.com', 'version': '3.15.1', 'public_key': 'k',
                                         'features': []}, 'users': 'x'}
        sample['instance']['server_id'] = 'not-a-uuid; DROP TABLE'
        content = json.dumps(sample).encode()
    src = tmp_path / 'usage.json'
    src.write_bytes(content)
    run = play(sim, 'upload', src=str(src), via='file')
    assert run.rc != 0
    assert message in run.result('ghe_license_upload', 'mf')['msg']
    assert uploads(ctl) == [] and ghec_writes(ctl) == []


def test_another_appliances_export_is_refused(upload_fleet, tmp_path):
    sim, ctl = upload_fleet(gapped('one'), gapped('two'))
    theirs = tmp_path / 'two.json'
    assert play(sim, 'upload', hosts='two', dest=str(theirs)).rc == 0
    run = play(sim, 'upload', hosts='one', src=str(theirs), via='file')
    assert run.rc != 0
    assert 'is the export of two.example.com, not of this appliance' in run.result('ghe_license_upload', 'one')['msg']
    assert len(uploads(ctl)) == 1


def test_ghec_rejecting_the_upload_fails_and_is_not_uploaded_twice(upload_fleet):
    sim, ctl = upload_fleet(gapped('rej'))
    ctl.patch_ghec(upload_result='FAILURE')
    run = play(sim, 'upload')
    assert run.rc != 0
    assert 'syncState FAILURE' in run.result('ghe_license_upload', 'rej')['msg']
    again = play(sim, 'upload')
    assert again.rc != 0
    assert 'already rejected this exact export' in again.result('ghe_license_upload', 'rej')['msg']
    assert len(uploads(ctl)) == 1


def test_success_never_arriving_times_out_and_the_rerun_waits_instead_of_uploading(upload_fleet):
    sim, ctl = upload_fleet(gapped('slow'))
    ctl.patch_ghec(upload_result='PENDING_FOREVER')
    run = play(sim, 'upload', wait_timeout=3)
    assert run.rc != 0
    assert 'will not be uploaded again' in run.result('ghe_license_upload', 'slow')['msg']
    again = play(sim, 'upload', wait_timeout=2)
    assert again.rc != 0
    assert 'will not be uploaded again' in again.result('ghe_license_upload', 'slow')['msg']
    assert again.result('ghe_license_upload', 'slow')['changed'] is False
    assert len(uploads(ctl)) == 1, 'the re-run waited on the pending upload instead of sending it again'
    checked = play(sim, 'upload', check=True)
    assert checked.rc == 0, checked.output
    assert 'still processing' in checked.result('ghe_license_upload', 'slow')['skipped_reason']


def test_connected_appliance_with_sync_on_prefers_sync_now(upload_fleet):
    sim, ctl = upload_fleet(dict(name='conn', version='3.16.0', connected=True, license_sync=True,
                                 last_sync_days_ago=9, sync_seconds=0.3))
    run = play(sim, 'upload', max_sync_age='7d', wait_timeout=20)
    assert run.rc == 0, run.output
    result = run.result('ghe_license_upload', 'conn')
    assert result['used'] == 'sync_now' and result['changed'] and result['upload'] is None
    assert uploads(ctl) == []


def test_no_secret_or_user_blob_in_vvvv_output(upload_fleet, tmp_path):
    sim, ctl = upload_fleet(gapped('leak'))
    dest = tmp_path / 'leak.json'
    run = play(sim, 'upload', dest=str(dest), verbosity=4, diff=True)
    assert run.rc == 0, run.output
    users_blob = json.loads(dest.read_text())['users']
    appliance = sim.info['appliances']['leak']
    secrets = [users_blob, sim.info['ghec_token'], appliance['manage_password'], appliance['console_password'],
               appliance['token']] + list(sim.info['ghec_sessions'])
    for secret in secrets:
        assert secret not in run.output
        assert secret not in json.dumps(run.results)


def test_sync_now_whose_answer_is_lost_is_awaited_on_ghec_never_clicked_twice(upload_fleet):
    # The click reaches the appliance, which carries it out after the client gave up waiting for
    # the answer: the sync it started shows on GHEC, so the task waits for it instead of failing.
    sim, ctl = upload_fleet(dict(name='conn', version='3.16.0', connected=True, license_sync=True,
                                 last_sync_days_ago=9, sync_seconds=0.3))
    ctl.fault(target='conn', method='POST', path_prefix='/enterprises/github/settings/license/sync', latency=3, count=1)
    run = play(sim, 'upload', max_sync_age='7d', wait_timeout=30, ghes_timeout=1)
    assert run.rc == 0, run.output[-3000:]
    result = run.result('ghe_license_upload', 'conn')
    assert result['used'] == 'sync_now' and result['changed'] is True, result
    assert result['license_sync']['last_sync']['status'] == 'success', result
    clicks = [r for r in writes(ctl, 'conn') if r['path'].endswith('/settings/license/sync')]
    assert len(clicks) == 1, 'a click without an answer is never sent again: %s' % clicks
    assert uploads(ctl) == []
    again = play(sim, 'upload', max_sync_age='7d', wait_timeout=30)
    assert again.rc == 0 and again.result('ghe_license_upload', 'conn')['changed'] is False, again.output[-3000:]
    assert len([r for r in writes(ctl, 'conn') if r['path'].endswith('/settings/license/sync')]) == 1
