# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmarks: whole ansible-playbook runs against a simulated GHES fleet.

    python benchmarks/fleet.py [--sizes 10 100 1000] [--forks 5 20] [--runs 3] [--quick]

For each fleet size it starts ONE simulator (converged fleet: connected, license sync on,
last sync 1 day ago), and runs side by side, on the same inventory:
  floor           benchmarks/playbooks/floor.yml: one ansible.builtin.debug per host
  baseline        benchmarks/playbooks/baseline.yml: one ansible.builtin.uri GET per host
  handwritten     benchmarks/handwritten_drift.yml: uri + set_fact + assert, GHEC read once
  drift_scan      playbooks/drift.yml: one controller-side task scans the fleet
  drift_per_host  playbooks/drift_per_host.yml: one task per appliance
  enable_noop     playbooks/enable.yml on the converged fleet: must change nothing
first with server statistics shared (variant `statistics`: no console sign-in needed),
then with them off (variant `console`: the console page is read). The floor runs
immediately before each of ours, so every ratio compares runs made under the same load.
It prints the timing table, request counts, the least-squares slope and the targets, and
writes results/fleet.json and results/fleet.md. Not a test: it always exits 0 unless it
could not run (or a playbook failed, which makes its numbers meaningless: exit 1).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
VENV = os.environ.get('GHES_VENV') or os.path.join(REPO, '.venv')
RESULTS = os.path.join(BENCH, 'results')

# Scenario -> (playbook, what it is). The order is the order of the table.
SCENARIOS = collections.OrderedDict([
    ('floor', (os.path.join(BENCH, 'playbooks', 'floor.yml'), 'one ansible.builtin.debug task per host')),
    ('baseline', (os.path.join(BENCH, 'playbooks', 'baseline.yml'), 'one ansible.builtin.uri GET per host')),
    ('handwritten', (os.path.join(BENCH, 'handwritten_drift.yml'), 'uri + set_fact + assert drift check')),
    ('drift_scan', (os.path.join(REPO, 'playbooks', 'drift.yml'), 'playbooks/drift.yml (fleet scan)')),
    ('drift_per_host', (os.path.join(REPO, 'playbooks', 'drift_per_host.yml'), 'playbooks/drift_per_host.yml')),
    ('enable_noop', (os.path.join(REPO, 'playbooks', 'enable.yml'), 'playbooks/enable.yml, converged fleet')),
])
OURS = ('drift_scan', 'drift_per_host', 'enable_noop')
DRIFT = ('drift_scan', 'drift_per_host')
# Variant -> the server_statistics switch of every appliance.
VARIANTS = collections.OrderedDict([('statistics', True), ('console', False)])

CONVERGED = {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1,
             'features': {'server_statistics': True}}
CONFIG_APPLY_SECONDS = 2.0
GRAPHQL_PAGE_SIZE = 100     # GitHub's limit for `first:` on a connection


# --------------------------------------------------------------------------------------------
# environment: the venv of scripts/lib.sh, the collection tree, child processes
# --------------------------------------------------------------------------------------------
def ensure_venv():
    """Re-run the running script with the venv scripts/lib.sh's ensure_venv makes (or refreshes)."""
    if os.environ.get('GHES_BENCH_VENV_READY') == '1':
        return
    subprocess.run(['bash', '-c', 'source "$1/scripts/lib.sh" && ensure_venv', 'ensure_venv', REPO], check=True)
    python = os.path.join(VENV, 'bin', 'python')
    env = dict(os.environ, GHES_BENCH_VENV_READY='1')
    os.execve(python, [python, os.path.abspath(sys.argv[0])] + sys.argv[1:], env)


def use_collection_tree(root):
    """ROOT/ansible_collections/ghes/connect -> this checkout (as scripts/lib.sh use_collection_tree)."""
    os.makedirs(os.path.join(root, 'ansible_collections', 'ghes'), exist_ok=True)
    link = os.path.join(root, 'ansible_collections', 'ghes', 'connect')
    if not os.path.islink(link):
        os.symlink(REPO, link)
    return root


CHILDREN = {}   # pid -> Popen: everything we started, stopped on any exit


def spawn(args, **kwargs):
    process = subprocess.Popen(args, start_new_session=True, **kwargs)
    CHILDREN[process.pid] = process
    return process


def stop(process, grace=10.0):
    """Stop a child we started (and its process group: ansible's forks), by its id."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(grace)
    CHILDREN.pop(process.pid, None)


def stop_all():
    for process in list(CHILDREN.values()):
        stop(process)


def _terminate(signum, _frame):
    raise KeyboardInterrupt('signal %d' % signum)


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid):
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return None


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------------
# the simulated fleet
# --------------------------------------------------------------------------------------------
class Fleet:
    def __init__(self, size, workroot, rtt_ms=0, ghec_rtt_ms=0):
        self.size = size
        self.rtt_ms, self.ghec_rtt_ms = rtt_ms, ghec_rtt_ms
        self.workdir = os.path.join(workroot, 'fleet-%d' % size + ('-rtt%g' % rtt_ms if rtt_ms or ghec_rtt_ms else ''))
        os.makedirs(self.workdir, exist_ok=True)
        spec = os.path.join(self.workdir, 'spec.json')
        with open(spec, 'w', encoding='utf-8') as handle:
            # the simulator's network latency: see tests/simulator/CONTRACT.md (rtt_ms, ghec_rtt_ms)
            json.dump({'seed': 1, 'count': size, 'defaults': dict(CONVERGED, rtt_ms=rtt_ms),
                       'ghec_rtt_ms': ghec_rtt_ms}, handle)
        env = dict(os.environ, PYTHONPATH=os.path.join(REPO, 'tests'))
        self.log = open(os.path.join(self.workdir, 'simulator.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        began = time.monotonic()
        self.process = spawn([sys.executable, '-m', 'simulator', '--spec', spec, '--workdir', self.workdir],
                             env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO)
        info_path = os.path.join(self.workdir, 'simulator.json')
        while True:
            try:
                with open(info_path, encoding='utf-8') as handle:
                    self.info = json.load(handle)
                break
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None or time.monotonic() - began > 60:
                raise RuntimeError('the simulator for %d appliances did not start; see %s' % (size, self.log.name))
            time.sleep(0.1)
        self.start_seconds = round(time.monotonic() - began, 2)
        sys.path.insert(0, os.path.join(REPO, 'tests', 'simulator'))
        from control_client import Control  # pylint: disable=import-outside-toplevel
        self.ctl = Control(self.info['control_url'], self.info['ca_path'])
        self.names = sorted(self.info['appliances'])
        self.inventory = self.info['inventory_path']

    def set_statistics(self, on):
        for name in self.names:
            self.ctl.patch(name, features={'server_statistics': on})
        state = self.ctl.appliance(self.names[0])
        if state['features'].get('server_statistics') != on or not state['features'].get('license_usage_sync'):
            raise RuntimeError('could not switch server statistics to %s: %s' % (on, state['features']))

    def clear_logs(self):
        for name in self.names:
            self.ctl.clear_requests(name)
        self.ctl.clear_ghec_requests()

    def read_logs(self):
        """Per-appliance and GHEC request counts since clear_logs()."""
        totals = self.ctl.totals()
        per = []
        methods = collections.Counter()
        paths = collections.Counter()
        for name in self.names:
            log = self.ctl.requests(name)
            entry = {'reads': log['reads'], 'writes': log['writes']}
            counts = collections.Counter(r['method'] for r in log['requests'])
            entry.update(get=counts.get('GET', 0), post=counts.get('POST', 0),
                         other=sum(v for k, v in counts.items() if k not in ('GET', 'POST')))
            methods.update(counts)
            paths.update('%s %s' % (r['method'], r['path']) for r in log['requests'])
            per.append(entry)
        ghec_log = self.ctl.ghec_requests()
        ghec_paths = collections.Counter('%s %s' % (r['method'], r['path']) for r in ghec_log['requests'])
        count = len(per)

        def mean(key):
            return round(sum(e[key] for e in per) / count, 2)

        return {
            'appliances': count,
            'per_appliance': {'reads': mean('reads'), 'writes': mean('writes'), 'get': mean('get'),
                              'post': mean('post'), 'other': mean('other'),
                              'max_requests': max(e['reads'] + e['writes'] for e in per)},
            'appliance_total': {'reads': sum(e['reads'] for e in per), 'writes': sum(e['writes'] for e in per),
                                'post': methods.get('POST', 0)},
            'appliance_paths_per_appliance': dict((k, round(v / count, 2)) for k, v in sorted(paths.items())),
            'ghec': {'reads': totals['ghec']['reads'], 'writes': totals['ghec']['writes'],
                     'requests': totals['ghec']['reads'] + totals['ghec']['writes'], 'paths': dict(ghec_paths)},
        }

    def stop(self):
        stop(self.process)
        self.log.close()


# --------------------------------------------------------------------------------------------
# one ansible-playbook run
# --------------------------------------------------------------------------------------------
class Runner:
    def __init__(self, workroot, collections_root, bytecode='cached'):
        self.workroot = workroot
        self.logs = os.path.join(workroot, 'logs')
        os.makedirs(self.logs, exist_ok=True)
        config = os.path.join(workroot, 'ansible.cfg')
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write('# empty on purpose: Ansible defaults, whatever ~/.ansible.cfg says\n[defaults]\n')
        self.env = dict(os.environ)
        self.env.update({
            'ANSIBLE_CONFIG': config,
            'ANSIBLE_COLLECTIONS_PATH': collections_root,
            'ANSIBLE_CALLBACK_PLUGINS': os.path.join(BENCH, 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timing',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOCAL_TEMP': os.path.join(workroot, 'ansible-local'),
            'PATH': os.path.join(VENV, 'bin') + os.pathsep + os.environ.get('PATH', ''),
        })
        if bytecode == 'cached':
            # Bytecode as an installed collection has it after its first import. These machines set
            # PYTHONDONTWRITEBYTECODE=1 and the checkout has no __pycache__, so every forked worker
            # would compile the collection's plugins and module_utils again (~15 ms CPU per host-task).
            # The cache lives in the work dir: nothing is written into the checkout.
            self.env.pop('PYTHONDONTWRITEBYTECODE', None)
            self.env['PYTHONPYCACHEPREFIX'] = os.path.join(workroot, 'pycache')
        self.playbook = os.path.join(VENV, 'bin', 'ansible-playbook')
        self.counter = 0

    def run(self, scenario, fleet, forks, label, extra=()):
        self.counter += 1
        stem = '%03d-%s' % (self.counter, label)
        timing_file = os.path.join(self.logs, stem + '.timing.json')
        report_dir = os.path.join(self.workroot, 'reports', stem)
        args = [self.playbook, '-i', fleet.inventory, '-f', str(forks), SCENARIOS[scenario][0]]
        if scenario in DRIFT:
            args += ['-e', 'drift_report_dir=%s' % report_dir, '-e', 'drift_fail_on_drift=true']
        args += list(extra)
        env = dict(self.env, GHES_BENCH_TIMING_FILE=timing_file)
        timeout = 120 + 3.0 * fleet.size      # bounded: no run outlives this
        log_path = os.path.join(self.logs, stem + '.log')
        load_start = loadavg()
        sim_cpu = cpu_seconds(fleet.process.pid)
        cpu_before = children_cpu()
        with open(log_path, 'w', encoding='utf-8') as log:
            spawned = time.time()
            began = time.monotonic()
            process = spawn(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workroot)
            try:
                rc = process.wait(timeout)
            except subprocess.TimeoutExpired:
                stop(process)
                rc = 'timeout after %ds' % timeout
            seconds = time.monotonic() - began
            ended = time.time()
            CHILDREN.pop(process.pid, None)
        sim_cpu_after = cpu_seconds(fleet.process.pid)
        run = {
            'scenario': scenario, 'size': fleet.size, 'forks': forks, 'seconds': round(seconds, 3), 'rc': rc,
            'load_start': load_start, 'load_end': loadavg(),
            'cpu_ansible_s': round(children_cpu() - cpu_before, 2),
            'cpu_simulator_s': round(sim_cpu_after - sim_cpu, 2) if None not in (sim_cpu, sim_cpu_after) else None,
            'log': log_path,
        }
        timing = _read_json(timing_file)
        run.update(_timing_summary(timing, spawned, ended, fleet.names))
        problem = None
        if rc != 0:
            problem = 'exit status %s' % rc
        elif not timing:
            problem = 'no timing file (callback not loaded?)'
        elif scenario == 'enable_noop' and run['changed_results']:
            problem = '%d changed results: the fleet was not converged' % run['changed_results']
        run['ok'] = problem is None
        if problem:
            run['problem'] = problem
            drift = _read_json(os.path.join(report_dir, 'drift.json'))
            if drift and drift.get('drifted'):
                # Which appliances drifted on a converged fleet, and why (errors under load, usually).
                run['drifted'] = [{'appliance': r['appliance'], 'error': r.get('error'),
                                   'differences': r.get('differences')}
                                  for r in drift['appliances'] if r.get('differences')][:20]
                for entry in run['drifted'][:5]:
                    try:   # what the appliance saw (the simulator's log), while it is still up
                        entry['last_requests'] = fleet.ctl.requests(entry['appliance'])['requests'][-12:]
                    except Exception as exc:  # pylint: disable=broad-except
                        entry['last_requests'] = 'unavailable: %s' % exc
                problem += '; drifted: ' + '; '.join('%s %s' % (d['appliance'], d['error'] or d['differences'])
                                                     for d in run['drifted'][:5])
                run['problem'] = problem
            with open(log_path, encoding='utf-8', errors='replace') as handle:
                tail = handle.read()[-3000:]
            print('\n!! %s (%d appliances, forks %d) failed: %s; log %s\n%s'
                  % (scenario, fleet.size, forks, problem, log_path, tail), flush=True)
        return run


def _read_json(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _timing_summary(timing, spawned, ended, appliances):
    """Tasks per appliance, changed results, and where the time went (start-up, each task, exit)."""
    if not timing:
        return {'tasks_per_host': None, 'changed_results': 0, 'profile': None}
    wanted = set(appliances)
    per_host = collections.Counter()
    changed = 0
    for task in timing['tasks']:
        for host, (_start, _end, status) in task['hosts'].items():
            if host in wanted and status != 'included':
                per_host[host] += 1
            changed += status == 'changed'
    tasks = timing['tasks']
    profile = []
    for index, task in enumerate(tasks):
        nxt = tasks[index + 1]['start'] if index + 1 < len(tasks) else timing['end']
        durations = [end - start for start, end, _s in task['hosts'].values() if start is not None and end]
        profile.append({'task': task['name'], 'action': task['action'], 'hosts': len(task['hosts']),
                        'span_s': round(nxt - task['start'], 3),
                        'host_mean_ms': round(1000 * statistics.mean(durations), 1) if durations else None})
    playbook_start = timing.get('playbook_start') or spawned
    return {
        'tasks_per_host': round(statistics.mean(per_host[h] for h in appliances), 2),
        'changed_results': changed,
        'profile': {'startup_s': round(playbook_start - spawned, 3),
                    'tasks_s': round(timing['end'] - playbook_start, 3),
                    'exit_s': round(ended - timing['end'], 3),
                    'tasks': profile},
    }


# --------------------------------------------------------------------------------------------
# the config-run poller
# --------------------------------------------------------------------------------------------
def measure_config_poller(fleet, collections_root, repeats):
    """ConfigRunner.apply() against appliances whose runs take CONFIG_APPLY_SECONDS: wall time minus that."""
    sys.path.insert(0, collections_root)
    # pylint: disable=import-outside-toplevel
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec
    from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion

    picks = {}
    for name in fleet.names:
        version = GhesVersion(fleet.info['appliances'][name]['version'])
        kind = 'manage_api' if version.has('manage_config') else 'setup_api'
        picks.setdefault(kind, name)
    results = []
    for kind, name in sorted(picks.items()):
        app = fleet.info['appliances'][name]
        raw = {'url': app['url'], 'manage_url': app['manage_url'], 'manage_password': app['manage_password'],
               'ca_path': fleet.info['ca_path'], 'hostname': app['hostname']}
        validated = ArgumentSpecValidator(**appliance_spec().kwargs()).validate(raw)
        if validated.error_messages:
            raise RuntimeError('config poller params: %s' % validated.error_messages)
        original = fleet.ctl.appliance(name).get('config_apply_seconds')
        fleet.ctl.patch(name, config_apply_seconds=CONFIG_APPLY_SECONDS)
        lags, polls = [], []
        try:
            for _attempt in range(repeats):
                runner = Appliance(validated.validated_parameters).config_runner   # version read here, not timed
                fleet.ctl.clear_requests(name)
                began = time.monotonic()
                runner.apply(timeout=30)
                lags.append(time.monotonic() - began - CONFIG_APPLY_SECONDS)
                polls.append(sum(1 for r in fleet.ctl.requests(name)['requests'] if r['method'] == 'GET'))
        finally:
            fleet.ctl.patch(name, config_apply_seconds=original if original is not None else 1.0)
        results.append({'api': kind, 'appliance': name, 'version': app['version'],
                        'config_apply_seconds': CONFIG_APPLY_SECONDS, 'runs': repeats,
                        'lag_median_s': round(statistics.median(lags), 3), 'lag_max_s': round(max(lags), 3),
                        'lags_s': [round(x, 3) for x in lags], 'status_polls_median': statistics.median(polls)})
    return results


# --------------------------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------------------------
def summarise(runs):
    """One row per (variant, size, forks, scenario): medians and paired ratios."""
    groups = collections.OrderedDict()
    for run in runs:
        if run['role'] == 'paired_floor':
            continue
        key = (run['variant'], run['size'], run['forks'], run['scenario'])
        groups.setdefault(key, []).append(run)
    rows = []
    for (variant, size, forks, scenario), group in groups.items():
        good = [r for r in group if r['ok']]
        row = {'variant': variant, 'size': size, 'forks': forks, 'scenario': scenario, 'runs': len(group),
               'failed_runs': len(group) - len(good)}
        if good:
            median = statistics.median(r['seconds'] for r in good)
            row.update(median_s=round(median, 3), per_appliance_ms=round(1000 * median / size, 2),
                       tasks_per_host=statistics.median(r['tasks_per_host'] for r in good))
            floors = [r['seconds'] / r['floor_s'] for r in good if r.get('floor_s')]
            row['ratio_floor'] = round(statistics.median(floors), 3) if floors else None
            hand = [r['seconds'] / r['handwritten_s'] for r in good if r.get('handwritten_s')]
            row['ratio_handwritten'] = round(statistics.median(hand), 3) if hand else None
            if scenario == 'enable_noop' and row['ratio_floor'] is not None:
                row['ratio_floor_per_task'] = round(row['ratio_floor'] / row['tasks_per_host'], 3)
            row['load_1min'] = [r['load_start'][0] for r in good]
        rows.append(row)
    return rows


def least_squares(points):
    """(slope, intercept, r2) of y = a + b x."""
    xs = [x for x, _y in points]
    ys = [y for _x, y in points]
    mx = sum(xs) / len(xs)
    my = sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return slope, intercept, (1 - ss_res / ss_tot) if ss_tot else 1.0


def slopes(rows):
    by = collections.OrderedDict()
    for row in rows:
        if row.get('median_s') is not None:
            by.setdefault((row['variant'], row['scenario'], row['forks']), []).append((row['size'], row['median_s']))
    fits = []
    floor_slope = {}
    for (variant, scenario, forks), points in by.items():
        points.sort()
        if len(points) < 2:
            continue
        slope, intercept, r2 = least_squares(points)
        segments = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(points, points[1:])]
        fit = {'variant': variant, 'scenario': scenario, 'forks': forks, 'sizes': [p[0] for p in points],
               'slope_ms_per_appliance': round(1000 * slope, 2), 'intercept_s': round(intercept, 2),
               'r2': round(r2, 4), 'segment_slopes_ms': [round(1000 * s, 2) for s in segments],
               'segment_growth': round(segments[-1] / segments[0], 2) if len(segments) > 1 and segments[0] > 0 else None}
        if scenario == 'floor':
            floor_slope[(variant, forks)] = slope
        fits.append(fit)
    for fit in fits:
        base = floor_slope.get((fit['variant'], fit['forks']))
        fit['marginal_ratio_floor'] = round(fit['slope_ms_per_appliance'] / 1000 / base, 3) if base else None
    return fits


def targets(rows, fits, counts, poller, sizes):
    """Each target: PASS only when every measured size, forks value and variant meets it."""
    out = []

    def add(tid, text, scenario, variant, limit, unit, measured, value, ok, note=None):
        """``measured``: [{at, ...}]; ``value(m)`` the figure compared; ``ok(m)`` whether m meets the target."""
        if not measured:
            return
        worst = max(measured, key=value)
        out.append({'id': tid, 'target': text, 'scenario': scenario, 'variant': variant, 'limit': limit,
                    'unit': unit, 'worst': value(worst), 'worst_at': worst.get('at'),
                    'status': 'PASS' if all(ok(m) for m in measured) else 'MISS', 'measured': measured, 'note': note})

    def at(row):
        return '%d/f%d' % (row['size'], row['forks'])

    def ratio_rows(sel, key, **extra):
        return [dict({'at': at(r), 'ratio': r[key]}, **dict((k, r.get(k)) for k in extra))
                for r in sel if r.get(key) is not None]

    def under(limit):
        return lambda m: m['ratio'] <= limit

    def ratio(m):
        return m['ratio']

    for variant in VARIANTS:
        mine = [r for r in rows if r['variant'] == variant and r.get('median_s') is not None]
        for scenario in DRIFT:
            sel = [r for r in mine if r['scenario'] == scenario]
            add('T1', 'drift check per appliance <= 1.5 x floor', scenario, variant, 1.5, 'x',
                ratio_rows(sel, 'ratio_floor'), ratio, under(1.5))
            add('T2', 'drift check per appliance <= 0.1 x hand-written', scenario, variant, 0.1, 'x',
                ratio_rows(sel, 'ratio_handwritten'), ratio, under(0.1))
        big = [r for r in mine if r['scenario'] == 'drift_scan' and r['size'] >= 1000]
        add('T3', 'fleet scan at 1,000 per appliance <= 0.5 x floor', 'drift_scan', variant, 0.5, 'x',
            ratio_rows(big, 'ratio_floor'), ratio, under(0.5))
        sel = [r for r in mine if r['scenario'] == 'enable_noop']
        add('T4', 'no-op enable.yml per host-task <= 2 x floor', 'enable_noop', variant, 2.0, 'x',
            ratio_rows(sel, 'ratio_floor_per_task', tasks_per_host=None), ratio, under(2.0))
        noop = [c for c in counts if c['variant'] == variant and c['scenario'] == 'enable_noop']
        add('T5', 'no-op enable.yml: only GET requests to appliances, no writes', 'enable_noop', variant, 0, 'writes',
            [{'at': '%d' % c['size'], 'writes': c['appliance_total']['writes'],
              'posts': c['appliance_total']['post'], 'posts_per_appliance': c['per_appliance']['post'],
              'other_per_appliance': c['per_appliance']['other']} for c in noop],
            lambda m: m['writes'], lambda m: m['writes'] == 0 and m['other_per_appliance'] == 0,
            note='POSTs are console sign-ins (not writes)' if any(c['appliance_total']['post'] for c in noop) else None)
        for scenario in OURS:
            sel = [f for f in fits if f['variant'] == variant and f['scenario'] == scenario
                   and f['segment_growth'] is not None]
            add('T6', 'time linear in fleet size: last/first segment slope <= 1.5 and R^2 >= 0.99', scenario,
                variant, 1.5, 'growth',
                [{'at': 'f%d' % f['forks'], 'growth': f['segment_growth'], 'r2': f['r2'],
                  'slope_s_per_appliance': round(f['slope_ms_per_appliance'] / 1000, 4)} for f in sel],
                lambda m: m['growth'], lambda m: m['growth'] <= 1.5 and m['r2'] >= 0.99)
            ghec = [c for c in counts if c['variant'] == variant and c['scenario'] == scenario]
            constant = len(set(c['ghec']['requests'] for c in ghec)) == 1
            add('T7', 'GHEC requests per run constant in fleet size and <= 3', scenario, variant, 3, 'requests',
                [{'at': '%d' % c['size'], 'ghec_requests': c['ghec']['requests'],
                  'graphql_pages': c['ghec']['paths'].get('POST /graphql', 0)} for c in ghec],
                lambda m: m['ghec_requests'], lambda m: constant and m['ghec_requests'] <= 3,
                note='constant' if constant else (
                    'grows with the installations GHEC lists: GraphQL gives at most %d a page' % GRAPHQL_PAGE_SIZE))
    for entry in poller or []:
        add('T8', 'finished config run noticed within 1 s', 'ConfigRunner.apply', entry['api'], 1.0, 's',
            [{'at': entry['appliance'], 'lag_median_s': entry['lag_median_s'], 'lag_max_s': entry['lag_max_s']}],
            lambda m: m['lag_max_s'], lambda m: m['lag_max_s'] <= 1.0)
    if len(sizes) < 3:
        out.append({'id': 'T6', 'target': 'time linear in fleet size', 'scenario': '-', 'variant': '-',
                    'limit': None, 'unit': '', 'worst': None, 'worst_at': None, 'status': 'n/a',
                    'measured': [], 'note': 'needs 3 sizes (run without --quick)'})
    return out


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def fmt(value, spec='%.2f'):
    return '-' if value is None else spec % value


def table(header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    lines = ['| ' + ' | '.join(str(h).ljust(w) for h, w in zip(header, widths)) + ' |',
             '|' + '|'.join('-' * (w + 2) for w in widths) + '|']
    lines += ['| ' + ' | '.join(str(c).ljust(w) for c, w in zip(row, widths)) + ' |' for row in rows]
    return '\n'.join(lines)


def render(results):
    meta = results['meta']
    out = ['# ghes.connect fleet benchmarks', '',
           'Run %s, %s, %.1f min on %s (%d CPUs), ansible-core %s, Python %s, bytecode %s; load average at start %s, '
           'end %s.' % (meta['started'], meta['commit'], meta['duration_s'] / 60, meta['host'], meta['cpus'],
                        meta['ansible_core'], meta['python'], meta.get('bytecode'), meta['load_start'],
                        meta['load_end']),
           '', 'Command: `%s`' % meta['command'], '']
    for note in meta['notes']:
        out.append('- ' + note)
    out += ['', '## Whole ansible-playbook runs (median)', '',
            'ratio to floor: median over runs of (run / the floor run just before it, same inventory); '
            'ratio to hand-written: median of (run / hand-written run of the same round). '
            'Hand-written, baseline and floor do not read server statistics: they run in the `statistics` '
            'variant only, and the `console` variant compares with those.', '']
    rows = []
    for r in results['summary']:
        rows.append([r['scenario'], r['variant'], r['size'], r['forks'], r['runs'], fmt(r.get('median_s'), '%.2f'),
                     fmt(r.get('per_appliance_ms'), '%.1f'), fmt(r.get('ratio_floor'), '%.2f'),
                     fmt(r.get('ratio_handwritten'), '%.3f'), fmt(r.get('tasks_per_host'), '%g'),
                     fmt(r.get('ratio_floor_per_task'), '%.2f')])
    out.append(table(['scenario', 'variant', 'size', 'forks', 'runs', 'median s', 'ms/appliance', 'x floor',
                      'x hand-written', 'tasks/host', 'x floor per task'], rows))
    out += ['', '## Requests (one run each, logged by the simulator)', '',
            'Per appliance: mean over the fleet. Writes are the simulator\'s classification (a console sign-in '
            'POST is not a write); POSTs are counted anyway.', '']
    rows = []
    for c in results['requests']:
        p = c['per_appliance']
        rows.append([c['scenario'], c['variant'], c['size'], '%g' % p['reads'], '%g' % p['writes'], '%g' % p['get'],
                     '%g' % p['post'], '%g' % p['other'], c['ghec']['requests'], c['ghec']['writes'],
                     ', '.join('%s x%d' % (k, v) for k, v in sorted(c['ghec']['paths'].items()))])
    out.append(table(['scenario', 'variant', 'size', 'reads/app', 'writes/app', 'GET/app', 'POST/app',
                      'other/app', 'GHEC req', 'GHEC writes', 'GHEC requests'], rows))
    seen = set()
    out += ['', 'Appliance requests per appliance, by path (largest fleet):', '']
    largest = max((c['size'] for c in results['requests']), default=0)
    for c in results['requests']:
        if c['size'] != largest or c['scenario'] == 'floor' or (c['scenario'], c['variant']) in seen:
            continue
        seen.add((c['scenario'], c['variant']))
        paths = ', '.join('%s x%g' % (k, v) for k, v in c['appliance_paths_per_appliance'].items())
        out.append('- %s (%s): %s' % (c['scenario'], c['variant'], paths or 'none'))
    out += ['', '## Growth with fleet size (least squares of the median over sizes)', '']
    rows = [[f['scenario'], f['variant'], f['forks'], ' '.join(str(s) for s in f['sizes']),
             fmt(f['slope_ms_per_appliance'] / 1000, '%.4f'), fmt(f['slope_ms_per_appliance'], '%.1f'),
             fmt(f['intercept_s'], '%.2f'), fmt(f['r2'], '%.4f'),
             ' / '.join('%.1f' % s for s in f['segment_slopes_ms']), fmt(f['marginal_ratio_floor'], '%.2f')]
            for f in results['slopes']]
    out.append(table(['scenario', 'variant', 'forks', 'sizes', 'slope s/appliance', 'ms/appliance', 'intercept s',
                      'R^2', 'segment slopes ms', 'marginal x floor'], rows))
    out += ['', '## Targets', '']
    rows = []
    for t in results['targets']:
        detail = '; '.join('%s: %s' % (m.get('at'), ', '.join('%s=%s' % (k, v) for k, v in m.items() if k != 'at'))
                           for m in t['measured'])
        rows.append([t['id'], t['target'], t['scenario'], t['variant'], t['status'],
                     '%s %s' % (t['worst'], t['unit']) if t['worst'] is not None else '-',
                     '%s %s' % (t['limit'], t['unit']) if t['limit'] is not None else '-', t.get('worst_at') or '-',
                     (detail + ('; ' + t['note'] if t.get('note') else ''))])
    out.append(table(['id', 'target', 'scenario', 'variant', 'status', 'worst', 'limit', 'worst at', 'measured'],
                     rows))
    if results.get('config_poller'):
        out += ['', '## Config-run poller', '']
        rows = [[p['api'], p['appliance'], p['version'], p['config_apply_seconds'], p['runs'], p['lag_median_s'],
                 p['lag_max_s'], p['status_polls_median']] for p in results['config_poller']]
        out.append(table(['API', 'appliance', 'version', 'simulated run s', 'runs', 'lag median s', 'lag max s',
                          'GETs per apply'], rows))
    profiles = results.get('profiles') or {}
    if profiles:
        largest = max(profiles, key=int)
        out += ['', '## Where the time goes (first round, %s appliances, first forks value)' % largest, '',
                'From benchmarks/callback_plugins/bench_timing.py: start-up = process start to the first play, '
                'exit = end of the last task to process exit; per task its wall span and the mean time of one '
                'host\'s run of it (from the worker starting it to its result).', '']
        for name, prof in profiles[largest].items():
            tasks = sorted(prof['tasks'], key=lambda t: -t['span_s'])[:6]
            out.append('- %s: start-up %.2f s, tasks %.2f s, exit %.2f s; longest tasks: %s' % (
                name, prof['startup_s'], prof['tasks_s'], prof['exit_s'],
                '; '.join('%s [%s] %.2f s over %d hosts (%s ms/host run)' % (
                    t['task'], t['action'], t['span_s'], t['hosts'], fmt(t['host_mean_ms'], '%.0f')) for t in tasks)))
        out += ['', 'Mean time of one host\'s run of each per-host task, by fleet size (ms): a cost that grows '
                'with the fleet is per-host work proportional to the fleet.', '']
        sizes = sorted(profiles, key=int)
        seen = collections.OrderedDict()
        for size in sizes:
            for name, prof in profiles[size].items():
                for task in prof['tasks']:
                    if task['hosts'] == int(size) and task['host_mean_ms'] is not None:
                        seen.setdefault((name, task['task']), {})[size] = task['host_mean_ms']
        rows = [[name, task[:60]] + [fmt(values.get(size), '%.0f') for size in sizes]
                for (name, task), values in seen.items()]
        out.append(table(['playbook', 'task'] + ['%s apps' % s for s in sizes], rows))
    return '\n'.join(out) + '\n'


# --------------------------------------------------------------------------------------------
# the matrix
# --------------------------------------------------------------------------------------------
def rounds_for(size, args):
    return args.large_runs if size >= args.large_size else args.runs


def run_matrix(args, workroot, collections_root, notes, state):
    """Fill ``state`` (runs, counts, profiles, poller) as it goes: an interrupted run keeps what it measured."""
    runner = Runner(workroot, collections_root, args.bytecode)
    runs, counts, profiles = state['runs'], state['counts'], state['profiles']
    for size in args.sizes:
        size_started = time.monotonic()
        fleet = Fleet(size, workroot)
        print('== %d appliances: simulator up in %.2f s (pid %d)' % (size, fleet.start_seconds, fleet.process.pid),
              flush=True)
        try:
            if size == args.sizes[0]:
                # One unmeasured run of every playbook measured first: bytecode, page cache, the simulator's
                # lazy secrets.
                for scenario in [s for s in SCENARIOS if s == 'floor' or not args.scenarios or s in args.scenarios]:
                    warm = runner.run(scenario, fleet, args.forks[0], '%d-warmup-%s' % (size, scenario))
                    print('   (warm-up %s: %.2f s%s)' % (scenario, warm['seconds'], '' if warm['ok'] else ', FAILED'),
                          flush=True)
            handwritten = {}
            for variant, statistics_on in VARIANTS.items():
                fleet.set_statistics(statistics_on)
                sequence = (['floor', 'baseline', 'handwritten'] if variant == 'statistics' else []) + list(OURS)
                sequence = [s for s in sequence if (not args.scenarios or s in args.scenarios)
                            and '%s:%s' % (variant, s) not in args.skip]
                counted = set()
                for forks in args.forks:
                    for round_no in range(rounds_for(size, args)):
                        floor_s = None
                        for scenario in sequence:
                            if scenario in OURS or floor_s is None:
                                # the floor runs immediately before each of ours, and before the references
                                first = floor_s is None
                                label = '%d-%s-f%d-r%d-floor' % (size, variant, forks, round_no)
                                floor = _one(runner, fleet, 'floor', forks, label, 'floor' not in counted, counts,
                                             variant)
                                counted.add('floor')
                                floor.update(variant=variant, round=round_no,
                                             role='scenario' if first else 'paired_floor',
                                             floor_s=floor['seconds'] if floor['ok'] else None)
                                runs.append(floor)
                                floor_s = floor['seconds'] if floor['ok'] else None
                                _progress(floor)
                            if scenario == 'floor':
                                continue
                            label = '%d-%s-f%d-r%d-%s' % (size, variant, forks, round_no, scenario)
                            run = _one(runner, fleet, scenario, forks, label, scenario not in counted, counts,
                                       variant)
                            counted.add(scenario)
                            run.update(variant=variant, round=round_no, role='scenario', floor_s=floor_s,
                                       handwritten_s=handwritten.get((forks, round_no)))
                            if scenario == 'handwritten' and run['ok']:
                                handwritten[(forks, round_no)] = run['seconds']
                                run['handwritten_s'] = None
                            runs.append(run)
                            _progress(run)
                            if forks == args.forks[0] and round_no == 0 and run.get('profile'):
                                profiles.setdefault(str(size), {})['%s (%s)' % (scenario, variant)] = run['profile']
                                if floor.get('profile'):
                                    profiles[str(size)].setdefault('floor', floor['profile'])
            if size == min(args.sizes) and not args.no_poller:
                fleet.set_statistics(True)
                state['poller'] = poller = measure_config_poller(fleet, collections_root, args.poller_runs)
                for entry in poller:
                    print('   config poller (%s, %s): lag median %.3f s, max %.3f s' % (
                        entry['api'], entry['appliance'], entry['lag_median_s'], entry['lag_max_s']), flush=True)
        finally:
            fleet.stop()
        minutes = (time.monotonic() - size_started) / 60
        print('   %d appliances done in %.1f min' % (size, minutes), flush=True)
        if size >= args.large_size and args.large_runs < args.runs:
            notes.append('%d appliances: each scenario ran %d time(s) per forks value (smaller fleets: median of %d '
                         'runs); that part took %.1f min, so %d runs would add about %.0f min more.'
                         % (size, args.large_runs, args.runs, minutes, args.runs,
                            minutes * (args.runs - args.large_runs) / args.large_runs))


def finish_runs(runs, notes):
    for run in runs:
        if not run.get('ok'):
            notes.append('FAILED run: %s %s %d appliances forks %d: %s (log %s)' % (
                run['scenario'], run['variant'], run['size'], run['forks'], run.get('problem'), run['log']))
        run.pop('profile', None)     # kept in results['profiles'] for the first round of each size


def _one(runner, fleet, scenario, forks, label, count, counts, variant):
    if count:
        fleet.clear_logs()
    run = runner.run(scenario, fleet, forks, label)
    if count:
        entry = fleet.read_logs()
        entry.update(scenario=scenario, variant=variant, size=fleet.size, forks=forks)
        counts.append(entry)
    return run


def _progress(run):
    print('   %-15s %-10s forks %-2d round %d: %7.2f s  load %s -> %s%s' % (
        run['scenario'], run['variant'], run['forks'], run['round'], run['seconds'], run['load_start'][0],
        run['load_end'][0], '' if run['ok'] else '  FAILED: %s' % run.get('problem')), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[10, 100, 1000])
    parser.add_argument('--forks', type=int, nargs='+', default=[5, 20])
    parser.add_argument('--runs', type=int, default=3, help='runs per scenario below --large-size (median)')
    parser.add_argument('--large-size', type=int, default=1000)
    parser.add_argument('--large-runs', type=int, default=1,
                        help='runs per scenario from --large-size up (default 1: a 3-run matrix takes well over '
                             '25 minutes on 2 cores)')
    parser.add_argument('--quick', action='store_true',
                        help='sizes 10 and 100, 1 run, forks 5 unless --forks is given (a few minutes)')
    parser.add_argument('--scenarios', nargs='+', choices=list(SCENARIOS), help='only these (floor always runs)')
    parser.add_argument('--skip', nargs='+', default=[], metavar='VARIANT:SCENARIO',
                        help='leave out e.g. console:enable_noop')
    parser.add_argument('--bytecode', choices=['cached', 'env'], default='cached',
                        help='cached (default): ansible-playbook runs with a bytecode cache in the work dir, as an '
                             'installed collection has; env: as the environment says (PYTHONDONTWRITEBYTECODE=1 on '
                             'these machines: the collection is compiled again in every worker)')
    parser.add_argument('--poller-runs', type=int, default=5)
    parser.add_argument('--no-poller', action='store_true')
    parser.add_argument('--output', default=RESULTS, help='where fleet.json and fleet.md go (default %(default)s)')
    parser.add_argument('--keep', action='store_true', help='keep the work dir (logs, reports, simulator files)')
    args = parser.parse_args()
    command = 'python benchmarks/fleet.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
    ensure_venv()
    if args.quick:
        # A smoke run of every target in under 3 minutes: the two dearest runs that no target needs
        # (the baseline, and enable.yml once more with the console) are left out.
        args.sizes, args.runs, args.large_runs = [10, 100], 1, 1
        args.poller_runs = min(args.poller_runs, 2)
        args.skip = list(args.skip) + ['statistics:baseline', 'console:enable_noop']
        if '--forks' not in sys.argv:
            args.forks = [5]
    if any(s < 1 for s in args.sizes) or any(f < 1 for f in args.forks) or args.runs < 1 or args.large_runs < 1:
        parser.error('sizes, forks and runs must be 1 or more')
    args.sizes = sorted(set(args.sizes))

    signal.signal(signal.SIGINT, signal.default_int_handler)    # also when started in the background
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    workroot = tempfile.mkdtemp(prefix='ghes-bench-')
    collections_root = use_collection_tree(os.path.join(workroot, 'collections'))
    notes = []
    if args.quick:
        notes.append('--quick: sizes 10 and 100, one run, forks %s, config poller %d runs; left out: %s.'
                     % (' '.join(map(str, args.forks)), args.poller_runs, ', '.join(args.skip)))
    elif args.skip:
        notes.append('left out: %s.' % ', '.join(args.skip))
    started = time.time()
    load_start = loadavg()
    code_start = code_state()
    print('ghes.connect fleet benchmark: sizes %s, forks %s, runs %d (%d from %d appliances); work dir %s' % (
        args.sizes, args.forks, args.runs, args.large_runs, args.large_size, workroot), flush=True)
    state = {'runs': [], 'counts': [], 'profiles': {}, 'poller': None}
    interrupted = False
    try:
        run_matrix(args, workroot, collections_root, notes, state)
    except KeyboardInterrupt:
        interrupted = True
        print('\ninterrupted: stopping the simulator and any running playbook', file=sys.stderr, flush=True)
    finally:
        stop_all()
    runs, counts, profiles, poller = state['runs'], state['counts'], state['profiles'], state['poller']
    finish_runs(runs, notes)
    code_end = code_state()
    if code_end != code_start:
        # The checkout is shared: someone committed or edited the code under test while this ran.
        notes.append('The code under test changed during this run: %s at the start, %s at the end.'
                     % (code_start, code_end))
    if interrupted:
        notes.append('INTERRUPTED: partial results.')
        args.output, args.keep = workroot, True    # never overwrite the committed results with a partial run
    rows = summarise(runs)
    fits = slopes(rows)
    results = {
        'meta': {
            'started': datetime.datetime.fromtimestamp(started, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'duration_s': round(time.time() - started, 1), 'command': command,
            'commit': code_start['commit'], 'code_start': code_start, 'code_end': code_end,
            'host': platform.node(), 'cpus': os.cpu_count(),
            'python': platform.python_version(), 'ansible_core': _ansible_version(),
            'sizes': args.sizes, 'forks': args.forks, 'runs': args.runs, 'large_runs': args.large_runs,
            'large_size': args.large_size, 'load_start': load_start, 'load_end': loadavg(), 'notes': notes,
            'bytecode': args.bytecode, 'pythondontwritebytecode_in_env': os.environ.get('PYTHONDONTWRITEBYTECODE'),
            'workdir': workroot if args.keep else None,
        },
        'summary': rows, 'requests': counts, 'slopes': fits,
        'targets': targets(rows, fits, counts, poller, args.sizes),
        'config_poller': poller, 'profiles': profiles, 'runs': runs,
    }
    text = render(results)
    try:
        # The files first: a closed stdout (e.g. `| head`) must not lose a long run's results.
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, 'fleet.json'), 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1, sort_keys=False)
            handle.write('\n')
        with open(os.path.join(args.output, 'fleet.md'), 'w', encoding='utf-8') as handle:
            handle.write(text)
        print('\n' + text)
        print('results: %s, %s (%.1f min)' % (os.path.join(args.output, 'fleet.json'),
                                              os.path.join(args.output, 'fleet.md'),
                                              results['meta']['duration_s'] / 60), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    if interrupted:
        return 130
    return 1 if any(not r.get('ok') for r in runs) else 0


def code_state():
    """HEAD, and the files under test that differ from it (the checkout is shared with other engineers)."""
    dirty = _git('status', '--porcelain', '--', 'plugins', 'roles', 'playbooks', 'meta', 'benchmarks')
    return {'commit': _git('rev-parse', '--short', 'HEAD'),
            'uncommitted': sorted(line[3:] for line in (dirty or '').splitlines()
                                  if not line[3:].startswith('benchmarks/results'))}


def _git(*args):
    try:
        return subprocess.run(['git', '-C', REPO] + list(args), capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _ansible_version():
    try:
        from ansible.release import __version__  # pylint: disable=import-outside-toplevel
        return __version__
    except ImportError:
        return None


if __name__ == '__main__':
    sys.exit(main())
