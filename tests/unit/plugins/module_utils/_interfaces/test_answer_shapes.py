# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHES REST, the legacy setup API, the admin shell and config runs in shapes nobody wrote (``shapes.variant`` of the
documented answers): each parser returns records or its typed error naming the interface, reports a fact only as the
answer holds it, and a field removed or nulled is never reported with a value."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    ConfigRunError,
    GhesConnectError,
    UnexpectedAnswerError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces import rest
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import (
    GHE_COM_ENABLED,
    AdminShell,
    AdminShellError,
    parse_usage_export,
)
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.config_runs import ConfigRunner
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manage_api import parse_ssh_keys, started_run_id
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.setup_legacy import parse_settings_hostname
from ansible_collections.ghes.connect.tests.unit.plugins.clock import Clock
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import OTHER_VALUES, SHAPES, one_field_changed, variant

# docs/interfaces.md §2, §5 and ../shared/ghes-api.md: the documented answers.
REST_LICENSE = {'seats': 1400, 'seats_used': 1316, 'seats_available': 84, 'kind': 'standard', 'days_until_expiration': 365,
                'expire_at': '2016/02/06 12:41:52 -0600'}
REST_FIELDS = ('seats', 'seats_used', 'seats_available', 'kind', 'days_until_expiration', 'expire_at')
META = {'verifiable_password_authentication': True, 'installed_version': '3.10.4'}
LEGACY_SETTINGS = {'enterprise': {'private_mode': False, 'github_hostname': 'ghes.example.com', 'auth_mode': 'default'},
                   'run_list': ['recipe[enterprise-configure]']}
EXPORT = {'instance': {'server_id': '9d1b5b7c-3f0e-4c1a-9a57-2f4b1c6d8e10', 'host_name': 'ghes.example.com',
                       'version': '3.15.1', 'public_key': 'ssh-rsa AAAA',
                       'features': [{'name': 'license_usage_sync', 'enabled_at': '2026-01-10T09:00:00Z'},
                                    {'name': 'content_analysis', 'enabled_at': '2026-01-10T09:00:00Z'}]},
          'users': 'c2VjcmV0'}
CONFIG_RUN = {'running': False, 'successful': True, 'nodes': [
    {'run_id': '55f1', 'hostname': 'ghes-primary', 'running': False, 'successful': True},
    {'run_id': '55f1', 'hostname': 'ghes-replica', 'running': False, 'successful': True}]}
# GitHub's REST description of GET /manage/v1/access/ssh: a list of {key, fingerprint}.
SSH_KEYS = [{'key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops@controller', 'fingerprint': 'SHA256:abc'},
            {'key': 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ old', 'fingerprint': 'SHA256:def'}]
CONFIGCHECK = {'status': 'success', 'progress': [{'status': 'DONE', 'key': 'Appliance core components'},
                                                 {'status': 'DONE', 'key': 'GitHub utilities'}]}


# -- GHES REST ---------------------------------------------------------------------------------------------------
@SHAPES
@given(variant(REST_LICENSE))
def test_a_rest_license_fact_is_reported_only_as_the_answer_holds_it(answer):
    record = rest.parse_license(answer)
    for name in REST_FIELDS:
        fact = getattr(record, name)
        if fact.known:
            assert isinstance(answer, dict) and answer[name] is fact.value and fact.source == 'ghes_rest'
            assert not isinstance(fact.value, bool) and (not isinstance(fact.value, str) or name in ('kind', 'expire_at')
                                                         or fact.value == 'unlimited')
        else:
            assert fact.value is None and name in fact.reason and 'GHES REST license' in fact.reason


@SHAPES
@given(one_field_changed(REST_LICENSE))
def test_a_rest_license_field_removed_or_nulled_is_never_reported_with_a_value(change):
    path, answer = change
    assert rest.parse_license(answer).to_dict()[path[0]] is None


@SHAPES
@given(st.sampled_from([{}, {'x-github-enterprise-version': None}]
                       + [{'x-github-enterprise-version': v} for v in ('3.10.4', '', ' ', '3.11.0 ')]),
       variant(META, changes=2))
def test_the_rest_version_is_the_header_or_installed_version_or_unknown(headers, meta):
    fact = rest.parse_version(headers, meta)
    header = headers.get('x-github-enterprise-version')
    if isinstance(header, str) and header.strip():
        assert fact.value == header.strip()
    elif isinstance(meta, dict) and isinstance(meta.get('installed_version'), str) and meta['installed_version'].strip():
        assert fact.value == meta['installed_version'].strip()
    else:
        assert not fact.known and 'GET /api/v3/meta' in fact.reason and 'installed_version' in fact.reason


# -- the legacy setup API ----------------------------------------------------------------------------------------
@SHAPES
@given(variant(LEGACY_SETTINGS))
def test_the_legacy_settings_name_a_host_only_as_they_hold_it(answer):
    fact = parse_settings_hostname(answer)
    if fact.known:
        assert fact.value == answer['enterprise']['github_hostname'].strip() and fact.value and fact.source == 'setup_api'
    else:
        assert '/setup/api/settings' in fact.reason and ('enterprise' in fact.reason or 'github_hostname' in fact.reason)


# -- the admin shell ---------------------------------------------------------------------------------------------
@SHAPES
@given(variant(EXPORT))
def test_a_usage_export_fact_is_reported_only_as_the_export_holds_it(export):
    record = parse_usage_export(export)
    instance = export.get('instance') if isinstance(export, dict) else None
    if record.server_id.known:
        assert record.server_id.value == instance['server_id'] and record.server_id.value.strip()
    else:
        assert record.server_id.value is None and 'license usage export' in record.server_id.reason
    if record.features.known:
        assert set(record.features.value) == set(i['name'] for i in instance['features'])
    else:
        assert record.features.value is None and 'license usage export' in record.features.reason


@SHAPES
@given(one_field_changed(EXPORT))
def test_an_export_field_removed_or_nulled_is_never_reported_with_a_value(change):
    path, export = change
    record = parse_usage_export(export).to_dict()
    if path[:2] == ('instance', 'server_id') or path == ('instance',):
        assert record['server_id'] is None
    if path[:2] == ('instance', 'features') and len(path) <= 3 or path == ('instance',):
        assert record['features'] is None or 'name' not in path


OUTPUTS = st.one_of(st.text(max_size=40), st.sampled_from([
    'GitHub Enterprise Server 3.15.1', 'GitHub Enterprise Server 3.15', 'Maintenance mode is on', 'Maintenance mode is off',
    'Maintenance mode is scheduled', 'Maintenance mode is ', 'true', 'true\nfalse', '', '\n', json.dumps(EXPORT),
    json.dumps({'instance': None}), '[]', 'null']))


def run_shell(job, rc, out, err=''):
    shell = AdminShell(lambda line, secret: (rc, out.encode('utf-8'), err.encode('utf-8')), lambda: GhesVersion('3.15.1'),
                       'ghes-1 (admin shell)', read_retries=0)
    return getattr(shell, job)(*((GHE_COM_ENABLED,) if job == 'config_get' else ()))


@SHAPES
@given(st.sampled_from(['version', 'maintenance', 'config_get', 'license_usage']), st.sampled_from([0, 1, 2, 127]),
       OUTPUTS, st.sampled_from(['', 'ghe-config: error']))
def test_a_shell_output_is_a_value_it_states_or_an_error_naming_the_command(job, rc, out, err):
    command = {'version': 'ghe-version', 'maintenance': 'ghe-maintenance', 'config_get': 'ghe-config',
               'license_usage': 'ghe-license'}[job]
    try:
        value = run_shell(job, rc, out, err)
    except AdminShellError as exc:
        assert command in exc.message and 'ghes-1' in exc.message
        return
    if job == 'config_get' and value is None:
        assert rc == 1 and not out.strip() and not err
        return
    assert rc == 0
    if job == 'version':
        assert out.strip().startswith('GitHub Enterprise Server ' + value)
    elif job == 'maintenance':
        assert out.strip() == 'Maintenance mode is ' + value and value in ('on', 'off', 'scheduled')
    elif job == 'config_get':
        assert out.splitlines() == [value]
    else:
        assert json.loads(value[0]) == value[1] and isinstance(value[1]['instance'], dict)


# -- config runs -------------------------------------------------------------------------------------------------
class Answering:
    """The Manage API and the legacy API answering every config-run read with ``answer``."""

    def __init__(self, answer):
        self.answer = answer

    @staticmethod
    def start_config_apply(run_id):
        return run_id

    def config_apply_status(self, run_id=None):
        return self.answer

    def config_apply_events(self, last_request_id=None):
        return self.answer

    def configcheck(self):
        return self.answer

    @staticmethod
    def configure():
        return None


@SHAPES
@given(st.sampled_from(['3.11.9', '3.14.2']), st.one_of(variant(CONFIG_RUN), variant(CONFIGCHECK)))
def test_a_config_run_ends_only_as_its_answers_say_and_fails_with_a_typed_error(release, answer):
    clock = Clock()
    runner = ConfigRunner(GhesVersion(release), Answering(answer), Answering(answer), clock=clock, sleep=clock.sleep)
    legacy = not GhesVersion(release).has('manage_config')
    try:
        runner.apply(timeout=3)
    except (ConfigRunError, WaitTimeoutError) as exc:
        assert 'onfiguration run' in exc.message
        return
    if legacy:
        assert answer['status'] == 'success'
    else:
        assert answer['running'] is False and answer['successful'] is True
        nodes = answer.get('nodes')
        assert not isinstance(nodes, list) or all(node['successful'] is True for node in nodes)


@SHAPES
@given(st.sampled_from(OTHER_VALUES + (CONFIG_RUN, {'running': True}, CONFIGCHECK)))
def test_waiting_for_a_run_returns_a_fact_and_never_reads_a_missing_field_as_idle(answer):
    clock = Clock()
    runner = ConfigRunner(GhesVersion('3.14.2'), Answering(answer), None, clock=clock, sleep=clock.sleep)
    try:
        fact = runner.wait_idle(2)
    except GhesConnectError as exc:
        assert isinstance(exc, WaitTimeoutError) and answer.get('running') is True
        return
    assert fact.value is False and answer['running'] is False or not fact.known


@SHAPES
@given(st.one_of(variant({'run_id': '55f1'}), st.sampled_from(OTHER_VALUES)), st.sampled_from([None, 'ours']))
def test_a_started_run_is_the_one_answered_or_the_one_asked_for(answer, asked):
    run_id = started_run_id(answer, asked)
    if isinstance(answer, dict) and isinstance(answer.get('run_id'), str) and answer['run_id']:
        assert run_id == answer['run_id']
    else:
        assert run_id == asked


# -- Manage API SSH keys -----------------------------------------------------------------------------------------
@SHAPES
@given(variant(SSH_KEYS))
def test_an_ssh_key_list_is_one_fact_per_entry_or_an_error_naming_the_answer_never_no_keys(answer):
    if not isinstance(answer, list):
        try:
            parse_ssh_keys(answer)
        except UnexpectedAnswerError as exc:
            assert '/manage/v1/access/ssh' in exc.message and 'not a list of keys' in exc.message
            return
        raise AssertionError('an answer that is not a list read as keys: %r' % (answer,))
    facts = parse_ssh_keys(answer)
    assert len(facts) == len(answer), 'every entry is a key or an unknown one: none is skipped'
    for number, (fact, entry) in enumerate(zip(facts, answer), 1):
        if fact.known:
            assert isinstance(entry, dict) and isinstance(entry['key'], str) and fact.value is entry['key']
        else:
            assert fact.value is None and 'entry %d of the Manage API SSH key list' % number in fact.reason


def test_a_null_ssh_key_answer_is_no_list_of_keys():
    for answer, words in ((None, 'null'), ({'keys': []}, 'an object'), ('', 'a string')):
        try:
            parse_ssh_keys(answer)
        except UnexpectedAnswerError as exc:
            assert exc.message.startswith('The Manage API answered GET /manage/v1/access/ssh with %s, not a list of keys' % words)
        else:
            raise AssertionError('%r read as a list of keys' % (answer,))
    assert parse_ssh_keys([]) == []
