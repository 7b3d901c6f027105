# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks run the way AWX and AAP run them: ansible-runner, a private data dir, the built collection.

AWX lays a job out as a private data dir - project/ (the playbooks, with the collections
installed under project/collections/), inventory/, env/extravars (the extra variables and the
credentials' secrets) - and runs ansible-runner on it; what it shows and keeps are the job
events and stdout under artifacts/. With job slicing it runs one job per slice of the
inventory, each with its own inventory and job id, possibly on different nodes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from playbook_runner import REPO

ansible_runner = pytest.importorskip('ansible_runner')

SIM_SPEC = {
    'seed': 44,
    'count': 6,
    'versions': ['3.11.9', '3.14.2', '3.19.0'],
    'defaults': {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1, 'approve_after': 0.3,
                 'sync_seconds': 0.3},
}
FLEET = ['ghes-%03d' % i for i in range(1, 7)]
# Inventory host variables that are credentials: AWX injects those, they are not in the inventory.
SECRET_VARS = ('ghes_manage_password', 'ghes_token', 'ghes_console_password', 'ghes_console_totp_secret')
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    """The collection as users get it: ``ansible-galaxy collection build`` of this checkout."""
    out = tmp_path_factory.mktemp('dist')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), str(REPO)],
                   check=True, capture_output=True, text=True)
    (built,) = out.glob('ghes-connect-*.tar.gz')
    return built


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


def data_dir(root, sim, tarball, hosts, extravars):
    """A private data dir as AWX writes it for one job over ``hosts``."""
    import yaml
    project = root / 'project'
    project.mkdir(parents=True)
    for name in ('drift', 'enable', 'drift_merge'):
        text = '---\n- name: The collection\'s %s playbook\n  import_playbook: ghes.connect.%s\n' % (name, name)
        (project / ('%s.yml' % name)).write_text(text)
    # --force: where ANSIBLE_COLLECTIONS_PATH already holds ghes.connect (the test gate's checkout), the
    # install would otherwise say "already installed" and leave the job's collections/ empty.
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '--force', '-p',
                    str(project / 'collections'), str(tarball)], check=True, capture_output=True, text=True)
    full = yaml.safe_load(Path(sim.inventory_path).read_text())
    secrets = {'ghec_token': full['all']['vars']['ghec_token'], 'ghec_session': full['all']['vars']['ghec_session'],
               'ghes_secrets': {}}
    group = {}
    for name in hosts:
        variables = dict(full['all']['children']['ghes']['hosts'][name])
        secrets['ghes_secrets'][name] = dict((key, variables.pop(key)) for key in SECRET_VARS if key in variables)
        for key in secrets['ghes_secrets'][name]:
            variables[key] = '{{ ghes_secrets[inventory_hostname].%s }}' % key
        group[name] = variables
    shared = dict((k, v) for k, v in full['all']['vars'].items() if k not in ('ghec_token', 'ghec_session'))
    (root / 'inventory').mkdir()
    (root / 'inventory' / 'hosts').write_text(yaml.safe_dump({'all': {'vars': shared,
                                                                      'children': {'ghes': {'hosts': group}}}}))
    (root / 'env').mkdir()
    (root / 'env' / 'extravars').write_text(yaml.safe_dump(dict(secrets, **extravars)))
    (root / 'env' / 'envvars').write_text(yaml.safe_dump({
        'ANSIBLE_COLLECTIONS_PATH': str(project / 'collections'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCAL_TEMP': str(root / 'tmp'),
        'PATH': BIN + os.pathsep + os.environ.get('PATH', ''),
    }))
    os.chmod(root / 'env' / 'extravars', 0o600)
    return root


def run_job(root, playbook):
    runner = ansible_runner.run(private_data_dir=str(root), playbook=playbook, quiet=True, ident='job')
    events = list(runner.events)
    return runner, events


def artifacts_text(root):
    """Everything the job left in artifacts/ (job_events/, stdout, command, ...)."""
    texts = {}
    for path in (root / 'artifacts').rglob('*'):
        if path.is_file():
            texts[str(path.relative_to(root))] = path.read_text(errors='replace')
    return texts


def secrets_of(sim, ctl):
    values = list(sim.info['ghec_tokens'].values()) + list(sim.info['ghec_sessions'])
    for name in FLEET:
        values += ctl.secrets(name)
    return sorted({v for v in values if v and len(v) >= 6})


def assert_no_secret(sim, ctl, root):
    secrets = secrets_of(sim, ctl)
    texts = artifacts_text(root)
    assert any(name.endswith('stdout') for name in texts) and any('job_events' in name for name in texts)
    assert len(secrets) > 10
    for where, text in texts.items():
        leaked = [s[:4] + '...' for s in secrets if s in text]
        assert not leaked, 'secrets in %s: %s' % (where, leaked)


def results(events, event, task=None):
    return [e['event_data'] for e in events if e.get('event') == event and
            (task is None or e['event_data'].get('task') == task)]


def test_awx_style_jobs_drift_then_enable_then_drift_again(fleet, tarball, tmp_path):
    sim, ctl = fleet
    ctl.patch('ghes-002', connected=False)
    ctl.patch('ghes-004', license_sync=False)

    drift_dir = data_dir(tmp_path / 'drift-1', sim, tarball, FLEET, {
        'drift_report_dir': str(tmp_path / 'report'), 'drift_fail_on_drift': True})
    runner, events = run_job(drift_dir, 'drift.yml')
    assert (runner.status, runner.rc) == ('failed', 2), runner.stdout.read()[-3000:]
    written = results(events, 'runner_on_ok', 'Write the drift report')
    assert len(written) == 1 and written[0]['res']['counts'] == {'error': 0, 'blocked': 0, 'drift': 2, 'unknown': 0,
                                                                 'in_sync': 4}
    assert written[0]['task_path'].startswith(str(drift_dir / 'project' / 'collections')), \
        'the collection ran from the tarball installed in the project'
    lines = [e['stdout'] for e in events if e.get('stdout', '').startswith('Drift report: ')]
    assert lines and lines[0].startswith('Drift report: 6 appliances: 2 drift, 4 in sync. Problem appliances: drift on ghes-002, '
                                         'ghes-004. Written: '), \
        'the summary line is in the job output AWX shows'
    failed = results(events, 'runner_on_failed')
    assert [(e['host'], e['res']['msg']) for e in failed] == [
        ('localhost', 'Drift on ghes-002, ghes-004 (2 of 6 appliances). Report: %s' % (tmp_path / 'report' / 'drift.html'))]
    assert_no_secret(sim, ctl, drift_dir)

    enable_dir = data_dir(tmp_path / 'enable', sim, tarball, FLEET, {
        'enable_approval_timeout': 30, 'enable_sync_wait_timeout': 30})
    runner, events = run_job(enable_dir, 'enable.yml')
    assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-3000:]
    summaries = dict((e['host'], e['res']['summary'])
                     for e in results(events, 'runner_on_ok', 'Verify through the documented reads'))
    # Only the two the drift check found are converged: the others were read by the scan and left alone.
    assert sorted(summaries) == ['ghes-002', 'ghes-004']
    assert all(s['connected'] and s['license_sync'] for s in summaries.values()), summaries
    # The roles no longer hide results (enable_no_log defaults to false): the modules mask every
    # secret themselves, which assert_no_secret below proves over every artifact of the job.
    connect_results = [e['res'] for e in results(events, 'runner_on_ok', 'Connect to the GHEC enterprise')]
    assert connect_results and all(r.get('connected') is True and 'censored' not in r for r in connect_results), \
        connect_results
    assert ctl.appliance('ghes-002')['connected'] and ctl.appliance('ghes-004')['license_sync']
    assert results(events, 'runner_on_ok', 'Every appliance and how it ended'), 'the fleet summary is in the events'
    assert_no_secret(sim, ctl, enable_dir)

    again = data_dir(tmp_path / 'drift-2', sim, tarball, FLEET, {
        'drift_report_dir': str(tmp_path / 'report'), 'drift_fail_on_drift': True})
    runner, events = run_job(again, 'drift.yml')
    assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-3000:]
    assert json.loads((tmp_path / 'report' / 'drift.json').read_text())['counts']['verdicts']['in_sync'] == 6
    assert_no_secret(sim, ctl, again)


def test_awx_job_slicing_three_slices_merge_into_the_verdicts_of_one_job(fleet, tarball, tmp_path):
    sim, ctl = fleet
    ctl.patch('ghes-001', connected=False)
    ctl.patch('ghes-006', last_sync_days_ago=20)
    try:
        whole_dir = data_dir(tmp_path / 'whole', sim, tarball, FLEET, {'drift_report_dir': str(tmp_path / 'whole-report')})
        runner, _events = run_job(whole_dir, 'drift.yml')
        assert runner.rc == 0, runner.stdout.read()[-3000:]
        whole = json.loads((tmp_path / 'whole-report' / 'drift.json').read_text())

        parts = tmp_path / 'shared' / 'parts'
        for job_id, hosts in ((101, FLEET[0:2]), (102, FLEET[2:4]), (103, FLEET[4:6])):
            root = data_dir(tmp_path / ('slice-%d' % job_id), sim, tarball, hosts, {
                'awx_job_id': job_id, 'drift_report_part': '{{ awx_job_id }}', 'drift_report_dir': str(parts),
                'drift_fail_on_drift': True})
            runner, _events = run_job(root, 'drift.yml')
            assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-3000:]
            assert_no_secret(sim, ctl, root)
        assert sorted(os.listdir(parts)) == ['drift-part-101.json', 'drift-part-102.json', 'drift-part-103.json']

        merge_dir = data_dir(tmp_path / 'merge', sim, tarball, [], {
            'drift_merge_from': str(parts), 'drift_report_dir': str(tmp_path / 'merged'), 'drift_fail_on_drift': True})
        runner, events = run_job(merge_dir, 'drift_merge.yml')
        assert (runner.status, runner.rc) == ('failed', 2), runner.stdout.read()[-3000:]
        assert [e['res']['msg'] for e in results(events, 'runner_on_failed')] == [
            'Drift on ghes-001, ghes-006 (2 of 6 appliances). Report: %s' % (tmp_path / 'merged' / 'drift.html')]
        merged = json.loads((tmp_path / 'merged' / 'drift.json').read_text())
        assert merged['verdicts'] == whole['verdicts'] and merged['counts'] == whole['counts']
        assert [r['appliance'] for r in merged['appliances']] == [r['appliance'] for r in whole['appliances']]
        assert len(merged['parts']) == 3
    finally:
        ctl.patch('ghes-001', connected=True)
        ctl.patch('ghes-006', last_sync_days_ago=1)


# -- the shipped credential types -------------------------------------------------------------
CREDENTIAL_TYPES = REPO / 'extensions' / 'awx' / 'credential_types'
SHARED = {'manage_password': 'shared-manage-pass-31', 'token': 'ghp_sharedsiteadmintoken0031',
          'console_username': 'fleet-admin', 'console_password': 'shared-console-pass-31'}


def injected(credential_type, values):
    """The environment and extra variables AWX injects for a credential of ``credential_type`` with ``values``.

    As AWX renders injectors: a sandboxed Jinja template per variable over the fields the credential
    has, and a variable whose template names an empty field is left out.
    """
    import jinja2
    import jinja2.sandbox
    import yaml
    definition = yaml.safe_load((CREDENTIAL_TYPES / credential_type).read_text())
    fields = [field['id'] for field in definition['inputs']['fields']]
    assert set(definition['inputs']['required']) <= set(values) <= set(fields), (credential_type, sorted(values))
    namespace = dict((k, v) for k, v in values.items() if v)
    rendering = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    out = {}
    for kind in ('env', 'extra_vars'):
        out[kind] = {}
        for name, template in (definition['injectors'].get(kind) or {}).items():
            try:
                out[kind][name] = rendering.from_string(template).render(**namespace)
            except jinja2.UndefinedError:
                continue
    return out


def credential_job(root, sim, tarball, extravars, credentials):
    """A job whose inventory and extra variables hold no secret: the credentials inject them."""
    import yaml
    data_dir(root, sim, tarball, FLEET[:2], {})
    inventory = yaml.safe_load((root / 'inventory' / 'hosts').read_text())
    for host in inventory['all']['children']['ghes']['hosts'].values():
        for key in SECRET_VARS + ('ghes_console_username',):
            host.pop(key, None)
    for key in ('ghec_url', 'ghec_web_url', 'ghec_enterprise'):
        inventory['all']['vars'].pop(key)
    (root / 'inventory' / 'hosts').write_text(yaml.safe_dump(inventory))
    env = yaml.safe_load((root / 'env' / 'envvars').read_text())
    extra = dict(extravars)
    for credential_type, values in credentials:
        injection = injected(credential_type, values)
        env.update(injection['env'])
        extra.update(injection['extra_vars'])
    (root / 'env' / 'envvars').write_text(yaml.safe_dump(env))
    (root / 'env' / 'extravars').write_text(yaml.safe_dump(extra))
    return root


def test_the_shipped_credential_types_carry_a_job(make_simulator, control, tarball, tmp_path):
    """drift, then enable (a console switch), then drift: every secret from the two credential types."""
    import yaml
    sim = make_simulator({'seed': 31, 'count': 2, 'versions': ['3.11.9', '3.19.0'],
                          'defaults': dict(SHARED, connected=True, license_sync=True, last_sync_days_ago=1,
                                           approve_after=0.3, sync_seconds=0.3)})
    ctl = control(sim)
    ctl.patch('ghes-002', license_sync=False)
    shared = yaml.safe_load(Path(sim.inventory_path).read_text())['all']['vars']
    credentials = [
        ('ghec.yml', {'ghec_token': shared['ghec_token'], 'ghec_enterprise': shared['ghec_enterprise'],
                      'ghec_url': shared['ghec_url'], 'ghec_web_url': shared['ghec_web_url'], 'ghec_session': ''}),
        ('ghes.yml', dict(SHARED, manage_username='', console_totp_secret='')),
    ]
    assert 'GHEC_SESSION' not in injected(*credentials[0])['env'], 'an empty field injects nothing'

    before = credential_job(tmp_path / 'drift-1', sim, tarball, {'drift_report_dir': str(tmp_path / 'report'),
                                                                 'drift_fail_on_drift': True}, credentials)
    runner, events = run_job(before, 'drift.yml')
    assert (runner.status, runner.rc) == ('failed', 2), runner.stdout.read()[-3000:]
    assert [e['res']['msg'] for e in results(events, 'runner_on_failed')] == [
        'Drift on ghes-002 (1 of 2 appliances). Report: %s' % (tmp_path / 'report' / 'drift.html')]
    report = json.loads((tmp_path / 'report' / 'drift.json').read_text())
    first = next(r for r in report['appliances'] if r['appliance'] == 'ghes-001')
    assert first['version'] == '3.11.9' and first['verdict'] == 'in_sync', first

    enable = credential_job(tmp_path / 'enable', sim, tarball, {'enable_sync_wait_timeout': 30}, credentials)
    runner, events = run_job(enable, 'enable.yml')
    assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-3000:]
    assert ctl.appliance('ghes-002')['license_sync'] is True, 'the console switch used the injected console account'

    after = credential_job(tmp_path / 'drift-2', sim, tarball, {'drift_report_dir': str(tmp_path / 'report'),
                                                                'drift_fail_on_drift': True}, credentials)
    runner, _events = run_job(after, 'drift.yml')
    assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-3000:]
    secrets = [values[field['id']] for credential_type, values in credentials for field in fields_of(credential_type)
               if field.get('secret') and values.get(field['id'])]
    assert len(secrets) == 4
    for root in (before, enable, after):
        # artifacts/job/command is ansible-runner's record of the process it started, its environment (the
        # injected variables) included; AWX records a job's environment itself, secret fields masked.
        for where, text in artifacts_text(root).items():
            if where == os.path.join('artifacts', 'job', 'command'):
                continue
            leaked = [s[:4] + '...' for s in secrets if s in text]
            assert not leaked, 'secrets in %s: %s' % (where, leaked)
    # Every GHEC REST request named the API version the collection is tested against.
    assert set(ctl.ghec()['api_versions']) == {'2022-11-28'}, ctl.ghec()['api_versions']


def fields_of(credential_type):
    import yaml
    return yaml.safe_load((CREDENTIAL_TYPES / credential_type).read_text())['inputs']['fields']
