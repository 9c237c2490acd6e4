"""Writes (FC 5, 6, 15, 16) to real Modbus servers, TCP and RTU, read back and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.config import DeviceConfig
from app.security import Actor, StationUserPolicy
from app.storage import open_database
from app.storage.events import EventStore
from drivers.base import DeviceError
from drivers.modbus.common import ModbusDriver
from drivers.modbus.rtu import ModbusRtuDriver
from drivers.modbus.tcp import ModbusTcpDriver
from tests.modbus_helpers import device_config
from tests.servers.modbus_server import Memory, ModbusLogic, ModbusRtuServer, ModbusTcpServer
from tests.servers.ptypair import PtyPair

TAGS = [
    {"name": "setpoint", "type": "float32", "address": 10, "byte_order": "CDAB"},
    {"name": "speed", "type": "int16", "address": 20, "scale": 0.1},
    {"name": "count", "type": "uint64", "address": 30, "byte_order": "EFGHABCD"},
    {"name": "mode", "type": "uint16", "address": 40},
    {"name": "recipe", "type": "string", "address": 50, "length": 4},
    {"name": "fault_ack", "type": "bool", "table": "coil", "address": 7},
    {"name": "door_bit", "type": "bool", "address": 60, "bit": 3},
    {"name": "status", "type": "uint16", "table": "input", "address": 0},
]
WRITER = Actor.named("anna", ["engineer"])


@pytest.fixture(params=["tcp", "rtu"])
def target(request: pytest.FixtureRequest) -> Iterator[tuple[ModbusLogic, DeviceConfig, type]]:
    logic = ModbusLogic({1: Memory()})
    if request.param == "tcp":
        with ModbusTcpServer(logic) as server:
            connection = {"host": "127.0.0.1", "port": server.port}
            yield logic, device_config("modbus-tcp", connection, TAGS), ModbusTcpDriver
        return
    with PtyPair() as pty, ModbusRtuServer(pty.b, logic):
        connection = {"port": pty.a, "baudrate": 115200, "parity": "N", "turnaround_s": 0.05}
        yield logic, device_config("modbus-rtu", connection, TAGS), ModbusRtuDriver


def tag(device: DeviceConfig, name: str):  # type: ignore[no-untyped-def]
    return next(t for t in device.tags if t.name == name)


def test_every_kind_of_write_is_read_back(target) -> None:  # type: ignore[no-untyped-def]
    from app.commands.write import write_tag

    logic, device, _ = target
    memory = logic.memory
    memory.holding[60] = 0b1000_0000_0000_0001
    cases = [
        ("setpoint", "21.5", 21.5, (16, 2)),
        ("speed", "-12.3", -12.3, (6, 1)),
        ("count", str(2**64 - 3), 2**64 - 3, (16, 4)),
        ("mode", "7", 7, (6, 1)),
        ("recipe", "PX-9", "PX-9", (16, 4)),
        ("fault_ack", "1", 1.0, (5, 1)),
        ("door_bit", "on", 1.0, (6, 1)),
    ]
    for name, text, expected, (_fc, count) in cases:
        record, event = write_tag(device, tag(device, name), text, WRITER, StationUserPolicy())
        assert record.error is None, record.error
        assert record.confirmed, (name, record.after)
        assert record.after == pytest.approx(expected) if isinstance(expected, float) else True
        assert event.kind == "device_write"
        assert event.data["user"] == "anna" and event.data["tag"] == name
        assert logic.writes[-1][1:] == (tag(device, name).address, count)
    assert memory.holding[20] == 0xFFFF - 123 + 1  # -123 raw: scale undone
    assert int(memory.holding[60]) == 0b1000_0000_0000_1001  # only bit 3 changed
    assert bool(memory.coil[7])
    record, _ = write_tag(device, tag(device, "count"), "5", WRITER, StationUserPolicy())
    assert record.before == 2**64 - 3 and record.after == 5  # exact 64-bit integers


def test_fc_15_and_16_for_devices_without_single_writes(target) -> None:  # type: ignore[no-untyped-def]
    logic, device, driver_class = target
    connection = {**device.connection, "write_multiple": True}
    device = device.model_copy(update={"connection": connection})
    driver: ModbusDriver = driver_class(device)
    driver.connect()
    try:
        driver.write(tag(device, "fault_ack"), True)
        driver.write(tag(device, "mode"), 9)
        assert [w for w in logic.writes] == [("coil", 7, 1), ("holding", 40, 1)]
        readings = driver.read([tag(device, "fault_ack"), tag(device, "mode")])
        assert readings.values.tolist() == [1.0, 9.0]
    finally:
        driver.close()


def test_refusals_and_bad_values_write_nothing(target) -> None:  # type: ignore[no-untyped-def]
    from app.commands.write import write_tag

    logic, device, driver_class = target
    record, event = write_tag(
        device, tag(device, "mode"), "3", Actor.named("bob"), StationUserPolicy()
    )
    assert event.kind == "device_write_refused"
    assert "needs one of the roles" in (record.error or "")
    for name, text in [
        ("mode", "70000"),
        ("speed", "1.25"),
        ("recipe", "TOO-LONG-1"),
        ("fault_ack", "2"),
    ]:
        with pytest.raises(ValueError):
            write_tag(device, tag(device, name), text, WRITER, StationUserPolicy())
    driver = driver_class(device)
    driver.connect()
    with pytest.raises(DeviceError) as caught:
        driver.write(tag(device, "status"), 1)
    assert caught.value.kind == "config"
    logic.memory.forbid("holding", 40, 40)
    with pytest.raises(DeviceError) as caught:
        driver.write(tag(device, "mode"), 1)
    assert caught.value.kind == "exception"
    driver.close()
    assert logic.writes == []


def test_write_command_records_the_event_and_refuses_without_permission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ModbusTcpServer() as server:
        server.memory.holding[40] = 2
        config = tmp_path / "station.toml"
        config.write_text(
            f"""
[station]
company = "c"
site = "s"
line = "l"
station = "st"

[[devices]]
name = "press"
driver = "modbus-tcp"
timeout_s = 0.3
connection = {{ host = "127.0.0.1", port = {server.port} }}
tags = [{{ name = "mode", type = "uint16", address = 40 }}]
"""
        )
        db = f"sqlite:///{tmp_path / 'station.db'}"
        base = ["write", "--config", str(config), "--device", "press", "--db", db]
        assert main([*base, "--tag", "mode", "--value", "5", "--user", "bob"]) == 2
        assert "refused" in capsys.readouterr().err
        assert server.memory.holding[40] == 2
        args = [*base, "--tag", "mode", "--value", "5", "--user", "anna", "--role", "engineer"]
        assert main(args) == 0
        assert "press: anna wrote mode = 5 (was 2" in capsys.readouterr().out
        assert server.memory.holding[40] == 5
        assert main([*base, "--tag", "nope", "--value", "1", "--role", "engineer"]) == 2
        assert main([*base, "--tag", "mode", "--value", "x", "--role", "engineer"]) == 2
    engine = open_database(db)
    events = EventStore(engine).recent()
    engine.dispose()
    kinds = [e.kind for e in reversed(events)]
    assert kinds == ["device_write_refused", "device_write"]
    done = events[0]
    assert done.data["user"] == "anna" and done.data["roles"] == ["engineer"]
    assert (done.data["before"], done.data["after"], done.data["confirmed"]) == (2, 5, True)
