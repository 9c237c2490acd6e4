"""Modbus RTU driver: serial lines (RS-485/RS-232), several units sharing one port.

The answer timeout of each request follows from the line: the request and the longest possible
answer at the configured baud rate and frame size, the inter-frame silences, plus the device's
``turnaround_s``. A fixed one-second timeout would either break slow lines or waste the bus on
fast ones.
"""

from __future__ import annotations

import logging
import struct
import time
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field

from app.config import DeviceConfig
from drivers.base import DeviceError
from drivers.modbus.blocks import BIT_TABLES
from drivers.modbus.bus import LineSettings, SerialBus, acquire_bus
from drivers.modbus.common import BadAnswer, BlockData, ModbusDriver, ModbusSettings
from drivers.modbus.rtu_frame import REQUEST_BYTES, answer_bytes, read_request, with_crc
from drivers.modbus.rtu_link import Expect

log = logging.getLogger(__name__)


class ModbusRtuSettings(ModbusSettings):
    """``connection`` table of a ``modbus-rtu`` device."""

    port: str = Field(min_length=1)
    """Serial device, e.g. ``/dev/ttyUSB0`` or ``COM3``."""
    baudrate: int = Field(default=19200, ge=300, le=4_000_000)
    parity: Literal["N", "E", "O"] = "E"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8
    turnaround_s: float = Field(default=0.1, ge=0, le=10)
    """Time the device may take to start answering, on top of the wire time."""
    local_echo: bool = False
    """The RS-485 adapter echoes what it sends (two-wire adapters without echo suppression)."""
    silent_probe_max_s: float = Field(default=5.0, ge=0, le=3600)
    """On a shared port, longest wait between probes of a unit that stopped answering."""


def frame_time_s(line: LineSettings, table: str, count: int) -> float:
    """Wire time of one request and its answer, with the 3.5-character silences."""
    chars = REQUEST_BYTES + answer_bytes(table, count)
    return chars * line.char_time_s + 2 * line.silence_s


class ModbusRtuDriver(ModbusDriver):
    """Reads a Modbus RTU unit over a serial port shared with the other units on it.

    A unit that stops answering costs a timeout slot of the shared line at every poll. When
    other units share the port, a silent unit is therefore probed less and less often (after
    one, two, four... poll periods, at most ``silent_probe_max_s``): :meth:`connect` refuses
    until the next probe is due, so the line stays with the units that answer. A unit alone
    on its port is probed every cycle.
    """

    connection_model: ClassVar[type[BaseModel]] = ModbusRtuSettings

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        s = self.settings
        self.line = LineSettings(
            s.port, s.baudrate, s.bytesize, s.parity, s.stopbits, local_echo=s.local_echo
        )
        self._bus: SerialBus | None = None
        self._silences = 0
        self._next_probe = 0.0
        self._period_s = min([device.poll_period_s, *device.poll_groups.values()])
        self._counters = {"rejected": 0, "drained": 0}

    def connect(self) -> None:
        if self._silences and time.monotonic() < self._next_probe:
            wait = self._next_probe - time.monotonic()
            raise DeviceError(
                "timeout",
                f"unit {self.settings.device_id} on {self.line.port} is silent; "
                f"next probe in {wait:.1f} s",
            )
        if self._bus is None:
            self._bus = acquire_bus(self.line)
        try:
            with self._bus.lock:
                self._bus.ensure_open()
        except DeviceError:
            self.close()
            raise

    @property
    def counters(self) -> dict[str, int]:
        """Line health for diagnostics: answers rejected as not ours, bytes drained."""
        return dict(self._counters)

    def request_timeout_s(self, table: str, count: int) -> float:
        """Answer timeout of one request on this line."""
        return frame_time_s(self.line, table, count) + self.settings.turnaround_s

    def _request(self, table: str, start: int, count: int) -> BlockData:
        unit = self.settings.device_id
        request = read_request(unit, table, start, count)
        expect = Expect(unit, request[1], answer_bytes(table, count))
        frame = self._transact(request, expect, self.request_timeout_s(table, count))
        data = np.frombuffer(frame, dtype=np.uint8, count=frame[2], offset=3)
        if table in BIT_TABLES:
            return np.unpackbits(data, bitorder="little").astype(bool)
        return data.view(">u2")

    def _write(self, function: int, address: int, values: list[int]) -> None:
        unit = self.settings.device_id
        if function in (5, 6):
            value = (0xFF00 if values[0] else 0) if function == 5 else values[0]
            request = with_crc(struct.pack(">BBHH", unit, function, address, value))
        else:
            if function == 15:
                data = np.packbits(np.array(values, dtype=bool), bitorder="little").tobytes()
            else:
                data = np.array(values, dtype=">u2").tobytes()
            head = struct.pack(">BBHHB", unit, function, address, len(values), len(data))
            request = with_crc(head + data)
        # The normal answer echoes unit, function, address and value / quantity.
        expect = Expect(unit, function, 8, echo=request[:6])
        timeout = (len(request) + 8) * self.line.char_time_s + 2 * self.line.silence_s
        self._transact(request, expect, timeout + self.settings.turnaround_s)

    def _transact(self, request: bytes, expect: Expect, timeout_s: float) -> bytes:
        """One exchange on the shared line; learns whether the unit fell silent."""
        bus = self._bus
        if bus is None:
            raise DeviceError("io", "not connected")
        self._requests += 1
        link = bus.link
        rejected, drained = link.rejected, link.drained
        try:
            frame: bytes = bus.run(lambda link: link.transact(request, expect, timeout_s))
        except (DeviceError, BadAnswer) as exc:
            if exc.kind == "timeout":
                self._silent(bus)
            exc.message = f"unit {self.settings.device_id} on {exc.message}"
            exc.args = (exc.message,)
            raise
        finally:
            self._counters["rejected"] += link.rejected - rejected
            self._counters["drained"] += link.drained - drained
        self._silences = 0
        return frame

    def _silent(self, bus: SerialBus) -> None:
        self._silences += 1
        if bus.users > 1:
            delay = min(
                self._period_s * 2 ** (self._silences - 1), self.settings.silent_probe_max_s
            )
            self._next_probe = time.monotonic() + delay

    def close(self) -> None:
        if self._bus is not None:
            bus, self._bus = self._bus, None
            bus.release()
