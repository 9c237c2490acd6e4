"""The whole line: die casting -> CNC -> washer -> leak test, linked by part buffers.

Pure model, no I/O and no threads. Time advances in fixed steps of :data:`TICK_S`, so a seed
and a simulated time fully determine every value, however the steps are grouped.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from drivers.simulator.base import TICK_S, Buffer, Machine, Part
from drivers.simulator.cnc import Cnc
from drivers.simulator.diecast import DieCast
from drivers.simulator.leaktest import LeakTester
from drivers.simulator.scenario import MACHINES, Fault, Scenario, get_scenario
from drivers.simulator.washer import Washer

PART_PREFIX = "EVH220"


@dataclass(frozen=True, slots=True)
class FinishedPart:
    """A part that left the end of the line (scanned at the leak tester)."""

    seq: int
    serial: str
    passed: bool
    weight_kg: float
    time_s: float


class Plant:
    """Four machines and the buffers between them."""

    def __init__(
        self,
        seed: int = 0,
        scenario: str | Scenario | list[Fault] | None = "none",
        lot: str = "2611",
    ) -> None:
        self.seed = seed
        self.scenario = get_scenario(scenario)
        self.lot = lot
        self.ticks = 0
        self._serial = 0
        self.finished: deque[FinishedPart] = deque(maxlen=1000)
        self.finished_count = 0

        def rng(index: int) -> np.random.Generator:
            return np.random.default_rng([seed, index])

        # Start in steady state: parts already in the buffers and on the washer belt, numbered
        # from the end of the line so that serials leave the line in order.
        self.cast_to_cnc = Buffer(4)
        self.cnc_to_wash = Buffer(4)
        self.wash_to_leak = Buffer(4)
        self.wash_to_leak.put(self._new_part(temp=40.0))
        belt = [(self._new_part(), position) for position in (2.2, 0.7)]
        for _ in range(2):
            self.cast_to_cnc.put(self._new_part())
        self.diecast = DieCast(rng(1), self.cast_to_cnc, self.next_serial)
        self.cnc = Cnc(rng(2), self.cast_to_cnc, self.cnc_to_wash)
        self.washer = Washer(rng(4), self.cnc_to_wash, self.wash_to_leak)
        self.washer.belt.extend(belt)
        self.leaktest = LeakTester(rng(3), self.wash_to_leak, self._on_finished)
        self.machines: dict[str, Machine] = {
            "diecast": self.diecast,
            "cnc": self.cnc,
            "washer": self.washer,
            "leaktest": self.leaktest,
        }
        self._silent: frozenset[str] = frozenset()
        self._tick(0.0)  # every reading exists from the start

    # -- time -----------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Simulated seconds since the start."""
        return self.ticks * TICK_S

    def step(self, dt: float) -> None:
        """Advance by ``dt`` simulated seconds (rounded down to whole ticks overall)."""
        self.advance_to(self.time + dt)

    def advance_to(self, t: float, max_ticks: int | None = None) -> None:
        """Advance to simulated time ``t``; ``max_ticks`` bounds the work of one call."""
        target = math.floor(t / TICK_S + 1e-6)
        if max_ticks is not None:
            target = min(target, self.ticks + max_ticks)
        while self.ticks < target:
            self.ticks += 1
            self._tick(self.time)

    def _tick(self, t: float) -> None:
        silent = set()
        for name, machine in self.machines.items():
            fx = self.scenario.effects(name, t)
            if "silent" in fx:
                silent.add(name)
            machine.tick(t, TICK_S, fx)
        self._silent = frozenset(silent)

    # -- parts ----------------------------------------------------------------------------------
    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _new_part(self, temp: float = 60.0) -> Part:
        return Part(serial=self.next_serial(), porosity=0.01, temp=temp)

    def serial_text(self, serial: int) -> str:
        """``EVH220-2611-000123``: part family, lot (year and month) and sequence."""
        return f"{PART_PREFIX}-{self.lot}-{serial:06d}"

    def _on_finished(self, part: Part, passed: bool, weight: float, t: float) -> None:
        serial = self.serial_text(part.serial)
        self.leaktest.last_serial = serial
        self.finished_count += 1
        self.finished.append(FinishedPart(self.finished_count, serial, passed, weight, t))

    # -- readings -------------------------------------------------------------------------------
    def values(self, machine: str) -> dict[str, float]:
        """Every numeric point of ``machine`` in engineering units."""
        values = {name: float(v) for name, v in self.machines[machine].values().items()}
        values["heartbeat"] = float(int(self.time) % 65536)
        return values

    def texts(self, machine: str) -> dict[str, str]:
        """String points of ``machine``."""
        m = self.machines[machine]
        out = {"part_type": m.part_type}
        if machine == "leaktest":
            out["last_serial"] = self.leaktest.last_serial
        return out

    def bits(self, machine: str) -> dict[str, bool]:
        """Coils and discrete inputs of ``machine``."""
        return self.machines[machine].bits()

    @property
    def silent(self) -> frozenset[str]:
        """Machines that do not answer on the bus right now."""
        return self._silent

    def scale(self) -> tuple[float, bool]:
        """Checkweigher reading (kg) and whether it is stable."""
        return self.leaktest.scale_kg, self.leaktest.scale_stable


__all__ = ["MACHINES", "FinishedPart", "Plant"]
