# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmarks with network latency: whole ansible-playbook runs against a fleet 50 ms away.

    python benchmarks/latency.py [--sizes 100 1000] [--rtts 0 50] [--ghec-rtt-ms 30] [--forks 20]

Loopback figures (benchmarks/fleet.py) are decided by the CPU; real appliances are 10-150 ms
away, and there the round trips and the concurrency decide. For each fleet size and round-trip
time this starts one simulator whose appliances answer RTT later (tests/simulator/CONTRACT.md:
two round trips per new connection, one per request; GHEC --ghec-rtt-ms) and runs, side by side,
the floor, the hand-written uri check, the fleet scan (drift.yml), per-host drift and a no-op
enable.yml, statistics path and console path. For every run it takes the simulator's own
counts - connections and requests per host - and computes the latency bound:

    bound = (appliance round trips / concurrency) x RTT + GHEC round trips x GHEC RTT
    round trips = 2 per connection (TCP + TLS 1.3) + 1 per request

(concurrency: forks for per-host playbooks; for the scan, the most appliance connections the
simulator saw in flight at once - a handshake or a request waiting on it - i.e. the concurrency
the scan chose. GHEC's reads are counted one
after another: the installations are paged by cursor). It prints each run's ratio to its bound,
to the floor and to the hand-written check, the scan's memory, the growth with fleet size and
the targets, and writes results/latency.json and results/latency.md. The machinery (venv,
simulator, runs, process groups, timeouts, bytecode cache) is fleet.py's.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  pylint: disable=wrong-import-position

RESULTS = fleet.RESULTS
PAGE = fleet.GRAPHQL_PAGE_SIZE
PER_HOST = ('handwritten', 'drift_per_host', 'enable_noop')
# (variant, scenario) in the order they run for one fleet; the floor runs before each block of ours.
PLAN = [('statistics', 'floor'), ('statistics', 'handwritten'), ('statistics', 'drift_scan'),
        ('statistics', 'drift_per_host'), ('statistics', 'enable_noop'), ('statistics', 'enable_drifted'),
        ('statistics', 'enable_drifted_only'),
        ('console', 'floor'), ('console', 'drift_scan'), ('console', 'drift_per_host'), ('console', 'enable_noop')]
SCAN_TASK = 'ghe_drift_scan'
# Issue 28: enable.yml with DRIFTED_SHARE of the fleet drifted (license sync switched off just before the run), and the
# same appliances drifted again and converged alone (enable.yml on them only): the scan plus their per-host converge.
DRIFTED_SHARE = 10
ENABLE = os.path.join(fleet.REPO, 'playbooks', 'enable.yml')
fleet.SCENARIOS['enable_drifted'] = (ENABLE, 'playbooks/enable.yml, 1 in %d appliances with license sync off' % DRIFTED_SHARE)
fleet.SCENARIOS['enable_drifted_only'] = (ENABLE, 'playbooks/enable.yml on only those appliances, drifted again')
# Left out unless --skip says otherwise: each costs minutes at 1,000 appliances and no target needs it.
DEFAULT_SKIP = ('rtt0:1000:statistics:handwritten', 'rtt0:1000:statistics:drift_per_host',
                'rtt0:1000:statistics:enable_noop', 'rtt0:1000:console:drift_per_host', 'rtt0:1000:console:enable_noop',
                'rtt50:1000:statistics:enable_noop', 'rtt50:1000:console:drift_per_host',
                'rtt50:1000:console:enable_noop', '1000:console:floor')


# --------------------------------------------------------------------------------------------
# measuring one run: the simulator's counts, memory
# --------------------------------------------------------------------------------------------
def reset_counts(sim):
    sim.ctl.clear_all_requests()
    sim.ctl.clear_connections()


def read_counts(sim, methods=False):
    """Connections and requests since reset_counts(), summed over the fleet (and GHEC)."""
    totals = sim.ctl.totals()
    connections = sim.ctl.connections()
    apps = totals['appliances']
    counts = {
        'appliance_connections': sum(connections['appliances'].values()),
        'appliance_requests': sum(a['reads'] + a['writes'] for a in apps.values()),
        'appliance_writes': sum(a['writes'] for a in apps.values()),
        'peak_open_appliance_connections': connections['open']['appliances']['peak'],
        'peak_in_flight_appliance_connections': connections['open']['appliances']['peak_in_flight'],
        'ghec_connections': connections['ghec'],
        'ghec_requests': totals['ghec']['reads'] + totals['ghec']['writes'],
        'ghec_writes': totals['ghec']['writes'],
    }
    if methods:      # one control call per appliance: only where the methods matter (enable.yml: only GETs)
        logs = sim.read_logs()
        counts.update(appliance_get=round(logs['per_appliance']['get'] * sim.size),
                      appliance_post=logs['appliance_total']['post'],
                      appliance_other=round(logs['per_appliance']['other'] * sim.size),
                      ghec_paths=logs['ghec']['paths'])
    else:
        counts['ghec_paths'] = dict(collections.Counter(
            '%s %s' % (r['method'], r['path']) for r in sim.ctl.ghec_requests()['requests']))
    counts['installations'] = len(sim.ctl.ghec()['installations']) + sim.ctl.ghec()['extra_installations']
    return counts


class MemorySampler(threading.Thread):
    """The summed RSS of the ansible-playbook process and all its descendants, sampled every 50 ms.

    (Descendants, not the process group: Ansible's workers start sessions of their own.) Forked
    processes share their parent's pages until they write them, so a sum of RSS counts shared
    pages once per process: an upper bound of what the run needs.
    """

    def __init__(self, exclude):
        super().__init__(daemon=True)
        self.exclude = set(exclude)
        self.stopped = threading.Event()
        self.peak_kb = 0
        self.peak_processes = 0
        self.main_hwm_kb = 0

    def run(self):
        page_kb = os.sysconf('SC_PAGE_SIZE') // 1024
        while not self.stopped.wait(0.05):
            roots = [pid for pid in list(fleet.CHILDREN) if pid not in self.exclude]
            if not roots:
                continue
            children = collections.defaultdict(list)
            for entry in os.listdir('/proc'):
                if entry.isdigit():
                    try:
                        with open('/proc/%s/stat' % entry, encoding='ascii') as handle:
                            children[int(handle.read().rsplit(')', 1)[1].split()[1])].append(int(entry))
                    except (OSError, IndexError, ValueError):
                        continue
            family, todo = [], list(roots)
            while todo:
                pid = todo.pop()
                family.append(pid)
                todo.extend(children.get(pid, ()))
            total = 0
            for pid in family:
                try:
                    with open('/proc/%d/statm' % pid, encoding='ascii') as handle:
                        total += int(handle.read().split()[1]) * page_kb
                except (OSError, IndexError, ValueError):
                    continue
            for pid in roots:
                self.main_hwm_kb = max(self.main_hwm_kb, _status_kb(pid, 'VmHWM'))
            if total > self.peak_kb:
                self.peak_kb, self.peak_processes = total, len(family)

    def stop(self):
        self.stopped.set()
        self.join(5)


def _status_kb(pid, field):
    try:
        with open('/proc/%d/status' % pid, encoding='ascii') as handle:
            for line in handle:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --------------------------------------------------------------------------------------------
# the latency bound
# --------------------------------------------------------------------------------------------
def bound(counts, rtt_ms, ghec_rtt_ms, concurrency):
    """(appliance round trips, GHEC round trips, seconds): what latency alone costs the run at ``concurrency``."""
    appliance = 2 * counts['appliance_connections'] + counts['appliance_requests']
    ghec = 2 * counts['ghec_connections'] + counts['ghec_requests']
    seconds = appliance * rtt_ms / 1000.0 / max(1, concurrency) + ghec * ghec_rtt_ms / 1000.0
    return appliance, ghec, seconds


def cpu_bound(run, cpus):
    """Seconds the run's CPU work (ansible-playbook with its processes, and the simulator) needs on ``cpus`` cores
    of its own: on a shared machine the wall time is bounded by this as much as by the latency."""
    if run.get('cpu_ansible_s') is None or run.get('cpu_simulator_s') is None:
        return None
    return round((run['cpu_ansible_s'] + run['cpu_simulator_s']) / max(1, cpus), 2)


def ghec_expected(installations):
    """GHEC requests per run: installations (paged 100 at a time), license-sync status, server statistics."""
    return 3 + max(1, math.ceil(installations / PAGE)) - 1


# --------------------------------------------------------------------------------------------
# the matrix
# --------------------------------------------------------------------------------------------
def planned(size, rtt, args):
    for variant, scenario in PLAN:
        if size in args.growth_sizes and scenario not in ('floor', 'drift_scan'):
            continue
        key = '%s:%s' % (variant, scenario)
        if any(skip in (key, '%d:%s' % (size, key), 'rtt%g:%s' % (rtt, key), 'rtt%g:%d:%s' % (rtt, size, key))
               for skip in args.skip):
            continue
        yield variant, scenario


def run_matrix(args, workroot, collections_root, state):
    runner = fleet.Runner(workroot, collections_root, args.bytecode)
    wanted = sorted(set(s for size in args.sizes for rtt in args.rtts for _v, s in planned(size, rtt, args)))
    small = fleet.Fleet(10, os.path.join(workroot, 'warm-up'))
    try:     # bytecode, page cache, the simulator's lazy secrets: one unmeasured run of each playbook
        for scenario in wanted:
            warm = runner.run(scenario, small, args.forks, 'warmup-%s' % scenario)
            print('   (warm-up %s: %.2f s%s)' % (scenario, warm['seconds'], '' if warm['ok'] else ', FAILED'), flush=True)
    finally:
        small.stop()
    for size in args.sizes:
        for rtt in args.rtts:
            ghec_rtt = args.ghec_rtt_ms if rtt else 0
            began = time.monotonic()
            sim = fleet.Fleet(size, workroot, rtt_ms=rtt, ghec_rtt_ms=ghec_rtt)
            print('== %d appliances, RTT %g ms (GHEC %g ms): simulator up in %.2f s' % (
                size, rtt, ghec_rtt, sim.start_seconds), flush=True)
            try:
                floor_s = handwritten_s = None
                variant_now = None
                for variant, scenario in planned(size, rtt, args):
                    if variant != variant_now:
                        sim.set_statistics(variant == 'statistics')
                        variant_now = variant
                    run = one_run(runner, sim, scenario, variant, args.forks, rtt, ghec_rtt)
                    if scenario == 'floor':
                        floor_s = run['seconds'] if run['ok'] else None
                    if scenario == 'handwritten' and run['ok']:
                        handwritten_s = run['seconds']
                    run['x_floor'] = round(run['seconds'] / floor_s, 3) if floor_s and scenario != 'floor' else None
                    run['x_handwritten'] = (round(run['seconds'] / handwritten_s, 4)
                                            if handwritten_s and scenario not in ('floor', 'handwritten') else None)
                    state['runs'].append(run)
                    progress(run)
                state['simulator_memory'].append({'size': size, 'rtt_ms': rtt, 'hwm_kb': _status_kb(sim.process.pid, 'VmHWM'),
                                                  'rss_kb': _status_kb(sim.process.pid, 'VmRSS')})
            finally:
                sim.stop()
            print('   %d appliances at RTT %g ms done in %.1f min' % (size, rtt, (time.monotonic() - began) / 60),
                  flush=True)


def one_run(runner, sim, scenario, variant, forks, rtt, ghec_rtt):
    reset_counts(sim)
    sampler = None
    if scenario == 'drift_scan':
        sampler = MemorySampler(exclude=[sim.process.pid])
        sampler.start()
    label = '%d-rtt%g-%s-%s' % (sim.size, rtt, variant, scenario)
    extra = ()
    if scenario in ('enable_drifted', 'enable_drifted_only'):
        drifted = sim.names[::DRIFTED_SHARE]
        for name in drifted:
            sim.ctl.patch(name, license_sync=False)
        reset_counts(sim)
        if scenario == 'enable_drifted_only':
            extra = ('-e', 'ghes_target_hosts=%s' % ','.join(drifted))
    try:
        run = runner.run(scenario, sim, forks, label, extra)
    finally:
        if sampler:
            sampler.stop()
    if extra or scenario == 'enable_drifted':
        left = [name for name in sim.names[::DRIFTED_SHARE] if not sim.ctl.appliance(name)['license_sync']]
        if left and run['ok']:
            run.update(ok=False, problem='%d drifted appliances not converged, %s first' % (len(left), left[0]))
    counts = read_counts(sim, methods=scenario == 'enable_noop')
    concurrency = counts['peak_in_flight_appliance_connections'] if scenario == 'drift_scan' else forks
    appliance_rt, ghec_rt, limit = bound(counts, rtt, ghec_rtt, concurrency)
    task_s = None
    profile = run.get('profile') or {}
    for task in profile.get('tasks') or []:
        if task['action'].endswith(SCAN_TASK):
            task_s = task['span_s']
    result = {
        'size': sim.size, 'rtt_ms': rtt, 'ghec_rtt_ms': ghec_rtt, 'variant': variant, 'scenario': scenario,
        'forks': forks, 'seconds': run['seconds'], 'ok': run['ok'], 'problem': run.get('problem'),
        'scan_task_s': task_s, 'startup_s': profile.get('startup_s'), 'concurrency': concurrency,
        'counts': counts, 'appliance_round_trips': appliance_rt, 'ghec_round_trips': ghec_rt,
        'bound_s': round(limit, 3),
        'x_bound': round(run['seconds'] / limit, 3) if limit else None,
        'task_x_bound': round(task_s / limit, 3) if limit and task_s else None,
        'tasks_per_host': run.get('tasks_per_host'), 'changed_results': run.get('changed_results'),
        'cpu_ansible_s': run.get('cpu_ansible_s'), 'cpu_simulator_s': run.get('cpu_simulator_s'),
        'load_start': run['load_start'], 'load_end': run['load_end'], 'log': run['log'],
    }
    if sampler:
        result['memory'] = {'peak_rss_sum_kb': sampler.peak_kb, 'processes_at_peak': sampler.peak_processes,
                            'main_process_hwm_kb': sampler.main_hwm_kb}
    return result


def progress(run):
    print('   %-15s %-10s %7.2f s  bound %6.2f s  x bound %-6s x floor %-6s conc %-3s conns %-5d reqs %-5d '
          'GHEC %d/%d  load %s%s' % (
              run['scenario'], run['variant'], run['seconds'], run['bound_s'], fmt(run['x_bound']),
              fmt(run['x_floor']), run['concurrency'], run['counts']['appliance_connections'],
              run['counts']['appliance_requests'], run['counts']['ghec_connections'], run['counts']['ghec_requests'],
              run['load_start'][0], '' if run['ok'] else '  FAILED: %s' % run['problem']), flush=True)


# --------------------------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------------------------
def growth(runs):
    """Per scenario, variant and RTT: the slope (s per appliance) between each pair of sizes measured."""
    points = collections.OrderedDict()
    for run in runs:
        if run['ok']:
            points.setdefault((run['scenario'], run['variant'], run['rtt_ms']), []).append((run['size'], run['seconds']))
    out = []
    for (scenario, variant, rtt), pts in points.items():
        pts.sort()
        if len(pts) < 2:
            continue
        segments = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(pts, pts[1:])]
        slope, intercept, r2 = fleet.least_squares(pts)
        out.append({'scenario': scenario, 'variant': variant, 'rtt_ms': rtt, 'sizes': [p[0] for p in pts],
                    'slope_ms_per_appliance': round(1000 * slope, 2), 'intercept_s': round(intercept, 2),
                    'r2': round(r2, 4) if len(pts) > 2 else None,
                    'segment_slopes_ms': [round(1000 * s, 2) for s in segments]})
    return out


def targets(runs, fits, cpus):
    out = []

    def add(tid, text, status, measured, note=None):
        out.append({'id': tid, 'target': text, 'status': status, 'measured': measured, 'note': note})

    def verdict(values):
        return 'n/a' if not values else ('PASS' if all(values) else 'MISS')

    scans = [r for r in runs if r['scenario'] == 'drift_scan' and r['ok'] and r['rtt_ms'] and r['size'] >= 1000]
    for variant in ('statistics', 'console'):
        sel = [r for r in scans if r['variant'] == variant]
        add('L1', 'scan at 1,000, RTT > 0 (%s): scan task <= 1.3 x its latency bound at the concurrency it chose'
            % variant, verdict([r['task_x_bound'] is not None and r['task_x_bound'] <= 1.3 for r in sel]),
            ['RTT %g: task %.2f s, bound %.2f s at concurrency %d: %sx (whole run %sx); the whole run\'s CPU on %d '
             'cores of its own: %s s' % (r['rtt_ms'], r['scan_task_s'] or 0, r['bound_s'], r['concurrency'],
                                         r['task_x_bound'], r['x_bound'], cpus, cpu_bound(r, cpus)) for r in sel])
        add('L2', 'scan at 1,000, RTT > 0 (%s): whole run <= 10 s' % variant,
            verdict([r['seconds'] <= 10 for r in sel]),
            ['RTT %g: %.2f s' % (r['rtt_ms'], r['seconds']) for r in sel],
            None if variant == 'statistics' else 'stated, not a target: the console path')
    sel = [r for r in runs if r['scenario'] == 'drift_scan' and r['rtt_ms'] and r['x_handwritten'] is not None]
    add('L3', 'scan at RTT > 0 <= 0.05 x the hand-written uri check (each size, each path)',
        verdict([r['x_handwritten'] <= 0.05 for r in sel]),
        ['%d/%s/RTT %g: %.4fx' % (r['size'], r['variant'], r['rtt_ms'], r['x_handwritten']) for r in sel])
    sel = [f for f in fits if f['scenario'] == 'drift_scan']
    add('L4', 'growth linear: slopes (s per appliance) at each RTT', 'stated',
        ['%s/RTT %g: %s ms per appliance (segments %s)' % (f['variant'], f['rtt_ms'], f['slope_ms_per_appliance'],
                                                           ' / '.join(str(s) for s in f['segment_slopes_ms']))
         for f in sel],
        'linear when the segment slopes agree; with two sizes there is one segment')
    sel = [r for r in runs if r['scenario'] in ('drift_scan', 'drift_per_host', 'enable_noop') and r['ok']]
    add('L5', 'GHEC requests per run = 3 + ceil(installations / 100) - 1',
        verdict([r['counts']['ghec_requests'] == ghec_expected(r['counts']['installations']) for r in sel]),
        ['%d/%s/%s/RTT %g: %d (expected %d)' % (r['size'], r['variant'], r['scenario'], r['rtt_ms'],
                                                r['counts']['ghec_requests'],
                                                ghec_expected(r['counts']['installations'])) for r in sel])
    sel = [r for r in runs if r['scenario'] == 'drift_per_host' and r['ok'] and not r['rtt_ms']]
    add('L6', 'per-host drift <= 1.5 x the floor per host (loopback) - depends on issue 18, measured as it is',
        verdict([r['x_floor'] <= 1.5 for r in sel if r['x_floor']]),
        ['%d/%s: %sx' % (r['size'], r['variant'], r['x_floor']) for r in sel])
    sel = [r for r in runs if r['scenario'] == 'enable_noop' and r['ok'] and r['x_floor'] and r['tasks_per_host']]
    add('L7', 'no-op enable.yml <= 1.2 x the floor per host-task (loopback, 1,000) and only GETs - depends on issue 18',
        verdict([r['x_floor'] / r['tasks_per_host'] <= 1.2 and not r['counts']['appliance_writes']
                 and not r['counts'].get('appliance_other') for r in sel if not r['rtt_ms'] and r['size'] >= 1000]),
        ['%d/%s/RTT %g: %.2fx per host-task, writes %d, POSTs %s' % (
            r['size'], r['variant'], r['rtt_ms'], r['x_floor'] / r['tasks_per_host'], r['counts']['appliance_writes'],
            r['counts'].get('appliance_post')) for r in sel])
    _converge_targets(runs, add, verdict)
    return out


def _converge_targets(runs, add, verdict):
    """Issue 28: enable.yml at the speed of the scan."""
    def same(run, scenario):
        key = (run['size'], run['rtt_ms'], run['variant'])
        return next((r for r in runs if r['scenario'] == scenario and r['ok'] and (r['size'], r['rtt_ms'], r['variant']) == key),
                    None)

    pairs = [(r, same(r, 'drift_scan')) for r in runs if r['scenario'] == 'enable_noop' and r['ok']]
    pairs = [(r, scan) for r, scan in pairs if scan]
    add('L8', 'no-op enable.yml <= 1.5 x the drift scan\'s whole run (each size, RTT, path)',
        verdict([r['seconds'] <= 1.5 * scan['seconds'] for r, scan in pairs]),
        ['%d/%s/RTT %g: %.2f s vs scan %.2f s: %.2fx' % (
            r['size'], r['variant'], r['rtt_ms'], r['seconds'], scan['seconds'], r['seconds'] / scan['seconds'])
         for r, scan in pairs])
    rows = [(r, same(r, 'drift_scan'), same(r, 'enable_drifted_only')) for r in runs if r['scenario'] == 'enable_drifted' and r['ok']]
    rows = [row for row in rows if row[1] and row[2]]
    add('L9', 'enable.yml with 1 in %d appliances drifted <= the scan + enable.yml on those appliances alone' % DRIFTED_SHARE,
        verdict([r['seconds'] <= scan['seconds'] + alone['seconds'] for r, scan, alone in rows]),
        ['%d/%s/RTT %g: %.2f s vs scan %.2f s + alone %.2f s = %.2f s' % (
            r['size'], r['variant'], r['rtt_ms'], r['seconds'], scan['seconds'], alone['seconds'],
            scan['seconds'] + alone['seconds']) for r, scan, alone in rows])


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def fmt(value, spec='%.2f'):
    return '-' if value is None else spec % value


def side_by_side(runs):
    """One row per playbook and path; per size the seconds at each RTT and, where RTT > 0, x bound and x floor."""
    by = collections.OrderedDict()
    sizes, rtts = sorted(set(r['size'] for r in runs)), sorted(set(r['rtt_ms'] for r in runs))
    for run in runs:
        if run['ok']:
            by.setdefault((run['scenario'], run['variant']), {})[(run['size'], run['rtt_ms'])] = run
    header, rows = ['playbook', 'path'], []
    for size in sizes:
        for rtt in rtts:
            header.append('%d, %g ms' % (size, rtt))
            if rtt:
                header += ['x bound', 'x floor']
    for (scenario, variant), cells in by.items():
        row = [scenario, variant]
        for size in sizes:
            for rtt in rtts:
                run = cells.get((size, rtt))
                if run is None:
                    row += ['-'] + (['-', '-'] if rtt else [])
                    continue
                text = '%.2f' % run['seconds']
                if run['scan_task_s']:
                    text += ' (%.2f)' % run['scan_task_s']
                row.append(text)
                if rtt:
                    ratio = run['task_x_bound'] if scenario == 'drift_scan' else run['x_bound']
                    row += [fmt(ratio), fmt(run['x_floor'])]
        rows.append(row)
    return fleet.table(header, rows)


def render(results):
    meta = results['meta']
    out = ['# ghes.connect latency benchmarks', '',
           'Run %s, %s, %.1f min on %s (%d CPUs, shared with other engineers running tests: load average at '
           'start %s, end %s), ansible-core %s, Python %s, bytecode %s, forks %d.' % (
               meta['started'], meta['commit'], meta['duration_s'] / 60, meta['host'], meta['cpus'],
               meta['load_start'], meta['load_end'], meta['ansible_core'], meta['python'], meta['bytecode'],
               meta['forks']),
           '', 'Command: `%s`' % meta['command'], '']
    for note in meta['notes']:
        out.append('- ' + note)
    out += ['', '## Loopback and %s ms side by side' % '/'.join('%g' % r for r in meta['rtts_ms'] if r), '',
            'Whole runs in seconds; for the scan also the scan task alone (in brackets). x bound: run / its latency '
            'bound (the scan: its task / the bound, at the concurrency it chose); x floor: run / the floor.', '']
    out.append(side_by_side(results['runs']))
    out += ['', '## Runs', '',
            'bound = appliance round trips x RTT / concurrency + GHEC round trips x GHEC RTT; round trips = 2 per '
            'connection + 1 per request, from the simulator\'s counts of this run. Concurrency: forks for per-host '
            'playbooks, for the scan the most appliance connections in flight at once (what it chose). x floor: the run '
            '/ the floor run of the same fleet just before its block; x hand-written: / the hand-written run of '
            'the same fleet. CPU bound: the CPU seconds of ansible-playbook (all its processes) and of the '
            'simulator / the cores: what the run needs with the machine to itself.', '']
    rows = []
    for r in results['runs']:
        c = r['counts']
        rows.append([r['size'], fmt(r['rtt_ms'], '%g'), r['scenario'], r['variant'], fmt(r['seconds']),
                     fmt(r['scan_task_s']), r['concurrency'], c['appliance_connections'], c['appliance_requests'],
                     '%d/%d' % (c['ghec_connections'], c['ghec_requests']),
                     r['appliance_round_trips'] + r['ghec_round_trips'], fmt(r['bound_s']), fmt(r['x_bound']),
                     fmt(r['task_x_bound']), fmt(r['x_floor']), fmt(r['x_handwritten'], '%.4f'),
                     fmt(r['cpu_ansible_s'], '%.1f'), fmt(r['cpu_simulator_s'], '%.1f'),
                     fmt(cpu_bound(r, results['meta']['cpus'])), '' if r['ok'] else 'FAILED'])
    out.append(fleet.table(['size', 'RTT ms', 'scenario', 'variant', 'whole s', 'scan task s', 'concurrency',
                            'app conns', 'app requests', 'GHEC conns/reqs', 'round trips', 'bound s', 'x bound',
                            'task x bound', 'x floor', 'x hand-written', 'CPU ansible s', 'CPU sim s',
                            'CPU bound s', ''], rows))
    out += ['', '## Memory', '',
            'Peak of the summed RSS of every process of the ansible-playbook run (its workers and the scan\'s forked '
            'processes; pages they share are counted once per process, so this is an upper bound), sampled every '
            '50 ms, for the scan; the main process\'s own high-water mark; the simulator\'s high-water mark.', '']
    rows = [[r['size'], fmt(r['rtt_ms'], '%g'), r['variant'], '%.0f' % (r['memory']['peak_rss_sum_kb'] / 1024),
             r['memory']['processes_at_peak'], '%.0f' % (r['memory']['main_process_hwm_kb'] / 1024)]
            for r in results['runs'] if r.get('memory')]
    out.append(fleet.table(['size', 'RTT ms', 'variant', 'peak RSS, all processes MB', 'processes at peak',
                            'main process peak MB'], rows))
    out.append('')
    rows = [[m['size'], fmt(m['rtt_ms'], '%g'), '%.0f' % (m['hwm_kb'] / 1024), '%.0f' % (m['rss_kb'] / 1024)]
            for m in results['simulator_memory']]
    out.append(fleet.table(['size', 'RTT ms', 'simulator peak MB', 'simulator at end MB'], rows))
    out += ['', '## Growth with fleet size', '']
    rows = [[f['scenario'], f['variant'], fmt(f['rtt_ms'], '%g'), ' '.join(map(str, f['sizes'])),
             fmt(f['slope_ms_per_appliance'], '%.2f'), fmt(f['intercept_s']), fmt(f['r2'], '%.4f'),
             ' / '.join('%.2f' % s for s in f['segment_slopes_ms'])] for f in results['growth']]
    out.append(fleet.table(['scenario', 'variant', 'RTT ms', 'sizes', 'slope ms/appliance', 'intercept s', 'R^2',
                            'segment slopes ms'], rows))
    out += ['', '## Targets', '']
    rows = [[t['id'], t['target'], t['status'], '; '.join(t['measured']) + ('; ' + t['note'] if t['note'] else '')]
            for t in results['targets']]
    out.append(fleet.table(['id', 'target', 'status', 'measured'], rows))
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[100, 1000])
    parser.add_argument('--rtts', type=float, nargs='+', default=[0, 50], help='appliance round trips, ms')
    parser.add_argument('--ghec-rtt-ms', type=float, default=30, help='GHEC round trip when RTT > 0 (default 30)')
    parser.add_argument('--growth-sizes', type=int, nargs='*', default=[300],
                        help='more sizes where only the floor and the scan run: a third point for the slopes')
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--skip', nargs='*', default=None, metavar='[rttR:][SIZE:]VARIANT:SCENARIO',
                        help='runs to leave out (default: %s; --skip alone: none)' % ' '.join(DEFAULT_SKIP))
    parser.add_argument('--bytecode', choices=['cached', 'env'], default='cached')
    parser.add_argument('--output', default=RESULTS)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--render', metavar='JSON', help='only write latency.md again from a latency.json')
    args = parser.parse_args()
    if args.render:
        with open(args.render, encoding='utf-8') as handle:
            results = json.load(handle)
        results['growth'] = growth(results['runs'])
        results['targets'] = targets(results['runs'], results['growth'], results['meta']['cpus'])
        with open(os.path.join(os.path.dirname(args.render), 'latency.md'), 'w', encoding='utf-8') as handle:
            handle.write(render(results))
        return 0
    command = 'python benchmarks/latency.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    fleet.ensure_venv()
    if args.skip is None:
        # Minutes each at 1,000 appliances (more when the machine is shared), and nothing a target
        # needs: on loopback fleet.py measures them, at 50 ms the same playbooks are measured at 100.
        args.skip = list(DEFAULT_SKIP)
    args.growth_sizes = [size for size in args.growth_sizes if size not in args.sizes]
    args.sizes = sorted(set(args.sizes + args.growth_sizes))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, fleet._terminate)     # pylint: disable=protected-access
    signal.signal(signal.SIGHUP, fleet._terminate)      # pylint: disable=protected-access
    workroot = tempfile.mkdtemp(prefix='ghes-latency-')
    collections_root = fleet.use_collection_tree(os.path.join(workroot, 'collections'))
    notes = ['The machine (2 cores) was shared with other engineers running test suites during this run: '
             'absolute times vary with their load; the ratios compare runs made minutes apart.']
    if args.skip:
        notes.append('left out: %s.' % ', '.join(args.skip))
    started = time.time()
    load_start = fleet.loadavg()
    code_start = fleet.code_state()
    print('ghes.connect latency benchmark: sizes %s, RTT %s ms (GHEC %g ms), forks %d; work dir %s' % (
        args.sizes, args.rtts, args.ghec_rtt_ms, args.forks, workroot), flush=True)
    state = {'runs': [], 'simulator_memory': []}
    interrupted = False
    try:
        run_matrix(args, workroot, collections_root, state)
    except KeyboardInterrupt:
        interrupted = True
        print('\ninterrupted: stopping the simulator and any running playbook', file=sys.stderr, flush=True)
    finally:
        fleet.stop_all()
    for run in state['runs']:
        if not run['ok']:
            notes.append('FAILED run: %s %s %d appliances RTT %g: %s (log %s)' % (
                run['scenario'], run['variant'], run['size'], run['rtt_ms'], run['problem'], run['log']))
    if interrupted:
        notes.append('INTERRUPTED: partial results.')
        args.output, args.keep = workroot, True
    code_end = fleet.code_state()
    if code_end != code_start:
        notes.append('The code under test changed during this run: %s at the start, %s at the end.'
                     % (code_start, code_end))
    fits = growth(state['runs'])
    results = {
        'meta': {
            'started': datetime.datetime.fromtimestamp(started, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'duration_s': round(time.time() - started, 1), 'command': command, 'commit': code_start['commit'],
            'code_start': code_start, 'code_end': code_end, 'host': platform.node(), 'cpus': os.cpu_count(),
            'python': platform.python_version(), 'ansible_core': fleet._ansible_version(),  # pylint: disable=protected-access
            'sizes': args.sizes, 'rtts_ms': args.rtts, 'ghec_rtt_ms': args.ghec_rtt_ms, 'forks': args.forks,
            'bytecode': args.bytecode, 'load_start': load_start, 'load_end': fleet.loadavg(), 'notes': notes,
            'workdir': workroot if args.keep else None, 'shared_machine': True,
        },
        'runs': state['runs'], 'simulator_memory': state['simulator_memory'], 'growth': fits,
        'targets': targets(state['runs'], fits, os.cpu_count()),
    }
    text = render(results)
    try:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, 'latency.json'), 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1)
            handle.write('\n')
        with open(os.path.join(args.output, 'latency.md'), 'w', encoding='utf-8') as handle:
            handle.write(text)
        print('\n' + text)
        print('results: %s (%.1f min)' % (os.path.join(args.output, 'latency.md'), results['meta']['duration_s'] / 60),
              flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    if interrupted:
        return 130
    return 1 if any(not r['ok'] for r in state['runs']) else 0


if __name__ == '__main__':
    sys.exit(main())
