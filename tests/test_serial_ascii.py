"""Serial ASCII instruments over a socat pty pair: partial, garbage and over-long lines."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator

import pytest
import serial

from app.config import ConfigError
from app.config_loader import parse_config
from drivers.base import DeviceError
from drivers.serial_ascii import SerialAsciiDriver, line_checksum, template_to_pattern
from tests.modbus_helpers import device_config
from tests.servers.ptypair import PtyPair
from tests.waiting import wait_until

SCALE = r"(?P<status>ST|US),GS,\s*(?P<weight>[-+]?\d+(\.\d+)?)\s*kg"


@pytest.fixture
def pty() -> Iterator[PtyPair]:
    with PtyPair() as pair:
        yield pair


@pytest.fixture
def instrument(pty: PtyPair) -> Iterator[serial.Serial]:
    port = serial.Serial(pty.b, 9600, timeout=0.1)
    yield port
    port.close()


def scale_device(port: str, **connection: object):
    tags = [
        {"name": "weight", "type": "float64", "unit": "kg"},
        {"name": "stable", "type": "string", "field": "status"},
    ]
    conn = {"port": port, "pattern": SCALE, **connection}
    return device_config("serial-ascii", conn, tags, name="scale", poll_period_s=0.3)


def connected(device) -> SerialAsciiDriver:
    driver = SerialAsciiDriver(device)
    driver.connect()
    return driver


def test_values_garbage_partial_and_overlong_lines(pty: PtyPair, instrument: serial.Serial) -> None:
    device = scale_device(pty.a, max_line=40)
    driver = connected(device)
    instrument.write(
        b"GS, 1.0kg\r\n"  # the tail of a line we joined in the middle of: no status
        b"\x00\xff\xfe garbage\r\n"
        b"ST,GS,  12.50 kg\r\n"
        + b"X" * 100
        + b"\r\n"  # over-long
        + b"US,GS, 12.75 kg\r\n"
        b"ST,GS, 13."  # partial: completed in the next period
    )
    first = driver.read(device.tags)
    assert first.fresh is not None and first.fresh.tolist() == [True, True]
    assert first.values[0] == 12.75  # the last complete value of the period
    assert first.texts[1] == "US"
    assert first.requests == 2
    assert driver.counters["garbage"] == 1
    assert driver.counters["undecodable"] == 1
    assert driver.counters["overlong"] == 1
    instrument.write(b"00 kg\r\n")
    second = driver.read(device.tags)
    assert second.values[0] == 13.0
    assert second.texts[1] == "ST"
    third = driver.read(device.tags)  # nothing arrived: nothing fresh, no error
    assert third.fresh is not None and not third.fresh.any()
    driver.close()


def test_overlong_line_split_across_reads_is_dropped_whole(
    pty: PtyPair, instrument: serial.Serial
) -> None:
    device = scale_device(pty.a, max_line=20)
    driver = connected(device)
    instrument.write(b"ST,GS, 1" + b"9" * 60)
    assert not driver.read(device.tags).fresh.any()
    instrument.write(b"9 kg\r\nST,GS, 2.0 kg\r\n")
    readings = driver.read(device.tags)
    assert readings.values[0] == 2.0
    assert driver.counters["overlong"] == 1
    assert driver.counters["garbage"] == 0
    driver.close()


def test_checksum_rejects_corrupted_lines(pty: PtyPair, instrument: serial.Serial) -> None:
    device = scale_device(
        pty.a, checksum="xor", pattern=r"\$(?P<status>ST),GS,(?P<weight>\S+)kg", checksum_skip=1
    )
    driver = connected(device)
    good = b"$ST,GS,5.5kg"
    digits = f"{line_checksum(good[1:], 'xor'):02X}".encode()
    instrument.write(good + b"*" + digits + b"\r\n" + b"$ST,GS,9.9kg*00\r\n" + b"$ST,GS,7.7kg\r\n")
    readings = driver.read(device.tags)
    assert readings.values[0] == 5.5
    assert driver.counters["checksum"] == 2
    driver.close()


def test_barcode_scan_becomes_a_part_scanned_event(pty: PtyPair, instrument: serial.Serial) -> None:
    tags = [{"name": "serial", "type": "string", "field": "serial"}]
    device = device_config(
        "serial-ascii",
        {"port": pty.a, "template": "SN:{serial}", "scan_field": "serial", "terminator": "\r"},
        tags,
        name="scanner",
        poll_period_s=0.3,
    )
    driver = connected(device)
    instrument.write(b"SN:A-1001\rSN:A-1002\rnoise\r")
    readings = driver.read(device.tags)
    assert [e.data["serial"] for e in readings.events] == ["A-1001", "A-1002"]
    assert all(e.kind == "part_scanned" and e.source == "scanner" for e in readings.events)
    assert readings.texts[0] == "A-1002"
    driver.close()


def test_non_numeric_field_is_a_tag_error(pty: PtyPair, instrument: serial.Serial) -> None:
    device = scale_device(pty.a, pattern=r"(?P<status>\w+),GS,(?P<weight>.+)kg")
    driver = connected(device)
    instrument.write(b"ST,GS,--.-kg\r\n")
    readings = driver.read(device.tags)
    assert "not a float64" in readings.errors[0]
    assert math.isnan(readings.values[0])
    assert readings.texts[1] == "ST"
    driver.close()


def test_request_mode_asks_and_waits_for_the_answer(
    pty: PtyPair, instrument: serial.Serial
) -> None:
    device = scale_device(pty.a, request="SI\r\n")

    def answer() -> None:
        if instrument.read_until(b"\r\n") == b"SI\r\n":
            instrument.write(b"ST,GS, 3.25 kg\r\n")

    thread = threading.Thread(target=answer)
    thread.start()
    driver = connected(device)
    started = time.monotonic()
    readings = driver.read(device.tags)
    assert readings.values[0] == 3.25
    assert time.monotonic() - started < 0.5
    thread.join(2)
    with pytest.raises(DeviceError) as caught:  # nobody answers now
        driver.read(device.tags)
    assert caught.value.kind == "timeout"
    driver.close()


def test_stale_instrument_is_declared_lost(pty: PtyPair) -> None:
    device = scale_device(pty.a, stale_after_s=0.5)
    driver = connected(device)
    assert not driver.read(device.tags).fresh.any()  # 0.3 s of silence: not yet lost
    with pytest.raises(DeviceError) as caught:
        driver.read(device.tags)
    assert caught.value.kind == "timeout"
    driver.close()


def test_missing_port_is_a_device_error() -> None:
    driver = SerialAsciiDriver(scale_device("/dev/no-such-tty"))
    with pytest.raises(DeviceError) as caught:
        driver.connect()
    assert caught.value.kind == "io"


def test_template_becomes_a_regex() -> None:
    assert template_to_pattern("W={w} kg").startswith("W=")
    assert "(?P<w>" in template_to_pattern("W={w} kg")


def test_config_errors_have_key_paths() -> None:
    data = {
        "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
        "devices": [
            {"name": "ok", "driver": "simulated", "tags": [{"name": "a"}]},
            {
                "name": "scale",
                "driver": "serial-ascii",
                "connection": {"port": "/dev/ttyS0", "pattern": r"(?P<weight>\d+)"},
                "tags": [{"name": "weight"}, {"name": "tare", "field": "tara"}],
            },
            {
                "name": "bad",
                "driver": "serial-ascii",
                "connection": {"port": "/dev/ttyS0", "pattern": "(unclosed"},
                "tags": [{"name": "x"}],
            },
            {
                "name": "typo",
                "driver": "serial-ascii",
                "connection": {"port": "/dev/ttyS0", "template": "{x}", "baud": 9600},
                "tags": [{"name": "x"}],
            },
        ],
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    report = caught.value.report()
    assert "devices[1].tags[1].field: no group 'tara' in the pattern (groups: weight)" in report
    assert "devices[2].connection: pattern is not a valid regex" in report
    assert "devices[3].connection.baud: unknown key" in report


def test_skipped_lines_show_in_worker_diagnostics(pty: PtyPair, instrument: serial.Serial) -> None:
    from app.config_loader import parse_config
    from app.tags import TagTable
    from app.worker import DeviceWorker

    device = scale_device(pty.a)
    station = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [device.model_dump(by_alias=True, exclude_none=True)],
        }
    )
    published = []
    worker = DeviceWorker(station.devices[0], TagTable(station), published.append)
    worker.start()
    try:
        wait_until(lambda: worker.diagnostics().connected, what="the port open")
        instrument.write(b"junk\r\nST,GS, 1.5 kg\r\n" + b"Z" * 300 + b"\r\n")

        def all_lines_seen() -> bool:
            counters = worker.diagnostics().counters
            return counters.get("garbage", 0) >= 1 and counters.get("overlong", 0) >= 1

        wait_until(all_lines_seen, what="the garbage and over-long lines counted")
        wait_until(
            lambda: any(hasattr(b, "values") and len(b) and b.values[0] == 1.5 for b in published),
            what="the good line published",
        )
        diag = worker.diagnostics()
    finally:
        worker.stop()
        worker.join(5)
    assert diag.counters["garbage"] == 1
    assert diag.counters["overlong"] == 1
    batches = [b for b in published if hasattr(b, "values") and len(b)]
    assert any(b.values[0] == 1.5 for b in batches)


def test_request_mode_is_polled_on_schedule_not_continuously(
    pty: PtyPair, instrument: serial.Serial
) -> None:
    from app.config_loader import parse_config
    from app.tags import TagTable
    from app.worker import DeviceWorker

    device = scale_device(pty.a, request="SI\r\n")
    station = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [device.model_dump(by_alias=True, exclude_none=True)],
        }
    )
    asked = []
    stop = threading.Event()

    def answer() -> None:
        # Accumulate: under load a read may time out mid-request and return part of it.
        instrument.timeout = 0.05
        pending = b""
        while not stop.is_set():
            pending += instrument.read_until(b"\r\n")
            while b"SI\r\n" in pending:
                _, _, pending = pending.partition(b"SI\r\n")
                asked.append(time.monotonic())
                instrument.write(b"ST,GS, 7.00 kg\r\n")

    thread = threading.Thread(target=answer)
    thread.start()
    published = []
    worker = DeviceWorker(station.devices[0], TagTable(station), published.append)
    worker.start()
    time.sleep(1.5)
    worker.stop()
    worker.join(5)
    stop.set()
    thread.join(5)
    assert 3 <= len(asked) <= 7  # every 0.3 s, not continuously
    assert worker.diagnostics().cycles_published >= 3


def test_port_vanishing_mid_read_is_a_device_error() -> None:
    pair = PtyPair()
    device = scale_device(pair.a)
    driver = connected(device)
    pair.close()  # the USB adapter is pulled out
    with pytest.raises(DeviceError) as caught:
        for _ in range(3):
            driver.read(device.tags)
    assert caught.value.kind == "io"
    with pytest.raises(DeviceError):
        driver.connect()  # the device node is gone too
    driver.close()


def test_scans_reach_the_engine_as_events(pty: PtyPair, instrument: serial.Serial) -> None:
    from app.config_loader import parse_config
    from app.engine import Engine

    tags = [{"name": "serial", "type": "string", "field": "serial"}]
    device = device_config(
        "serial-ascii",
        {"port": pty.a, "template": "SN:{serial}", "scan_field": "serial"},
        tags,
        name="scanner",
        poll_period_s=0.2,
    )
    config = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [device.model_dump(by_alias=True, exclude_none=True)],
        }
    )
    engine = Engine(config)
    events = []
    engine.subscribe_events(events.append)
    engine.start()
    try:
        wait_until(lambda: all(d.connected for d in engine.diagnostics()), what="the port open")
        instrument.write(b"SN:EVH-0001\r\nSN:EVH-0002\r\n")
        wait_until(lambda: len([e for e in events if e.kind == "part_scanned"]) >= 2, timeout=3)
    finally:
        engine.stop()
    scans = [e.data["serial"] for e in events if e.kind == "part_scanned"]
    assert scans == ["EVH-0001", "EVH-0002"]
