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
