"""Plant simulator: a small EV-parts line that speaks real protocols.

Die casting -> CNC machining -> washer -> leak test, modelled in :mod:`~drivers.simulator.plant`
(deterministic for a seed and a simulated time), with scripted faults
(:mod:`~drivers.simulator.scenario`), served over Modbus TCP, Modbus RTU and an ASCII serial
stream by :class:`PlantSimulator`. No Qt here.
"""

from drivers.simulator.modbus_server import ServeError, ServerHandle
from drivers.simulator.plant import FinishedPart, Plant
from drivers.simulator.registers import DEVICE_IDS, REGISTER_MAP, Point
from drivers.simulator.runner import PlantSimulator, Snapshot
from drivers.simulator.scenario import (
    FAULT_KINDS,
    Fault,
    Scenario,
    ScenarioError,
    builtin_names,
    get_scenario,
    load_scenario,
)

__all__ = [
    "DEVICE_IDS",
    "FAULT_KINDS",
    "REGISTER_MAP",
    "Fault",
    "FinishedPart",
    "Plant",
    "PlantSimulator",
    "Point",
    "Scenario",
    "ScenarioError",
    "ServeError",
    "ServerHandle",
    "Snapshot",
    "builtin_names",
    "get_scenario",
    "load_scenario",
]
