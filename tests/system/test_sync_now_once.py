# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
""""Sync now" is clicked at most once per stale sync, whatever the number of runs on the controller.

Two ``enable.yml`` runs at the same time, or a run interrupted while it waited for its sync
followed by another run, must not ask an appliance for a second sync while the first is on its
way: the request log of each appliance shows exactly one "Sync now" (the only state-changing
request of these runs, the appliances being connected with license sync on).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from harness import play, when_requested, writes
from playbook_runner import HERE, REPO, collections_path

NAMES = ['stale-a', 'stale-b']


def stale_fleet(sim_and_control, sync_seconds):
    return sim_and_control(*[{'name': name, 'version': '3.14.2', 'connected': True, 'license_sync': True,
                              'last_sync_days_ago': 10, 'sync_seconds': sync_seconds} for name in NAMES])


def assert_one_sync_now_each(ctl):
    for name in NAMES:
        posts = writes(ctl, name)
        assert len(posts) == 1, '%s got %d state-changing requests: %s' % (name, len(posts), posts)
        assert posts[0]['method'] == 'POST' and posts[0]['path'].endswith('/settings/license/sync'), posts


def test_two_concurrent_runs_click_sync_now_once_per_appliance(sim_and_control, tmp_path):
    sim, ctl = stale_fleet(sim_and_control, sync_seconds=4)
    env = {'XDG_CACHE_HOME': str(tmp_path / 'cache')}
    runs = []

    def enable():
        runs.append(play(sim, 'playbooks/enable.yml', env=env, enable_sync_wait_timeout=60))
    threads = [threading.Thread(target=enable) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run in runs:
        assert run.rc == 0, run.output[-3000:]
    assert_one_sync_now_each(ctl)
    again = play(sim, 'playbooks/enable.yml', env=env)
    assert again.rc == 0 and all(not r['result'].get('changed') for r in again.for_task('ghe_license_sync'))
    assert_one_sync_now_each(ctl)


def start_enable(sim, workdir, env):
    """``enable.yml`` as its own process group, so that the test can interrupt it like Ctrl-C or a CI timeout."""
    extra = workdir / 'extra_vars.json'
    extra.write_text(json.dumps({'enable_sync_wait_timeout': 60}))
    args = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', sim.inventory_path,
            str(REPO / 'playbooks' / 'enable.yml'), '-e', '@%s' % extra]
    run_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path()), ANSIBLE_LOCAL_TEMP=str(workdir / 'tmp'),
                   ANSIBLE_CALLBACK_PLUGINS=str(HERE / 'callback_plugins'), ANSIBLE_NOCOLOR='1', **env)
    return subprocess.Popen(args, env=run_env, cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_a_run_after_an_interrupted_one_waits_for_its_sync_instead_of_clicking_again(sim_and_control, tmp_path):
    sim, ctl = stale_fleet(sim_and_control, sync_seconds=10)
    env = {'XDG_CACHE_HOME': str(tmp_path / 'cache')}
    interrupted = start_enable(sim, Path(tempfile.mkdtemp(dir=str(tmp_path))), env)
    clicked = threading.Event()
    watchers = [when_requested(ctl, name, '/settings/license/sync', clicked.set) for name in NAMES]
    for watcher in watchers:
        watcher.join()
    assert clicked.is_set(), 'the first run never clicked "Sync now"'
    os.killpg(interrupted.pid, signal.SIGKILL)  # its workers too: nothing of it waits on
    interrupted.wait()
    assert [len(writes(ctl, name)) for name in NAMES] == [1, 1]
    rerun = play(sim, 'playbooks/enable.yml', env=env, enable_sync_wait_timeout=60, enable_no_log=False)
    assert rerun.rc == 0, rerun.output[-3000:]
    for name in NAMES:
        result = rerun.result('ghe_license_sync', name)
        assert result['license_sync']['last_sync']['status'] == 'success', result
        assert result['sync_triggered'] is False and result['changed'] is False, 'it waited, it did not click'
    assert_one_sync_now_each(ctl)
