"""Modbus TCP driver against real servers on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from pymodbus.simulator import DataType, SimData

from drivers.base import DeviceError
from drivers.modbus.tcp import ModbusTcpDriver
from tests.conftest import free_tcp_port
from tests.modbus_helpers import device_config, reference_tags
from tests.servers.modbus_server import Memory, ModbusTcpServer
from tests.servers.pymodbus_server import PymodbusTcpServer, sim_device


def load_reference(memory: Memory, tags: list[dict]) -> None:
    for tag in tags:
        table = tag.get("table", "holding")
        if tag["type"] == "bool" and table in ("holding", "input"):
            continue  # bits share the word written by the *_word tag
        memory.set_value(
            table,
            tag["address"],
            tag["expect"],
            tag["type"],
            tag.get("byte_order", "ABCD"),
            tag.get("length", 1),
        )


@pytest.fixture
def server() -> Iterator[ModbusTcpServer]:
    with ModbusTcpServer() as srv:
        yield srv


def check_reference(values: np.ndarray, texts: dict[int, str], tags: list[dict]) -> None:
    for index, tag in enumerate(tags):
        if tag["type"] == "string":
            assert texts[index] == tag["expect"], tag["name"]
        else:
            assert values[index] == tag["expect"], tag["name"]


def test_every_type_and_order(server: ModbusTcpServer) -> None:
    tags = reference_tags()
    load_reference(server.memory, tags)
    device = device_config("modbus-tcp", {"host": "127.0.0.1", "port": server.port}, tags)
    driver = ModbusTcpDriver(device)
    driver.connect()
    try:
        readings = driver.read(device.tags)
    finally:
        driver.close()
    assert readings.errors == {}
    check_reference(readings.values, readings.texts, tags)
    # holding: numbers (gaps of 3 read through), word 500, strings 700-714 (gap 5 read through);
    # input: word 600; coils; discrete inputs
    assert readings.requests == 3 + 1 + 1 + 1
    assert server.logic.requests == readings.requests


def read_once(port: int, tags: list[dict]) -> tuple:
    device = device_config("modbus-tcp", {"host": "127.0.0.1", "port": port}, tags)
    driver = ModbusTcpDriver(device)
    deadline = time.monotonic() + 5
    while True:  # the server thread may still be binding
        try:
            driver.connect()
            break
        except DeviceError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        return driver.read(device.tags), device
    finally:
        driver.close()


def test_every_type_and_order_from_pymodbus_server() -> None:
    tags = reference_tags()
    memory = Memory()
    load_reference(memory, tags)
    # pymodbus encodes these itself (big-endian, ABCD): an encoder that is not ours.
    extra = [
        SimData(3000, values=[-123456789], datatype=DataType.INT32),
        SimData(3002, values=[2.5], datatype=DataType.FLOAT32),
        SimData(3004, values=[-1.25e300], datatype=DataType.FLOAT64),
        SimData(3008, values=[4000000000], datatype=DataType.UINT32),
    ]
    typed = [
        {"name": "p_int32", "type": "int32", "address": 3000, "expect": -123456789},
        {"name": "p_float32", "type": "float32", "address": 3002, "expect": 2.5},
        {"name": "p_float64", "type": "float64", "address": 3004, "expect": -1.25e300},
        {"name": "p_uint32", "type": "uint32", "address": 3008, "expect": 4000000000},
    ]
    port = free_tcp_port()
    server = PymodbusTcpServer(sim_device(memory, extra=extra), port).start()
    try:
        readings, _ = read_once(port, tags + typed)
    finally:
        server.stop()
    assert readings.errors == {}
    check_reference(readings.values, readings.texts, tags + typed)


def test_config_problems_are_reported_with_key_paths() -> None:
    from app.config import ConfigError
    from app.config_loader import parse_config

    data = {
        "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
        "devices": [
            {
                "name": "plc",
                "driver": "modbus-tcp",
                "connection": {"host": "10.0.0.5", "max_block": 200, "unit": 3},
                "tags": [
                    {"name": "ok", "type": "int16", "address": 1},
                    {"name": "nowhere", "type": "int16"},
                    {"name": "flag", "type": "float32", "address": 4, "bit": 2},
                ],
            }
        ],
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "plant.toml")
    problems = caught.value.problems
    assert "devices[0].connection.max_block: Input should be less than or equal to 125" in problems
    assert "devices[0].connection.unit: unknown key (is it misspelt?)" in problems
    assert any(p.startswith("devices[0].tags[1].address: a Modbus tag needs") for p in problems)
    assert any(p.startswith("devices[0].tags[2].bit: 'bit' selects one bit") for p in problems)


def test_poll_groups_share_one_connection_at_their_own_rates(server: ModbusTcpServer) -> None:
    from app.config_loader import parse_config
    from app.tags import TagTable
    from app.worker import DeviceWorker

    station = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "plc",
                    "driver": "modbus-tcp",
                    "poll_period_s": 0.5,
                    "poll_groups": {"fast": 0.05},
                    "connection": {"host": "127.0.0.1", "port": server.port},
                    "tags": [
                        {"name": "fast1", "type": "int16", "address": 0, "poll_group": "fast"},
                        {"name": "slow1", "type": "int16", "address": 1000},
                    ],
                }
            ],
        }
    )
    batches = []
    worker = DeviceWorker(station.devices[0], TagTable(station), batches.append)
    worker.start()
    time.sleep(1.05)
    worker.stop()
    worker.join(5)
    per_tag: dict[int, int] = {}
    for batch in batches:
        if hasattr(batch, "tag_ids"):
            for tag_id in batch.tag_ids.tolist():
                per_tag[tag_id] = per_tag.get(tag_id, 0) + 1
    assert server.connections == 1
    fast, slow = per_tag[0], per_tag[1]  # tag ids follow config order
    assert 12 <= fast <= 23  # every 50 ms for ~1 s (a loaded machine may skip a few)
    assert 2 <= slow <= 3  # at 0 and 0.5 s (and maybe 1.0 s)
