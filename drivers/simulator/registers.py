"""The simulated machines' Modbus register map and its encoding into register images.

Addresses are protocol addresses (what a client puts in the request, starting at 0). Every
machine shares the same header so that one template fits all four; gaps read as 0. Multi-register
values are big-endian with the high word first (ABCD).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

PointType = Literal["bool", "int16", "uint16", "uint32", "float32", "string"]
PointTable = Literal["coil", "discrete", "input", "holding"]

WORDS = {"bool": 1, "int16": 1, "uint16": 1, "uint32": 2, "float32": 2}


@dataclass(frozen=True, slots=True)
class Point:
    """One register (or register group, or bit) of a machine."""

    name: str
    table: PointTable
    address: int
    type: PointType
    unit: str = ""
    description: str = ""
    scale: float = 1.0
    """Engineering value = raw * scale (int16 points only)."""
    length: int = 0
    """Registers of a string point."""

    @property
    def words(self) -> int:
        return self.length if self.type == "string" else WORDS[self.type]


def _common() -> list[Point]:
    return [
        Point(
            "state",
            "holding",
            0,
            "uint16",
            "",
            "Machine state: 0 stopped, 1 running, 2 idle/starved, 3 fault, 4 maintenance",
        ),
        Point("fault_code", "holding", 1, "uint16", "", "Active fault code, 0 = none"),
        Point("cycle_count", "holding", 2, "uint32", "parts", "Cycles completed since start"),
        Point("good_count", "holding", 4, "uint32", "parts", "Good parts since start"),
        Point("reject_count", "holding", 6, "uint32", "parts", "Rejected parts since start"),
        Point("heartbeat", "holding", 8, "uint16", "s", "Seconds counter, wraps at 65535"),
        Point("part_type", "holding", 9, "string", "", "Current part type", length=4),
    ]


def _bits() -> list[Point]:
    return [
        Point("door_closed", "discrete", 0, "bool", "", "Guard door closed"),
        Point("estop_ok", "discrete", 1, "bool", "", "Emergency stop circuit healthy"),
        Point("auto_mode", "discrete", 2, "bool", "", "Machine in automatic mode"),
        Point("part_present", "discrete", 3, "bool", "", "Part in the machine"),
        Point("lamp_green", "coil", 0, "bool", "", "Stack light green (running)"),
        Point("lamp_amber", "coil", 1, "bool", "", "Stack light amber (idle, maintenance)"),
        Point("lamp_red", "coil", 2, "bool", "", "Stack light red (fault)"),
        Point("horn", "coil", 3, "bool", "", "Horn (first 10 s of a fault)"),
    ]


def _floats(*items: tuple[str, str, str]) -> list[Point]:
    return [
        Point(name, "holding", 100 + 2 * index, "float32", unit, description)
        for index, (name, unit, description) in enumerate(items)
    ]


REGISTER_MAP: dict[str, list[Point]] = {
    "diecast": [
        *_common(),
        *_floats(
            ("melt_temp", "°C", "Melt temperature in the holding furnace"),
            ("die_temp", "°C", "Die surface temperature (moving half)"),
            ("injection_pressure", "bar", "Injection (shot cylinder) pressure, live"),
            ("peak_pressure", "bar", "Peak intensification pressure of the last shot"),
            ("hydraulic_current", "A", "Hydraulic pump motor current"),
            ("oil_temp", "°C", "Hydraulic oil temperature"),
            ("cycle_time", "s", "Duration of the last shot cycle"),
        ),
        Point("vacuum", "input", 0, "int16", "kPa", "Die vacuum tank pressure (gauge)", 0.1),
        Point("cooling_water_temp", "input", 1, "int16", "°C", "Die cooling water return", 0.1),
        *_bits(),
    ],
    "cnc": [
        *_common(),
        Point("tool_number", "holding", 20, "uint16", "", "Tool in the spindle, 0 = none"),
        *_floats(
            ("spindle_speed", "rpm", "Spindle speed"),
            ("spindle_load", "%", "Spindle load"),
            ("spindle_current", "A", "Spindle motor current"),
            ("spindle_temp", "°C", "Spindle bearing temperature"),
            ("vibration_rms", "mm/s", "Spindle vibration velocity, RMS"),
            ("coolant_flow", "l/min", "Coolant flow"),
            ("coolant_temp", "°C", "Coolant tank temperature"),
        ),
        Point("z_position", "input", 0, "int16", "mm", "Z axis position", 0.01),
        Point("feed_override", "input", 1, "int16", "%", "Feed override", 1.0),
        *_bits(),
    ],
    "leaktest": [
        *_common(),
        Point(
            "test_phase",
            "holding",
            20,
            "uint16",
            "",
            "0 waiting, 1 loading, 2 filling, 3 stabilising, 4 testing, 5 venting, 6 unloading",
        ),
        Point("last_result", "holding", 21, "uint16", "", "Last result: 0 none, 1 pass, 2 fail"),
        Point(
            "weigh_result",
            "holding",
            22,
            "uint16",
            "",
            "Checkweigher result of the last part: 0 none, 1 in window, 2 out of window",
        ),
        *_floats(
            ("test_pressure", "kPa", "Test pressure (gauge)"),
            ("pressure_decay", "Pa", "Pressure decay over the test time"),
            ("leak_rate", "ml/min", "Leak rate computed from the decay"),
            ("part_temp", "°C", "Part temperature at the start of the test"),
            ("scale_weight", "kg", "Checkweigher reading"),
            ("last_weight", "kg", "Checkweigher weight of the last finished part"),
        ),
        Point("last_serial", "holding", 300, "string", "", "Serial of the last part", length=10),
        Point("ambient_temp", "input", 0, "int16", "°C", "Ambient temperature", 0.1),
        Point("zero_offset", "input", 1, "int16", "Pa", "Transducer zero offset", 0.1),
        *_bits(),
    ],
    "washer": [
        *_common(),
        Point("parts_in_washer", "holding", 20, "uint16", "parts", "Parts on the belt"),
        *_floats(
            ("conveyor_speed", "m/min", "Belt speed"),
            ("motor_current", "A", "Belt drive motor current"),
            ("wash_temp", "°C", "Wash water temperature"),
            ("pump_pressure", "bar", "Spray pump pressure"),
            ("pump_current", "A", "Spray pump motor current"),
            ("tank_level", "%", "Wash tank level"),
            ("dryer_temp", "°C", "Dryer air temperature"),
        ),
        Point("conductivity", "input", 0, "int16", "µS/cm", "Wash water conductivity", 1.0),
        *_bits(),
    ],
}

DEVICE_IDS = {"diecast": 1, "cnc": 2, "leaktest": 3, "washer": 4}


@dataclass(frozen=True, slots=True)
class DeviceImage:
    """All four tables of one device as register lists (bits packed 16 per register, bit 0
    first, as pymodbus keeps them)."""

    holding: list[int]
    input: list[int]
    coils: list[int]
    discrete: list[int]


def table_size(points: list[Point], table: PointTable) -> int:
    """Registers (or bits, for bit tables) the table spans, from address 0."""
    ends = [p.address + p.words for p in points if p.table == table]
    return max(ends, default=1)


def _words(point: Point, value: float | str) -> list[int]:
    kind = point.type
    if kind == "float32":
        high, low = struct.unpack(">HH", struct.pack(">f", float(value)))
        return [high, low]
    if kind == "uint32":
        raw = min(max(round(float(value)), 0), 0xFFFFFFFF)
        return [raw >> 16, raw & 0xFFFF]
    if kind == "uint16":
        return [min(max(round(float(value)), 0), 0xFFFF)]
    if kind == "int16":
        raw = min(max(round(float(value) / point.scale), -32768), 32767)
        return [raw & 0xFFFF]
    if kind == "string":
        data = str(value).encode("ascii", "replace")[: 2 * point.length]
        data = data.ljust(2 * point.length, b"\x00")
        return list(struct.unpack(f">{point.length}H", data))
    raise ValueError(f"cannot encode a {kind} point")


def pack_bits(bits: list[bool]) -> list[int]:
    """Bits to registers, 16 per register, bit 0 first."""
    padded = bits + [False] * (-len(bits) % 16)
    return [
        sum(1 << i for i, bit in enumerate(padded[start : start + 16]) if bit)
        for start in range(0, len(padded), 16)
    ]


def encode(
    machine: str, values: dict[str, float], texts: dict[str, str], bits: dict[str, bool]
) -> DeviceImage:
    """Register images of ``machine`` from its current readings."""
    points = REGISTER_MAP[machine]
    holding = [0] * table_size(points, "holding")
    inputs = [0] * table_size(points, "input")
    coil_bits = [False] * table_size(points, "coil")
    discrete_bits = [False] * table_size(points, "discrete")
    for point in points:
        if point.type == "bool":
            target = coil_bits if point.table == "coil" else discrete_bits
            target[point.address] = bool(bits.get(point.name, False))
            continue
        if point.type == "string":
            value: float | str = texts.get(point.name, "")
        else:
            value = values.get(point.name, 0.0)
        words = _words(point, value)
        table = holding if point.table == "holding" else inputs
        table[point.address : point.address + len(words)] = words
    return DeviceImage(holding, inputs, pack_bits(coil_bits), pack_bits(discrete_bits))


def find_point(machine: str, name: str) -> Point:
    """The point called ``name`` of ``machine``."""
    for point in REGISTER_MAP[machine]:
        if point.name == name:
            return point
    raise KeyError(f"{machine} has no point '{name}'")


TABLE_TITLES = {
    "holding": "holding register (FC 3)",
    "input": "input register (FC 4)",
    "coil": "coil (FC 1)",
    "discrete": "discrete input (FC 2)",
}


def markdown_table(machine: str) -> str:
    """The register table of ``machine`` as Markdown (for REGISTER_MAP.md)."""
    order = {"holding": 0, "input": 1, "discrete": 2, "coil": 3}
    rows = [
        "| Address | Point | Type | Table | Unit | Scale | Description |",
        "|---:|---|---|---|---|---|---|",
    ]
    for p in sorted(REGISTER_MAP[machine], key=lambda p: (order[p.table], p.address)):
        kind = f"{p.type}" if p.type != "string" else "string"
        scale = f"{p.scale:g}" if p.type == "int16" else ""
        words = f" ({p.length} regs)" if p.type == "string" else ""
        rows.append(
            f"| {p.address} | `{p.name}` | {kind} | {TABLE_TITLES[p.table]} | {p.unit} | "
            f"{scale} | {p.description}{words} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    import sys

    for name, device_id in DEVICE_IDS.items():
        sys.stdout.write(f"### {name} (device id {device_id})\n\n{markdown_table(name)}\n\n")
