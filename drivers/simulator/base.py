"""What every simulated machine shares: states, parts, buffers, fault effects and the state logic.

A machine is ticked at a fixed simulated step; all randomness comes from its own generator so
that a seed and a simulated time fully determine every value.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

#: Simulated time step of the model, seconds.
TICK_S = 0.1

#: Fault kinds that wear something out; when one ends the machine is repaired (maintenance).
REPAIRABLE = frozenset(
    {"bearing_wear", "coolant_loss", "pump_wear", "conveyor_jam", "melt_temp_drop"}
)


class MachineState(IntEnum):
    """Value of every machine's ``state`` register."""

    STOPPED = 0
    RUNNING = 1
    IDLE = 2
    FAULT = 3
    MAINTENANCE = 4


@dataclass(slots=True)
class Part:
    """One casting travelling down the line."""

    serial: int
    porosity: float = 0.0
    """0..1; porous castings leak more often at the leak tester."""
    temp: float = 25.0
    """Part temperature when it left the last machine, at ``left_at`` (simulated s)."""
    left_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Effect:
    """A scripted fault acting on a machine right now."""

    severity: float
    progress: float
    """0 at the start of the fault, 1 at its end."""
    remaining_s: float


Effects = dict[str, Effect]


class Buffer:
    """A conveyor section or rack between two machines."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.parts: deque[Part] = deque()

    def __len__(self) -> int:
        return len(self.parts)

    @property
    def full(self) -> bool:
        return len(self.parts) >= self.capacity

    def put(self, part: Part) -> None:
        self.parts.append(part)

    def take(self) -> Part | None:
        return self.parts.popleft() if self.parts else None


class Machine:
    """State handling common to all machines; subclasses model the process in :meth:`process`."""

    name = "machine"
    device_id = 0
    #: Seconds without work before the machine reports itself idle/starved.
    idle_after_s = 30.0
    #: Minimum time a tripped machine stays in fault before the technician arrives.
    fault_hold_s = 30.0
    #: Time a repair takes.
    repair_s = 60.0

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.state = MachineState.RUNNING
        self.fault_code = 0
        self.cycles = 0
        self.good = 0
        self.reject = 0
        self.part_type = "EVH-220"
        self.wait_s = 0.0
        self.run_s = 0.0
        """Seconds since the machine last (re)started; protections wait for it to settle."""
        self._fault_until = 0.0
        self._maint_until = 0.0
        self._fault_since = 0.0
        self._active: set[str] = set()
        self.door_closed = True
        self.estop_ok = True
        self.part_present = False
        self._now = 0.0

    # -- state logic --------------------------------------------------------------------------
    def tick(self, t: float, dt: float, fx: Effects) -> None:
        """Advance one step: decide whether the machine may work, then run its process."""
        self._now = t
        self._note_repairs(t, fx)
        works = self._available(t, fx)
        self.run_s = self.run_s + dt if works else 0.0
        self.process(t, dt, fx, works)
        if works and self.state not in (MachineState.FAULT, MachineState.MAINTENANCE):
            idle = self.wait_s > self.idle_after_s
            self.state = MachineState.IDLE if idle else MachineState.RUNNING

    def _note_repairs(self, t: float, fx: Effects) -> None:
        ended = self._active - set(fx)
        self._active = set(fx)
        if ended & REPAIRABLE and self.state != MachineState.FAULT:
            self.enter_maintenance(t)

    def _available(self, t: float, fx: Effects) -> bool:
        if "stop" in fx:
            self.state = MachineState.STOPPED
            return False
        if "maintenance" in fx:
            self.state = MachineState.MAINTENANCE
            self.door_closed = False
            return False
        if self.state == MachineState.FAULT:
            if t < self._fault_until:
                return False
            self.fault_code = 0
            self.enter_maintenance(t)
        if self.state == MachineState.MAINTENANCE:
            if t < self._maint_until:
                return False
            self.door_closed = True
            self.state = MachineState.RUNNING
        if self.state == MachineState.STOPPED:
            self.state = MachineState.RUNNING
        return True

    def trip(self, t: float, code: int, fx: Effects) -> None:
        """The machine's own protection stops it with ``code``; held until the cause is gone."""
        if self.state == MachineState.FAULT:
            return
        # Worn parts keep the machine down until the scripted fault ends (the repair).
        cause_left = max(
            (e.remaining_s for kind, e in fx.items() if kind in REPAIRABLE), default=0.0
        )
        self.state = MachineState.FAULT
        self.fault_code = code
        self._fault_since = t
        self._fault_until = t + max(self.fault_hold_s, cause_left)
        self.on_stop()

    def enter_maintenance(self, t: float) -> None:
        """A technician works on the machine for :attr:`repair_s`."""
        self.state = MachineState.MAINTENANCE
        self._maint_until = t + self.repair_s
        self.door_closed = False
        self.on_stop()

    @property
    def horn(self) -> bool:
        """The horn sounds for the first 10 s of a fault."""
        return self.state == MachineState.FAULT and self._now - self._fault_since < 10.0

    # -- to implement -------------------------------------------------------------------------
    def process(self, t: float, dt: float, fx: Effects, works: bool) -> None:
        """Advance the process; ``works`` is False while stopped, faulted or in maintenance."""
        raise NotImplementedError

    def on_stop(self) -> None:
        """The machine has just stopped abnormally (abort the cycle)."""

    def values(self) -> dict[str, float]:
        """Every numeric point by name (engineering units)."""
        raise NotImplementedError

    def common_values(self) -> dict[str, float]:
        """Points every machine has."""
        return {
            "state": float(self.state),
            "fault_code": float(self.fault_code),
            "cycle_count": float(self.cycles),
            "good_count": float(self.good),
            "reject_count": float(self.reject),
        }

    def bits(self) -> dict[str, bool]:
        """Discrete inputs and coils by name."""
        state = self.state
        return {
            "door_closed": self.door_closed,
            "estop_ok": self.estop_ok,
            "auto_mode": state in (MachineState.RUNNING, MachineState.IDLE),
            "part_present": self.part_present,
            "lamp_green": state == MachineState.RUNNING,
            "lamp_amber": state in (MachineState.IDLE, MachineState.MAINTENANCE),
            "lamp_red": state == MachineState.FAULT,
            "horn": self.horn,
        }


def approach(value: float, target: float, rate: float, dt: float) -> float:
    """Move ``value`` towards ``target`` by at most ``rate * dt`` (a slew-limited actuator)."""
    step = rate * dt
    if value < target:
        return min(target, value + step)
    return max(target, value - step)


def lag(value: float, target: float, tau: float, dt: float) -> float:
    """First-order lag with time constant ``tau`` (snaps when within 1e-6, no denormals)."""
    moved = value + (target - value) * min(1.0, dt / tau)
    return target if abs(moved - target) < 1e-6 else moved
