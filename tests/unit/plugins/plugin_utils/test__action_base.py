# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An exception no ghes.connect code expected becomes a failure without any secret in any form."""

from __future__ import annotations

import base64
import urllib.parse

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import secret_values
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import Scrubber
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import _unexpected_failure

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
