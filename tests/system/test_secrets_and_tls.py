# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret ever leaves a module or role; TLS is verified unless explicitly turned off.

Every module and role runs with -vvvv and --diff, successful and failing, and nothing a
secret (passwords, tokens, TOTP secrets, console session ids and CSRF tokens, the GHEC
web session, the usage file's encrypted user list) may appear in stdout, stderr, the
registered results or the files written. Secrets are passed as variables (inventory,
extra vars from a file), as an operator would: a literal in a playbook would be echoed by
Ansible's own error context, which no module controls.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from harness import play

SIM_SPEC = {
    'seed': 41,
    'defaults': {'approve_after': 0.3, 'sync_seconds': 0.3},
    'appliances': [
        {'name': 'plain', 'version': '3.14.2'},
        {'name': 'tfa', 'version': '3.17.1', 'two_factor': True},
        {'name': 'legacy', 'version': '3.11.9'},
        {'name': 'gapped', 'version': '3.15.1', 'air_gapped': True},
    ],
}
NAMES = [a['name'] for a in SIM_SPEC['appliances']]


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def all_secrets(sim, ctl):
    values = list(sim.info['ghec_tokens'].values()) + list(sim.info['ghec_sessions'])
    for name in NAMES:
        values += ctl.secrets(name)
    return [v for v in values if v and len(v) >= 6]


def assert_no_leak(sim, ctl, run, files=()):
    """Every secret the simulator knows, absent from the output, the results and the files."""
    haystacks = {'stdout': run.stdout, 'stderr': run.stderr, 'results': json.dumps(run.results)}
    for path in files:
        haystacks[str(path)] = open(path, encoding='utf-8', errors='replace').read()
    secrets = all_secrets(sim, ctl)
    assert len(secrets) > 20, 'the leak check must actually have secrets to look for'
    for where, text in haystacks.items():
        leaked = [s[:4] + '...' for s in secrets if s in text]
        assert not leaked, 'secrets leaked into %s: %s' % (where, leaked)


LEAK_RUNS = [
    ('info ok', 'info', {}),
    ('info failing', 'info', {'ghes_manage_password': 'wrong-password-for-leak-test'}),
    ('connect ok', 'connect', {'approval_timeout': 30}),
    ('connect failing', 'connect', {'state': 'absent', 'ghes_console_password': 'wrong-console-password-leak'}),
    ('license sync ok', 'license_sync', {'max_sync_age': '8d', 'sync_now': True, 'wait_timeout': 20}),
    ('license sync failing', 'license_sync', {'ghec_token': 'ghp_wrong0000000000000000000000000000000'}),
    ('upload ok', 'upload', {'via': 'file', 'wait_timeout': 20}),
    ('upload failing', 'upload', {'via': 'file', 'force': True, 'ghec_session': 'sess-not-a-valid-session-value'}),
]


@pytest.mark.parametrize('case,playbook,overrides', LEAK_RUNS, ids=[c[0] for c in LEAK_RUNS])
def test_modules_leak_nothing_with_vvvv_and_diff(fleet, tmp_path, case, playbook, overrides):
    sim, ctl = fleet
    hosts = 'gapped' if playbook == 'upload' else 'plain:tfa:legacy'
    extra = dict(overrides)
    if playbook == 'upload':
        extra['dest'] = str(tmp_path / 'usage.json')
    run = play(sim, playbook, hosts=hosts, verbosity=4, diff=True, **extra)
    if 'failing' in case:
        assert run.rc != 0
    else:
        assert run.rc == 0, run.output[-3000:]
    export = tmp_path / 'usage.json'
    if export.exists():
        # The kept export is the usage file itself (user list included): private, not scanned.
        assert stat.S_IMODE(os.stat(export).st_mode) == 0o600
    assert_no_leak(sim, ctl, run)


@pytest.mark.parametrize('no_log', [True, False], ids=['role no_log on', 'role no_log off'])
def test_roles_leak_nothing_with_vvvv_and_diff(fleet, tmp_path, no_log):
    sim, ctl = fleet
    report = tmp_path / 'report'
    runs = [
        play(sim, 'playbooks/enable.yml', hosts='plain:legacy', verbosity=4, diff=True, enable_no_log=no_log,
             enable_approval_timeout=30, enable_sync_wait_timeout=20),
        play(sim, 'playbooks/drift.yml', hosts='ghes', verbosity=4, diff=True, drift_no_log=no_log,
             drift_report_dir=str(report)),
        play(sim, 'playbooks/drift_per_host.yml', hosts='ghes', verbosity=4, diff=True, drift_no_log=no_log,
             drift_report_dir=str(report)),
        play(sim, 'playbooks/license_upload.yml', hosts='gapped', verbosity=4, diff=True,
             license_upload_no_log=no_log, license_upload_dest_dir=str(tmp_path), license_upload_wait_timeout=20),
        play(sim, 'playbooks/enable.yml', hosts='plain', verbosity=4, diff=True, enable_no_log=no_log,
             ghes_manage_password='a-wrong-password-in-a-role-run'),
    ]
    assert runs[-1].rc != 0, 'the last run fails on purpose'
    reports = [report / 'drift.json', report / 'drift.md']
    export = tmp_path / 'gapped.json'
    assert all(p.exists() for p in reports) and export.exists()
    assert stat.S_IMODE(os.stat(export).st_mode) == 0o600  # the usage file itself: private, not scanned
    for run in runs:
        assert_no_leak(sim, ctl, run, reports)


def test_written_files_are_private(fleet, tmp_path):
    sim, _ctl = fleet
    run = play(sim, 'playbooks/drift.yml', drift_report_dir=str(tmp_path / 'r'))
    assert run.rc == 0, run.output[-3000:]
    assert stat.S_IMODE(os.stat(tmp_path / 'r').st_mode) == 0o700
    for name in ('drift.json', 'drift.md'):
        assert stat.S_IMODE(os.stat(tmp_path / 'r' / name).st_mode) == 0o600


def test_validate_certs_defaults_to_true_and_the_simulator_certificate_is_refused_without_ca(fleet):
    sim, _ctl = fleet
    run = play(sim, 'info', hosts='plain', ghes_ca_path='')
    assert run.rc != 0
    message = run.result('Module under test', 'plain')['msg']
    assert 'TLS certificate of Manage GHES API' in message and 'Set ca_path' in message


def test_a_wrong_host_name_is_refused(fleet):
    sim, _ctl = fleet
    url = sim.info['appliances']['plain']['url'].replace('127.0.0.1', 'localhost')
    run = play(sim, 'info', hosts='plain', ghes_url=url, ghes_manage_url=url)
    assert run.rc != 0
    message = run.result('Module under test', 'plain')['msg']
    assert 'was not accepted' in message and 'host name' in message.lower()


def test_validate_certs_false_works_and_warns(fleet):
    sim, _ctl = fleet
    run = play(sim, 'info', hosts='plain', ghes_ca_path='', ghes_validate_certs=False)
    assert run.rc == 0, run.output[-3000:]
    result = run.result('Module under test', 'plain')
    assert any('validate_certs is false' in w for w in result.get('warnings', []))
    assert 'validate_certs is false' in run.output


# -- secrets read from files (a trailing newline), and errors nobody expected ---------------
def secrets_from_files(sim, tmp_path, host, endings):
    """Extra vars reading each secret from a file ending in ``endings``, as a vault or a CI secret file would."""
    appliance = sim.info['appliances'][host]
    values = {'ghec_token': sim.info['ghec_token'], 'ghes_manage_password': appliance['manage_password'],
              'ghes_console_password': appliance['console_password'], 'ghec_session': sim.info['ghec_sessions'][0]}
    extra = {}
    for name, value in values.items():
        path = tmp_path / ('%s.secret' % name)
        path.write_bytes((value + endings).encode('utf-8'))
        path.chmod(0o600)
        extra[name] = "{{ lookup('ansible.builtin.file', '%s', rstrip=false) }}" % path
    return extra


def all_warnings(run):
    return [w for r in run.results for w in (r['result'].get('warnings') or [])]


@pytest.mark.parametrize('endings', ['\n', '\r\n'], ids=['newline', 'crlf'])
@pytest.mark.parametrize('verbosity', [0, 4], ids=['default verbosity', '-vvvv'])
def test_secrets_with_a_files_line_ending_work_warn_and_leak_nothing(fleet, tmp_path, endings, verbosity):
    sim, ctl = fleet
    runs = {
        'info': play(sim, 'info', hosts='plain', verbosity=verbosity, diff=True,
                     **secrets_from_files(sim, tmp_path, 'plain', endings)),
        'upload': play(sim, 'upload', hosts='gapped', verbosity=verbosity, diff=True, via='file', force=True,
                       wait_timeout=20, dest=str(tmp_path / 'usage.json'),
                       **secrets_from_files(sim, tmp_path, 'gapped', endings)),
    }
    for name, run in runs.items():
        assert run.rc == 0, '%s: %s' % (name, run.output[-3000:])
        warned = ' '.join(all_warnings(run))
        assert 'ghec_token had whitespace around it' in warned and 'manage_password had whitespace' in warned, warned
        assert_no_leak(sim, ctl, run)
    assert 'ghec_session had whitespace around it' in ' '.join(all_warnings(runs['upload']))


@pytest.mark.parametrize('no_log', [True, False], ids=['role no_log on', 'role no_log off'])
@pytest.mark.parametrize('verbosity', [0, 4], ids=['default verbosity', '-vvvv'])
def test_roles_with_secrets_from_files_leak_nothing(fleet, tmp_path, no_log, verbosity):
    sim, ctl = fleet
    run = play(sim, 'playbooks/enable.yml', ghes_target_hosts='plain', verbosity=verbosity, diff=True,
               enable_no_log=no_log, enable_approval_timeout=30, enable_sync_wait_timeout=20, **secrets_from_files(sim, tmp_path, 'plain', '\n'))
    assert run.rc == 0, run.output[-3000:]
    assert_no_leak(sim, ctl, run)


@pytest.mark.parametrize('no_log', [True, False], ids=['role no_log on', 'role no_log off'])
@pytest.mark.parametrize('verbosity', [0, 4], ids=['default verbosity', '-vvvv'])
def test_an_unexpected_exception_is_a_scrubbed_failure(fleet, tmp_path, no_log, verbosity):
    """A ca_path that is not a PEM file: the TLS library raises, no ghes.connect code expects it."""
    sim, ctl = fleet
    not_pem = tmp_path / 'not-a-ca.pem'
    # The inventory itself: every secret is in it, so an error that quoted the file would leak them.
    not_pem.write_text(open(sim.inventory_path, encoding='utf-8').read())
    run = play(sim, 'playbooks/enable.yml', ghes_target_hosts='plain', verbosity=verbosity, enable_no_log=no_log,
               ghes_ca_path=str(not_pem), **secrets_from_files(sim, tmp_path, 'plain', '\n'))
    assert run.rc != 0
    assert 'Traceback (most recent call last)' not in run.stdout or verbosity >= 3, 'a raw traceback at default verbosity'
    if not no_log:
        message = run.result('ghe_connect_info', 'plain')['msg']
        assert 'unexpected error, SSLError' in message, message
    assert_no_leak(sim, ctl, run)
