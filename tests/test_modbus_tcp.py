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
