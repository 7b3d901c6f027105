# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seats benchmark: ghe_license_seats_info over a 50,000-user enterprise (500 pages), and the analysis's growth.

    python benchmarks/seats.py [--users 50000] [--sizes 6250 12500 25000 50000] [--runs 3]

1. Whole run: one ``ansible-playbook`` with one ghe_license_seats_info task against the
   simulator's scale scenario (``seat_scenario: {kind: scale, users: N}``, a process of its
   own): wall time, the playbook's CPU (its processes, not the simulator's), the peak
   resident memory of its largest process, and GHEC requests.
2. The analysis alone, in process (no HTTP): the rows decoded and the seat model built for
   each size, CPU seconds per 1,000 users and its ratio to the smallest size (1.0 at every
   size is linear), and the Python allocations' peak at the largest size (tracemalloc).

Prints the figures and writes results/seats.json and results/seats.md. Not a test: exit 1
only when the playbook failed (its numbers would mean nothing).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
VENV = os.environ.get('GHES_VENV') or os.path.join(REPO, '.venv')
RESULTS = os.path.join(BENCH, 'results')
PLAYBOOK = '''---
- name: Seats benchmark
  hosts: ghes[0]
  gather_facts: false
  tasks:
    - name: Read the seats
      ghes.connect.ghe_license_seats_info:
        appliances: >-
          {%- set items = [] -%}
          {%- for name in groups.ghes -%}
          {%- set _ = items.append({'appliance': name, 'hostname': hostvars[name].ghes_hostname}) -%}
          {%- endfor -%}{{ items }}
      register: seats
    - name: Show the counts
      ansible.builtin.debug:
        msg: "{{ seats.seats.consumed }} {{ seats.seats.likely_duplicates.count }}"
'''


def collections_root(work):
    root = os.path.join(work, 'collections')
    os.makedirs(os.path.join(root, 'ansible_collections', 'ghes'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'ghes', 'connect'))
    return root


def start_simulator(work):
    spec = os.path.join(work, 'spec.json')
    with open(spec, 'w', encoding='utf-8') as handle:
        json.dump({'seed': 1, 'count': 3, 'inventory_hostnames': True,
                   'defaults': {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1}}, handle)
    log = open(os.path.join(work, 'simulator.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    process = subprocess.Popen([sys.executable, '-m', 'simulator', '--spec', spec, '--workdir', work],  # pylint: disable=consider-using-with
                               env=dict(os.environ, PYTHONPATH=os.path.join(REPO, 'tests')), stdout=log,
                               stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
    began = time.monotonic()
    while True:
        try:
            with open(os.path.join(work, 'simulator.json'), encoding='utf-8') as handle:
                return process, json.load(handle)
        except (OSError, ValueError):
            pass
        if process.poll() is not None or time.monotonic() - began > 60:
            raise RuntimeError('the simulator did not start; see %s' % log.name)
        time.sleep(0.1)


def whole_run(info, users, work, collections):
    sys.path.insert(0, os.path.join(REPO, 'tests', 'simulator'))
    from control_client import Control  # pylint: disable=import-outside-toplevel
    ctl = Control(info['control_url'], info['ca_path'])
    ctl.patch_ghec(seat_scenario={'kind': 'scale', 'users': users})
    ctl.clear_ghec_requests()
    playbook = os.path.join(work, 'seats.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=os.path.join(work, 'tmp'))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([os.path.join(VENV, 'bin', 'ansible-playbook'), '-i', info['inventory_path'], playbook],
                          capture_output=True, text=True, env=env, cwd=work, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts = ctl.ghec_requests()
    return {
        'rc': done.returncode, 'wall_s': round(wall, 2),
        'cpu_s': round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        'peak_rss_mb': round(after.ru_maxrss / 1024.0, 1),
        'ghec_requests': counts['reads'] + counts['writes'], 'ghec_writes': counts['writes'],
        'summary': next((line.strip() for line in done.stdout.splitlines() if line.strip().startswith('Seats: ')), None),
        'tail': done.stdout[-1500:] if done.returncode else None,
    }


def analysis(sizes, runs, collections):
    sys.path.insert(0, collections)
    sys.path.insert(0, os.path.join(REPO, 'tests'))
    from simulator.ghec_seats import scale_row  # pylint: disable=import-outside-toplevel
    from ansible_collections.ghes.connect.plugins.module_utils._seats.model import seat_model  # pylint: disable=import-outside-toplevel
    from ansible_collections.ghes.connect.plugins.module_utils._seats.people import decode  # pylint: disable=import-outside-toplevel
    hosts = ('ghes-001.example.com', 'ghes-002.example.com', 'ghes-003.example.com')
    status = {'observed_at': '2026-12-07T12:00:00+00:00', 'server_instances': []}
    inventory = [{'appliance': 'ghes-%03d' % (i + 1), 'hostname': host} for i, host in enumerate(hosts)]
    figures = []
    for size in sizes:
        rows = [scale_row(index, hosts) for index in range(size)]
        best = None
        for _run in range(runs):
            gc.collect()     # each run starts from the same heap: a collection left by the last run is not this one's
            started = time.process_time()
            people = [decode(row, index, 'acme') for index, row in enumerate(rows)]
            model = seat_model({'purchased': size, 'consumed': size, 'pages': -(-size // 100), 'people': people},
                               status, inventory=inventory, max_age=8 * 86400)
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        figures.append({'users': size, 'cpu_s': round(best, 3), 'cpu_ms_per_1000_users': round(best * 1e6 / size, 2),
                        'likely_duplicates': model['likely_duplicates']['count']})
    for figure in figures:
        figure['per_user_ratio'] = round(figure['cpu_ms_per_1000_users'] / figures[0]['cpu_ms_per_1000_users'], 2)
    largest = sizes[-1]
    rows = [scale_row(index, hosts) for index in range(largest)]
    tracemalloc.start()
    people = [decode(row, index, 'acme') for index, row in enumerate(rows)]
    del rows
    seat_model({'purchased': largest, 'consumed': largest, 'pages': -(-largest // 100), 'people': people}, status,
               inventory=inventory, max_age=8 * 86400)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return figures, round(peak / 1048576.0, 1)


def markdown(result):
    run = result['whole_run']
    users = '{:,}'.format(result['users'])
    largest = '{:,}'.format(result['analysis'][-1]['users'])
    lines = [
        '# Seats benchmark', '',
        'Written by `benchmarks/seats.py` on %s (%s, %d CPUs, Python %s).'
        % (result['date'], result['machine'], result['cpus'], result['python']), '',
        '## Whole run: %s users, %d pages' % (users, -(-result['users'] // 100)), '',
        '| wall | CPU (playbook processes) | peak RSS (largest process) | GHEC requests (writes) |', '|---|---|---|---|',
        '| %.2f s | %.2f s | %.1f MB | %s (%s) |'
        % (run['wall_s'], run['cpu_s'], run['peak_rss_mb'], run['ghec_requests'], run['ghec_writes']),
        '', 'Play output: `%s`' % run['summary'], '',
        '## The analysis alone (decode + seat model, in process, best of %d)' % result['runs'], '',
        '| users | CPU | CPU per 1,000 users | per-user ratio to the smallest | likely duplicates |',
        '|---|---|---|---|---|',
    ]
    lines += ['| {:,} | {:.3f} s | {:.2f} ms | {:.2f} | {:,} |'.format(
        f['users'], f['cpu_s'], f['cpu_ms_per_1000_users'], f['per_user_ratio'], f['likely_duplicates'])
        for f in result['analysis']]
    lines += ['', 'A per-user ratio near 1.0 at every size: the analysis is linear in the number of users.',
              'Peak Python allocations at %s users: %.1f MB (tracemalloc).' % (largest, result['analysis_peak_mb'])]
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--users', type=int, default=50000)
    parser.add_argument('--sizes', type=int, nargs='+', default=[6250, 12500, 25000, 50000])
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='ghes-seats-bench-')
    collections = collections_root(work)
    process, info = start_simulator(work)
    try:
        run = whole_run(info, args.users, work, collections)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    figures, peak = analysis(sorted(args.sizes), args.runs, collections)
    result = {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
              'machine': platform.machine(), 'cpus': os.cpu_count(), 'python': platform.python_version(),
              'users': args.users, 'runs': args.runs, 'whole_run': run, 'analysis': figures, 'analysis_peak_mb': peak}
    text = markdown(result)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'seats.json'), 'w', encoding='utf-8') as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
        handle.write('\n')
    with open(os.path.join(RESULTS, 'seats.md'), 'w', encoding='utf-8') as handle:
        handle.write(text)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if run['rc'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
