"""The bundled demo configs against the simulator, read by the project's own drivers.

Also keeps ``resources/demo/line.toml`` and ``REGISTER_MAP.md`` honest: every tag must sit on a
register of the simulator's map with the same type and scaling.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.config import DeviceConfig, StationConfig, TagConfig
from app.config_loader import load_config
from drivers import driver_class
from drivers.modbus.addressing import ModbusPoint
from drivers.modbus.tcp import ModbusTcpDriver
from drivers.simulator import DEVICE_IDS, REGISTER_MAP, Fault, PlantSimulator
from drivers.simulator.registers import Point
from tests.test_simulator_serial import PtyPair

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


@pytest.fixture(scope="module")
def line() -> StationConfig:
    return load_config(DEMO / "line.toml")


def point_of(machine: str, table: str, address: int) -> Point:
    for point in REGISTER_MAP[machine]:
        if point.table == table and point.address == address:
            return point
    raise AssertionError(f"{machine}: nothing at {table} {address}")


def modbus_address(tag: TagConfig) -> ModbusPoint:
    """The demo line's tags are Modbus tags; their addressing belongs to the driver."""
    return ModbusPoint.of(tag, ModbusTcpDriver.parse_tag(tag))  # type: ignore[arg-type]


def test_line_toml_matches_the_register_map(line: StationConfig) -> None:
    assert [d.name for d in line.devices] == list(DEVICE_IDS)
    for device in line.devices:
        assert device.connection["device_id"] == DEVICE_IDS[device.name]
        assert 8 <= len(device.tags) <= 15
        assert 2 <= sum(t.key for t in device.tags) <= 3
        for tag in device.tags:
            where = modbus_address(tag)
            point = point_of(device.name, where.table, where.address)
            assert tag.data_type == point.type, tag.name
            if point.type == "int16":
                assert tag.scale == pytest.approx(point.scale), tag.name
            if point.type == "string":
                assert where.length == point.length, tag.name
            if point.unit and tag.unit and point.type != "uint32":  # counters: parts, shots
                assert tag.unit == point.unit, tag.name


def test_register_map_document_lists_every_point() -> None:
    text = (DEMO / "REGISTER_MAP.md").read_text(encoding="utf-8")
    for machine, points in REGISTER_MAP.items():
        section = text.split(f"### {machine}", 1)[1].split("\n### ", 1)[0]
        for point in points:
            row = re.search(
                rf"^\| {point.address} \| `{point.name}` \| {point.type} \|", section, re.M
            )
            assert row, f"{machine}.{point.name} missing from REGISTER_MAP.md"


@pytest.fixture(scope="module")
def sim() -> Iterator[PlantSimulator]:
    silent = [Fault(start_s=0, machine="leaktest", kind="silent", duration_s=3600)]
    simulator = PlantSimulator(seed=11, scenario=silent, speed=1.0)
    simulator.start()
    yield simulator
    simulator.stop()


def aimed(device: DeviceConfig, port: int) -> DeviceConfig:
    return device.model_copy(update={"connection": {**device.connection, "port": port}})


def test_modbus_tcp_driver_reads_every_demo_tag(line: StationConfig, sim: PlantSimulator) -> None:
    from drivers.base import DeviceError

    handle = sim.serve_modbus_tcp("127.0.0.1", 0)
    for device in line.devices:
        driver = driver_class("modbus-tcp")(aimed(device, handle.port))
        driver.connect()
        try:
            if sim.is_silent(device.name):
                with pytest.raises(DeviceError) as info:
                    driver.read(device.tags)
                assert info.value.kind == "timeout"
                continue
            readings = driver.read(device.tags)
        finally:
            driver.close()
        assert readings.errors == {}, (device.name, readings.errors)
        for index, tag in enumerate(device.tags):
            where = modbus_address(tag)
            point = point_of(device.name, where.table, where.address)
            if tag.data_type == "string":
                assert readings.texts[index].rstrip("\x00") == sim.text(device.name, point.name)
                continue
            value = readings.values[index] * tag.scale + tag.offset
            if tag.data_type == "bool":
                assert value == 1.0, tag.name  # e-stop circuit healthy
            elif point.name in ("state",):
                assert value == 1.0
            elif point.name.endswith("_count") or point.type == "uint16":
                assert value == pytest.approx(sim.value(device.name, point.name), abs=1), tag.name
            else:
                assert np.isfinite(value), tag.name
                lo, hi = tag.display_min, tag.display_max
                assert lo is not None and hi is not None
                assert lo <= value <= hi, (device.name, tag.name, value)


def test_serial_ascii_driver_reads_the_checkweigher_stream() -> None:
    config = load_config(DEMO / "checkweigher.toml")
    device = config.devices[0]
    pty = PtyPair()
    try:
        with PlantSimulator(seed=2, scenario="none", speed=60.0) as sim:
            sim.serve_ascii(pty.a, rate_hz=5.0)
            local = device.model_copy(update={"connection": {**device.connection, "port": pty.b}})
            driver = driver_class("serial-ascii")(local)
            driver.connect()
            weights: list[float] = []
            scanned: list[str] = []
            deadline = time.monotonic() + 8.0
            try:
                while time.monotonic() < deadline and (len(scanned) < 2 or len(weights) < 5):
                    readings = driver.read(device.tags)
                    assert readings.fresh is not None
                    if readings.fresh[0]:
                        weights.append(float(readings.values[0]))
                    scanned += [e.data["serial"] for e in readings.events]
            finally:
                driver.close()
            finished = {p.serial for p in sim.snapshot.finished}
    finally:
        pty.close()
    assert len(weights) >= 5 and all(0.0 <= w < 6.0 for w in weights)
    assert len(scanned) >= 2
    assert set(scanned) <= finished
    assert driver.counters["garbage"] == 0
