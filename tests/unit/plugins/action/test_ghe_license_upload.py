# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_upload, in process, against scripted HTTP: validate, upload once, wait for GHEC to process it."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Call, run_action

SESSION = 'sess-owner-0123'
USERS = 'c2VjcmV0LXVzZXItbGlzdA=='
LICENSING = f.WEB + '/enterprises/%s/settings/license' % f.SLUG
UPLOAD = LICENSING + '/server_usage'
LICENSING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Enterprise licensing</title></head><body><main>
<h1>Acme Corp · Enterprise licensing</h1>
<form action="/web/enterprises/acme/settings/license/server_usage" method="post" enctype="multipart/form-data">
<input type="hidden" name="authenticity_token" value="web-csrf-1">
<input type="file" name="usage_file" id="usage_file" accept=".json,application/json">
<button type="submit">Upload</button>
</form></main></body></html>
"""


def export(host=f.HOSTNAME, server_id=f.SERVER_ID):
    return json.dumps({'instance': {'server_id': server_id, 'host_name': host, 'version': '3.14.2',
                                    'public_key': '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
                                    'features': [{'name': 'license_usage_sync', 'enabled_at': f.days_ago(30)}]},
                       'users': USERS}).encode('utf-8')


def upload_name(content, host=f.HOSTNAME):
    return 'ghes-usage-%s-%s.json' % (host, hashlib.sha256(content).hexdigest()[:16])


def uploaded(name, state, days=0):
    return {'name': name, 'syncState': state, 'createdAt': f.days_ago(days)}


@pytest.fixture
def src(tmp_path):
    path = tmp_path / 'usage.json'
    path.write_bytes(export())
    return path


def upload(args, check_mode=False, **variables):
    variables.setdefault('ghec_session', SESSION)
    return run_action('ghe_license_upload', args, f.host_vars(**variables), check_mode=check_mode)


def file_reads(*uploads, connected=False):
    """What the file path reads before it decides: version, GHEC's installation, the host name, the sync record."""
    node = f.installation(connected=connected, uploads=uploads) if uploads or connected else None
    return [f.version_calls()[0], f.installations_call(*([node] if node else [])), f.version_calls()[1],
            f.sync_status_call()]


def preflight_reads():
    return [f.maintenance_call(), f.config_apply_call()]


def sends_the_file(content):
    def check(request):
        assert request.headers['cookie'] == 'user_session=' + SESSION
        assert request.headers['content-type'].startswith('multipart/form-data; boundary=')
        body = request.body
        assert b'name="authenticity_token"\r\n\r\nweb-csrf-1\r\n' in body
        part = ('name="usage_file"; filename="%s"\r\nContent-Type: application/json\r\n\r\n'
                % upload_name(content)).encode('utf-8')
        assert part + content + b'\r\n' in body, body[:400]
        assert body.count(b'name="usage_file"') == 1, 'one usage_file part, as a browser sends: %r' % body[:400]
    return check


def test_an_export_is_uploaded_once_and_ghec_s_processing_awaited(script, src):
    content = src.read_bytes()
    name = upload_name(content)
    script.expect(*file_reads(), *preflight_reads(), Call('GET', LICENSING, html=LICENSING_PAGE),
                  Call('POST', UPLOAD, status=302, headers={'Location': LICENSING}, check=sends_the_file(content)),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'SUCCESS')])))
    result = upload({'src': str(src)})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['used'] == 'file' and result['upload']['sync_state'] == 'SUCCESS' and result['upload']['name'] == name
    assert result['export']['sha256'] == hashlib.sha256(content).hexdigest()
    assert [w.url for w in script.writes()] == [UPLOAD]
    assert USERS not in repr(result) and SESSION not in repr(result)


def test_an_export_ghec_already_processed_is_not_uploaded_again(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(uploaded(name, 'SUCCESS', days=2)))
    result = upload({'src': str(src)})
    assert result['changed'] is False and not result.get('failed'), result
    assert 'already uploaded and processed' in result['skipped_reason'] and script.writes() == []


def test_check_mode_predicts_the_upload_and_sends_nothing(script, src):
    # The preflight runs in check mode too: it predicts the refusal a real run would meet.
    script.expect(*file_reads(), *preflight_reads())
    result = upload({'src': str(src)}, check_mode=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['upload']['name'] == upload_name(src.read_bytes()) and result['upload']['sync_state'] is None
    assert script.writes() == []


def test_an_upload_without_an_answer_that_ghec_lists_is_awaited_not_sent_again(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(), *preflight_reads(), Call('GET', LICENSING, html=LICENSING_PAGE),
                  Call('POST', UPLOAD, error=TimeoutError('timed out')),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'PENDING')])),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'SUCCESS')])))
    result = upload({'src': str(src)})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['upload']['sync_state'] == 'SUCCESS' and len(script.writes()) == 1


def test_an_upload_without_an_answer_that_ghec_does_not_list_fails_and_is_not_sent_again(script, src):
    script.expect(*file_reads(), *preflight_reads(), Call('GET', LICENSING, html=LICENSING_PAGE),
                  Call('POST', UPLOAD, error=TimeoutError('timed out')), f.installations_call())
    result = upload({'src': str(src)})
    assert result['failed'] is True and 'It was not sent again' in result['msg'], result
    assert len(script.writes()) == 1


def test_an_earlier_pending_upload_is_awaited_and_times_out_without_a_second_upload(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(uploaded(name, 'PENDING')),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'PENDING')])))
    result = upload({'src': str(src), 'wait_timeout': 1})
    assert result['failed'] is True and result['changed'] is False, result
    assert 'Timed out after 1s' in result['msg'] and 'will not be uploaded again' in result['msg']
    assert script.writes() == []


def test_an_export_ghec_rejected_is_not_sent_again_without_force(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(uploaded(name, 'FAILURE')))
    result = upload({'src': str(src)})
    assert result['failed'] is True and 'force: true' in result['msg'], result
    assert script.writes() == []


def test_the_export_of_another_appliance_is_refused_before_any_write(script, tmp_path):
    other = tmp_path / 'other.json'
    other.write_bytes(export(host='ghes-2.example.com'))
    script.expect(*file_reads())
    result = upload({'src': str(other)})
    assert result['failed'] is True and 'not of this appliance' in result['msg'], result
    assert 'Nothing was uploaded' in result['msg'] and script.writes() == []


def test_the_export_is_kept_in_dest_private_and_atomic(script, src, tmp_path):
    name = upload_name(src.read_bytes())
    keep = tmp_path / 'keep'
    keep.mkdir(mode=0o700)
    dest = keep / 'usage.json'
    script.expect(*file_reads(uploaded(name, 'SUCCESS')))
    result = upload({'src': str(src), 'dest': str(dest)})
    assert result['changed'] is True and not result.get('failed'), result
    assert dest.read_bytes() == src.read_bytes() and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert script.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'wait_timeout': 0}, 'wait_timeout must be 1 or more seconds'),
    ({'src': '/nonexistent/usage.json'}, 'src /nonexistent/usage.json does not exist or cannot be read'),
    ({'src': 'missing-usage.json'}, 'src missing-usage.json was not found on the controller'),
    ({'max_sync_age': 'whenever'}, 'must be a duration like 8d'),
])
def test_bad_input_fails_before_any_request(script, args, message):
    result = upload(args)
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []


def test_a_dest_that_is_a_link_is_refused_before_any_request(script, src, tmp_path):
    link = tmp_path / 'link.json'
    link.symlink_to(tmp_path / 'elsewhere.json')
    result = upload({'src': str(src), 'dest': str(link)})
    assert result['failed'] is True and 'is a symbolic link' in result['msg'], result
    assert script.made == [] and not (tmp_path / 'elsewhere.json').exists()


def test_a_connected_appliance_synced_recently_needs_no_upload(script):
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(), f.maintenance_call(),
                  *f.console_read_calls(f.simulated(connected=True, license_sync=True)),
                  f.sync_status_call(f.sync_record(days=1)))
    result = upload({'max_sync_age': '7d'})
    assert result['changed'] is False and not result.get('failed'), result
    assert result['used'] == 'sync_now' and 'the last sync succeeded 1.0 days ago' in result['skipped_reason']
    assert script.writes() == []


def test_a_connected_appliance_with_a_stale_sync_gets_one_sync_now_instead_of_an_upload(script):
    synced = f.simulated(connected=True, license_sync=True)
    license_page = f.GHES + '/enterprises/github/settings/license'
    script.expect(*f.version_calls(), f.installations_call(f.installation()), f.statistics_call(), f.maintenance_call(),
                  *f.console_read_calls(synced), f.sync_status_call(f.sync_record(days=10)), f.config_apply_call(),
                  Call('GET', license_page, html=f.console_pages.license_page(synced, f.CSRF, None)),
                  f.form_post(license_page + '/sync', location=license_page, expect={'authenticity_token': f.CSRF}),
                  f.sync_status_call(f.sync_record(days=0)))
    result = upload({'max_sync_age': '7d'})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['used'] == 'sync_now' and result['license_sync']['last_sync']['date'] == f.days_ago(0)
    assert [w.url for w in script.writes()] == [license_page + '/sync']


def test_upload_divergence_a_failed_upload_after_a_recent_success_is_sent_again(script, src):
    """A successful upload 2 days old and a failed one 1 day old, max age 7 days: the drift record says drift, so the
    module does not skip: it uploads this export (the drift side is test_license_comparison's test of the same case)."""
    content = src.read_bytes()
    name = upload_name(content)
    earlier = [uploaded('ghes-usage-old-success.json', 'SUCCESS', days=2), uploaded('ghes-usage-new-failure.json', 'FAILURE', days=1)]
    script.expect(*file_reads(*earlier), *preflight_reads(), Call('GET', LICENSING, html=LICENSING_PAGE),
                  Call('POST', UPLOAD, status=302, headers={'Location': LICENSING}, check=sends_the_file(content)),
                  f.installations_call(f.installation(connected=False, uploads=earlier + [uploaded(name, 'SUCCESS')])))
    result = upload({'src': str(src), 'max_sync_age': '7d'})
    assert result['changed'] is True and result['skipped_reason'] is None and not result.get('failed'), result
    assert result['differences'] == [{'field': 'license_upload.latest', 'after': 'recent success',
                                      'before': 'latest upload ghes-usage-new-failure.json is FAILURE'}]
    assert result['upload']['sync_state'] == 'SUCCESS' and [w.url for w in script.writes()] == [UPLOAD]


def test_a_recent_successful_upload_after_a_failed_one_is_enough(script, src):
    earlier = [uploaded('ghes-usage-old-failure.json', 'FAILURE', days=2), uploaded('ghes-usage-new-success.json', 'SUCCESS', days=1)]
    script.expect(*file_reads(*earlier))
    result = upload({'src': str(src), 'max_sync_age': '7d'})
    assert result['changed'] is False and result['differences'] == [] and not result.get('failed'), result
    assert result['skipped_reason'] == 'a successful upload (ghes-usage-new-success.json) is younger than max_sync_age'
    assert result['upload']['name'] == 'ghes-usage-new-success.json' and script.writes() == []


def test_the_upload_ghec_rejected_reaches_the_failed_result(script, src):
    content = src.read_bytes()
    name = upload_name(content)
    script.expect(*file_reads(), *preflight_reads(), Call('GET', LICENSING, html=LICENSING_PAGE),
                  Call('POST', UPLOAD, status=302, headers={'Location': LICENSING}, check=sends_the_file(content)),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'FAILURE')])))
    result = upload({'src': str(src)})
    assert result['failed'] is True and result['changed'] is True and 'syncState FAILURE' in result['msg'], result
    assert result['upload'] == {'name': name, 'sync_state': 'FAILURE', 'created_at': f.days_ago(0),
                                'sha256': hashlib.sha256(content).hexdigest()}


def without_state(name, sync_state):
    node = uploaded(name, 'PENDING')
    if sync_state == 'absent':
        del node['syncState']
    else:
        node['syncState'] = sync_state
    return node


@pytest.mark.parametrize('sync_state, reason', [
    (None, 'syncState is null in GHEC\'s upload "%s"'),
    ('absent', 'syncState missing from GHEC\'s upload "%s"'),
    (3, 'syncState in GHEC\'s upload "%s" is a int, not a string'),
])
def test_an_export_ghec_lists_in_a_state_it_does_not_say_is_awaited_never_sent_again(script, src, sync_state, reason):
    name = upload_name(src.read_bytes())
    reason %= name
    script.expect(*file_reads(without_state(name, sync_state)),
                  f.installations_call(f.installation(connected=False, uploads=[without_state(name, sync_state)])))
    result = upload({'src': str(src), 'wait_timeout': 1})
    assert result['failed'] is True and result['changed'] is False, result
    assert ('Timed out after 1s waiting for GHEC to process %s (its syncState stayed unknown: %s). It was uploaded once and '
            'will not be uploaded again' % (name, reason)) in result['msg']
    assert script.writes() == []


def test_an_export_in_an_unsaid_state_that_ghec_then_processes_is_reported_not_sent(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(without_state(name, None)),
                  f.installations_call(f.installation(connected=False, uploads=[without_state(name, None)])),
                  f.installations_call(f.installation(connected=False, uploads=[uploaded(name, 'SUCCESS')])))
    result = upload({'src': str(src), 'wait_timeout': 10})
    assert result['changed'] is False and not result.get('failed'), result
    assert result['upload']['sync_state'] == 'SUCCESS' and script.writes() == []
    assert result['skipped_reason'] == 'already uploaded; waited for GHEC to process it'


def test_check_mode_says_an_export_in_an_unsaid_state_is_not_sent_again(script, src):
    name = upload_name(src.read_bytes())
    script.expect(*file_reads(without_state(name, None)))
    result = upload({'src': str(src)}, check_mode=True)
    assert result['changed'] is False and not result.get('failed'), result
    assert result['skipped_reason'] == ('already uploaded, not sent again; GHEC does not say its state (syncState is null '
                                        'in GHEC\'s upload "%s")' % name)
    assert result['upload']['sync_state'] is None and script.writes() == []


UNDATED = {'name': 'ghes-usage-undated.json', 'syncState': 'FAILURE', 'createdAt': None}
UNTOLD = 'which upload is the latest cannot be told: createdAt is null in GHEC\'s upload "ghes-usage-undated.json"'


def test_the_diff_shows_no_latest_upload_and_why_while_one_of_several_cannot_be_dated(script, src):
    # The undated upload may be newer than the dated success: the diff showed that success as the latest, a guess.
    script.expect(*file_reads(uploaded('ghes-usage-dated.json', 'SUCCESS', days=1), UNDATED), *preflight_reads())
    result = run_action('ghe_license_upload', {'src': str(src)}, f.host_vars(ghec_session=SESSION), check_mode=True, diff=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['diff']['before'] == {'upload': None, 'upload_unknown': UNTOLD}
    assert script.writes() == []


def test_a_task_that_sends_nothing_shows_no_latest_upload_and_why_while_one_cannot_be_dated(script, src):
    # A recent license sync says usage reached GHEC, so nothing is sent; the upload shown was the dated one, a guess.
    node = f.installation(connected=False, uploads=[uploaded('ghes-usage-dated.json', 'SUCCESS', days=1), UNDATED])
    script.expect(f.version_calls()[0], f.installations_call(node), f.version_calls()[1], f.sync_status_call(f.sync_record(days=1)))
    result = upload({'src': str(src), 'max_sync_age': '7d'})
    assert result['changed'] is False and not result.get('failed'), result
    assert result['upload'] is None and {'field': 'upload', 'reason': UNTOLD} in result['unknown'], result
    assert (result['summary']['last_upload'], result['summary']['last_upload_unknown']) == (None, UNTOLD)
    assert script.writes() == []
