"""Simulated network latency: two round trips per new connection, one per request, nothing blocked.

Measured from a client, as a controller would see it: the time to open a TLS connection
(TCP connect + handshake) and the time of one request on a kept-alive connection. Each
figure is the fastest of a few samples and must land within 10 % of what the spec says:
a busy machine only ever adds time (a late timer, a thread waiting for a core), so the
fastest sample is the one it disturbed least.
"""
import concurrent.futures
import http.client
import json
import os
import ssl
import subprocess
import sys
import time

import pytest

RTT_MS = 100.0
GHEC_RTT_MS = 60.0
SIM_SPEC = {
    "ghec_rtt_ms": GHEC_RTT_MS,
    "defaults": {"rtt_ms": RTT_MS},
    "appliances": [
        {"name": "far", "version": "3.14.2"},
        {"name": "near", "version": "3.12.5", "rtt_ms": 0},
        {"name": "other", "version": "3.19.0", "rtt_ms": 40},
    ],
}
TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = 5


@pytest.fixture(scope="module")
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    c = control(sim)
    c.clear_connections()
    c.clear_all_requests()
    return c


def _port(url):
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _context(ca_path):
    return ssl.create_default_context(cafile=ca_path)


def measure(ca_path, url, path, requests=3):
    """(seconds to open the TLS connection, [seconds of each request on it])."""
    connection = http.client.HTTPSConnection("127.0.0.1", _port(url), context=_context(ca_path), timeout=20)
    try:
        began = time.perf_counter()
        connection.connect()
        setup = time.perf_counter() - began
        times = []
        for _request in range(requests):
            began = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - began)
            assert response.status < 500
        return setup, times
    finally:
        connection.close()


def fastest(ca_path, url, path, good, baseline=None, seconds=60):
    """The fastest set-up and request times; with ``baseline`` (the URL of a host without latency, measured
    in turn with it) what the latency ADDS: the TLS and HTTP work on this shared machine is not the
    simulator's delay and is taken out (the fastest of each, both the least disturbed).

    More samples, for up to ``seconds``, until the fastest are ``good(setup, request)``. A busy
    machine can disturb every one of a few samples; a simulator that adds a round trip too many or too
    few never gets within 10 %, however many samples it takes.
    """
    setups, requests, base_setups, base_requests = [], [], [], []
    deadline = time.monotonic() + seconds
    while True:
        for _sample in range(SAMPLES):
            setup, times = measure(ca_path, url, path)
            setups.append(setup)
            requests.extend(times)
            if baseline:
                base_setup, base_times = measure(ca_path, baseline, path)
                base_setups.append(base_setup)
                base_requests.extend(base_times)
        if baseline:
            found = min(setups) - min(base_setups), min(requests) - min(base_requests)
        else:
            found = min(setups), min(requests)
        if good(*found) or time.monotonic() > deadline:
            return found


def within(measured, expected_ms):
    expected = expected_ms / 1000.0
    return abs(measured - expected) <= 0.1 * expected


def round_trips(setup_ms, request_ms):
    """``good`` for ``fastest``: set-up and request both within 10 % of what is expected."""
    return lambda setup, request: within(setup, setup_ms) and within(request, request_ms)


def assert_within(measured, expected_ms, what):
    assert within(measured, expected_ms), "%s: %.1f ms measured, %.1f ms expected" % (what, measured * 1000, expected_ms)


def no_latency(setup, request):
    return setup < 0.03 and request < 0.03


def near_url(sim):
    return sim.info["appliances"]["near"]["url"]


def test_a_new_connection_costs_two_round_trips_and_each_request_one(sim):
    far = sim.info["appliances"]["far"]["url"]
    setup, request = fastest(sim.ca_path, far, "/manage/v1/version", baseline=near_url(sim),
                             good=round_trips(2 * RTT_MS, RTT_MS))
    assert_within(setup, 2 * RTT_MS, "connection set-up (TCP + TLS 1.3)")
    assert_within(request, RTT_MS, "request on a kept-alive connection")


def test_each_appliance_has_its_own_round_trip_and_ghec_its_own(sim):
    setup, request = fastest(sim.ca_path, sim.info["appliances"]["other"]["url"], "/api/v3/meta",
                             baseline=near_url(sim), good=round_trips(2 * 40, 40))
    assert_within(setup, 2 * 40, "set-up to an appliance with rtt_ms 40")
    assert_within(request, 40, "request to an appliance with rtt_ms 40")
    setup, request = fastest(sim.ca_path, sim.ghec_url, "/rate_limit", baseline=sim.control_url,
                             good=round_trips(2 * GHEC_RTT_MS, GHEC_RTT_MS))
    assert_within(setup, 2 * GHEC_RTT_MS, "set-up to GHEC")
    assert_within(request, GHEC_RTT_MS, "request to GHEC")
    setup, request = fastest(sim.ca_path, sim.info["appliances"]["near"]["url"], "/api/v3/meta", good=no_latency)
    assert no_latency(setup, request), "rtt_ms 0 adds nothing: %.1f / %.1f ms" % (setup * 1000, request * 1000)


def test_the_control_api_has_no_latency(sim):
    setup, request = fastest(sim.ca_path, sim.control_url, "/_control/clock", good=no_latency)
    assert no_latency(setup, request), "%.1f / %.1f ms" % (setup * 1000, request * 1000)


def test_delayed_connections_do_not_hold_the_server(tmp_path, control):
    """Ten times more clients than the server has workers, all waiting on their round trips at once."""
    from simulator import Simulator
    sim = Simulator({"appliances": [{"name": "far", "rtt_ms": RTT_MS}]}, str(tmp_path / "few-workers"),
                    workers=8).start()
    try:
        ctl = control(sim)
        far = sim.info["appliances"]["far"]["url"]
        clients = 80
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda _i: measure(sim.ca_path, far, "/manage/v1/version", requests=2),
                                    range(clients)))
        wall = time.perf_counter() - began
        counts = ctl.connections()
    finally:
        sim.stop()
    # Each client needs 4 round trips (0.4 s). Served one after another they would take 32 s; 8 workers
    # that slept through the delays would need 10 turns of 0.4 s and never have more than 8 requests in
    # flight. The peak in flight below shows that; the wall time only has to be far from serial, since
    # 80 TLS handshakes on a busy machine take seconds of their own.
    assert wall < 16.0, "80 clients of 4 round trips each took %.2f s (one after another: 32 s)" % wall
    assert min(setup for setup, _times in results) >= 0.9 * 2 * RTT_MS / 1000.0
    assert counts["appliances"]["far"] == clients
    assert counts["open"]["appliances"]["peak"] >= clients // 2
    assert counts["open"]["appliances"]["peak_in_flight"] >= clients // 2
    assert counts["open"]["appliances"]["in_flight"] == 0
    assert counts["open"]["appliances"]["open"] == 0


def _closed_on_the_server(ctl, deadline_seconds=10.0):
    """Wait until the server has seen every client close: a closed socket reaches its handler later."""
    deadline = time.monotonic() + deadline_seconds
    while ctl.connections()["open"]["appliances"]["open"] and time.monotonic() < deadline:
        time.sleep(0.05)


def test_connections_are_counted_per_host_and_reset(sim, ctl):
    _closed_on_the_server(ctl)          # an earlier test's connection still closing would count as open
    ctl.clear_connections()
    measure(sim.ca_path, sim.info["appliances"]["near"]["url"], "/api/v3/meta", requests=2)
    _closed_on_the_server(ctl)
    measure(sim.ca_path, sim.info["appliances"]["near"]["url"], "/api/v3/meta", requests=1)
    measure(sim.ca_path, sim.ghec_url, "/rate_limit", requests=3)
    counts = ctl.connections()
    assert counts["appliances"] == {"far": 0, "near": 2, "other": 0}
    assert counts["ghec"] == 1
    assert counts["open"]["appliances"]["peak"] == 1
    assert counts["open"]["appliances"]["peak_in_flight"] == 1
    assert ctl.totals()["appliances"]["near"]["reads"] == 3
    ctl.clear_connections()
    ctl.clear_all_requests()
    assert ctl.totals()["appliances"]["near"] == {"reads": 0, "writes": 0}
    assert ctl.totals()["ghec"] == {"reads": 0, "writes": 0}
    counts = ctl.connections()
    assert counts["appliances"]["near"] == 0 and counts["ghec"] == 0
    assert counts["open"]["appliances"] == {"open": 0, "peak": 0, "in_flight": 0, "peak_in_flight": 0}


def test_rtt_ms_can_be_patched_and_is_checked(sim, ctl):
    near = sim.info["appliances"]["near"]["url"]
    try:
        assert ctl.patch("near", rtt_ms=50)["rtt_ms"] == 50
        setup, request = fastest(sim.ca_path, near, "/api/v3/meta", baseline=sim.control_url, good=round_trips(100, 50))
        assert_within(setup, 100, "set-up after PATCH rtt_ms 50")
        assert_within(request, 50, "request after PATCH rtt_ms 50")
    finally:
        ctl.patch("near", rtt_ms=0)
    for bad in (-1, "50", True, 20000):
        with pytest.raises(Exception) as caught:
            ctl.patch("near", rtt_ms=bad)
        assert getattr(caught.value, "status", None) == 400 and "rtt_ms" in str(caught.value)
    assert ctl.appliance("near")["rtt_ms"] == 0


def test_a_bad_spec_rtt_is_refused(make_simulator):
    from simulator.world import World
    for spec in ({"count": 1, "defaults": {"rtt_ms": -5}}, {"count": 1, "ghec_rtt_ms": "slow"}):
        with pytest.raises(ValueError, match="rtt_ms"):
            World(spec)


def test_the_command_line_sets_the_round_trips(tmp_path):
    workdir = tmp_path / "cli"
    env = dict(os.environ, PYTHONPATH=TESTS_DIR)
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--count", "2", "--rtt-ms", "80",
                                "--ghec-rtt-ms", "40", "--workdir", str(workdir)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        info_path = workdir / "simulator.json"
        deadline = time.monotonic() + 30
        info = None
        while info is None:
            assert process.poll() is None and time.monotonic() < deadline, "the simulator did not start"
            try:
                info = json.loads(info_path.read_text())
            except (OSError, ValueError):       # not written yet, or half written
                time.sleep(0.1)
        setup, request = fastest(info["ca_path"], info["appliances"]["ghes-001"]["url"], "/api/v3/meta",
                                 baseline=info["control_url"], good=round_trips(160, 80))
        assert_within(setup, 160, "set-up with --rtt-ms 80")
        assert_within(request, 80, "request with --rtt-ms 80")
        setup, request = fastest(info["ca_path"], info["ghec_url"], "/rate_limit", baseline=info["control_url"],
                                 good=round_trips(80, 40))
        assert_within(setup, 80, "GHEC set-up with --ghec-rtt-ms 40")
        assert_within(request, 40, "GHEC request with --ghec-rtt-ms 40")
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert "round trips: appliances 80 ms, GHEC 40 ms" in output
