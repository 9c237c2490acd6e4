"""Conveyor washer: parts ride a 3 m belt through hot spray and an air dryer.

The wash tank heater cycles on and off around its setpoint, the tank level drops with
carry-out and is topped up, the spray pump holds its pressure. Pump wear lowers (and roughens)
the spray pressure; a conveyor jam loads the belt motor until it trips.
"""

from __future__ import annotations

import numpy as np

from drivers.simulator.base import Buffer, Effects, Machine, Part, lag

BELT_M = 3.0
SPACING_M = 0.6
SPEED_MPM = 2.0
WASH_SET_C = 60.0
PUMP_BAR = 3.5
TRIP_PUMP_BAR = 2.0
TRIP_MOTOR_A = 7.0
START_GRACE_S = 10.0
FAULT_PUMP_PRESSURE = 401
FAULT_CONVEYOR_OVERLOAD = 402


class Washer(Machine):
    """Carries parts from ``inp`` to ``out`` through the wash and dry zones."""

    name = "washer"
    device_id = 4
    idle_after_s = 120.0

    def __init__(self, rng: np.random.Generator, inp: Buffer, out: Buffer) -> None:
        super().__init__(rng)
        self.inp = inp
        self.out = out
        self.belt: list[tuple[Part, float]] = []
        self.speed = SPEED_MPM
        self.motor_current = 3.3
        self.wash_temp = WASH_SET_C
        self.heater_on = True
        self.pump_pressure = PUMP_BAR
        self.pump_current = 7.2
        self.tank_level = 80.0
        self.refilling = False
        self.dryer_temp = 85.0
        self.conductivity = 650.0
        self._readings: dict[str, float] = {}

    def process(self, t: float, dt: float, fx: Effects, works: bool) -> None:
        noise = self.rng.standard_normal(7)
        jam = fx.get("conveyor_jam")
        jam_level = jam.severity * jam.progress if jam else 0.0
        wear = fx.get("pump_wear")
        wear_level = wear.severity * wear.progress if wear else 0.0
        blocked = bool(self.belt) and self.belt[0][1] >= BELT_M and self.out.full
        target_speed = SPEED_MPM * (1.0 - 0.5 * jam_level) if works and not blocked else 0.0
        self.speed = lag(self.speed, target_speed, 0.5, dt)
        if works:
            self._convey(t, dt)
        load = 0.15 * len(self.belt)
        motor_target = (3.1 + load) * (1.0 + 1.5 * jam_level) if self.speed > 0.05 else 0.0
        self.motor_current = lag(self.motor_current, motor_target, 1.0, dt)

        pump_target = PUMP_BAR * (1.0 - 0.45 * wear_level) if works else 0.0
        self.pump_pressure = lag(self.pump_pressure, pump_target, 1.0, dt)
        ripple = 0.03 * (1.0 + 4.0 * wear_level)
        pump_current_target = 7.2 * (1.0 - 0.15 * wear_level) if works else 0.0
        self.pump_current = lag(self.pump_current, pump_current_target, 1.0, dt)

        # Tank heater with hysteresis; parts and fresh water take heat away.
        if self.wash_temp < WASH_SET_C - 1.5:
            self.heater_on = True
        elif self.wash_temp > WASH_SET_C + 1.5:
            self.heater_on = False
        heat = 0.06 if self.heater_on else 0.0
        self.wash_temp += (heat - 0.025 - (0.03 if self.refilling else 0.0)) * dt
        # Carry-out lowers the tank; the top-up valve refills from 70 % to 85 %.
        if self.tank_level < 70.0:
            self.refilling = True
        elif self.tank_level > 85.0:
            self.refilling = False
        self.tank_level += (-0.004 * works + (0.5 if self.refilling else 0.0)) * dt
        self.conductivity += (0.05 * works - (2.0 if self.refilling else 0.0)) * dt
        self.conductivity = max(400.0, self.conductivity)
        self.dryer_temp = lag(self.dryer_temp, 85.0 if works else 30.0, 60.0, dt)
        self.part_present = bool(self.belt)

        motor = max(0.0, self.motor_current + 0.05 * noise[0] * (self.motor_current > 0))
        self._readings = {
            "conveyor_speed": max(0.0, self.speed + 0.01 * noise[1] * (self.speed > 0.05)),
            "motor_current": motor,
            "wash_temp": self.wash_temp + 0.1 * noise[2],
            "pump_pressure": max(0.0, self.pump_pressure + ripple * noise[3]),
            "pump_current": max(0.0, self.pump_current + 0.08 * noise[4]),
            "tank_level": self.tank_level + 0.1 * noise[5],
            "dryer_temp": self.dryer_temp + 0.5 * noise[6],
            "conductivity": self.conductivity,
            "parts_in_washer": float(len(self.belt)),
        }
        settled = works and self.run_s > START_GRACE_S
        if settled and motor > TRIP_MOTOR_A:
            self.trip(t, FAULT_CONVEYOR_OVERLOAD, fx)
        elif settled and self.pump_pressure < TRIP_PUMP_BAR:
            self.trip(t, FAULT_PUMP_PRESSURE, fx)

    def _convey(self, t: float, dt: float) -> None:
        step = self.speed / 60.0 * dt
        self.belt = [(part, pos + step) for part, pos in self.belt]
        if self.belt and self.belt[0][1] >= BELT_M and not self.out.full:
            part, _ = self.belt.pop(0)
            part.temp = self.wash_temp - 20.0 + float(self.rng.normal(0.0, 1.0))
            part.left_at = t
            self.out.put(part)
            self.cycles += 1
            self.good += 1
        entrance_free = not self.belt or self.belt[-1][1] >= SPACING_M
        arriving = self.inp.take() if entrance_free else None
        if arriving is not None:
            self.belt.append((arriving, 0.0))
        self.wait_s = 0.0 if self.belt else self.wait_s + dt

    def values(self) -> dict[str, float]:
        out = self.common_values()
        out.update(self._readings)
        return out
