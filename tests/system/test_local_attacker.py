# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Another local user of the controller cannot make a run delete, overwrite or believe anything.

A controller is often shared (a jump host, a CI runner). Each test plays a second local user
(``ghes-attacker``, made by .ci/run; CI runs as root) who prepares the controller through
``runuser``: a link where the state directory or a report goes, a directory of theirs, one
open to everyone with a planted cache index. Then the victim (root here) makes a real
``ansible-playbook`` run, with HOME and XDG_CACHE_HOME in the test's own directory. Each test
asserts that no file outside the victim's own directories changed or vanished, that nothing
planted was believed (the simulator's state is what is reported), and that the run either
succeeded without the cache, with a warning naming the path and the fix, or failed naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness import ghec_writes, play, writes

ATTACKER = 'ghes-attacker'
SIM_SPEC = {
    'seed': 16,
    'appliances': [
        {'name': 'fresh', 'version': '3.14.2'},
        {'name': 'on', 'version': '3.16.0', 'connected': True, 'license_sync': True, 'last_sync_days_ago': 1},
        {'name': 'gapped', 'version': '3.15.1', 'air_gapped': True},
    ],
}
OLD = time.time() - 30 * 86400


_PYTHON = []


@pytest.fixture(scope='module')
def attacker():
    """The second local user: made here if missing (as .ci/run does), else the suite skips saying why."""
    if os.getuid() != 0:
        pytest.skip('the local-attacker suite needs root, to act as a second local user (CI runs as root)')
    try:
        pwd.getpwnam(ATTACKER)
    except KeyError:
        subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ATTACKER],
                       capture_output=True, check=False)
    try:
        user = pwd.getpwnam(ATTACKER)
    except KeyError:
        pytest.skip('no local user %s, and useradd could not create one: run .ci/run as root first' % ATTACKER)
    # The test's own Python may live where the other user cannot go (a pyenv under /root).
    for candidate in (sys.executable, os.path.realpath(sys.executable), '/usr/bin/python3', shutil.which('python3')):
        if candidate and subprocess.run(['runuser', '-u', ATTACKER, '--', candidate, '-c', 'pass'],
                                        capture_output=True, check=False).returncode == 0:
            _PYTHON[:] = [candidate]
            return user
    pytest.skip('no Python interpreter that the local user %s may run' % ATTACKER)


@pytest.fixture(scope='module')
def fleet(module_simulator):
    from simulator.control_client import Control
    return module_simulator, Control(module_simulator.control_url, module_simulator.ca_path)


class Controller:
    """A shared place like /tmp (1777), the victim's home in it, and the victim's files an attacker would aim at."""

    def __init__(self):
        self.shared = Path(tempfile.mkdtemp(prefix='ghes-attack-', dir='/tmp'))
        self.shared.chmod(0o1777)
        self.home = self.shared / 'victim'
        self.home.mkdir(mode=0o755)
        self.home.chmod(0o755)
        ssh = self.home / '.ssh'
        ssh.mkdir(mode=0o700)
        (ssh / 'authorized_keys').write_text('ssh-ed25519 AAAAC3Nza the-victims-key\n')
        self.data = self.home / 'data'
        self.data.mkdir(mode=0o755)
        self.data.chmod(0o755)
        (self.data / 'drift.json').write_text('{"someone else": "report"}\n')
        (self.data / 'notes.txt').write_text('precious\n')
        (self.data / 'notes.txt').chmod(0o644)
        (self.data / 'old').mkdir()
        (self.data / 'old' / 'keep.txt').write_text('older than the 6 hour sweep\n')
        for path in (ssh / 'authorized_keys', self.data / 'drift.json', self.data / 'notes.txt',
                     self.data / 'old' / 'keep.txt', self.data / 'old', ssh, self.data):
            os.utime(path, (OLD, OLD))

    def env(self, **extra):
        env = {'HOME': str(self.home), 'XDG_CACHE_HOME': str(self.home / '.cache'), 'GHES_CONNECT_STATE_DIR': ''}
        env.update(extra)
        return env


@pytest.fixture
def controller(attacker):
    world = Controller()
    yield world
    shutil.rmtree(world.shared, ignore_errors=True)


def as_attacker(script, *args):
    """Run a Python snippet as the other local user."""
    done = subprocess.run(['runuser', '-u', ATTACKER, '--', _PYTHON[0], '-c', script] + [str(a) for a in args],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def snapshot(root, exclude=()):
    """Every entry under ``root`` (links not followed): type, owner, mode, time and content of files."""
    seen = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(directory, d) not in exclude]
        for name in dirs + files:
            path = os.path.join(directory, name)
            if path in exclude:
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                content = 'link:' + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            else:
                content = None
            # A directory's own time changes when the run adds its ~/.ansible; what is in it is checked entry by entry.
            mtime = None if stat.S_ISDIR(info.st_mode) else info.st_mtime_ns
            seen[path] = (stat.S_IFMT(info.st_mode), info.st_uid, stat.S_IMODE(info.st_mode), mtime, content)
    return seen


def outside_the_victims_own(world, *own):
    """What the run must not touch: the shared place and the victim's files, minus the victim's own run directories."""
    return snapshot(world.shared, exclude={str(world.home / '.ansible')} | set(str(p) for p in own))


def reported(run, host):
    info = run.result('Module under test', host)['appliance']
    return info['connect']['connected'], info['sources']['connect.connected']


def assert_reported_as_the_simulator_says(run):
    # GHEC lists no installation named like 'fresh', so its own Connect page settles it (not connected);
    # the planted index would have said connected, from GHEC's GraphQL.
    assert reported(run, 'fresh') == (False, 'console'), 'a planted index was believed'
    assert reported(run, 'on') == (True, 'ghec_graphql')


def assert_warned_without_the_cache(run, path, fix):
    warnings = [w for r in run.results for w in (r['result'].get('warnings') or [])]
    assert any(str(path) in w and fix in w and 'goes on without it' in w for w in warnings), warnings
    assert run.rc == 0, run.output[-3000:]


# -- planting a cache index the way the old layout let anyone do ------------------------------
PLANT = r'''
import json, os, sys
spec = json.loads(sys.argv[1])
os.umask(0)
for pid in range(spec["first_pid"], spec["first_pid"] + spec["pids"]):
    prefix = "run%d-%s" % (pid, spec["digest"])
    parts = "%s-installations.%016x" % (prefix, pid)
    directory = os.path.join(spec["dir"], parts)
    os.makedirs(directory, mode=0o777, exist_ok=True)
    with open(os.path.join(directory, "0.json"), "w") as handle:
        json.dump(spec["parts"], handle)
    index = dict(spec["index"], parts=spec.get("parts_name") or parts)
    with open(os.path.join(spec["dir"], prefix + "-installations.json"), "w") as handle:
        json.dump(index, handle)
'''


def planted_specs(sim, directory, stored, parts_name=None, attempts=3):
    """``planted_spec`` for each attempt: a busy machine may start more processes between the plant and the run
    than the window holds, and a run outside it never met the plant (``ran_in``). Each attempt plants anew."""
    for _attempt in range(attempts):
        yield planted_spec(sim, directory, stored, parts_name)


def ran_in(spec, run):
    """Whether ``run`` (its ansible-playbook pid, the run cache's run id) is one the planted ``spec`` was written for."""
    window = json.loads(spec)
    return run.pid is not None and window['first_pid'] <= run.pid < window['first_pid'] + window['pids']


MISSED = 'every run started outside the planted window of pids (the machine started too many processes meanwhile)'


def planted_spec(sim, directory, stored, parts_name=None):
    """An installations index for the next run's likely pids, saying the never-connected 'fresh' is connected."""
    # The subject of the run's enterprise reads: GHEC URL, enterprise, token and the TLS check (EnterpriseReads).
    scope = '\n'.join((sim.info['ghec_url'].rstrip('/'), sim.info['enterprise']['slug'], sim.info['ghec_token'],
                       str(True), str(sim.ca_path)))
    with open('/proc/sys/kernel/ns_last_pid') as handle:
        last_pid = int(handle.read())
    hostname = sim.info['appliances']['fresh']['hostname'].lower()
    node = {'id': 'planted', 'hostName': hostname, 'customerName': 'Acme Corp', 'isConnected': True,
            'createdAt': '2026-01-01T00:00:00Z', 'updatedAt': '2026-01-01T00:00:00Z', 'userAccountsUploads': {'nodes': []}}
    enterprise = {'slug': sim.info['enterprise']['slug'], 'name': sim.info['enterprise']['name'], 'viewerIsAdmin': True,
                  'scopes': ['admin:enterprise', 'read:enterprise']}
    # The layout of _ghec.installations_by_host: the read in general, and the installations of each host name.
    common = {'enterprise': enterprise, 'host_names': [hostname], 'total': 1}
    return json.dumps({'dir': str(directory), 'first_pid': last_pid + 1, 'pids': 3000,
                       'digest': hashlib.sha256(scope.encode('utf-8')).hexdigest()[:24], 'parts': {hostname: [node]},
                       'parts_name': parts_name, 'index': {'stored': stored, 'value': common, 'buckets': 1}})


def test_the_planted_index_is_believed_from_a_private_directory_so_the_attacks_below_are_real(fleet, controller):
    """The control: written by the user themself into their own private directory, the index is read."""
    sim, _ctl = fleet
    state = controller.home / '.cache' / 'ghes-connect'
    state.mkdir(parents=True, mode=0o700)
    for spec in planted_specs(sim, state, time.time()):
        subprocess.run([sys.executable, '-c', PLANT, spec], check=True)
        run = play(sim, 'info', hosts='fresh:on', env=controller.env())
        if ran_in(spec, run):
            break
    else:
        pytest.fail(MISSED)
    assert run.rc == 0, run.output[-3000:]
    assert reported(run, 'fresh') == (True, 'ghec_graphql'), 'the plant missed the run: the attack tests prove nothing'


def test_a_directory_open_to_everyone_with_a_planted_index_is_not_used(fleet, controller):
    sim, _ctl = fleet
    cache = controller.home / '.cache'
    state = cache / 'ghes-connect'
    state.mkdir(parents=True)
    cache.chmod(0o755)
    state.chmod(0o777)  # the victim's own directory, opened by mistake
    for spec in planted_specs(sim, state, time.time()):
        as_attacker(PLANT, spec)
        before = outside_the_victims_own(controller)
        run = play(sim, 'info', hosts='fresh:on', env=controller.env())
        if ran_in(spec, run):
            break
    else:
        pytest.fail(MISSED)
    assert_warned_without_the_cache(run, state, 'chmod 700 %s' % state)
    assert_reported_as_the_simulator_says(run)
    assert outside_the_victims_own(controller) == before, 'the run changed or removed files in an unsafe directory'


def test_a_link_in_place_of_the_state_directory_is_not_followed(fleet, controller):
    sim, _ctl = fleet
    state = controller.shared / 'ghes-connect-0'
    as_attacker('import os, sys; os.symlink(sys.argv[1], sys.argv[2])', controller.home / '.ssh', state)
    before = outside_the_victims_own(controller)
    run = play(sim, 'info', hosts='fresh:on', env=controller.env(GHES_CONNECT_STATE_DIR=str(state)))
    assert_warned_without_the_cache(run, state, 'symbolic link')
    assert_reported_as_the_simulator_says(run)
    assert outside_the_victims_own(controller) == before
    assert sorted(os.listdir(controller.home / '.ssh')) == ['authorized_keys']


def test_a_state_directory_made_by_another_user_is_a_warning_not_an_outage(fleet, controller):
    sim, _ctl = fleet
    state = controller.shared / 'ghes-connect'
    as_attacker('import os, sys; os.mkdir(sys.argv[1], 0o755)', state)
    before = outside_the_victims_own(controller)
    run = play(sim, 'info', hosts='fresh:on', env=controller.env(GHES_CONNECT_STATE_DIR=str(state)))
    assert_warned_without_the_cache(run, state, 'belongs to another user')
    assert_reported_as_the_simulator_says(run)
    assert outside_the_victims_own(controller) == before


@pytest.mark.parametrize('opened', [False, True], ids=['own private directory', 'directory open to everyone'])
def test_an_index_naming_a_directory_outside_never_gets_it_removed(fleet, controller, opened):
    """A stale index whose parts are ``/some/victim/dir``: the old code removed that directory when it refreshed."""
    sim, _ctl = fleet
    state = controller.home / '.cache' / 'ghes-connect'
    state.mkdir(parents=True, mode=0o700)
    (controller.home / '.cache').chmod(0o755)
    if opened:
        state.chmod(0o777)
    for spec in planted_specs(sim, state, time.time() - 3600, parts_name=str(controller.data)):
        if opened:
            as_attacker(PLANT, spec)
        else:
            subprocess.run([sys.executable, '-c', PLANT, spec], check=True)
        before = outside_the_victims_own(controller, *([] if opened else [state]))
        run = play(sim, 'info', hosts='fresh:on', env=controller.env())
        if ran_in(spec, run):
            break
    else:
        pytest.fail(MISSED)
    assert run.rc == 0, run.output[-3000:]
    assert_reported_as_the_simulator_says(run)
    assert outside_the_victims_own(controller, *([] if opened else [state])) == before
    assert (controller.data / 'old' / 'keep.txt').exists()


def test_a_linked_report_directory_is_refused_with_the_fix(fleet, controller):
    sim, _ctl = fleet
    report = controller.shared / 'ghes-drift'
    as_attacker('import os, sys; os.symlink(sys.argv[1], sys.argv[2])', controller.data, report)
    before = outside_the_victims_own(controller, controller.home / '.cache')
    run = play(sim, 'playbooks/drift.yml', env=controller.env(), drift_report_dir=str(report), drift_no_log=False)
    assert run.rc != 0
    failed = [r['result'].get('msg', '') for r in run.for_task('ghe_drift_report')]
    assert any(str(report) in m and 'symbolic link' in m and 'remove the link' in m for m in failed), failed
    assert outside_the_victims_own(controller, controller.home / '.cache') == before
    assert json.loads((controller.data / 'drift.json').read_text()) == {'someone else': 'report'}


@pytest.mark.parametrize('planted', ['link to a file', 'directory of the attacker'])
def test_an_export_dest_planted_by_another_user_is_refused_before_any_request(fleet, controller, planted):
    sim, ctl = fleet
    if planted == 'link to a file':
        dest = controller.shared / 'gapped.json'
        fix = 'is a symbolic link'
        as_attacker('import os, sys; os.symlink(sys.argv[1], sys.argv[2])', controller.data / 'notes.txt', dest)
    else:
        exports = controller.shared / 'exports'
        as_attacker('import os, sys; os.mkdir(sys.argv[1]); os.chmod(sys.argv[1], 0o777)', exports)
        dest = exports / 'gapped.json'
        fix = 'belongs to another user'
    ctl.clear_requests('gapped')
    ctl.clear_ghec_requests()
    before = outside_the_victims_own(controller, controller.home / '.cache')
    run = play(sim, 'upload', hosts='gapped', env=controller.env(), via='file', dest=str(dest), wait_timeout=20)
    assert run.rc != 0
    message = run.result('Module under test', 'gapped')['msg']
    assert str(dest) in message and fix in message, message
    assert writes(ctl, 'gapped') == [] and ghec_writes(ctl) == []
    assert ctl.requests('gapped')['requests'] == [], 'refused before any request'
    assert outside_the_victims_own(controller, controller.home / '.cache') == before
    assert stat.S_IMODE(os.stat(controller.data / 'notes.txt').st_mode) == 0o644
