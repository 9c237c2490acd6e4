"""Offline check of the demo line's anomaly detectors against the plant model.

Steps :class:`drivers.simulator.Plant` in simulated time (no Modbus, no real time), polls every
tag of ``resources/demo/line.toml`` at its group's period the way the engine would (register
images from the simulator's own encoder, decoded with the tag's type, scale and offset),
feeds the batches to :class:`app.detectors.monitor.AnomalyMonitor` and, with ``--alarms``,
to the real :class:`app.alarms.manager.AlarmManager` to see when the limit alarms fire.

Run (each line takes a few seconds per simulated hour)::

    .venv/bin/python tests/bench/tune_demo_detectors.py --scenario none --seeds 1 2 3 --minutes 120
    .venv/bin/python tests/bench/tune_demo_detectors.py --scenario default --minutes 30 --alarms
    .venv/bin/python tests/bench/tune_demo_detectors.py --scenario default --lead-in 0 --alarms

``--lead-in S`` (default 900 for fault scenarios) runs the clean line for S seconds before the
scenario's clock starts, as a station that was already running when the fault script began;
times are printed relative to the scenario's start (the lead-in shows as negative times).
``--lead-in 0`` is a cold start: station and simulator started together, so the first faults
fall inside the warm-up and are partly learned as normal.

``tests/test_demo_detectors.py`` runs :func:`simulate` on a shorter span as a regression test.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.config import StationConfig, TagConfig
from app.config_loader import load_config
from app.detectors.monitor import AnomalyMonitor
from app.model import Quality, SampleBatch
from app.tags import TagTable
from app.worker import build_groups
from drivers.modbus.addressing import ModbusPoint
from drivers.modbus.tcp import ModbusTcpDriver
from drivers.simulator.base import TICK_S
from drivers.simulator.plant import Plant
from drivers.simulator.registers import REGISTER_MAP, DeviceImage, Point, encode
from drivers.simulator.scenario import Effects, Fault, Scenario, get_scenario

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "demo" / "line.toml"
#: Wall-clock origin of the simulated samples (any fixed epoch; detectors only see differences).
EPOCH = 1_767_225_600.0
_STRUCT = {"int16": ">h", "uint16": ">H", "uint32": ">I", "int32": ">i", "float32": ">f"}


@dataclass(frozen=True)
class DelayedScenario(Scenario):
    """A scenario whose clock starts ``lead_s`` simulated seconds after the plant's (a clean
    line before)."""

    lead_s: float = 0.0

    def effects(self, machine: str, t: float) -> Effects:
        return {} if t < self.lead_s else super().effects(machine, t - self.lead_s)


def scenario_of(spec: str | Scenario | list[Fault], lead_s: float = 0.0) -> Scenario:
    """A named scenario, a fault list or a scenario, optionally after a clean lead-in."""
    scenario = get_scenario(spec)
    if lead_s <= 0:
        return scenario
    return DelayedScenario(scenario.name, scenario.faults, scenario.repeat_s, lead_s=lead_s)


# -- register images -> engineering values -------------------------------------------------------


def _decoder(
    config: TagConfig, points: dict[tuple[str, int], Point]
) -> Callable[[DeviceImage], float]:
    """Reads one tag from a device's register image as the Modbus driver would (raw value;
    the engine applies scale and offset)."""
    if config.data_type == "string":
        return lambda image: float("nan")
    tag = ModbusPoint.of(config, ModbusTcpDriver.parse_tag(config))  # type: ignore[arg-type]
    point = points.get((tag.table, tag.address or 0))
    if point is None:
        raise ValueError(f"tag {tag.name}: no simulator point at {tag.table} {tag.address}")
    address = tag.address or 0
    if tag.table in ("coil", "discrete"):
        word, bit = divmod(address, 16)
        attr = "coils" if tag.table == "coil" else "discrete"
        return lambda image: float((getattr(image, attr)[word] >> bit) & 1)
    if tag.byte_order != "ABCD" or tag.data_type not in _STRUCT:
        raise ValueError(f"tag {tag.name}: {tag.data_type}/{tag.byte_order} not supported here")
    fmt = _STRUCT[tag.data_type]
    words = struct.calcsize(fmt) // 2
    attr = "holding" if tag.table == "holding" else "input"
    if tag.bit is not None:
        bit = tag.bit
        return lambda image: float((getattr(image, attr)[address] >> bit) & 1)

    def read(image: DeviceImage) -> float:
        regs = getattr(image, attr)[address : address + words]
        return float(struct.unpack(fmt, struct.pack(f">{words}H", *regs))[0])

    return read


@dataclass
class _Group:
    device: str
    period_ticks: int
    tag_ids: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    decoders: list[Callable[[DeviceImage], float]]


def _groups(config: StationConfig, table: TagTable) -> list[_Group]:
    out = []
    for device in config.devices:
        if not device.enabled:
            continue
        points = {(p.table, p.address): p for p in REGISTER_MAP[device.name]}
        for group in build_groups(device, table):
            out.append(
                _Group(
                    device=device.name,
                    period_ticks=max(round(group.period_s / TICK_S), 1),
                    tag_ids=group.tag_ids,
                    scale=group.scale,
                    offset=group.offset,
                    decoders=[_decoder(tag, points) for tag in group.tags],
                )
            )
    return out


def record(
    config: StationConfig,
    seed: int,
    scenario: str | Scenario | list[Fault],
    duration_s: float,
    lead_s: float = 0.0,
) -> list[SampleBatch]:
    """Every batch the engine would publish for ``duration_s`` simulated seconds (after a
    clean ``lead_s``); sample times are ``EPOCH`` + simulated seconds since the plant started."""
    plant = Plant(seed=seed, scenario=scenario_of(scenario, lead_s))
    table = TagTable(config)
    groups = _groups(config, table)
    step = math.gcd(*(g.period_ticks for g in groups))
    batches: list[SampleBatch] = []
    end = round((lead_s + duration_s) / TICK_S)
    for tick in range(0, end + 1, step):
        due = [g for g in groups if tick % g.period_ticks == 0]
        if not due:
            continue
        plant.advance_to(tick * TICK_S)
        now = EPOCH + tick * TICK_S
        images: dict[str, DeviceImage] = {}
        for g in due:
            n = len(g.decoders)
            if g.device in plant.silent:  # no answer: the worker publishes BAD samples
                values = np.full(n, np.nan)
                quality = np.full(n, Quality.BAD, dtype=np.uint8)
            else:
                image = images.get(g.device)
                if image is None:
                    image = encode(
                        g.device,
                        plant.values(g.device),
                        plant.texts(g.device),
                        plant.bits(g.device),
                    )
                    images[g.device] = image
                raw = np.array([read(image) for read in g.decoders])
                values = raw * g.scale + g.offset
                quality = np.zeros(n, dtype=np.uint8)
            batches.append(SampleBatch.uniform(g.device, g.tag_ids, now, values, quality))
    return batches


# -- detectors and limit alarms ------------------------------------------------------------------


@dataclass(frozen=True)
class Onset:
    """An anomaly onset, at simulated seconds since the plant started."""

    t: float
    device: str
    tag: str | None
    detector: str
    message: str

    def line(self, origin: float = 0.0) -> str:
        where = f"{self.device}.{self.tag}" if self.tag else self.device
        return f"{clock(self.t - origin)}  {where:26s} {self.detector:9s} {self.message}"


@dataclass
class Result:
    onsets: list[Onset] = field(default_factory=list)
    alarms: list[tuple[float, str, str]] = field(default_factory=list)
    """(simulated s, alarm id, message) of every limit/discrete alarm raise."""


def clock(seconds: float) -> str:
    sign = "-" if seconds < 0 else " "
    s = abs(seconds)
    return f"{sign}{int(s // 60):3d}:{s % 60:04.1f}"


def evaluate(config: StationConfig, batches: Iterable[SampleBatch], alarms: bool = False) -> Result:
    """Feed ``batches`` to a fresh monitor (and an alarm manager with ``alarms``)."""
    ids = TagTable(config).ids()
    monitor = AnomalyMonitor(config, ids)
    result = Result()
    manager = None
    if alarms:
        from app.alarms.manager import AlarmManager
        from app.alarms.model import AlarmState, Transition, TransitionKind

        box = [EPOCH]
        from tests.alarm_support import open_gateway

        manager = AlarmManager(config, ids, open_gateway("sqlite://"), clock=lambda: box[0])

        def listen(transitions: Sequence[Transition]) -> None:
            for tr in transitions:
                # Raised and shown (suppressed-by-design raises are journaled but hidden).
                if tr.event == TransitionKind.RAISE and tr.state == AlarmState.UNACK:
                    result.alarms.append((tr.timestamp - EPOCH, tr.alarm_id, tr.message.render()))

        manager.add_listener(listen)
    for batch in batches:
        for a in monitor.process(batch):
            result.onsets.append(Onset(a.timestamp - EPOCH, a.device, a.tag, a.detector, a.message))
        if manager is not None:
            box[0] = float(batch.timestamps[0])
            manager.on_batch(batch)
            manager.tick(box[0])
    if manager is not None:
        manager.wait_delivered()  # listeners hear of transitions on the notify thread
    return result


def simulate(
    config: StationConfig | str | Path = DEMO_CONFIG,
    seed: int = 1,
    scenario: str | Scenario | list[Fault] = "none",
    duration_s: float = 1800.0,
    lead_s: float = 0.0,
    alarms: bool = False,
) -> Result:
    """Record the plant and run the detectors (and alarms) over it."""
    if not isinstance(config, StationConfig):
        config = load_config(config)
    return evaluate(config, record(config, seed, scenario, duration_s, lead_s), alarms)


# -- report --------------------------------------------------------------------------------------


def _fault_windows(spec: str, duration_s: float) -> list[tuple[float, Fault]]:
    scenario = get_scenario(spec)
    repeat = scenario.repeat_s or float("inf")
    out = []
    loop = 0.0
    while loop < duration_s:
        out += [(loop, f) for f in scenario.faults if loop + f.start_s < duration_s]
        loop += repeat
    return out


def report(
    config: StationConfig,
    spec: str,
    seed: int,
    duration_s: float,
    lead_s: float,
    alarms: bool,
) -> int:
    started = time.perf_counter()
    result = simulate(config, seed, spec, duration_s, lead_s, alarms)
    wall = time.perf_counter() - started
    print(
        f"== scenario {spec}, seed {seed}, {duration_s / 60:g} sim-min after a {lead_s:g} s "
        f"lead-in: {len(result.onsets)} anomaly onsets ({wall:.1f} s wall)"
    )
    for onset in result.onsets:
        print("  " + onset.line(lead_s))
    if alarms:
        print(f"  limit/discrete alarms raised: {len(result.alarms)}")
        for t, alarm_id, message in result.alarms:
            print(f"  {clock(t - lead_s)}  ALARM {alarm_id}: {message}")
    windows = _fault_windows(spec, duration_s) if spec != "none" else []
    if windows:
        print(
            "  fault                          start    first anomaly on its machine   first alarm"
        )
    for loop, fault in windows:
        start = lead_s + loop + fault.start_s
        end = lead_s + loop + fault.end_s + 60.0  # the repair (maintenance) follows
        first = next(
            (o for o in result.onsets if o.device == fault.machine and start <= o.t < end), None
        )
        alarm = next(
            (
                a
                for a in result.alarms
                if a[1].startswith(fault.machine + ".") and start <= a[0] < end
            ),
            None,
        )
        seen = (
            f"+{first.t - start:5.0f} s {first.tag or '(machine)'}/{first.detector}"
            if first
            else "-"
        )
        fired = f"+{alarm[0] - start:5.0f} s {alarm[1]}" if alarm else "-"
        name = f"{fault.machine}.{fault.kind}"
        print(f"  {name:28s} {clock(start - lead_s)}  {seen:32s} {fired}")
    return len(result.onsets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(DEMO_CONFIG))
    parser.add_argument("--scenario", default="none", help="none, default, bearing_wear, ...")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--minutes", type=float, default=None, help="120 clean, else 30")
    parser.add_argument("--lead-in", type=float, default=None, help="s of clean line first")
    parser.add_argument("--alarms", action="store_true", help="also run the limit alarms")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    minutes = args.minutes or (120.0 if args.scenario == "none" else 30.0)
    lead = args.lead_in if args.lead_in is not None else (0.0 if args.scenario == "none" else 900.0)
    total = 0
    for seed in args.seeds:
        total += report(config, args.scenario, seed, minutes * 60.0, lead, args.alarms)
    return 1 if args.scenario == "none" and total else 0


if __name__ == "__main__":
    raise SystemExit(main())
