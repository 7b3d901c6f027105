# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An upload is sent once: without an answer GHEC's upload list decides, and its processing is awaited."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, TransportError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import parse_installation
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import UsageFile
from ansible_collections.ghes.connect.plugins.module_utils._license.upload import await_upload, listed, upload_once

EXPORT = json.dumps({'instance': {'server_id': '12345678-1234-1234-1234-123456789012', 'host_name': 'ghes-1.example.com',
                                  'version': '3.16.0', 'public_key': 'k', 'features': []},
                     'users': 'encrypted'}).encode('utf-8')


class Ghec:
    def __init__(self, appliance, error=None, lands=True):
        self.appliance = appliance
        self.error = error
        self.lands = lands
        self.sent = 0

    def upload_usage(self, name, content):
        self.sent += 1
        if self.lands:
            self.appliance.listed.append({'name': name, 'syncState': 'PENDING', 'createdAt': '2020-01-01T00:00:00Z'})
        if self.error:
            raise self.error


class FakeAppliance:
    url = 'https://ghes-1.example.com'
    waiter = None

    def __init__(self, error=None, lands=True, states=()):
        self.listed = []
        self.ghec = Ghec(self, error, lands)
        self.reads = []
        self.states = list(states)
        self.invalidated = 0

    def installation(self, hostname=None, refresh=False):
        self.reads.append((hostname, refresh))
        if self.states:
            for upload in self.listed:
                upload['syncState'] = self.states.pop(0)
        return parse_installation({'hostName': 'ghes-1.example.com', 'userAccountsUploads': {'nodes': self.listed}})

    def changed_state(self):
        self.invalidated += 1


USAGE = UsageFile(EXPORT, 'the export')


def test_an_answered_upload_is_not_looked_for():
    appliance = FakeAppliance()
    upload_once(appliance, USAGE)
    assert appliance.ghec.sent == 1 and appliance.reads == [] and appliance.invalidated == 1


def test_an_upload_without_an_answer_that_ghec_lists_counts_as_sent():
    appliance = FakeAppliance(TransportError('reset', maybe_sent=True))
    upload_once(appliance, USAGE)
    assert appliance.ghec.sent == 1 and appliance.reads == [('ghes-1.example.com', True)]


def test_an_upload_without_an_answer_that_ghec_does_not_list_fails_and_is_not_sent_again():
    appliance = FakeAppliance(TransportError('GHEC did not answer within 30s', maybe_sent=True), lands=False)
    with pytest.raises(GhesConnectError) as raised:
        upload_once(appliance, USAGE)
    assert appliance.ghec.sent == 1
    assert raised.value.message == ('The upload of %s to GHEC got no answer (GHEC did not answer within 30s), and GHEC '
                                    'shows it was not carried out. It was not sent again: run the task again.'
                                    % USAGE.upload_name)


def test_an_upload_that_never_reached_ghec_fails_with_its_own_reason_without_a_look():
    appliance = FakeAppliance(TransportError('Connection refused by GHEC: check ghec_url', maybe_sent=False), lands=False)
    with pytest.raises(GhesConnectError) as raised:
        upload_once(appliance, USAGE)
    assert raised.value.message == 'Connection refused by GHEC: check ghec_url'
    assert appliance.reads == [] and appliance.ghec.sent == 1


def test_await_upload_returns_the_processed_upload_with_its_digest():
    appliance = FakeAppliance(states=['PENDING', 'SUCCESS'])
    upload_once(appliance, USAGE)
    done = await_upload(appliance, USAGE, 10, changed=True)
    assert done == {'name': USAGE.upload_name, 'sha256': USAGE.sha256, 'sync_state': 'SUCCESS',
                    'created_at': '2020-01-01T00:00:00Z'}
    assert all(refresh for _name, refresh in appliance.reads), 'every poll reads GHEC afresh'


def test_await_upload_fails_on_failure_and_times_out_saying_it_is_not_sent_again():
    appliance = FakeAppliance(states=['FAILURE'])
    upload_once(appliance, USAGE)
    with pytest.raises(GhesConnectError) as failed:
        await_upload(appliance, USAGE, 10, changed=True)
    assert 'syncState FAILURE' in failed.value.message and failed.value.details['changed'] is True
    assert failed.value.details['upload']['sync_state'] == 'FAILURE'
    with pytest.raises(WaitTimeoutError) as timed_out:
        await_upload(FakeAppliance(), USAGE, 0, changed=False)
    assert 'syncState not listed yet' in timed_out.value.message and 'will not be uploaded again' in timed_out.value.message
    assert timed_out.value.details['changed'] is False


def test_await_upload_keeps_polling_an_upload_ghec_lists_without_a_state():
    appliance = FakeAppliance(states=[None, 'SUCCESS'])
    upload_once(appliance, USAGE)
    assert await_upload(appliance, USAGE, 10, changed=True)['sync_state'] == 'SUCCESS'
    with pytest.raises(WaitTimeoutError) as timed_out:
        stays = FakeAppliance(states=[None])
        upload_once(stays, USAGE)
        await_upload(stays, USAGE, 0, changed=True)
    assert ('waiting for GHEC to process %s (its syncState stayed unknown: syncState is null in GHEC\'s upload "%s"). '
            'It was uploaded once and will not be uploaded again' % (USAGE.upload_name, USAGE.upload_name)) in timed_out.value.message


def test_an_export_ghec_lists_twice_is_its_latest_upload():
    """Sent again with force after GHEC rejected it: the new upload decides, wherever GHEC lists it."""
    appliance = FakeAppliance()
    appliance.listed = [{'name': USAGE.upload_name, 'syncState': 'SUCCESS', 'createdAt': '2020-01-02T00:00:00Z'},
                        {'name': USAGE.upload_name, 'syncState': 'FAILURE', 'createdAt': '2020-01-01T00:00:00Z'}]
    assert await_upload(appliance, USAGE, 10, changed=True)['sync_state'] == 'SUCCESS'
    appliance.listed.reverse()
    assert listed(appliance, USAGE)[0].sync_state.value == 'SUCCESS'
    # Which of the two is the latest cannot be told: this export's state is unknown, saying why (never the first one's).
    appliance.listed[1]['createdAt'] = None
    mine = listed(appliance, USAGE)[0]
    assert mine.name.value == USAGE.upload_name and not mine.sync_state.known
    assert mine.sync_state.reason == ('GHEC lists %s 2 times and which upload is the latest cannot be told: createdAt is null in '
                                      'GHEC\'s upload "%s"' % (USAGE.upload_name, USAGE.upload_name))
