"""A simulated fleet of GHES appliances and one GHEC enterprise over real HTTPS.

    from simulator import Simulator
    sim = Simulator(spec, workdir).start()
    ... sim.control_url, sim.inventory_path, sim.ca_path, sim.info ...
    sim.stop()

See README.md (what it models) and CONTRACT.md (what tests and clients may rely on).
"""
from .simulation import Simulator

__all__ = ["Simulator"]
