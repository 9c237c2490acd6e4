"""Fault injection against the Modbus TCP driver: every fault is reported, values recover."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from drivers.base import DeviceError
from drivers.modbus.tcp import ModbusTcpDriver
from tests.conftest import free_tcp_port
from tests.modbus_helpers import device_config
from tests.servers.modbus_server import ModbusTcpServer


@pytest.fixture
def server() -> Iterator[ModbusTcpServer]:
    with ModbusTcpServer() as srv:
        for address in range(0, 200):
            srv.memory.holding[address] = address
        yield srv


def driver_for(server: ModbusTcpServer, addresses: list[int], **connection: object) -> tuple:
    tags = [{"name": f"r{a}", "type": "uint16", "address": a} for a in addresses]
    device = device_config(
        "modbus-tcp",
        {"host": "127.0.0.1", "port": server.port, **connection},
        tags,
        timeout_s=0.3,
    )
    driver = ModbusTcpDriver(device)
    driver.connect()
    return driver, device


def test_hole_between_tags_is_learned_as_a_barrier(server: ModbusTcpServer) -> None:
    server.memory.forbid("holding", 5, 6)
    driver, device = driver_for(server, [0, 1, 10, 11])
    first = driver.read(device.tags)
    assert first.errors == {}
    assert first.values.tolist() == [0, 1, 10, 11]
    assert first.requests == 3  # the failed block, then each half
    second = driver.read(device.tags)
    assert second.errors == {}
    assert second.requests == 2
    driver.close()


def test_illegal_tag_is_isolated_and_skipped_next_cycle(server: ModbusTcpServer) -> None:
    server.memory.forbid("holding", 20, 20)
    driver, device = driver_for(server, [16, 18, 20, 22, 24])
    first = driver.read(device.tags)
    assert set(first.errors) == {2}
    assert "illegal data address" in first.errors[2]
    assert np.isnan(first.values[2])
    assert first.values[[0, 1, 3, 4]].tolist() == [16, 18, 22, 24]
    before = server.logic.requests
    second = driver.read(device.tags)
    assert set(second.errors) == {2}
    assert second.values[[0, 1, 3, 4]].tolist() == [16, 18, 22, 24]
    # Learned: the block around the bad tag is split once, without failing again.
    assert second.requests == server.logic.requests - before == 2
    driver.close()


def test_illegal_tag_is_probed_again_after_reprobe_s(server: ModbusTcpServer) -> None:
    server.memory.forbid("holding", 20, 20)
    driver, device = driver_for(server, [18, 20], reprobe_s=0.2)
    assert set(driver.read(device.tags).errors) == {1}
    server.memory.holes["holding"][:] = False
    assert set(driver.read(device.tags).errors) == {1}  # still remembered
    time.sleep(0.25)
    readings = driver.read(device.tags)
    assert readings.errors == {}
    assert readings.values.tolist() == [18, 20]
    driver.close()


def test_exception_range_marks_only_its_tags_bad_then_recovers(server: ModbusTcpServer) -> None:
    server.faults.exceptions = [("holding", 40, 43, 4)]
    addresses = list(range(30, 60, 2))
    driver, device = driver_for(server, addresses, reprobe_s=0.5)
    readings = driver.read(device.tags)
    bad = {i for i, a in enumerate(addresses) if 40 <= a <= 43}
    assert set(readings.errors) == bad
    assert all("exception 04" in readings.errors[i] for i in bad)
    good = [i for i in range(len(addresses)) if i not in bad]
    assert readings.values[good].tolist() == [addresses[i] for i in good]
    isolating = readings.requests
    # Learned like "illegal data address": the next cycles skip the failing tags.
    readings = driver.read(device.tags)
    assert set(readings.errors) == bad
    assert readings.values[good].tolist() == [addresses[i] for i in good]
    assert readings.requests == 2 < isolating
    server.faults.exceptions = []
    time.sleep(0.55)  # reprobe_s: the failing tags are tried again, and read
    readings = driver.read(device.tags)
    assert readings.errors == {}
    assert readings.requests == 1  # device failure (04) is not remembered as a map hole
    driver.close()


def test_dropped_connection_is_reconnected_within_the_cycle(server: ModbusTcpServer) -> None:
    server.faults.drop_every = 4
    driver, device = driver_for(server, [0, 50, 100, 150], max_gap=0)
    for _ in range(10):
        readings = driver.read(device.tags)
        assert readings.errors == {}
        assert readings.values.tolist() == [0, 50, 100, 150]
    assert server.connections >= 10
    driver.close()


def test_hang_raises_timeout_within_the_timeout_then_recovers(server: ModbusTcpServer) -> None:
    driver, device = driver_for(server, [1, 2])
    server.faults.hang(0.8, half_answer=True)
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        driver.read(device.tags)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 0.3 + 0.2
    driver.close()
    time.sleep(0.8)
    driver.connect()
    readings = driver.read(device.tags)
    assert readings.errors == {}
    assert readings.values.tolist() == [1, 2]
    driver.close()


def test_refused_then_server_comes_back() -> None:
    port = free_tcp_port()
    device = device_config(
        "modbus-tcp",
        {"host": "127.0.0.1", "port": port},
        [{"name": "a", "type": "uint16", "address": 3}],
        timeout_s=0.3,
    )
    driver = ModbusTcpDriver(device)
    with pytest.raises(DeviceError) as caught:
        driver.connect()
    assert caught.value.kind == "refused"
    with ModbusTcpServer(port=port) as server:
        server.memory.holding[3] = 77
        driver.connect()
        assert driver.read(device.tags).values.tolist() == [77]
    with pytest.raises(DeviceError) as caught:
        driver.read(device.tags)
    assert caught.value.kind in ("dropped", "refused")
    driver.close()


def test_missing_unit_times_out() -> None:
    with ModbusTcpServer() as server:
        driver, device = driver_for(server, [0], device_id=9)
        with pytest.raises(DeviceError) as caught:
            driver.read(device.tags)
        assert caught.value.kind == "timeout"
        driver.close()


def test_after_a_timeout_probes_are_short_so_a_returning_device_is_read_at_once(
    server: ModbusTcpServer,
) -> None:
    driver, device = driver_for(server, [1])
    driver.device = device.model_copy(update={"timeout_s": 1.0})
    assert driver.read(device.tags).errors == {}
    server.faults.hang(0.4)
    started = time.monotonic()
    with pytest.raises(DeviceError):
        driver.read(device.tags)  # the first silence costs the full timeout
    assert time.monotonic() - started >= 0.9
    driver.connect()
    assert driver.current_timeout_s() == pytest.approx(0.05)
    server.faults.hang(0.0)
    readings = driver.read(device.tags)
    assert readings.values.tolist() == [1]
    assert driver.current_timeout_s() == 1.0
    driver.close()


def test_a_device_that_became_slow_is_found_by_a_full_probe(
    server: ModbusTcpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.modbus.tcp as tcp

    monkeypatch.setattr(tcp, "FULL_PROBE_INTERVAL_S", 0.5)
    driver, device = driver_for(server, [1])
    driver.device = device.model_copy(update={"timeout_s": 0.4})
    driver.read(device.tags)
    server.faults.hang(0.5)
    with pytest.raises(DeviceError):
        driver.read(device.tags)
    server.faults.hang(0.0)
    server.faults.delay_s = 0.15  # alive, but slower than any short probe allows
    outcomes = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        driver.connect()
        try:
            outcomes.append(driver.read(device.tags).values[0])
            break
        except DeviceError:
            outcomes.append("timeout")
    assert outcomes[-1] == 1
    assert "timeout" in outcomes  # short probes failed before the full one found it
    driver.close()
