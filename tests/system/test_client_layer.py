# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared client layer (module_utils) against the simulator over real HTTPS."""

from __future__ import annotations

import sys
import time

import pytest

from playbook_runner import collections_path

sys.path.insert(0, str(collections_path()))

# pylint: disable=wrong-import-position
from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance  # noqa: E402
from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec  # noqa: E402
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (  # noqa: E402
    ConfigRunError,
    HttpStatusError,
    TLSVerificationError,
)
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import RetryPolicy  # noqa: E402
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

SIM_SPEC = {
    'seed': 4,
    'appliances': [
        {'name': 'new', 'version': '3.14.2', 'config_apply_seconds': 1.0},
        {'name': 'old', 'version': '3.11.9', 'config_apply_seconds': 1.0},
    ],
}


@pytest.fixture(scope='module')
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    client = control(sim)
    yield client
    client.clear_faults()
    for name in ('new', 'old'):
        client.patch(name, config_apply_fail=False)


def params(sim, name, **overrides):
    appliance = sim.info['appliances'][name]
    raw = {'url': appliance['url'], 'manage_url': appliance['manage_url'],
           'manage_password': appliance['manage_password'], 'ca_path': sim.ca_path,
           'ghec_url': sim.ghec_url, 'ghec_token': sim.info['ghec_token'], 'ghec_enterprise': 'acme',
           'ghec_ca_path': sim.ca_path, 'hostname': appliance['hostname']}
    raw.update(overrides)
    result = ArgumentSpecValidator(**appliance_spec().kwargs()).validate(raw)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def appliance(sim, name, sleeps=None, retries=3, **overrides):
    policy = RetryPolicy(retries=retries, backoff=0.05, sleep=(sleeps.append if sleeps is not None else time.sleep))
    return Appliance(params(sim, name, **overrides), policy=policy)


def test_retries_a_503_with_retry_after_then_succeeds(sim, ctl):
    ctl.fault(target='new', path_prefix='/manage/v1/version', status=503, count=2, retry_after=1)
    sleeps = []
    assert str(appliance(sim, 'new', sleeps).version) == '3.14.2'
    assert sleeps == [1.0, 1.0]
    versions = [r for r in ctl.requests('new')['requests'] if r['path'] == '/manage/v1/version']
    assert [r['status'] for r in versions[-3:]] == [503, 503, 200]


def test_gives_up_after_its_bound_with_a_clear_error(sim, ctl):
    ctl.fault(target='new', path_prefix='/manage/v1/config/license', status=503, count=10, retry_after=0)
    with pytest.raises(HttpStatusError) as caught:
        appliance(sim, 'new', [], retries=2).manage.license()
    assert caught.value.status == 503
    assert 'Manage GHES API GET /manage/v1/config/license answered 503' in caught.value.message
    assert 'gave up after 3 attempts' in caught.value.message


def test_rejects_the_self_signed_certificate_unless_ca_path_names_its_ca(sim, ctl):
    with pytest.raises(TLSVerificationError) as caught:
        appliance(sim, 'new', [], ca_path=None).manage.version_nodes()
    assert 'ca_path' in caught.value.message
    assert str(appliance(sim, 'new', []).version) == '3.14.2'


def test_never_puts_a_secret_in_an_error_message(sim, ctl):
    password = sim.info['appliances']['new']['manage_password']
    wrong = 'wrong-' + password
    with pytest.raises(HttpStatusError) as caught:
        appliance(sim, 'new', [], manage_password=wrong).manage.settings()
    assert caught.value.status == 401
    for secret in (password, wrong):
        assert secret not in caught.value.message and secret not in repr(caught.value.details)


@pytest.mark.parametrize('name', ['new', 'old'], ids=['3.14 manage api', '3.11 legacy configcheck'])
def test_config_run_poller_follows_a_run_to_success(sim, ctl, name):
    started = time.monotonic()
    outcome = appliance(sim, name).config_runner.apply(timeout=30)
    assert outcome['seconds'] < 5
    assert time.monotonic() - started < 5
    assert not appliance(sim, name).config_runner.running()
    if name == 'new':
        assert outcome['run_id']
        assert any(r['method'] == 'POST' and r['path'] == '/manage/v1/config/apply' for r in ctl.requests(name)['requests'])
    else:
        assert any(r['method'] == 'POST' and r['path'] == '/setup/api/configure' for r in ctl.requests(name)['requests'])


@pytest.mark.parametrize('name', ['new', 'old'], ids=['3.14 manage api', '3.11 legacy configcheck'])
def test_config_run_poller_reports_a_failed_run_with_its_events(sim, ctl, name):
    ctl.patch(name, config_apply_fail=True)
    with pytest.raises(ConfigRunError) as caught:
        appliance(sim, name).config_runner.apply(timeout=30)
    assert 'failed' in caught.value.message
    assert caught.value.events, 'the failing events (or failed steps) explain the failure'
    if name == 'new':
        assert all(e['severity'].upper() in ('ERROR', 'FATAL', 'CRITICAL') for e in caught.value.events)
