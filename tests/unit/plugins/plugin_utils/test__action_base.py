# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failure keeps every detail its error carries; one no ghes.connect code expected carries no secret in any form;
warnings name their appliance."""

from __future__ import annotations

import base64
import gc
import multiprocessing
import urllib.parse

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import secret_values
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError, GhesConnectError, PreflightError
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import Scrubber
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import (
    _failure,
    _unexpected_failure,
    freeze_inherited_objects,
    named_once,
)

PARAMS = {'ghec_token': 'ghp_0123456789abcdefghij\n', 'manage_password': 'm@nage pass', 'manage_username': 'api_key'}


def raise_and_catch(error):
    try:
        raise error
    except Exception as exc:  # pylint: disable=broad-except
        return exc


def test_every_form_of_every_secret_is_scrubbed_from_the_message_and_the_traceback():
    basic = base64.b64encode(b'api_key:m@nage pass').decode('ascii')
    error = raise_and_catch(ValueError(
        "Invalid header value %r; form %s; header Basic %s; repr %r"
        % (b'token ghp_0123456789abcdefghij\n', urllib.parse.urlencode({'p': 'm@nage pass'}), basic,
           'ghp_0123456789abcdefghij\n')))
    failure = _unexpected_failure(error, Scrubber(secret_values(PARAMS)))
    assert failure['failed'] is True and failure['msg'].startswith('ghes.connect stopped on an unexpected error, ValueError')
    for text in (failure['msg'], failure['exception']):
        assert 'ghp_0123' not in text and 'm@nage' not in text and 'm%40nage' not in text and basic not in text, text
    assert 'Traceback' in failure['exception']


def test_every_detail_a_failure_carries_reaches_the_result():
    upload = {'name': 'ghes-usage-ghes-1-0123.json', 'sync_state': 'FAILURE', 'created_at': '2026-12-01T09:00:00Z'}
    failure = _failure(GhesConnectError('GHEC could not process the upload.', changed=True, upload=upload,
                                        instruction=None, run_id='r7'))
    assert failure == {'failed': True, 'changed': True, 'msg': 'GHEC could not process the upload.', 'upload': upload,
                       'run_id': 'r7'}
    refused = _failure(PreflightError(['maintenance mode is on']))
    assert refused['changed'] is False and refused['problems'] == ['maintenance mode is on']
    assert _failure(ConfigRunError('Configuration run failed.'))['events'] == []


def test_an_appliances_warnings_name_it_once_each():
    warnings = ['GHES 3.9 is past the end of GitHub\'s support.', 'ghes-1: already named.', 'GHES 3.9 is past the end of '
                'GitHub\'s support.']
    assert named_once('ghes-1', warnings) == ["ghes-1: GHES 3.9 is past the end of GitHub's support.", 'ghes-1: already named.']


def _frozen_after_freezing(answer):
    inherited = gc.get_freeze_count()
    freeze_inherited_objects()
    answer.put((inherited, gc.get_freeze_count()))


def test_a_forked_worker_leaves_what_it_inherited_out_of_garbage_collection_and_this_process_does_not():
    before = gc.get_freeze_count()
    freeze_inherited_objects()
    assert gc.get_freeze_count() == before, 'a process not forked by multiprocessing must keep collecting everything'
    context = multiprocessing.get_context('fork')     # how Ansible starts its workers
    answer = context.Queue()
    worker = context.Process(target=_frozen_after_freezing, args=(answer,))
    worker.start()
    inherited, frozen = answer.get(timeout=60)
    worker.join(60)
    assert inherited == before and frozen > before, (inherited, frozen)
