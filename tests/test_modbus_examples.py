"""The example configs in resources/examples validate and work against real servers."""

from __future__ import annotations

import tomllib

import pytest

from app.commands.poll import poll_station
from app.config_loader import load_config, parse_config
from tests.conftest import REPO
from tests.servers.modbus_server import ModbusTcpServer

EXAMPLES = REPO / "resources" / "examples"


@pytest.mark.parametrize("name", ["generic_modbus.toml", "scale.toml"])
def test_example_is_valid(name: str) -> None:
    config = load_config(EXAMPLES / name)
    assert config.devices


def test_generic_press_polls_all_good() -> None:
    data = tomllib.loads((EXAMPLES / "generic_modbus.toml").read_text())
    with ModbusTcpServer() as server:
        data["devices"][0]["connection"].update(host="127.0.0.1", port=server.port)
        config = parse_config(data, "generic_modbus.toml")
        press = config.device("press")
        memory = server.memory
        memory.set_value("holding", 2, 123.5, "float32", "CDAB")
        memory.set_value("input", 9, 215, "int16")
        memory.set_value("holding", 12, 10**12, "uint64", "DCBA")
        memory.set_value("holding", 16, -0.25, "float64", "BADC")
        memory.set_value("holding", 20, 0b1000, "uint16")
        memory.set_value("holding", 30, "RECIPE-7", "string", length=8)
        memory.coil[16] = True
        results = {r.tag: r for r in poll_station(config, [press])}
    assert all(r.quality == "good" for r in results.values()), results
    assert results["pressure"].value == 123.5
    assert results["temperature"].value == pytest.approx(21.5)
    assert results["energy"].value == 1e12
    assert results["flow"].value == -0.25
    assert results["guard_closed"].value == 1.0
    assert results["pump_on"].value == 1.0
    assert results["recipe"].value == "RECIPE-7"


def test_docs_mention_every_connection_key() -> None:
    """docs/DRIVERS.md documents every key the drivers accept."""
    from drivers.modbus.rtu import ModbusRtuSettings
    from drivers.modbus.tcp import ModbusTcpSettings
    from drivers.serial_ascii import SerialAsciiSettings

    text = (REPO / "docs" / "DRIVERS.md").read_text()
    for model in (ModbusTcpSettings, ModbusRtuSettings, SerialAsciiSettings):
        for key in model.model_fields:
            assert f"`{key}`" in text, f"{model.__name__}.{key} is not documented"
