"""The plant simulator on serial ports: Modbus RTU and the ASCII scale/scanner stream, each over
a real socat pseudo-terminal pair."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import serial
from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ModbusIOException

from drivers.simulator import Fault, PlantSimulator, ServeError
from drivers.simulator.ascii_stream import barcode_line, scale_line

SCALE_RE = re.compile(rb"^(ST|US),GS,([+-]\d{4}\.\d{3}) kg\r\n$")
BARCODE_RE = re.compile(rb"^SN:EVH220-\d{4}-\d{6}\r\n$")


class PtyPair:
    """Two connected pseudo-terminals from ``socat -d -d pty,raw,echo=0 pty,raw,echo=0``."""

    def __init__(self) -> None:
        socat = shutil.which("socat")
        assert socat, "socat is required for the serial tests (apt-get install socat)"
        self.proc = subprocess.Popen(
            [socat, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        paths: list[str] = []
        while len(paths) < 2:
            line = self.proc.stderr.readline()
            assert line, "socat exited before reporting its ptys"
            if match := re.search(r"PTY is (\S+)", line):
                paths.append(match.group(1))
        self.a, self.b = paths

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@pytest.fixture
def pty() -> Iterator[PtyPair]:
    pair = PtyPair()
    yield pair
    pair.close()


def test_rtu_answers_every_machine_but_the_silent_one(pty: PtyPair) -> None:
    faults = [Fault(start_s=0, machine="leaktest", kind="silent", duration_s=3600)]
    with PlantSimulator(seed=5, scenario=faults, speed=1.0) as sim:
        sim.serve_modbus_rtu(pty.a, baudrate=115200)
        client = ModbusSerialClient(pty.b, baudrate=115200, timeout=0.5, retries=0)
        assert client.connect()
        try:
            for device_id in (1, 2, 4):
                response = client.read_holding_registers(0, count=13, device_id=device_id)
                assert not response.isError(), response
                assert response.registers[0] == 1  # running
                text = client.convert_from_registers(
                    response.registers[9:13], data_type=client.DATATYPE.STRING
                )
                assert text.rstrip("\x00") == "EVH-220"
            response = client.read_holding_registers(106, count=2, device_id=2)
            served = client.convert_from_registers(
                response.registers, data_type=client.DATATYPE.FLOAT32
            )
            assert served == pytest.approx(sim.value("cnc", "spindle_temp"), abs=1.0)
            with pytest.raises(ModbusIOException):
                client.read_holding_registers(0, count=2, device_id=3)
            # The bus is still usable after the silent node.
            assert not client.read_input_registers(0, count=1, device_id=1).isError()
        finally:
            client.close()


def test_rtu_on_a_missing_port_is_a_clear_error() -> None:
    with (
        PlantSimulator(seed=1, scenario="none") as sim,
        pytest.raises(ServeError, match="serial port /dev/does-not-exist does not exist"),
    ):
        sim.serve_modbus_rtu("/dev/does-not-exist")


def test_ascii_stream_sends_scale_readings_and_a_barcode_per_part(pty: PtyPair) -> None:
    # Fast-forward so that several parts leave the leak tester within a couple of seconds.
    with PlantSimulator(seed=2, scenario="none", speed=60.0) as sim:
        sim.serve_ascii(pty.a, baudrate=9600, rate_hz=5.0)
        lines: list[bytes] = []
        with serial.Serial(pty.b, baudrate=9600, timeout=0.2) as port:
            deadline = time.monotonic() + 8.0
            while time.monotonic() < deadline:
                line = port.readline()
                if line:
                    lines.append(line)
                if sum(1 for x in lines if x.startswith(b"SN:")) >= 3 and len(lines) > 10:
                    break
        finished = [p.serial for p in sim.snapshot.finished]
    scale = [x for x in lines if x.startswith((b"ST", b"US"))]
    barcodes = [x for x in lines if x.startswith(b"SN:")]
    assert len(scale) >= 5
    assert all(SCALE_RE.match(x) for x in scale), scale[:5]
    assert len(barcodes) >= 3
    assert all(BARCODE_RE.match(x) for x in barcodes), barcodes
    # Every scanned serial is a part the model finished, in order, none twice.
    scanned = [x[3:-2].decode() for x in barcodes]
    assert scanned == sorted(set(scanned))
    assert set(scanned) <= set(finished)
    weights = [float(SCALE_RE.match(x).group(2)) for x in scale]  # type: ignore[union-attr]
    assert all(0.0 <= w < 6.0 for w in weights)


def test_line_formats() -> None:
    assert scale_line(4.8521, True) == b"ST,GS,+0004.852 kg\r\n"
    assert scale_line(0.0, False) == b"US,GS,+0000.000 kg\r\n"
    assert scale_line(-0.002, True) == b"ST,GS,-0000.002 kg\r\n"
    assert barcode_line("EVH220-2611-000123") == b"SN:EVH220-2611-000123\r\n"


def test_stop_closes_every_server_and_thread_within_two_seconds() -> None:
    rtu_pair, ascii_pair = PtyPair(), PtyPair()
    try:
        sim = PlantSimulator(seed=1, scenario="default", speed=5.0).start()
        tcp = sim.serve_modbus_tcp("127.0.0.1", 0)
        sim.serve_modbus_rtu(rtu_pair.a, baudrate=115200)
        sim.serve_ascii(ascii_pair.a)
        client = ModbusSerialClient(rtu_pair.b, baudrate=115200, timeout=0.5, retries=0)
        assert client.connect()
        assert not client.read_holding_registers(0, count=1, device_id=2).isError()
        started = time.monotonic()
        sim.stop()
        assert time.monotonic() - started < 2.0
        client.close()
        leftover = [t.name for t in threading.enumerate() if t.name.startswith("plant-sim")]
        assert leftover == []
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", tcp.port), 0.5):
            pass
        sim.stop()  # idempotent
    finally:
        rtu_pair.close()
        ascii_pair.close()


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="speed must be above 0"):
        PlantSimulator(speed=0)
