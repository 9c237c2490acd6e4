"""Scripted faults: what goes wrong, where, when, for how long and how badly.

A scenario is a list of :class:`Fault` entries; built-in ones are named (``default``, ``none``
and one per fault kind), others are TOML files::

    name = "night shift"
    repeat_s = 1200          # optional: replay the faults every 20 minutes

    [[fault]]
    start_s = 120
    machine = "cnc"
    kind = "bearing_wear"
    duration_s = 420
    severity = 0.8
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drivers.simulator.base import Effect, Effects

MACHINES = ("diecast", "cnc", "leaktest", "washer")

#: Fault kind -> machines it can happen on.
FAULT_KINDS: dict[str, tuple[str, ...]] = {
    "bearing_wear": ("cnc",),
    "coolant_loss": ("cnc",),
    "pressure_spikes": ("diecast",),
    "melt_temp_drop": ("diecast",),
    "reject_burst": ("leaktest",),
    "pump_wear": ("washer",),
    "conveyor_jam": ("washer",),
    "silent": MACHINES,
    "stop": MACHINES,
    "maintenance": MACHINES,
}

FaultKind = Literal[
    "bearing_wear",
    "coolant_loss",
    "pressure_spikes",
    "melt_temp_drop",
    "reject_burst",
    "pump_wear",
    "conveyor_jam",
    "silent",
    "stop",
    "maintenance",
]


class ScenarioError(ValueError):
    """A scenario name or file that cannot be used."""


class Fault(BaseModel):
    """One scripted fault; times are simulated seconds from the start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_s: float = Field(ge=0)
    machine: Literal["diecast", "cnc", "leaktest", "washer"]
    kind: FaultKind
    duration_s: float = Field(gt=0)
    severity: float = Field(default=1.0, ge=0, le=1)

    @model_validator(mode="after")
    def _kind_fits_machine(self) -> Fault:
        allowed = FAULT_KINDS[self.kind]
        if self.machine not in allowed:
            raise ValueError(
                f"fault '{self.kind}' cannot happen on '{self.machine}' "
                f"(only on {', '.join(allowed)})"
            )
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    repeat_s: float | None = Field(default=None, gt=0)
    fault: list[Fault] = Field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    """Faults on a timeline, optionally repeated every ``repeat_s``."""

    name: str
    faults: tuple[Fault, ...] = ()
    repeat_s: float | None = None
    _by_machine: dict[str, tuple[Fault, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for machine in MACHINES:
            self._by_machine[machine] = tuple(f for f in self.faults if f.machine == machine)

    def effects(self, machine: str, t: float) -> Effects:
        """Faults acting on ``machine`` at simulated time ``t``."""
        faults = self._by_machine.get(machine, ())
        if not faults:
            return {}
        local = t % self.repeat_s if self.repeat_s else t
        out: Effects = {}
        for fault in faults:
            if fault.start_s <= local < fault.end_s:
                progress = (local - fault.start_s) / fault.duration_s
                effect = Effect(fault.severity, progress, fault.end_s - local)
                current = out.get(fault.kind)
                if current is None or effect.severity > current.severity:
                    out[fault.kind] = effect
        return out


#: The demo's story: one fault at a time, so that each can be seen and explained; the
#: castings spoilt by the pressure spikes reach the leak tester during its reject burst.
DEFAULT_FAULTS = (
    Fault(start_s=120, machine="cnc", kind="bearing_wear", duration_s=360, severity=0.8),
    Fault(start_s=600, machine="diecast", kind="pressure_spikes", duration_s=180, severity=0.8),
    Fault(start_s=780, machine="leaktest", kind="reject_burst", duration_s=300, severity=1.0),
    Fault(start_s=1140, machine="washer", kind="silent", duration_s=60, severity=1.0),
    Fault(start_s=1260, machine="cnc", kind="coolant_loss", duration_s=300, severity=0.9),
)
DEFAULT_REPEAT_S = 1800.0

#: Durations and severities of the single-fault scenarios named after their kind.
SINGLE_FAULT: dict[str, tuple[str, float, float]] = {
    "bearing_wear": ("cnc", 300, 0.9),
    "coolant_loss": ("cnc", 300, 0.9),
    "pressure_spikes": ("diecast", 180, 0.7),
    "melt_temp_drop": ("diecast", 240, 0.8),
    "reject_burst": ("leaktest", 240, 0.9),
    "pump_wear": ("washer", 240, 0.8),
    "conveyor_jam": ("washer", 180, 1.0),
    "silent": ("washer", 60, 1.0),
    "stop": ("diecast", 90, 1.0),
    "maintenance": ("cnc", 120, 1.0),
}
SINGLE_FAULT_START_S = 30.0


def builtin_names() -> list[str]:
    """Names accepted by :func:`get_scenario` besides file paths."""
    return ["default", "none", *SINGLE_FAULT]


def get_scenario(spec: str | Scenario | list[Fault] | None) -> Scenario:
    """A built-in scenario by name, a TOML file by path, or a ready list of faults."""
    if spec is None or isinstance(spec, Scenario):
        return spec or Scenario("none")
    if isinstance(spec, list):
        return Scenario("custom", tuple(spec))
    if spec == "none":
        return Scenario("none")
    if spec == "default":
        return Scenario("default", DEFAULT_FAULTS, repeat_s=DEFAULT_REPEAT_S)
    if spec in SINGLE_FAULT:
        machine, duration, severity = SINGLE_FAULT[spec]
        fault = Fault(
            start_s=SINGLE_FAULT_START_S,
            machine=machine,
            kind=spec,
            duration_s=duration,
            severity=severity,
        )
        return Scenario(spec, (fault,))
    if spec.endswith(".toml") or "/" in spec:
        return load_scenario(spec)
    raise ScenarioError(
        f"unknown scenario '{spec}' (built-in: {', '.join(builtin_names())}; "
        "or the path of a .toml file)"
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file; raise :class:`ScenarioError` with a readable message."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
    try:
        parsed = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown key (is it misspelt?)"
            problems.append(f"{loc.lstrip('.') or '(top level)'}: {message}")
        raise ScenarioError(f"{path}: " + "; ".join(problems)) from None
    return Scenario(parsed.name or path.stem, tuple(parsed.fault), parsed.repeat_s)
