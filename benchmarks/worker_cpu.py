# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the CPU of one host's Ansible worker goes: the floor's `debug` against per-host drift.

    python benchmarks/worker_cpu.py [--size 300] [--forks 20]

Runs benchmarks/playbooks/floor.yml and playbooks/drift_per_host.yml against one simulated
fleet. In each run ansible-playbook is started through this script (``--inside``), which wraps
the worker's ``_run`` and, when it is loaded, the collection's action base ``run`` with a CPU
clock (``time.process_time``: this process only, not the fork, not the simulator) and counts
the garbage collections each worker runs. Prints per worker: CPU, of which the collection's
action, and the collections by generation with their cost. Measurement only: nothing in
plugins/ is modified, and a worker's figures are written to a file of its own.
"""

from __future__ import annotations

import argparse
import collections
import gc
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import fleet as bench  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = (('floor', os.path.join(BENCH, 'playbooks', 'floor.yml')),
             ('drift_per_host', os.path.join(bench.REPO, 'playbooks', 'drift_per_host.yml')))


def main():
    if sys.argv[1:2] == ['--inside']:
        return inside(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--size', type=int, default=300)
    parser.add_argument('--forks', type=int, default=20)
    args = parser.parse_args()
    bench.ensure_venv()
    workroot = tempfile.mkdtemp(prefix='ghes-worker-cpu-')
    runner = bench.Runner(workroot, bench.use_collection_tree(os.path.join(workroot, 'collections')))
    fleet = None
    try:
        fleet = bench.Fleet(args.size, workroot)
        print('%d appliances, forks %d, load average at start %s' % (args.size, args.forks, bench.loadavg()))
        header = ('playbook', 'workers', 'CPU mean', 'CPU median', 'action', 'collections/worker', 'collection ms/wkr')
        print('%-16s %7s %10s %10s %10s %18s %18s' % header)
        for name, playbook in PLAYBOOKS:
            rows = measure(runner, fleet, playbook, args.forks, os.path.join(workroot, name))
            print(summary_line(name, rows))
    finally:
        if fleet is not None:
            fleet.stop()
        bench.stop_all()
    return 0


def measure(runner, fleet, playbook, forks, out_dir):
    """Each worker's figures (a dict per worker) of one ansible-playbook run."""
    os.makedirs(out_dir)
    env = dict(runner.env, GHES_WORKER_CPU_DIR=out_dir)
    command = [sys.executable, os.path.abspath(__file__), '--inside', '-i', fleet.inventory, '-f', str(forks), playbook,
               '-e', 'drift_report_dir=%s' % os.path.join(out_dir, 'report')]
    done = subprocess.run(command, env=env, cwd=runner.workroot, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (playbook, done.returncode, done.stdout[-2000:]))
    rows = []
    for path in glob.glob(os.path.join(out_dir, 'worker-*.json')):
        with open(path, encoding='utf-8') as handle:
            rows.append(json.load(handle))
    return rows


def summary_line(name, rows):
    per_host = [row for row in rows if row['action_s'] or name == 'floor']
    cpu = [row['cpu_s'] * 1000 for row in per_host]
    counts, costs = collections.Counter(), collections.Counter()
    for row in per_host:
        for generation, seconds in row['collections']:
            counts[generation] += 1
            costs[generation] += seconds * 1000
    shown = ' '.join('g%d %.2f' % (g, counts[g] / len(per_host)) for g in sorted(counts)) or '-'
    spent = ' '.join('g%d %.2f' % (g, costs[g] / len(per_host)) for g in sorted(costs)) or '-'
    action = statistics.mean(row['action_s'] * 1000 for row in per_host)
    return '%-16s %7d %8.1f ms %8.1f ms %7.1f ms %18s %18s' % (name, len(per_host), statistics.mean(cpu),
                                                               statistics.median(cpu), action, shown, spent)


def inside(argv):
    """ansible-playbook with every worker's CPU, action CPU and garbage collections written to GHES_WORKER_CPU_DIR."""
    from ansible.executor.process.worker import WorkerProcess  # pylint: disable=import-outside-toplevel
    out_dir = os.environ['GHES_WORKER_CPU_DIR']
    figures = {'cpu_s': 0.0, 'action_s': 0.0, 'collections': []}
    started = {}

    def on_collection(phase, info):
        if phase == 'start':
            started['at'] = time.perf_counter()
        elif 'at' in started:
            figures['collections'].append((info['generation'], time.perf_counter() - started.pop('at')))

    worker_run = WorkerProcess._run

    def measured_run(self):
        _time_the_action(figures)
        gc.callbacks.append(on_collection)
        began = time.process_time()
        try:
            return worker_run(self)
        finally:
            figures['cpu_s'] = time.process_time() - began
            gc.callbacks.remove(on_collection)
            with open(os.path.join(out_dir, 'worker-%d.json' % os.getpid()), 'w', encoding='utf-8') as handle:
                json.dump(figures, handle)

    WorkerProcess._run = measured_run
    sys.argv = ['ansible-playbook'] + argv
    from ansible.cli.playbook import main as playbook_main  # pylint: disable=import-outside-toplevel
    return playbook_main()


def _time_the_action(figures):
    """Add the CPU of the collection's action base ``run`` (when ansible-playbook loaded it) to ``figures``."""
    action_base = sys.modules.get('ansible_collections.ghes.connect.plugins.plugin_utils._action_base')
    if action_base is None or getattr(action_base.GhesActionBase.run, 'measured', False):
        return
    action_run = action_base.GhesActionBase.run

    def measured(self, tmp=None, task_vars=None):
        began = time.process_time()
        try:
            return action_run(self, tmp, task_vars)
        finally:
            figures['action_s'] += time.process_time() - began

    measured.measured = True
    action_base.GhesActionBase.run = measured


if __name__ == '__main__':
    sys.exit(main())
