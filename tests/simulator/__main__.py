"""python -m simulator --spec FILE | --count N [--versions ...] [--workdir DIR]

Starts the simulator, writes ca.pem, inventory.yml and simulator.json into the work dir,
prints where they are, and serves until SIGINT or SIGTERM.
"""
import argparse
import os
import signal
import sys
import tempfile
import threading
import time

from . import fleet
from .simulation import Simulator


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.split("\n\n", maxsplit=1)[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", help="fleet spec, .json or .yml/.yaml")
    source.add_argument("--count", type=int, help="generate N appliances ghes-001 ... cycling --versions")
    parser.add_argument("--versions", nargs="+", help="versions to cycle through with --count (e.g. 3.9.4 3.19.0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="where to write ca.pem, inventory.yml, simulator.json "
                                          "(default: a new temporary directory)")
    parser.add_argument("--workers", type=int, default=64, help="connection worker threads (default 64)")
    parser.add_argument("--rtt-ms", type=float, metavar="MS",
                        help="round-trip time to every appliance that has no rtt_ms of its own in the spec "
                             "(default 0: loopback as it is)")
    parser.add_argument("--ghec-rtt-ms", type=float, metavar="MS", help="round-trip time to GHEC (default 0)")
    return parser.parse_args(argv)


def with_latency(spec, rtt_ms, ghec_rtt_ms):
    """The spec with --rtt-ms as every appliance's default and --ghec-rtt-ms as GHEC's."""
    if rtt_ms is None and ghec_rtt_ms is None:
        return spec
    spec = fleet.load(spec)
    if rtt_ms is not None:
        spec["defaults"] = dict(spec.get("defaults") or {}, rtt_ms=rtt_ms)
    if ghec_rtt_ms is not None:
        spec["ghec_rtt_ms"] = ghec_rtt_ms
    return spec


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.spec:
        spec = args.spec
    else:
        spec = {"count": args.count, "seed": args.seed}
        if args.versions:
            spec["versions"] = args.versions
    workdir = args.workdir or tempfile.mkdtemp(prefix="ghes-sim-")
    started = time.monotonic()
    try:
        spec = with_latency(spec, args.rtt_ms, args.ghec_rtt_ms)
        sim = Simulator(spec, workdir, workers=args.workers).start()
    except (OSError, ValueError) as exc:
        print("simulator: %s" % exc, file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("ghes.connect simulator: %d appliance(s), GHEC enterprise %r, started in %.2f s"
          % (len(sim.world.appliances), sim.world.ghec.slug, time.monotonic() - started))
    rtts = sorted(set(a.rtt_ms for a in sim.world.appliances.values()))
    if rtts != [0.0] or sim.world.ghec_rtt_ms:
        print("  round trips: appliances %s ms, GHEC %g ms" % ("/".join("%g" % r for r in rtts), sim.world.ghec_rtt_ms))
    print("  control API: %s" % sim.control_url)
    print("  GHEC API:    %s (web: %s)" % (sim.ghec_url, sim.ghec_web_url))
    print("  inventory:   %s" % sim.inventory_path)
    print("  CA:          %s" % sim.ca_path)
    print("  details:     %s" % os.path.join(workdir, "simulator.json"))
    sys.stdout.flush()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
