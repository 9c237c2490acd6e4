"""Modbus RTU over socat pty pairs: types, a shared bus, CRC errors, silent units."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from drivers.base import DeviceError
from drivers.modbus.bus import LineSettings
from drivers.modbus.rtu import ModbusRtuDriver, frame_time_s
from tests.modbus_helpers import device_config, reference_tags
from tests.servers.libmodbus import LibmodbusServer, build, write_spec
from tests.servers.modbus_server import Memory, ModbusLogic, ModbusRtuServer
from tests.servers.ptypair import PtyPair
from tests.test_modbus_tcp import check_reference, load_reference


@pytest.fixture
def pty() -> Iterator[PtyPair]:
    with PtyPair() as pair:
        yield pair


def rtu_device(
    port: str,
    tags: list[dict],
    unit: int = 1,
    name: str = "dev",
    poll_period_s: float = 1.0,
    **conn: object,
):
    connection = {"port": port, "baudrate": 115200, "parity": "N", "device_id": unit, **conn}
    return device_config("modbus-rtu", connection, tags, name=name, poll_period_s=poll_period_s)


def read_all(device) -> object:
    driver = ModbusRtuDriver(device)
    driver.connect()
    try:
        return driver.read(device.tags)
    finally:
        driver.close()


def test_every_type_and_order(pty: PtyPair) -> None:
    tags = reference_tags()
    logic = ModbusLogic({5: Memory()})
    load_reference(logic.units[5], tags)
    with ModbusRtuServer(pty.b, logic):
        readings = read_all(rtu_device(pty.a, tags, unit=5))
    assert readings.errors == {}
    check_reference(readings.values, readings.texts, tags)


def test_every_type_and_order_from_libmodbus(pty: PtyPair, tmp_path: Path) -> None:
    binary = build(tmp_path)
    tags = reference_tags()
    spec = write_spec(tmp_path / "spec.txt", tags)
    server = LibmodbusServer(binary, "rtu", str(spec), pty.b, "115200", "7")
    try:
        readings = read_all(rtu_device(pty.a, tags, unit=7))
    finally:
        server.stop()
    assert readings.errors == {}
    check_reference(readings.values, readings.texts, tags)


def test_units_share_one_port_fairly(pty: PtyPair) -> None:
    logic = ModbusLogic({unit: Memory() for unit in (1, 2, 3)})
    for unit, memory in logic.units.items():
        memory.holding[:4] = [unit * 10 + i for i in range(4)]
    tags = [{"name": f"r{i}", "type": "uint16", "address": i} for i in range(4)]
    counts = dict.fromkeys(logic.units, 0)
    wrong: list[str] = []
    stop = threading.Event()

    def poll(unit: int) -> None:
        device = rtu_device(pty.a, tags, unit=unit, name=f"u{unit}")
        driver = ModbusRtuDriver(device)
        driver.connect()
        while not stop.is_set():
            values = driver.read(device.tags).values.tolist()
            if values != [unit * 10 + i for i in range(4)]:
                wrong.append(f"unit {unit}: {values}")
            counts[unit] += 1
        driver.close()

    with ModbusRtuServer(pty.b, logic):
        threads = [threading.Thread(target=poll, args=(u,)) for u in logic.units]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(5)
    assert wrong == []
    assert min(counts.values()) > 20
    # FIFO turns: no unit gets much more of the line than another.
    assert max(counts.values()) <= 1.2 * min(counts.values()) + 2


def test_a_bad_crc_is_retried_once_then_only_that_block_goes_bad(pty: PtyPair) -> None:
    logic = ModbusLogic({1: Memory()})
    logic.memory.holding[0] = 42
    logic.memory.holding[200] = 7
    tags = [
        {"name": "a", "type": "uint16", "address": 0},
        {"name": "b", "type": "uint16", "address": 200},
    ]
    device = rtu_device(pty.a, tags)
    driver = ModbusRtuDriver(device)
    with ModbusRtuServer(pty.b, logic):
        driver.connect()
        logic.faults.corrupt_crc_every = 2
        before = logic.requests
        requests = 0
        for _ in range(6):  # every second answer is corrupt: each retry gets a good one
            readings = driver.read(device.tags)
            assert readings.errors == {}
            assert readings.values.tolist() == [42.0, 7.0]
            requests += readings.requests
        assert logic.requests - before == requests
        assert 6 * 2 < requests <= 6 * 2 * 2  # retries, at most one per block
        # Only block "a" is corrupted (twice in a row): "b" is still read in the same cycle.
        logic.faults.corrupt_crc_every = 0
        logic.faults.corrupt_crc_addresses = [("holding", 0)]
        readings = driver.read(device.tags)
        assert set(readings.errors) == {0}
        assert readings.errors[0].startswith("crc: unit 1 on ")
        assert "bad CRC" in readings.errors[0]
        assert np.isnan(readings.values[0]) and readings.values[1] == 7.0
        logic.faults.corrupt_crc_addresses = []
        assert driver.read(device.tags).values.tolist() == [42.0, 7.0]
        driver.close()


def test_silent_unit_costs_only_its_computed_timeout(pty: PtyPair) -> None:
    logic = ModbusLogic({1: Memory()})
    tags = [{"name": "a", "type": "uint16", "address": 0}]
    with ModbusRtuServer(pty.b, logic):
        dead = rtu_device(pty.a, tags, unit=9, name="dead", turnaround_s=0.05)
        driver = ModbusRtuDriver(dead)
        driver.connect()
        started = time.monotonic()
        with pytest.raises(DeviceError) as caught:
            driver.read(dead.tags)
        elapsed = time.monotonic() - started
        assert caught.value.kind == "timeout"
        expected = driver.request_timeout_s("holding", 1)
        assert expected < 0.06
        assert elapsed < expected + 0.1
        alive = rtu_device(pty.a, tags, unit=1, name="alive")
        assert read_all(alive).errors == {}
        driver.close()


def test_timeouts_follow_the_baud_rate() -> None:
    slow = LineSettings("/dev/null", 9600, 8, "E", 1)
    fast = LineSettings("/dev/null", 115200, 8, "N", 1)
    # 125 registers: 8 + 255 bytes; 11 bits a character at 9600 baud ~ 1.15 ms each.
    assert frame_time_s(slow, "holding", 125) == pytest.approx(263 * 11 / 9600 + 7 * 11 / 9600)
    assert frame_time_s(fast, "holding", 125) == pytest.approx(263 * 10 / 115200 + 2 * 0.00175)
    assert frame_time_s(slow, "coil", 2000) == frame_time_s(slow, "holding", 125)  # 250 bytes
    assert frame_time_s(slow, "coil", 16) < frame_time_s(slow, "holding", 2)


def test_one_port_cannot_run_two_line_settings(pty: PtyPair) -> None:
    tags = [{"name": "a", "type": "uint16", "address": 0}]
    first = ModbusRtuDriver(rtu_device(pty.a, tags))
    first.connect()
    second = ModbusRtuDriver(rtu_device(pty.a, tags, unit=2, baudrate=9600))
    with pytest.raises(DeviceError) as caught:
        second.connect()
    assert caught.value.kind == "config"
    assert "115200" in caught.value.message
    first.close()


def test_missing_port_is_a_device_error() -> None:
    tags = [{"name": "a", "type": "uint16", "address": 0}]
    driver = ModbusRtuDriver(rtu_device("/dev/does-not-exist", tags))
    with pytest.raises(DeviceError) as caught:
        driver.connect()
    assert "/dev/does-not-exist" in caught.value.message


def test_silent_unit_on_a_shared_port_is_probed_less_and_less(pty: PtyPair) -> None:
    from app.config_loader import parse_config
    from app.tags import TagTable
    from app.worker import DeviceWorker

    logic = ModbusLogic({1: Memory()})
    logic.memory.holding[0] = 5
    tags = [{"name": "a", "type": "uint16", "address": 0}]
    devices = [
        rtu_device(pty.a, tags, unit=1, name="alive", poll_period_s=0.1),
        rtu_device(pty.a, tags, unit=9, name="dead", poll_period_s=0.1, turnaround_s=0.05),
    ]
    station = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [d.model_dump(by_alias=True, exclude_none=True) for d in devices],
        }
    )
    table = TagTable(station)
    published = []
    with ModbusRtuServer(pty.b, logic) as server:
        workers = [DeviceWorker(d, table, published.append) for d in station.devices]
        for worker in workers:
            worker.start()
        time.sleep(2.5)
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(5)
    alive, dead = (w.diagnostics() for w in workers)
    assert alive.cycles_published >= 20
    assert not dead.connected
    assert "silent" in dead.last_error
    # 0.1, 0.2, 0.4, 0.8 s... apart instead of one timeout slot every 0.1 s.
    assert 3 <= server.requests_by_unit[9] <= 7


def test_answer_cut_off_mid_frame_is_a_timeout_then_recovers(pty: PtyPair) -> None:
    logic = ModbusLogic({1: Memory()})
    logic.memory.holding[:20] = range(20)
    tags = [{"name": f"r{i}", "type": "uint16", "address": i} for i in range(20)]
    device = rtu_device(pty.a, tags, turnaround_s=0.05)
    driver = ModbusRtuDriver(device)
    with ModbusRtuServer(pty.b, logic):
        driver.connect()
        logic.faults.hang(0.3, half_answer=True)
        started = time.monotonic()
        with pytest.raises(DeviceError) as caught:
            driver.read(device.tags)
        assert time.monotonic() - started < driver.request_timeout_s("holding", 20) + 0.1
        assert caught.value.kind == "timeout"
        assert "cut off" in caught.value.message
        time.sleep(0.3)
        driver.connect()
        assert driver.read(device.tags).values.tolist() == list(range(20))
        driver.close()


def test_port_vanishing_is_a_device_error_then_reopened() -> None:
    pair = PtyPair()
    tags = [{"name": "a", "type": "uint16", "address": 0}]
    device = rtu_device(pair.a, tags, turnaround_s=0.02)
    logic = ModbusLogic({1: Memory()})
    server = ModbusRtuServer(pair.b, logic).start()
    driver = ModbusRtuDriver(device)
    driver.connect()
    assert driver.read(device.tags).errors == {}
    server.stop()
    pair.close()
    with pytest.raises(DeviceError) as caught:
        driver.read(device.tags)
    assert caught.value.kind in ("io", "timeout")
    driver.close()
    with pytest.raises(DeviceError) as caught:
        ModbusRtuDriver(device).connect()
    assert caught.value.kind == "io"


def test_adapter_local_echo_is_skipped(pty: PtyPair) -> None:
    tags = reference_tags()
    logic = ModbusLogic({2: Memory()})
    load_reference(logic.units[2], tags)
    with ModbusRtuServer(pty.b, logic, echo=True):
        readings = read_all(rtu_device(pty.a, tags, unit=2, local_echo=True))
        assert readings.errors == {}
        check_reference(readings.values, readings.texts, tags)
        # Without the option the echo is taken for an answer: never a value, and said so.
        readings = read_all(rtu_device(pty.a, tags[:1], unit=2, turnaround_s=0.02))
        assert set(readings.errors) == {0}
        assert "adapter echo" in readings.errors[0]
        assert np.isnan(readings.values[0])
