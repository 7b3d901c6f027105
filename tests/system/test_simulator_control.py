"""The simulator's control API, faults, down/up, restore, the clock, TLS, and the CLI."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from simulator.browser import Browser

SIM_SPEC = {
    "defaults": {"sync_seconds": 0.05},
    "appliances": [
        {"name": "a", "version": "3.14.2"},
        {"name": "b", "version": "3.12.5", "connected": True, "license_sync": True},
        {"name": "c", "version": "3.19.0", "connected": True},
        {"name": "d", "version": "3.10.3", "down": True},
    ],
}
TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    c = control(sim)
    yield c
    c.clear_faults()


def manage(sim, name, path="/version", method="GET", **kw):
    info = sim.info["appliances"][name]
    return requests.request(method, info["url"] + "/manage/v1" + path, auth=("api_key", info["manage_password"]),
                            verify=sim.ca_path, timeout=10, **kw)


def test_files_written(sim):
    assert os.path.exists(sim.ca_path) and os.path.exists(sim.inventory_path)
    with open(os.path.join(os.path.dirname(sim.ca_path), "simulator.json")) as handle:
        info = json.load(handle)
    assert info["control_url"] == sim.control_url and set(info["appliances"]) == {"a", "b", "c", "d"}
    import yaml
    with open(sim.inventory_path) as handle:
        inventory = yaml.safe_load(handle)
    host = inventory["all"]["children"]["ghes"]["hosts"]["a"]
    assert host["ansible_connection"] == "local"
    assert host["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    for key in ("ghes_url", "ghes_manage_url", "ghes_manage_password", "ghes_token", "ghes_console_username",
                "ghes_console_password", "ghes_enterprise_slug", "ghes_ca_path"):
        assert host[key], key
    assert "ghes_console_totp_secret" not in host
    # Like a real inventory, it names the address only: the collection reads the configured host name.
    assert "ghes_hostname" not in host
    for key in ("ghec_url", "ghec_web_url", "ghec_token", "ghec_enterprise", "ghec_ca_path", "ghec_session",
                "sim_control_url"):
        assert inventory["all"]["vars"][key], key
    assert oct(os.stat(sim.inventory_path).st_mode & 0o777) == "0o600"


def test_tls_needs_the_ca_and_the_ip_address(sim):
    url = sim.info["appliances"]["a"]["url"] + "/manage/v1/version"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, verify=True, timeout=5)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url.replace("127.0.0.1", "localhost"), verify=sim.ca_path, timeout=5)
    assert requests.get(url, verify=sim.ca_path, timeout=5).status_code == 401


def test_request_log_classifies_writes(sim, ctl):
    ctl.clear_requests("a")
    manage(sim, "a", "/version")
    manage(sim, "a", "/config/settings")
    manage(sim, "a", "/maintenance", "POST", json={"enabled": False})
    info = sim.info["appliances"]["a"]
    b = Browser(info["url"], sim.ca_path)
    b.login(info["console_username"], info["console_password"])          # GET /login + POST /session
    log = ctl.requests("a")
    assert (log["reads"], log["writes"]) == (4, 1)
    assert {"method": "POST", "path": "/maintenance".join(["/manage/v1", ""]), "status": 200, "write": True} \
        in log["requests"]
    assert {"method": "POST", "path": "/session", "status": 302, "write": False} in log["requests"]
    assert ctl.totals()["appliances"]["a"] == {"reads": 4, "writes": 1}
    ctl.clear_requests("a")
    assert ctl.requests("a") == {"requests": [], "reads": 0, "writes": 0}


def test_status_fault_burst_with_retry_after(sim, ctl):
    ctl.fault(target="a", path_prefix="/manage", status=503, count=2, retry_after=1,
              body={"message": "busy"})
    answers = [manage(sim, "a") for _attempt in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "1" and answers[0].json() == {"message": "busy"}
    assert ctl.faults() == []


def test_fault_scope_by_method_and_target(sim, ctl):
    ctl.fault(target="a", method="POST", status=500)
    assert manage(sim, "a").status_code == 200
    assert manage(sim, "b").status_code == 200
    assert manage(sim, "a", "/config/apply", "POST").status_code == 500
    ctl.clear_faults()
    ctl.fault(target="ghec", status=429, retry_after=2)
    answer = requests.get(sim.ghec_url + "/enterprises/acme/license-sync-status", verify=sim.ca_path,
                          headers={"Authorization": "token " + sim.info["ghec_token"]})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "2"


def test_reset_and_latency_faults(sim, ctl):
    ctl.fault(target="a", reset=True, count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        manage(sim, "a")
    assert manage(sim, "a").status_code == 200
    assert ctl.requests("a")["requests"][-2]["status"] is None
    ctl.fault(target="*", latency=0.3, count=1)
    started = time.monotonic()
    assert manage(sim, "c").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_probability_faults_are_reproducible_with_a_seed(sim, ctl):
    def pattern():
        ctl.clear_faults()
        ctl.fault(target="a", status=502, probability=0.5, seed=7)
        return [manage(sim, "a").status_code for _attempt in range(12)]
    first = pattern()
    assert first == pattern() and {200, 502} == set(first)


def test_down_and_up(sim, ctl):
    with pytest.raises(requests.exceptions.ConnectionError):
        manage(sim, "d")                         # down from the spec
    ctl.up("d")
    assert manage(sim, "d").status_code == 200
    session = requests.Session()
    session.verify = sim.ca_path
    session.trust_env = False
    info = sim.info["appliances"]["d"]
    assert session.get(info["url"] + "/api/v3/meta").status_code == 200     # a kept-alive connection
    ctl.down("d")
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(info["url"] + "/api/v3/meta")
    assert ctl.appliance("d")["down"] is True
    ctl.patch("d", down=False)
    assert session.get(info["url"] + "/api/v3/meta").status_code == 200
    for _round in range(5):                       # down/up at once: no race between close and re-open
        ctl.down("d")
        ctl.up("d")
    assert manage(sim, "d").status_code == 200


def test_restore_resets_connect(sim, ctl):
    assert ctl.appliance("c")["connected"] is True
    ctl.click("c", "license_sync", True)
    state = ctl.restore("c")
    assert state["connected"] is False and state["license_sync"] is False
    installs = {i["hostName"]: i for i in ctl.ghec()["installations"]}
    assert installs["c.example.com"]["isConnected"] is False


def test_click_plays_the_operator(sim, ctl):
    state = ctl.click("a", "connect", True)
    assert state["connected"] is True and state["connected_enterprise"] == "acme"
    state = ctl.click("a", "license_sync", True)
    assert state["features"]["license_usage_sync"] is True
    ctl.click("a", "connect", False)
    with pytest.raises(Exception):
        ctl.click("a", "license_sync", True)          # not connected: 409


def test_clock_advance_runs_the_weekly_sync(sim, ctl):
    time.sleep(0.1)                                    # the first sync of b (sync_seconds) has happened
    before = ctl.clock()
    first = ctl.appliance("b")["last_sync"]
    answer = ctl.advance(8 * 86400)
    assert answer["weekly_syncs"] >= 1
    after = ctl.appliance("b")["last_sync"]
    assert after["status"] == "success" and (first is None or after["date"] > first["date"])
    assert ctl.clock()["epoch"] - before["epoch"] >= 8 * 86400
    date = requests.get(sim.ghec_url + "/user", verify=sim.ca_path,
                        headers={"Authorization": "token " + sim.info["ghec_token"]}).headers["Date"]
    assert time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT").tm_year >= time.gmtime().tm_year


def test_patch_rejects_unknown_fields(sim, ctl):
    with pytest.raises(Exception) as error:
        ctl.patch("a", no_such_field=1)
    assert error.value.status == 400
    assert ctl.patch("a", version="3.13.0")["version"] == "3.13.0"
    assert manage(sim, "a", "/config/apply").status_code == 200
    ctl.patch("a", version="3.11.0")
    assert manage(sim, "a", "/config/apply").status_code == 404
    ctl.patch("a", version="3.14.2")


def test_cli_starts_and_stops_on_sigterm(tmp_path):
    env = dict(os.environ, PYTHONPATH=TESTS_DIR)
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--count", "3", "--versions", "3.9.4", "3.19.0",
                                "--workdir", str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _line in range(3)]
        assert "control API" in lines[1], lines
        info = json.loads((tmp_path / "simulator.json").read_text())
        assert [a["version"] for a in info["appliances"].values()] == ["3.9.4", "3.19.0", "3.9.4"]
        assert requests.get(info["control_url"] + "/_control/clock", verify=info["ca_path"]).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


def test_many_appliances_start_quickly(make_simulator):
    started = time.monotonic()
    sim = make_simulator({"count": 300})
    assert time.monotonic() - started < 10
    assert len(sim.info["appliances"]) == 300
    last = sim.info["appliances"]["ghes-300"]
    assert requests.get(last["url"] + "/api/v3/meta", verify=sim.ca_path).json()["installed_version"]
