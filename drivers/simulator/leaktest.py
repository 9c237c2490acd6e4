"""End-of-line leak tester with checkweigher and serial-number scanner.

Pressure-decay test: fill to 200 kPa, stabilise, measure the decay over 8 s, vent. The decay of
a tight part comes from the transducer and the part's warmth from the washer; porous castings
leak. Three failures in a row stop the machine (sealing check). Each finished part is weighed
and its serial number scanned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import IntEnum

import numpy as np

from drivers.simulator.base import Buffer, Effects, Machine, Part, lag

TEST_KPA = 200.0
TEST_VOLUME_ML = 800.0
ATM_PA = 101325.0
DECAY_LIMIT_PA = 50.0
CASTING_KG = 4.852
#: Checkweigher window (the demo's spec limits of the part weight).
WEIGHT_LSL_KG = 4.835
WEIGHT_USL_KG = 4.869
#: Chance that a casting is short of material (a cold shot, a missing insert): underweight.
P_UNDERWEIGHT = 0.02
FAULT_CONSECUTIVE_REJECTS = 301


class Phase(IntEnum):
    """Value of the ``test_phase`` register."""

    WAITING = 0
    LOADING = 1
    FILLING = 2
    STABILISING = 3
    TESTING = 4
    VENTING = 5
    UNLOADING = 6


DURATION_S = {
    Phase.LOADING: 3.0,
    Phase.FILLING: 4.0,
    Phase.STABILISING: 6.0,
    Phase.TESTING: 8.0,
    Phase.VENTING: 2.0,
    Phase.UNLOADING: 4.0,
}

#: Called with (part, passed, weight_kg, simulated time) when a part leaves the tester.
FinishedCallback = Callable[[Part, bool, float, float], None]


class LeakTester(Machine):
    """Tests parts from ``inp`` and reports each finished one to ``finished``."""

    name = "leaktest"
    device_id = 3
    idle_after_s = 60.0

    def __init__(self, rng: np.random.Generator, inp: Buffer, finished: FinishedCallback) -> None:
        super().__init__(rng)
        self.inp = inp
        self.finished = finished
        self.phase = Phase.WAITING
        self.phase_s = 0.0
        self.part: Part | None = None
        self.pressure = 0.0
        self.decay = 6.0
        self.leak_rate = 0.0
        self.result = 0
        self.part_temp = 25.0
        self.final_decay = 0.0
        self.weight = 0.0
        self.scale_kg = 0.0
        self.scale_stable = True
        self.consecutive_fails = 0
        self.last_serial = ""
        self.last_weight = 0.0
        self.weigh_result = 0
        # Its own random stream: the leak test's draws (and every seeded run) stay as they were.
        self.weigh_rng = rng.spawn(1)[0]
        self.zero_offset = 0.3
        self._readings: dict[str, float] = {}

    def on_stop(self) -> None:
        if self.part is not None and self.phase >= Phase.FILLING:
            self.inp.parts.appendleft(self.part)  # retested after the repair
        self.part = None
        self.phase = Phase.WAITING
        self.phase_s = 0.0

    def process(self, t: float, dt: float, fx: Effects, works: bool) -> None:
        noise = self.rng.standard_normal(5)
        if works:
            self._sequence(t, dt, fx)
        else:
            self.pressure = lag(self.pressure, 0.0, 0.3, dt)
        self._scale(dt)
        self.zero_offset = lag(self.zero_offset, 0.3 + 0.5 * math.sin(t / 900.0), 30.0, dt)
        self.part_present = self.part is not None
        pressurised = self.phase in (Phase.FILLING, Phase.STABILISING, Phase.TESTING)
        self._readings = {
            "test_pressure": max(0.0, self.pressure + 0.05 * noise[0] * pressurised),
            "pressure_decay": self.decay,
            "leak_rate": self.leak_rate,
            "part_temp": self.part_temp + 0.1 * noise[1],
            "scale_weight": self.scale_kg,
            "test_phase": float(self.phase),
            "last_result": float(self.result),
            "ambient_temp": 24.0 + 1.5 * math.sin(2 * math.pi * t / 3600.0) + 0.05 * noise[2],
            "zero_offset": self.zero_offset + 0.05 * noise[3],
            "last_weight": self.last_weight,
            "weigh_result": float(self.weigh_result),
        }

    def _sequence(self, t: float, dt: float, fx: Effects) -> None:
        if self.phase == Phase.WAITING:
            self.pressure = lag(self.pressure, 0.0, 0.3, dt)
            part = self.inp.take()
            if part is None:
                self.wait_s += dt
                return
            self.wait_s = 0.0
            self.part = part
            self._judge(part, t, fx)
            self._enter(Phase.LOADING)
            return
        self.phase_s += dt
        elapsed = self.phase_s
        if self.phase == Phase.FILLING:
            self.pressure = lag(self.pressure, TEST_KPA * 1.01, 0.8, dt)
        elif self.phase == Phase.STABILISING:
            # Adiabatic settling after the fill.
            self.pressure = lag(self.pressure, TEST_KPA, 1.5, dt)
        elif self.phase == Phase.TESTING:
            fraction = min(1.0, elapsed / DURATION_S[Phase.TESTING])
            self.decay = self.final_decay * fraction + 0.3 * float(self.rng.standard_normal())
            self.pressure = TEST_KPA - self.decay / 1000.0
            self.leak_rate = (
                TEST_VOLUME_ML * max(0.0, self.decay) / ATM_PA / max(elapsed, 0.1) * 60.0
            )
        elif self.phase == Phase.VENTING:
            self.pressure = lag(self.pressure, 0.0, 0.3, dt)
        if elapsed < DURATION_S[self.phase]:
            return
        if self.phase == Phase.TESTING:
            self._result()
        if self.phase == Phase.UNLOADING:
            self._unload(t)
            if self.consecutive_fails >= 3:
                self.consecutive_fails = 0
                self.trip(t, FAULT_CONSECUTIVE_REJECTS, fx)
            return
        self._enter(Phase(self.phase + 1))

    def _enter(self, phase: Phase) -> None:
        self.phase = phase
        self.phase_s = 0.0

    def _judge(self, part: Part, t: float, fx: Effects) -> None:
        """Decide what this part's decay will be: its porosity, warmth and any scripted fault."""
        cooled = 25.0 + (part.temp - 25.0) * math.exp(-max(0.0, t - part.left_at) / 300.0)
        self.part_temp = cooled
        burst = fx.get("reject_burst")
        p_leak = 0.015 + 0.5 * part.porosity + (0.7 * burst.severity if burst else 0.0)
        if self.rng.random() < p_leak:
            self.final_decay = float(self.rng.uniform(60.0, 250.0))
        else:
            thermal = 0.6 * (cooled - 25.0)
            self.final_decay = 4.0 + abs(1.5 * float(self.rng.standard_normal())) + thermal
        self.weight = CASTING_KG - 0.01 * part.porosity + 0.004 * float(self.rng.standard_normal())
        if self.weigh_rng.random() < P_UNDERWEIGHT:
            self.weight -= float(self.weigh_rng.uniform(0.02, 0.06))

    def _result(self) -> None:
        self.decay = self.final_decay
        self.leak_rate = TEST_VOLUME_ML * self.decay / ATM_PA / DURATION_S[Phase.TESTING] * 60.0
        passed = self.decay < DECAY_LIMIT_PA
        self.result = 1 if passed else 2
        self.consecutive_fails = 0 if passed else self.consecutive_fails + 1

    def _unload(self, t: float) -> None:
        part = self.part
        self.part = None
        self._enter(Phase.WAITING)
        if part is None:
            return
        passed = self.result == 1
        # The checkweigher judges the weight on its own (its result does not stop the tester).
        self.last_weight = round(self.weight, 3)
        within = WEIGHT_LSL_KG <= self.last_weight <= WEIGHT_USL_KG
        self.weigh_result = 1 if within else 2
        self.cycles += 1
        if passed:
            self.good += 1
        else:
            self.reject += 1
        self.finished(part, passed, round(self.weight, 3), t)

    def _scale(self, dt: float) -> None:
        """Checkweigher: the part sits on it during unloading; it settles within ~0.8 s."""
        if self.phase == Phase.UNLOADING and self.part is not None:
            self.scale_kg = lag(self.scale_kg, self.weight, 0.15, dt)
            self.scale_stable = self.phase_s > 0.8
            if self.scale_stable:
                self.scale_kg = self.weight
        else:
            self.scale_kg = lag(self.scale_kg, 0.0, 0.1, dt)
            self.scale_stable = self.scale_kg < 0.002
            if self.scale_stable:
                self.scale_kg = 0.0

    def values(self) -> dict[str, float]:
        out = self.common_values()
        out.update(self._readings)
        return out
