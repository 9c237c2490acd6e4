"""CNC machining centre: face milling, drilling and finishing of each casting.

The spindle follows the operation's speed; its load drives the motor current and, through a
first-order thermal model cooled by the coolant flow, the spindle temperature. Bearing wear adds
vibration (growing with speed) and friction heat; coolant loss cuts the heat removal.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from drivers.simulator.base import Buffer, Effects, Machine, approach, lag

COOLANT_NOMINAL_LPM = 25.0
TRIP_VIBRATION = 11.0
TRIP_TEMP_C = 75.0
FAULT_VIBRATION = 201
FAULT_OVERTEMP = 202
THERMAL_CAPACITY = 60.0  # s per unit of heat conductance: tau = C / G
MAX_RPM = 12000.0


class Operation(NamedTuple):
    start: float
    end: float
    tool: int
    rpm: float
    load: float
    """Spindle load in % while cutting."""
    z_mm: float
    """Depth of the tool while cutting."""


#: One part's program; tool 0 = load/unload or tool change (spindle stopped).
PROGRAM = (
    Operation(0.0, 5.0, 0, 0.0, 0.0, 0.0),
    Operation(5.0, 18.0, 1, 8000.0, 55.0, -120.0),
    Operation(18.0, 20.0, 0, 0.0, 0.0, 0.0),
    Operation(20.0, 30.0, 2, 4500.0, 40.0, -205.0),
    Operation(30.0, 31.5, 0, 0.0, 0.0, 0.0),
    Operation(31.5, 42.0, 3, 12000.0, 25.0, -95.0),
    Operation(42.0, 43.5, 0, 0.0, 0.0, 0.0),
)
CYCLE_S = PROGRAM[-1].end


def operation_at(tau: float) -> Operation:
    for op in PROGRAM:
        if tau < op.end:
            return op
    return PROGRAM[-1]


class Cnc(Machine):
    """Machining centre between ``inp`` (castings) and ``out`` (machined parts)."""

    name = "cnc"
    device_id = 2
    idle_after_s = 20.0

    def __init__(self, rng: np.random.Generator, inp: Buffer, out: Buffer) -> None:
        super().__init__(rng)
        self.inp = inp
        self.out = out
        self.part = inp.take()
        self.tau = 5.0 if self.part else 0.0
        self.spindle_speed = 0.0
        self.spindle_load = 0.0
        self.spindle_current = 2.5
        self.spindle_temp = 38.0
        self.vibration = 0.15
        self.coolant_flow = COOLANT_NOMINAL_LPM
        self.coolant_temp = 24.2
        self.chiller_on = False
        self.z_position = 0.0
        self.tool = 0
        self._readings: dict[str, float] = {}

    def on_stop(self) -> None:
        if self.part is not None and self.tau > 5.0:  # the part in the vice is scrap
            self.part = None
            self.reject += 1
            self.cycles += 1
        self.tau = 0.0

    def process(self, t: float, dt: float, fx: Effects, works: bool) -> None:
        noise = self.rng.standard_normal(8)
        op = operation_at(self.tau) if works and self.part is not None else PROGRAM[0]
        wear_fx = fx.get("bearing_wear")
        wear = wear_fx.severity * wear_fx.progress**2 if wear_fx else 0.0
        if works:
            self._advance(dt, wear)
        self.tool = op.tool
        self.spindle_speed = approach(self.spindle_speed, op.rpm, 6000.0, dt)
        at_speed = op.rpm > 0 and abs(self.spindle_speed - op.rpm) < 50.0
        accelerating = abs(self.spindle_speed - op.rpm) >= 50.0
        if at_speed:
            wobble = 1.0 + 0.05 * np.sin(2 * np.pi * 0.3 * t)
            target_load = op.load * (1.0 + 0.3 * wear) * wobble
        elif accelerating:
            target_load = 30.0
        else:
            target_load = 0.0
        self.spindle_load = lag(self.spindle_load, target_load, 0.3, dt)
        load = max(0.0, self.spindle_load * (1.0 + 0.03 * noise[0]))
        speed_ratio = self.spindle_speed / MAX_RPM
        current = 2.5 + 0.3 * load + 0.0002 * self.spindle_speed + 0.3 * noise[1]

        loss_fx = fx.get("coolant_loss")
        flow_factor = 1.0
        if loss_fx:
            flow_factor -= 0.9 * loss_fx.severity * min(1.0, 3.0 * loss_fx.progress)
        pump_on = works
        flow_target = COOLANT_NOMINAL_LPM * flow_factor if pump_on else 0.0
        self.coolant_flow = lag(self.coolant_flow, flow_target, 2.0, dt)
        flow = max(0.0, self.coolant_flow + 0.3 * noise[2] * (flow_target > 0))

        # Spindle thermal model: heat from cutting load, speed and bearing friction; the
        # coolant carries it away in proportion to its flow.
        heat = 0.35 * self.spindle_load + 2.0 * speed_ratio + 8.0 * wear * speed_ratio
        conductance = 0.167 + 0.833 * min(1.0, self.coolant_flow / COOLANT_NOMINAL_LPM)
        d_temp = (heat - conductance * (self.spindle_temp - self.coolant_temp)) / THERMAL_CAPACITY
        self.spindle_temp += d_temp * dt

        if self.spindle_speed > 100.0:
            vib = 0.6 + 1.0 * speed_ratio**1.5 + 0.012 * load + 7.5 * wear * speed_ratio
        else:
            vib = 0.15
        self.vibration = vib * float(np.exp(0.06 * noise[3]))

        # Coolant tank: the chiller switches on and off around 24 °C.
        if self.coolant_temp > 25.0:
            self.chiller_on = True
        elif self.coolant_temp < 23.5:
            self.chiller_on = False
        self.coolant_temp += (0.004 - (0.008 if self.chiller_on else 0.0)) * dt
        self.z_position = lag(self.z_position, self._z_target(op, t), 0.3, dt)
        self.part_present = self.part is not None

        self._readings = {
            "spindle_speed": max(
                0.0, self.spindle_speed + 4.0 * noise[4] * (self.spindle_speed > 0)
            ),
            "spindle_load": load,
            "spindle_current": max(0.0, current),
            "spindle_temp": self.spindle_temp + 0.1 * noise[5],
            "vibration_rms": self.vibration,
            "coolant_flow": flow,
            "coolant_temp": self.coolant_temp + 0.05 * noise[6],
            "z_position": self.z_position + 0.02 * noise[7],
            "tool_number": float(self.tool),
            "feed_override": 100.0,
        }
        if self.vibration > TRIP_VIBRATION:
            self.trip(t, FAULT_VIBRATION, fx)
        elif self.spindle_temp > TRIP_TEMP_C:
            self.trip(t, FAULT_OVERTEMP, fx)

    @staticmethod
    def _z_target(op: Operation, t: float) -> float:
        if op.tool == 2:  # peck drilling
            return op.z_mm - 25.0 * ((t % 2.5) / 2.5)
        if op.tool:
            return op.z_mm
        return 0.0

    def _advance(self, dt: float, wear: float) -> None:
        """Run the program; load a new casting when the last one is done."""
        if self.part is None:
            self.part = self.inp.take()
            if self.part is None:
                self.wait_s += dt
                self.tau = 0.0
                return
            self.wait_s = 0.0
            self.tau = 0.0
        if self.tau >= CYCLE_S:
            if self.out.full:
                self.wait_s += dt
                return
            # Chatter from a worn bearing spoils the surface finish now and then.
            if self.rng.random() < 0.004 + 0.25 * wear:
                self.reject += 1
            else:
                self.out.put(self.part)
                self.good += 1
            self.part = None
            self.cycles += 1
            self.tau = 0.0
            return
        self.tau += dt

    def values(self) -> dict[str, float]:
        out = self.common_values()
        out.update(self._readings)
        return out
