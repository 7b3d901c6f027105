# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One root for every error; a refusal is its own kind; a caught error is reworded, never changed."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common import errors
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    AuthenticationError,
    ConfigRunError,
    GhesConnectError,
    InputError,
    PreflightError,
    Refusal,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.files import UnsafePathError
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import ReportInputError


def test_every_error_of_the_collection_has_the_one_root():
    classes = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert len(classes) > 10 and all(issubclass(cls, GhesConnectError) for cls in classes)
    assert issubclass(ReportInputError, InputError) and issubclass(UnsafePathError, InputError)
    assert str(UnsafePathError('/tmp/x is writable by others.')) == '/tmp/x is writable by others.'


def test_a_preflight_failure_is_a_refusal_and_carries_its_problems_as_a_detail():
    refused = PreflightError(['maintenance mode is on', 'a configuration run is in progress'])
    assert isinstance(refused, Refusal) and refused.details == {'problems': refused.problems}
    assert refused.message == 'Preflight failed, nothing was changed: maintenance mode is on | a configuration run is in progress'


def test_a_reworded_error_is_a_new_error_of_the_same_type_and_facts():
    caught = AuthenticationError('401 from https://ghec.example.com', status=401, method='GET',
                                 url='https://ghec.example.com/graphql', headers={'x-github-request-id': 'ab'}, changed=False)
    with pytest.raises(AuthenticationError) as raised:
        try:
            raise caught
        except AuthenticationError as exc:
            raise exc.reworded('GHEC refused ghec_token (401 Bad credentials).') from exc
    assert str(raised.value) == raised.value.message == 'GHEC refused ghec_token (401 Bad credentials).'
    assert (raised.value.status, raised.value.url, raised.value.details) == (401, caught.url, {'changed': False})
    assert raised.value.__cause__ is caught and str(caught) == caught.message == '401 from https://ghec.example.com'
    raised.value.details['changed'] = True
    assert caught.details == {'changed': False}


def test_config_run_events_are_a_detail():
    failed = ConfigRunError('Configuration run failed.', events=[{'body': 'nomad job failed'}], run_id='r1')
    assert failed.events == [{'body': 'nomad job failed'}] and failed.details['run_id'] == 'r1'
    assert ConfigRunError('failed').details == {'events': []}
