# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet scan with a black-hole appliance and a byte-trickling one: does it end within the budget?

    python benchmarks/black_hole_scan.py [--appliances 50] [--timeout 5] [--retries 2] [--trickle 0.5]

One simulator with APPLIANCES converged appliances; ghes-001 accepts connections and never
answers (fault ``hang``), ghes-002 answers every request one byte every TRICKLE seconds (fault
``trickle``). Then playbooks/drift.yml scans them all with ``ghes_timeout`` and ``ghes_retries``.
Each appliance's budget is ``(retries + 1) x timeout + backoff`` (``_transport/http.appliance_budget``);
the scan should take that plus what the healthy appliances cost. Prints the figures; a
benchmark, not a test: it exits 0 unless the playbook could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path[:0] = [os.path.join(REPO, 'tests'), os.path.join(REPO, 'tests', 'system')]

from playbook_runner import run_playbook  # noqa: E402  (needs tests/system on sys.path)
from simulator import Simulator  # noqa: E402
from simulator.control_client import Control  # noqa: E402

CONVERGED = {'connected': True, 'license_sync': True, 'last_sync_days_ago': 1}
MAX_BACKOFF = 30.0


def budget(timeout, retries, backoff=0.5):
    """The same sum as _transport/http.appliance_budget (not imported: the benchmark runs outside the collection)."""
    return (retries + 1) * timeout + sum(min(backoff * 2 ** attempt, MAX_BACKOFF) for attempt in range(retries))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--appliances', type=int, default=50)
    parser.add_argument('--timeout', type=int, default=5)
    parser.add_argument('--retries', type=int, default=2)
    parser.add_argument('--trickle', type=float, default=0.5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='ghes-black-hole-')
    spec = {'seed': 50, 'count': args.appliances, 'versions': ['3.16.0'], 'defaults': dict(CONVERGED)}
    sim = Simulator(spec, os.path.join(work, 'sim')).start()
    try:
        control = Control(sim.control_url, sim.ca_path)
        control.fault(target='ghes-001', hang=True)
        control.fault(target='ghes-002', trickle=args.trickle)
        started = time.monotonic()
        run = run_playbook(os.path.join(REPO, 'playbooks', 'drift.yml'), sim.inventory_path, extra_vars={
            'ghes_timeout': args.timeout, 'ghes_retries': args.retries, 'drift_report_dir': os.path.join(work, 'report'),
        }, env={'GHES_CONNECT_STATE_DIR': os.path.join(work, 'state')}, timeout=1800)
        wall = time.monotonic() - started
    finally:
        sim.stop()
    scans = [r['result'] for r in run.results if r.get('task', '').endswith('ghe_drift_scan') or 'appliances' in r.get('result', {})]
    scan = next((r for r in scans if isinstance(r.get('appliances'), list)), {})
    errors = dict((r['appliance'], r.get('error')) for r in scan.get('appliances', []) if r.get('error'))
    figures = {
        'appliances': args.appliances, 'timeout': args.timeout, 'retries': args.retries, 'trickle_seconds_per_byte': args.trickle,
        'budget_per_appliance': budget(args.timeout, args.retries),
        'scan_task_seconds': scan.get('seconds'), 'playbook_wall_seconds': round(wall, 2), 'playbook_rc': run.rc,
        'errors': errors,
        'outstanding_lines': [line.strip() for line in run.output.splitlines() if 'still reading' in line],
    }
    print(json.dumps(figures, indent=2))
    if not scan:
        print(run.output[-3000:])
        return 1
    within = scan['seconds'] <= figures['budget_per_appliance'] + 10
    print('scan %.1f s for a budget of %.1f s per appliance: %s' % (scan['seconds'], figures['budget_per_appliance'],
                                                                    'within it (+10 s for the healthy ones)' if within else 'OVER'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
