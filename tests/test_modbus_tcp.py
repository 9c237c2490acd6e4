"""Modbus TCP driver against real servers on loopback."""

from __future__ import annotations

import threading
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


def test_64_bit_integers_are_exact_through_driver_worker_and_poll(
    server: ModbusTcpServer, tmp_path
) -> None:
    from app.config_loader import parse_config
    from app.model import SampleBatch
    from app.tags import TagTable
    from app.worker import DeviceWorker

    big = 2**63 - 25  # float64 would make it 2**63 - 0
    server.memory.set_value("holding", 0, big, "uint64", "EFGHABCD")
    server.memory.set_value("holding", 4, -(2**62) - 3, "int64")
    tags = [
        {"name": "serial", "type": "uint64", "address": 0, "byte_order": "EFGHABCD"},
        {"name": "counter", "type": "int64", "address": 4},
        {"name": "scaled", "type": "int64", "address": 4, "scale": 0.5},
    ]
    device = device_config("modbus-tcp", {"host": "127.0.0.1", "port": server.port}, tags)
    driver = ModbusTcpDriver(device)
    driver.connect()
    readings = driver.read(device.tags)
    driver.close()
    assert readings.integers == {0: big, 1: -(2**62) - 3, 2: -(2**62) - 3}
    assert float(readings.values[0]) != big  # the float64 side is not exact: hence the channel

    parsed = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [device.model_dump(by_alias=True, exclude_none=True)],
        }
    )
    batches: list[SampleBatch] = []
    got = threading.Event()

    def publish(item: object) -> None:
        if isinstance(item, SampleBatch):
            batches.append(item)
            got.set()

    worker = DeviceWorker(parsed.devices[0], TagTable(parsed), publish)
    worker.start()
    assert got.wait(5)
    worker.stop()
    worker.join(5)
    # Scale 0.5 makes a float: only integral scalings keep the exact side channel.
    assert batches[0].integers == {0: big, 1: -(2**62) - 3}
    from app.storage import DatabaseGateway, StorageWriter
    from app.storage.database import open_database
    from app.storage.samples import SampleStore

    database = open_database(f"sqlite:///{tmp_path / 'samples.db'}")
    writer = StorageWriter(DatabaseGateway(database), TagTable(parsed))
    writer.on_batch(batches[0])
    assert writer.flush()
    for folded in (False, True):  # exact in the write-ahead table and in the chunks
        store = SampleStore(database)
        exact = [store.samples(f"dev.{n}").exact.get(0) for n in ("serial", "counter", "scaled")]
        assert exact == [big, -(2**62) - 3, None], folded  # stored beside the float64 value
        writer.fold_now()

    from app.commands.poll import poll_station

    (result_serial, result_counter, result_scaled) = poll_station(parsed, list(parsed.devices))
    assert result_serial.value == big and isinstance(result_serial.value, int)
    assert result_counter.value == -(2**62) - 3
    assert isinstance(result_scaled.value, float)


def test_efghabcd_needs_a_64_bit_type_and_encodings_are_checked() -> None:
    from app.config import DeviceConfig

    config = DeviceConfig.model_validate(
        {
            "name": "d",
            "driver": "modbus-tcp",
            "connection": {"host": "h", "string_encoding": "utf-9"},
            "tags": [{"name": "a", "type": "uint32", "address": 0, "byte_order": "EFGHABCD"}],
        }
    )
    problems = dict(ModbusTcpDriver.check_config(config))
    assert "unknown text encoding 'utf-9'" in problems[("connection", "string_encoding")]
    assert "int64, uint64 or float64" in problems[("tags", 0, "byte_order")]


def test_a_string_that_does_not_decode_is_one_bad_tag(server: ModbusTcpServer) -> None:
    server.memory.holding[10:12] = [0xC328, 0x4F4B]  # "\xc3(" is not UTF-8
    server.memory.set_value("holding", 20, "fine", "string", length=2)
    server.memory.holding[0] = 5
    tags = [
        {"name": "bad", "type": "string", "address": 10, "length": 2},
        {"name": "good", "type": "string", "address": 20, "length": 2},
        {"name": "n", "type": "uint16", "address": 0},
    ]
    device = device_config(
        "modbus-tcp", {"host": "127.0.0.1", "port": server.port, "string_encoding": "utf-8"}, tags
    )
    driver = ModbusTcpDriver(device)
    driver.connect()
    readings = driver.read(device.tags)
    driver.close()
    assert set(readings.errors) == {0}
    assert readings.errors[0].startswith("text is not utf-8")
    assert readings.texts == {1: "fine"}
    assert readings.values[2] == 5
