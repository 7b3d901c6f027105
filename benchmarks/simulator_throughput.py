"""Throughput of the test simulator with a fleet of 1,000 appliances.

Starts `python -m simulator --count N` in its own process (so the clients here do not
share its interpreter lock), reports its start-up time, then runs phases of C client
threads, each with its own requests.Session (keep-alive, verify=ca.pem):
  version    GET /manage/v1/version on a random appliance each time
  mixed      a random read from a mixed set (Manage API, /setup/api, /api/v3, GHEC) on random appliances
  keepalive  like `version`, but each thread sticks to 8 appliances, so connections are reused
and prints requests/second, latency percentiles, errors and the simulator's CPU use.

    python benchmarks/simulator_throughput.py [--count 1000] [--clients 50] [--seconds 10]
"""
import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests
from requests.adapters import HTTPAdapter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_simulator(count, workdir):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tests"))
    began = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--count", str(count), "--workdir", workdir],
                               env=env, stdout=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    ready = time.monotonic() - began
    for _line in range(5):
        process.stdout.readline()
    match = re.search(r"started in ([0-9.]+) s", first)
    with open(os.path.join(workdir, "simulator.json"), encoding="utf-8") as handle:
        info = json.load(handle)
    return process, info, ready, float(match.group(1)) if match else None


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_set(info):
    """[(weight, fn(session, appliance) -> url, kwargs)] for the mixed phase."""
    ghec = {"headers": {"Authorization": "token " + info["ghec_token"]}}

    def minor(app):
        return tuple(int(x) for x in app["version"].split(".")[:2])

    return [
        (4, lambda app: (app["url"] + "/manage/v1/version", {"auth": ("api_key", app["manage_password"])})),
        (2, lambda app: (app["url"] + ("/manage/v1/config/license" if minor(app) >= (3, 12)
                                       else "/setup/api/configcheck"),
                         {"auth": ("api_key", app["manage_password"])})),
        (2, lambda app: (app["url"] + "/api/v3/enterprise/settings/license",
                         {"headers": {"Authorization": "token " + app["token"]}})),
        (1, lambda app: (app["url"] + "/api/v3/meta", {})),
        (1, lambda app: (info["ghec_url"] + "/enterprises/%s/license-sync-status" % info["enterprise"]["slug"],
                         ghec)),
    ]


def run_phase(info, clients, seconds, mode):
    apps = list(info["appliances"].values())
    choices = read_set(info)
    weights = [weight for weight, _make in choices]
    latencies, errors, lock = [], [0], threading.Lock()
    stop_at = time.monotonic() + seconds
    barrier = threading.Barrier(clients)

    def client(index):
        rng = random.Random(index)
        session = requests.Session()
        session.trust_env = False
        session.verify = info["ca_path"]
        session.mount("https://", HTTPAdapter(pool_connections=16, pool_maxsize=1))
        mine = rng.sample(apps, 8)
        local, failed = [], 0
        barrier.wait()
        while time.monotonic() < stop_at:
            app = rng.choice(mine if mode == "keepalive" else apps)
            if mode == "mixed":
                url, kwargs = rng.choices(choices, weights)[0][1](app)
            else:
                url, kwargs = app["url"] + "/manage/v1/version", {"auth": ("api_key", app["manage_password"])}
            began = time.perf_counter()
            try:
                ok = session.get(url, timeout=30, **kwargs).status_code == 200
            except requests.RequestException:
                ok = False
            local.append(time.perf_counter() - began)
            failed += not ok
        with lock:
            latencies.extend(local)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    cpu_before, wall_before = cpu_seconds(info["pid"]), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall_before
    cpu = cpu_seconds(info["pid"]) - cpu_before
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {"mode": mode, "requests": len(latencies), "errors": errors[0], "seconds": wall,
            "rps": len(latencies) / wall, "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
            "max": latencies[-1] * 1000, "mean": statistics.fmean(latencies) * 1000, "server_cpu": cpu / wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--phases", nargs="+", default=["version", "mixed", "keepalive"],
                        choices=["version", "mixed", "keepalive"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as workdir:
        process, info, ready, start = start_simulator(args.count, workdir)
        try:
            print("simulator: %d appliances; Simulator.start() %.2f s, process ready in %.2f s (incl. imports)"
                  % (len(info["appliances"]), start or float("nan"), ready))
            print("%-10s %9s %7s %8s %8s %8s %8s %8s %10s" % ("phase", "requests", "errors", "req/s", "p50 ms",
                                                              "p90 ms", "p99 ms", "max ms", "server CPU"))
            for mode in args.phases:
                r = run_phase(info, args.clients, args.seconds, mode)
                print("%-10s %9d %7d %8.0f %8.1f %8.1f %8.1f %8.1f %9.0f%%" % (
                    r["mode"], r["requests"], r["errors"], r["rps"], r["p50"], r["p90"], r["p99"], r["max"],
                    r["server_cpu"] * 100))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    print("(%d client threads in this process, one requests.Session each; %d cores)"
          % (args.clients, os.cpu_count()))


if __name__ == "__main__":
    main()
