"""High-pressure die-casting cell: holding furnace, die, shot end with vacuum assist.

One shot every ~45 s. The injection pressure rises in the fill phase, peaks at the
intensification and holds while the casting solidifies; the hydraulic pump current follows the
hydraulic demand. Pressure spikes cause flash (rejects) and porous castings that leak later.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from drivers.simulator.base import Buffer, Effects, Machine, Part, lag

CYCLE_S = 45.0
PEAK_BAR = 850.0
TRIP_PEAK_BAR = 1200.0
FAULT_OVERPRESSURE = 101
MELT_SET_C = 680.0


def pressure_profile(tau: float, peak: float, spike: float) -> float:
    """Injection pressure (bar) at ``tau`` seconds into the shot cycle."""
    if tau < 3.0:
        return 2.0
    if tau < 3.8:
        return 20.0 + 180.0 * (tau - 3.0) / 0.8
    if tau < 4.1:
        return 200.0 + (peak + spike - 200.0) * (tau - 3.8) / 0.3
    if tau < 12.0:
        hold = peak * (1.0 - 0.04 * (tau - 4.1) / 7.9)
        return hold + spike * math.exp(-(tau - 4.1) / 1.5)
    if tau < 12.6:
        return 2.0 + (peak * 0.96 - 2.0) * (12.6 - tau) / 0.6
    return 2.0


def hydraulic_demand(tau: float) -> float:
    """Pump motor current (A) the cycle asks for at ``tau``."""
    if tau < 3.0 or tau >= 42.0:
        return 58.0  # die closing
    if tau < 4.5:
        return 95.0  # shot and intensification
    if tau < 14.0:
        return 75.0 - 35.0 * (tau - 4.5) / 9.5  # accumulator recharge
    if 30.0 <= tau < 33.0:
        return 55.0  # die opening, ejection
    return 32.0


def die_target(tau: float, base: float) -> float:
    """Die surface temperature the cycle drives towards: hot after the shot, cold after spray."""
    if 4.0 <= tau < 10.0:
        return base + 32.0
    if 10.0 <= tau < 30.0:
        return base + 12.0
    if 35.0 <= tau < 41.0:
        return base - 18.0
    return base


class DieCast(Machine):
    """Die-casting cell; delivers castings into ``out``."""

    name = "diecast"
    device_id = 1
    idle_after_s = 30.0

    def __init__(
        self, rng: np.random.Generator, out: Buffer, next_serial: Callable[[], int]
    ) -> None:
        super().__init__(rng)
        self.out = out
        self.next_serial = next_serial
        self.tau = 0.0
        self.cycle_len = CYCLE_S
        self.last_cycle_time = CYCLE_S
        self.furnace_c = MELT_SET_C + 0.5
        self.heater_on = False
        self.melt_loss = 0.0
        self.melt_temp = self.furnace_c
        self.die_temp = 215.0
        self.injection_pressure = 2.0
        self.peak_pressure = PEAK_BAR
        self.hydraulic_current = 32.0
        self.oil_temp = 45.4
        self.vacuum_kpa = -91.0
        self.water_temp = 28.0
        self._shot_peak = PEAK_BAR
        self._shot_spike = 0.0
        self._shot_max = 0.0
        self._shot_spiked = False
        self._is_reject = False
        self._cycle_start = 0.0
        self._porosity = 0.0
        self._current_reading = 32.0
        self._die_reading = 215.0
        self._vacuum_reading = -91.0
        self._water_reading = 28.0

    def on_stop(self) -> None:
        if self.tau > 3.0:  # a shot was under way: the casting is scrap
            self.reject += 1
            self.cycles += 1
        self.tau = 0.0

    def process(self, t: float, dt: float, fx: Effects, works: bool) -> None:
        noise = self.rng.standard_normal(6)
        self._furnace(dt, fx, noise[0])
        if works:
            self._cycle(t, dt, fx)
        demand = hydraulic_demand(self.tau) + 0.03 * self._shot_spike if works else 0.0
        self.hydraulic_current = max(0.0, lag(self.hydraulic_current, demand, 0.4, dt))
        current = self.hydraulic_current + 0.8 * noise[1] * (demand > 0)
        self._current_reading = max(0.0, current)
        spike = self._shot_spike if works else 0.0
        pressure = pressure_profile(self.tau, self._shot_peak, spike) if works else 2.0
        self.injection_pressure = max(
            0.0, pressure + (4.0 * noise[2] if pressure > 10 else 0.3 * noise[2])
        )
        if works and 3.8 <= self.tau < 12.0:
            self._shot_max = max(self._shot_max, self.injection_pressure)
        base = 205.0 + 0.3 * (self.melt_temp - MELT_SET_C)
        self.die_temp = lag(self.die_temp, die_target(self.tau, base) if works else 180.0, 3.0, dt)
        self._die_reading = self.die_temp + 0.4 * noise[3]
        self.oil_temp = lag(self.oil_temp, 40.0 + 0.12 * self.hydraulic_current, 600.0, dt)
        self.vacuum_kpa = lag(self.vacuum_kpa, -92.0, 8.0, dt)
        self._vacuum_reading = self.vacuum_kpa + 0.3 * noise[4]
        self.water_temp = lag(self.water_temp, 27.0 + 0.02 * (self.die_temp - 180.0), 120.0, dt)
        self._water_reading = self.water_temp + 0.1 * noise[5]
        if self.injection_pressure > TRIP_PEAK_BAR:
            self.trip(t, FAULT_OVERPRESSURE, fx)

    def _furnace(self, dt: float, fx: Effects, noise: float) -> None:
        """Holding furnace with an on/off heater; a heater fault pulls the melt down."""
        if self.furnace_c < MELT_SET_C - 1.5:
            self.heater_on = True
        elif self.furnace_c > MELT_SET_C + 1.5:
            self.heater_on = False
        self.furnace_c += (0.02 if self.heater_on else -0.012) * dt
        effect = fx.get("melt_temp_drop")
        loss = effect.severity * 45.0 * min(1.0, 2.0 * effect.progress) if effect else 0.0
        self.melt_loss = lag(self.melt_loss, loss, 60.0, dt)
        self.melt_temp = self.furnace_c - self.melt_loss + 0.3 * noise

    def _cycle(self, t: float, dt: float, fx: Effects) -> None:
        before = self.tau
        if self.tau >= self.cycle_len and not self._finish(t):
            self.wait_s += dt  # blocked: the output is full
            return
        self.tau += dt
        if before < 3.0 <= self.tau:
            self._start_shot(fx)
        elif before < 30.0 <= self.tau:
            self._inspect()

    def _start_shot(self, fx: Effects) -> None:
        """Injection begins: the die takes vacuum and the shot's peak pressure is decided."""
        self.vacuum_kpa *= 0.78
        self._shot_peak = PEAK_BAR + 12.0 * float(self.rng.standard_normal())
        effect = fx.get("pressure_spikes")
        spiked = effect is not None and self.rng.random() < 0.35 + 0.5 * effect.severity
        self._shot_spiked = spiked
        self._shot_spike = (
            effect.severity * float(self.rng.uniform(150.0, 350.0)) if spiked and effect else 0.0
        )
        self._shot_max = 0.0

    def _inspect(self) -> None:
        """Die opens: the shot's peak is latched and the casting is judged (flash, cold shut)."""
        self.peak_pressure = self._shot_max
        cold = self.melt_temp < 660.0
        p_reject = 0.012 + (0.35 if self._shot_spiked else 0.0) + (0.5 if cold else 0.0)
        self._is_reject = bool(self.rng.random() < p_reject)
        porosity = 0.04 * float(self.rng.random())
        porosity += (0.4 if self._shot_spiked else 0.0) + (0.2 if cold else 0.0)
        self._porosity = porosity

    def _finish(self, t: float) -> bool:
        """End of cycle: hand the casting on (False when the output is full)."""
        if self._is_reject:
            self.reject += 1
        else:
            if self.out.full:
                return False
            self.out.put(Part(serial=self.next_serial(), porosity=self._porosity, temp=60.0))
            self.good += 1
        self.cycles += 1
        self.wait_s = 0.0
        self.last_cycle_time = round(t - self._cycle_start, 1)
        self._cycle_start = t
        self.cycle_len = CYCLE_S + 0.3 * float(self.rng.standard_normal())
        self.tau = 0.0
        self._shot_spike = 0.0
        self._shot_spiked = False
        return True

    def values(self) -> dict[str, float]:
        out = self.common_values()
        out.update(
            melt_temp=self.melt_temp,
            die_temp=self._die_reading,
            injection_pressure=self.injection_pressure,
            peak_pressure=self.peak_pressure,
            hydraulic_current=self._current_reading,
            oil_temp=self.oil_temp,
            cycle_time=self.last_cycle_time,
            vacuum=self._vacuum_reading,
            cooling_water_temp=self._water_reading,
        )
        return out
