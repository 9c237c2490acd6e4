"""Every data type and order against libmodbus, a Modbus stack independent of pymodbus.

The C server encodes the reference values itself with plain shifts, so a symmetric mistake in
our Python codec (encode and decode wrong the same way) cannot hide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.modbus.tcp import ModbusTcpDriver
from tests.modbus_helpers import device_config, reference_tags
from tests.servers.libmodbus import LibmodbusServer, build, write_spec


@pytest.fixture(scope="session")
def libmodbus_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("libmodbus"))


@pytest.fixture
def libmodbus_tcp(libmodbus_binary: Path, tmp_path: Path) -> Iterator[LibmodbusServer]:
    spec = write_spec(tmp_path / "spec.txt", reference_tags())
    server = LibmodbusServer(libmodbus_binary, "tcp", str(spec))
    yield server
    server.stop()


def test_tcp_every_type_and_order(libmodbus_tcp: LibmodbusServer) -> None:
    tags = reference_tags()
    device = device_config("modbus-tcp", {"host": "127.0.0.1", "port": libmodbus_tcp.port}, tags)
    driver = ModbusTcpDriver(device)
    driver.connect()
    try:
        readings = driver.read(device.tags)
    finally:
        driver.close()
    assert readings.errors == {}
    for index, tag in enumerate(tags):
        if tag["type"] == "string":
            assert readings.texts[index] == tag["expect"], tag["name"]
        else:
            assert readings.values[index] == tag["expect"], tag["name"]


@pytest.mark.parametrize("transport", ["tcp", "rtu"])
def test_writes_are_taken_by_libmodbus_and_read_back(
    libmodbus_binary: Path, tmp_path: Path, transport: str
) -> None:
    """FC 5, 6, 15 and 16 against an independent stack; each value read back as written."""
    from drivers.modbus.rtu import ModbusRtuDriver
    from tests.servers.ptypair import PtyPair

    tags = [
        {"name": "setpoint", "type": "float32", "address": 10, "byte_order": "CDAB"},
        {"name": "total", "type": "int64", "address": 20, "byte_order": "EFGHABCD"},
        {"name": "mode", "type": "uint16", "address": 30},
        {"name": "ack", "type": "bool", "table": "coil", "address": 5},
    ]
    values: list[float | int | bool] = [-12.25, -(2**60) - 7, 513, True]
    spec = write_spec(tmp_path / "spec.txt", [])
    with PtyPair() as pty:
        if transport == "tcp":
            server = LibmodbusServer(libmodbus_binary, "tcp", str(spec))
            connection: dict = {"host": "127.0.0.1", "port": server.port}
            driver_class: type = ModbusTcpDriver
        else:
            server = LibmodbusServer(libmodbus_binary, "rtu", str(spec), pty.b, "115200", "3")
            connection = {"port": pty.a, "baudrate": 115200, "parity": "N", "device_id": 3}
            driver_class = ModbusRtuDriver
        try:
            for multiple in (False, True):
                device = device_config(
                    f"modbus-{transport}", {**connection, "write_multiple": multiple}, tags
                )
                driver = driver_class(device)
                driver.connect()
                try:
                    for tag, value in zip(device.tags, values, strict=True):
                        coil = driver.points[tag.name].table == "coil"
                        driver.write(tag, value if not multiple or not coil else False)
                    readings = driver.read(device.tags)
                finally:
                    driver.close()
                assert readings.errors == {}
                expected = [*values[:3], 0.0 if multiple else 1.0]
                assert readings.values.tolist()[:3:2] == [expected[0], expected[2]]
                assert readings.integers[1] == values[1]
                assert readings.values[3] == expected[3]
        finally:
            server.stop()
