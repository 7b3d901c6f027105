# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_admin_ssh_key, in process, against scripted HTTP: list, compare, POST or DELETE only when needed, verify."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action import fixtures as f
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Call, run_action

BLOB = base64.b64encode(b'\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20' + bytes(range(32))).decode('ascii')
KEY = 'ssh-ed25519 %s ops@controller' % BLOB
OTHER = 'ssh-ed25519 %s someone@else' % base64.b64encode(b'other-key-bytes-0123456789').decode('ascii')
SSH = f.MANAGE + '/manage/v1/access/ssh'


def ssh_key(args, check_mode=False, diff=False, **variables):
    return run_action('ghe_admin_ssh_key', args, f.host_vars(**variables), check_mode=check_mode, diff=diff)


def version_call(version='3.14.2'):
    return f.version_calls(version)[0]


def listing(*keys):
    return Call('GET', SSH, json=[{'key': k, 'pretty-print': 'ED25519 ...'} for k in keys])


def sends(key):
    def check(request):
        assert request.json() == {'key': key}, request.json()
        assert request.headers['content-type'] == 'application/json'
    return check


def test_a_listed_key_with_another_comment_is_already_present(script):
    script.expect(version_call(), listing(OTHER, KEY.replace('ops@controller', 'renamed')))
    result = ssh_key({'key': KEY})
    assert result['changed'] is False and not result.get('failed'), result
    assert result['fingerprint'].startswith('SHA256:') and len(result['keys']) == 2
    assert script.writes() == []


def test_check_mode_predicts_the_addition_and_writes_nothing(script):
    script.expect(version_call(), listing(OTHER))
    result = ssh_key({'key': KEY}, check_mode=True, diff=True)
    assert result['changed'] is True and not result.get('failed'), result
    assert result['fingerprint'] in result['keys'] and result['fingerprint'] not in result['diff']['before']['keys']
    assert script.writes() == []


def test_adding_posts_the_key_once_then_lists_again(script):
    script.expect(version_call(), listing(OTHER), Call('POST', SSH, status=201, json=[], check=sends(KEY)),
                  listing(OTHER, KEY))
    result = ssh_key({'key': KEY + '\n'})
    assert result['changed'] is True and not result.get('failed'), result
    assert [(w.method, w.path) for w in script.writes()] == [('POST', '/manage/v1/access/ssh')]


def test_removing_deletes_the_key_as_the_appliance_stores_it(script):
    stored = KEY.replace('ops@controller', 'stored comment')
    script.expect(version_call(), listing(stored, OTHER), Call('DELETE', SSH, status=204, check=sends(stored)),
                  listing(OTHER))
    result = ssh_key({'key': KEY, 'state': 'absent'})
    assert result['changed'] is True and not result.get('failed'), result
    assert result['fingerprint'] not in result['keys'] and len(script.writes()) == 1


def test_an_absent_key_is_not_deleted(script):
    script.expect(version_call(), listing(OTHER))
    result = ssh_key({'key': KEY, 'state': 'absent'})
    assert result['changed'] is False and script.writes() == [], result


def test_a_key_still_missing_after_an_accepted_post_fails_saying_so(script):
    script.expect(version_call(), listing(), Call('POST', SSH, status=201), listing())
    result = ssh_key({'key': KEY})
    assert result['failed'] is True and result['changed'] is True and 'still missing' in result['msg'], result


def test_unreadable_entries_in_the_listing_are_neither_added_nor_removed(script):
    script.expect(version_call(), Call('GET', SSH, json=[None, {'key': None}, {'key': 'garbage'}, {'key': KEY}]))
    result = ssh_key({'key': KEY})
    assert result['changed'] is False and not result.get('failed'), result
    assert len(result['keys']) == 1


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('answer, words', [(None, 'null'), ({'keys': [{'key': KEY}]}, 'an object')])
def test_a_listing_that_is_not_a_list_is_no_list_of_keys_and_fails_without_writing(script, state, answer, words):
    # A null answer read as "no keys": state absent said "in sync" while nothing was known.
    script.expect(version_call(), Call('GET', SSH, json=answer))
    result = ssh_key({'key': KEY, 'state': state})
    assert result['failed'] is True and ('answered GET /manage/v1/access/ssh with %s, not a list of keys' % words) in result['msg'], result
    assert script.writes() == []


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('entry, reason', [
    ({'key': None}, 'key is null in entry 2 of the Manage API SSH key list'),
    ({'fingerprint': 'SHA256:x'}, 'key missing from entry 2 of the Manage API SSH key list'),
    ('ssh-ed25519 AAAA', 'key not read: entry 2 of the Manage API SSH key list is not an object (str)'),
    ({'key': 'garbage'}, 'key of entry 2 of the Manage API SSH key list is not one OpenSSH public key line'),
])
def test_an_entry_whose_key_cannot_be_read_leaves_the_key_unknown_and_nothing_is_written(script, state, entry, reason):
    # The unreadable entry may be this key: it was skipped, and state absent said "in sync" while the key might be listed.
    script.expect(version_call(), Call('GET', SSH, json=[{'key': OTHER}, entry]))
    result = ssh_key({'key': KEY, 'state': state})
    assert result['failed'] is True and result['changed'] is False, result
    assert 'whether the key is authorised cannot be told' in result['msg'] and reason in result['msg'], result
    assert script.writes() == []


def test_a_key_listed_readably_is_removed_whatever_other_entries_cannot_be_read(script):
    script.expect(version_call(), Call('GET', SSH, json=[{'key': None}, {'key': KEY}]), Call('DELETE', SSH, status=204, check=sends(KEY)),
                  Call('GET', SSH, json=[{'key': None}]))
    result = ssh_key({'key': KEY, 'state': 'absent'})
    # Gone from the readable keys, but the unreadable entry left may be it still: never "removed" on a guess.
    assert result['failed'] is True and result['changed'] is True and 'cannot be told' in result['msg'], result


def test_releases_before_3_12_are_refused_before_any_write(script):
    script.expect(version_call('3.11.9'))
    result = ssh_key({'key': KEY})
    assert result['failed'] is True and 'needs GHES 3.12 or later' in result['msg'], result
    assert script.writes() == []


def test_refused_credentials_name_the_option_and_never_the_password(script):
    script.expect(Call('GET', f.MANAGE + '/manage/v1/version', status=401, json={'message': 'Bad credentials'}))
    result = ssh_key({'key': KEY})
    assert result['failed'] is True and 'manage_password' in result['msg'], result
    assert f.MANAGE_PASSWORD not in repr(result)


def test_a_listing_that_times_out_fails_without_writing(script):
    script.expect(version_call(), Call('GET', SSH, error=TimeoutError('timed out')))
    result = ssh_key({'key': KEY})
    assert result['failed'] is True and 'did not answer' in result['msg'], result
    assert script.writes() == []


@pytest.mark.parametrize('key, message', [
    ('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----', 'PRIVATE key'),
    ('ssh-ed25519 not*base64 ops', 'is not base64'),
    ('ssh-dss AAAAB3NzaC1kc3M= old', 'one OpenSSH public key line'),
    ('', 'one OpenSSH public key line'),
])
def test_bad_keys_fail_before_any_request_and_are_never_echoed(script, key, message):
    result = ssh_key({'key': key})
    assert result['failed'] is True and message in result['msg'], result
    assert script.made == []
    if key:
        assert key.split()[1] not in result['msg']
