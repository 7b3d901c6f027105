# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliance's answers in shapes nobody wrote: every parser returns records or its typed error, and
reports only what the answer holds (properties over ``shapes.variant`` of the documented answers)."""

from __future__ import annotations

from hypothesis import given

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manage_api import normalize_license, parse_license
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.nodes import (
    parse_config_apply,
    parse_configcheck,
    parse_maintenance,
    parse_versions,
)
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, one_field_changed, variant

# docs/interfaces.md §1 (and ../shared/ghes-api.md): the documented answers, an HA pair where answers are per node.
LICENSE = {'advancedSecurityEnabled': False, 'advancedSecuritySeats': 0, 'clusterSupport': False, 'company': 'Acme Corp',
           'croquetSupport': True, 'customTerms': False, 'evaluation': False, 'expireAt': '2027-12-01T12:00:00Z',
           'insightsEnabled': False, 'insightsExpireAt': None, 'learningLabEvaluationExpires': None,
           'learningLabSeats': 0, 'perpetual': False, 'referenceNumber': '1234', 'seats': 100, 'seatsInUse': 42,
           'sshAllowed': True, 'supportKey': 'ssh-rsa AAAA', 'unlimitedSeating': False}
VERSIONS = [{'hostname': 'ghes-primary', 'version': {'version': '3.14.2', 'platform': 'azure', 'build_id': 'fc54',
                                                     'build_date': '2025-09-01'}},
            {'hostname': 'ghes-replica', 'version': {'version': '3.14.2', 'platform': 'azure', 'build_id': 'fc54',
                                                     'build_date': '2025-09-01'}}]
MAINTENANCE = [{'hostname': 'ghes-primary', 'uuid': 'u1', 'status': 'off', 'scheduled_time': None, 'connection_services': [],
                'can_unset_maintenance': True, 'ip_exception_list': [], 'maintenance_mode_message': ''},
               {'hostname': 'ghes-replica', 'uuid': 'u2', 'status': 'off', 'scheduled_time': None, 'connection_services': [],
                'can_unset_maintenance': True, 'ip_exception_list': [], 'maintenance_mode_message': ''}]
CONFIG_APPLY = {'running': False, 'successful': True, 'nodes': [
    {'run_id': '55f1', 'hostname': 'ghes-primary', 'running': False, 'successful': True},
    {'run_id': '55f1', 'hostname': 'ghes-replica', 'running': False, 'successful': True}]}
LICENSE_FIELDS = {'connect_permitted': 'croquetSupport', 'expire_at': 'expireAt', 'evaluation': 'evaluation',
                  'perpetual': 'perpetual', 'cluster_support': 'clusterSupport'}


@SHAPES
@given(variant(LICENSE))
def test_a_license_fact_is_reported_only_as_the_answer_holds_it(answer):
    license_ = parse_license(answer)
    data = normalize_license(answer)
    for name, key in LICENSE_FIELDS.items():
        fact = getattr(license_, name)
        if fact.known:
            assert isinstance(data, dict) and key in data and data[key] is fact.value and fact.value is not None
        else:
            assert fact.value is None and key in fact.reason
    if license_.seats.known:
        assert license_.seats.value == ('unlimited' if data['unlimitedSeating'] is True else data['seats'])
    assert {u['field'] for u in license_.unknown()} | set(license_.sources()) == set(LICENSE_FIELDS) | {'seats'}


@SHAPES
@given(variant([LICENSE], changes=2))
def test_the_license_documented_as_a_one_element_array_parses_the_same(answer):
    license_ = parse_license(answer)
    only = answer[0] if isinstance(answer, list) and len(answer) == 1 else answer
    assert license_.connect_permitted.known == (isinstance(only, dict) and isinstance(only.get('croquetSupport'), bool))


def test_a_license_array_of_two_licenses_is_unknown_not_the_first():
    answer = [dict(LICENSE), dict(LICENSE, croquetSupport=False, seats=5)]
    license_ = parse_license(answer)
    assert license_.connect_permitted.known is False and license_.seats.known is False
    assert '2 licenses' in license_.connect_permitted.reason
    assert parse_license([dict(LICENSE)]).connect_permitted.value is True


@SHAPES
@given(one_field_changed(LICENSE))
def test_a_license_field_removed_or_nulled_is_never_reported_with_a_value(change):
    path, answer = change
    record = parse_license(answer).to_dict()
    for name, key in LICENSE_FIELDS.items():
        if path == (key,):
            assert record[name] is None
    if path in (('seats',), ('unlimitedSeating',)):
        assert record['seats'] is None


@SHAPES
@given(variant(VERSIONS))
def test_versions_are_read_over_every_node_and_the_oldest_governs(answer):
    try:
        versions = parse_versions(answer)
    except UnexpectedAnswerError as exc:
        assert '/manage/v1/version' in exc.message
        return
    nodes = answer if isinstance(answer, list) else [answer]
    said = [n['version']['version'] for n in nodes if isinstance(n, dict) and isinstance(n.get('version'), dict)
            and isinstance(n['version'].get('version'), str)]
    assert str(versions.governing) in said
    readable = [GhesVersion(text) for text in said if _readable(text)]
    assert len(readable) == len(nodes), 'every node listed says its release, or none governs'
    assert versions.governing.parts == min(v.parts for v in readable)
    assert versions.mixed == (len(set(str(v) for v in readable)) > 1)


def _readable(text):
    try:
        GhesVersion(text)
    except GhesConnectError:
        return False
    return True


def test_mixed_releases_are_named_node_by_node_and_the_oldest_governs():
    answer = [dict(VERSIONS[0]), {'hostname': 'ghes-replica', 'version': {'version': '3.13.5'}}]
    versions = parse_versions(answer)
    assert str(versions.governing) == '3.13.5'
    assert 'ghes-primary 3.14.2' in versions.mixed_warning() and 'ghes-replica 3.13.5' in versions.mixed_warning()


def test_a_node_without_a_readable_version_leaves_the_governing_release_unknown():
    # The replica's version could be the oldest: 3.14.2 from the primary alone was a guess, and too new.
    for replica in ({'hostname': 'ghes-replica', 'version': {'version': None}}, {'hostname': 'ghes-replica'},
                    {'hostname': 'ghes-replica', 'version': {'version': 'soon'}}):
        try:
            parse_versions([dict(VERSIONS[0]), replica])
        except UnexpectedAnswerError as exc:
            assert 'without a readable version for ghes-replica' in exc.message, exc.message
        else:
            raise AssertionError('a governing release without %r' % (replica,))


def test_an_empty_node_list_is_no_version():
    for answer in ([], {}, None, [{'hostname': 'a'}]):
        try:
            parse_versions(answer)
        except UnexpectedAnswerError as exc:
            assert 'without a readable version' in exc.message
        else:
            raise AssertionError('a version from %r' % (answer,))


@SHAPES
@given(variant(MAINTENANCE))
def test_maintenance_is_on_off_or_unknown_over_every_node_never_off_by_default(answer):
    fact = parse_maintenance(answer)
    nodes = answer if isinstance(answer, list) else [answer] if isinstance(answer, dict) else []
    statuses = [n.get('status') if isinstance(n, dict) else None for n in nodes]
    if fact.value is True:
        assert 'on' in statuses or any(s is True for s in statuses)
    elif fact.value is False:
        assert nodes and all(s in ('off', 'scheduled') or s is False for s in statuses)
    else:
        assert not fact.known and fact.reason


def test_an_empty_maintenance_node_list_is_unknown_not_off():
    assert parse_maintenance([]).known is False and 'listed no node' in parse_maintenance([]).reason
    assert parse_maintenance([dict(MAINTENANCE[0]), dict(MAINTENANCE[1], status='on')]).value is True


@SHAPES
@given(variant(CONFIG_APPLY))
def test_a_config_run_is_running_idle_or_unknown_over_every_node(answer):
    fact = parse_config_apply(answer)
    if fact.value is True:
        nodes = answer.get('nodes') if isinstance(answer.get('nodes'), list) else []
        assert answer.get('running') is True or any(isinstance(n, dict) and n.get('running') is True for n in nodes)
    elif fact.value is False:
        assert answer['running'] is False
    else:
        assert fact.reason


@SHAPES
@given(variant({'status': 'running'}))
def test_the_legacy_configcheck_says_running_or_is_unknown(answer):
    fact = parse_configcheck(answer)
    status = answer.get('status') if isinstance(answer, dict) else None
    assert fact.known == (status in ('running', 'success', 'failed'))
    if fact.known:
        assert fact.value == (status == 'running')


def test_a_configcheck_status_not_documented_is_unknown_not_idle():
    for status in ('queued', 'RUNNING', 'pending', ' running'):
        fact = parse_configcheck({'status': status, 'progress': []})
        assert not fact.known and repr(status) in fact.reason, status
