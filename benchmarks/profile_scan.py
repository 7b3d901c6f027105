# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a fleet scan's time goes, measured in-process against a simulated fleet.

    python benchmarks/profile_scan.py [--size 1000] [--sample 100] [--console] [--rtt-ms 50 --ghec-rtt-ms 30]

Runs the steps of the ghe_drift_scan action plugin one by one, with the collection's own
code, outside Ansible (so Ansible's share is what is left of the playbook's time):
  params     validating every host's options (HostOptions)
  warm       the enterprise-wide GHEC reads, once
  sample     gather() of the first --sample appliances one after the other, under cProfile,
             then again without it
  scan       every appliance with --concurrency threads (default: found as the plugin finds it)
             over --processes processes, as the plugin does
  redact     redact() of the scan's result with every host's secrets, as the action base does
Nothing in plugins/ is modified.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import shutil
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import fleet as bench  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--size', type=int, default=1000)
    parser.add_argument('--sample', type=int, default=100)
    parser.add_argument('--concurrency', type=int, help='default: grown as the plugin grows it')
    parser.add_argument('--rtt-ms', type=float, default=0, help="the simulated appliances' round trip")
    parser.add_argument('--ghec-rtt-ms', type=float, default=0)
    parser.add_argument('--processes', type=int, help='default: as the plugin chooses')
    parser.add_argument('--console', action='store_true', help='server statistics off: the console is read')
    args = parser.parse_args()
    bench.ensure_venv()
    workroot = tempfile.mkdtemp(prefix='ghes-profile-')
    # The run's shared cache lives in the temp dir, keyed by the parent's pid: another profile run
    # from the same shell within its TTL would find the versions of appliances on recycled ports.
    os.environ['TMPDIR'] = tempfile.tempdir = workroot
    collections_root = bench.use_collection_tree(os.path.join(workroot, 'collections'))
    sys.path.insert(0, collections_root)
    fleet = None
    try:
        fleet = bench.Fleet(args.size, workroot, rtt_ms=args.rtt_ms, ghec_rtt_ms=args.ghec_rtt_ms)
        if args.console:
            fleet.set_statistics(False)
        run(args, fleet)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
    finally:
        if fleet is not None:
            fleet.stop()
        bench.stop_all()
        shutil.rmtree(workroot, ignore_errors=True)


def run(args, fleet):
    # pylint: disable=import-outside-toplevel
    import yaml
    from ansible_collections.ghes.connect.plugins.action import ghe_drift_scan as scan
    from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
    from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import SECRET_OPTIONS, parse_duration
    from ansible_collections.ghes.connect.plugins.module_utils._common.redact import redact
    from ansible_collections.ghes.connect.plugins.plugin_utils._concurrency import one_appliance_key
    from ansible_collections.ghes.connect.plugins.plugin_utils._fan_out import fan_out

    with open(fleet.inventory, encoding='utf-8') as handle:
        inventory = yaml.safe_load(handle)
    group = inventory['all']['vars']
    hosts = inventory['all']['children']['ghes']['hosts']
    cloud = dict((k, group[k]) for k in ('ghec_url', 'ghec_token', 'ghec_enterprise', 'ghec_ca_path'))
    console = 'auto'
    desired = {'connected': True, 'target': 'github_com', 'license_sync': True, 'max_sync_age': '8d'}
    max_age = parse_duration('8d', 'max_sync_age')
    print('%d appliances, RTT %g ms (GHEC %g ms), server statistics %s; load average %s' % (
        args.size, args.rtt_ms, args.ghec_rtt_ms, 'off (console read)' if args.console else 'on', bench.loadavg()))

    timings = []

    def step(label, items, work):
        """Run ``work()``, recording wall time, this process's CPU time and the simulator's."""
        sim_before, began = bench.cpu_seconds(fleet.process.pid), time.monotonic()
        cpu_before = time.process_time() + bench.children_cpu()      # the scan's forked processes count too
        value = work()
        timings.append((label, time.monotonic() - began, time.process_time() + bench.children_cpu() - cpu_before,
                        bench.cpu_seconds(fleet.process.pid) - sim_before, items))
        return value

    options = scan.HostOptions(dict(scan.DEFAULT_HOST_VARS), cloud)
    jobs = step('params (all)', len(hosts), lambda: [(name, options(name, host)) for name, host in hosts.items()])
    secrets = [p[k] for _n, p in jobs for k in SECRET_OPTIONS if p.get(k)]
    step('warm GHEC reads', 1, lambda: scan.ActionModule._warm_enterprise_reads(jobs))

    def gather_all(selection):
        return [scan._scan_one(console, desired, max_age, secrets, job) for job in selection]

    sample = jobs[:args.sample]
    profiler = cProfile.Profile()
    profiler.enable()
    step('sample, one after the other (cProfile on)', len(sample), lambda: gather_all(sample))
    profiler.disable()
    shared = Appliance(jobs[0][1]).ghec_view.shared
    shared._ensure_directory()      # pylint: disable=protected-access  # where this run's files are
    files = sorted((entry, _size(os.path.join(shared.directory, entry)))
                   for entry in os.listdir(shared.directory) if entry.startswith(shared.prefix) and not entry.endswith('.lock'))
    step('sample again (versions known)', len(sample), lambda: gather_all(sample))

    processes = args.processes or scan._auto_processes(len(jobs))

    def scan_all():
        return fan_out(functools.partial(scan._scan_one, console, desired, max_age, secrets), jobs, args.concurrency,
                       processes, key=one_appliance_key)

    fleet.ctl.clear_connections()
    records = step('scan (all, %s threads, %d processes)' % (args.concurrency or 'auto', processes), len(jobs), scan_all)
    print('most appliance connections in flight at once during the scan: %d'
          % fleet.ctl.connections()['open']['appliances']['peak_in_flight'])
    drifted = [r for r in records if r['differences']]
    step('redact result (%d secrets)' % len(secrets), len(records), lambda: redact(
        {'changed': False, 'appliances': records, 'drifted': [r['appliance'] for r in drifted]}, secrets))

    print('\n| step | seconds | items | ms per item | CPU ms per item (this process and its children) | CPU ms per item (simulator) |')
    print('|---|---|---|---|---|---|')
    for label, seconds, cpu, sim_cpu, items in timings:
        per = 1000.0 / max(items, 1)
        print('| %s | %.2f | %d | %.1f | %.1f | %.1f |' % (label, seconds, items, seconds * per, cpu * per, sim_cpu * per))
    print('\nshared cache of this run (%s): %s' % (
        shared.directory, ', '.join('%s %d KB' % (name[len(shared.prefix) + 1:], size // 1024) for name, size in files)))
    print('drifted appliances: %d %s' % (len(drifted), [(r['appliance'], r['error']) for r in drifted[:3]]))
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats('tottime').print_stats(12)
    print('\ncProfile of the sample (sequential gather of %d appliances), by own time:' % len(sample))
    print('\n'.join(line for line in stream.getvalue().splitlines() if line.strip())[:4000])


def _size(path):
    """Bytes of a file, or of all files of a directory (a read split by host name)."""
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))
    return os.path.getsize(path)


if __name__ == '__main__':
    main()
