"""Shared fixtures for the system tests: a simulator factory and its control client."""
import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from simulator import Simulator  # noqa: E402  (needs tests/ on sys.path first)
from simulator.control_client import Control  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_state_directory(tmp_path_factory):
    """The collection's state directory (``$XDG_CACHE_HOME/ghes-connect``) per pytest process.

    Under pytest-xdist each worker is a process of its own: its playbooks must not share cached
    GHEC reads or "Sync now" markers with another worker's, nor with the user's ~/.cache.
    Tests that need their own (test_local_attacker, test_sync_now_once) still set it per run.
    """
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture
def make_simulator(tmp_path):
    """make_simulator(spec) -> a started Simulator in a fresh tmp dir; all are stopped at teardown."""
    started = []

    def make(spec, name="sim"):
        sim = Simulator(spec, str(tmp_path / ("%s-%d" % (name, len(started))))).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def control():
    """control(sim) -> a Control client for that simulator."""
    def make(sim):
        return Control(sim.control_url, sim.ca_path)
    return make


@pytest.fixture(scope="module")
def module_simulator(request, tmp_path_factory):
    """One simulator for a whole test module, built from that module's SIM_SPEC."""
    sim = Simulator(request.module.SIM_SPEC, str(tmp_path_factory.mktemp("sim"))).start()
    yield sim
    sim.stop()


@pytest.fixture
def sim_and_control(make_simulator, control):
    """sim_and_control(*appliances, seed=N, **spec) -> (started Simulator, its Control)."""
    def make(*appliances, **spec):
        spec.setdefault("seed", 1)
        sim = make_simulator(dict(spec, appliances=list(appliances)))
        return sim, control(sim)
    return make
