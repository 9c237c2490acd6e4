"""One serial port shared by every Modbus RTU device (unit id) wired to it.

An RS-485 line carries one request at a time. All drivers on a port share one :class:`SerialBus`
(one serial port, opened once) and take turns per request through a FIFO ticket lock, so
a device polled often cannot starve the others and a silent unit only ever costs its own
timeout slots.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

from drivers.base import DeviceError
from drivers.modbus.rtu_link import PORT_ERRORS, RtuLink

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LineSettings:
    """How a serial line is framed; every device on one port must agree."""

    port: str
    baudrate: int
    bytesize: int
    parity: str
    stopbits: int
    local_echo: bool = False

    @property
    def char_time_s(self) -> float:
        """Seconds one character takes on the wire (start, data, parity and stop bits)."""
        bits = 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits
        return bits / self.baudrate

    @property
    def silence_s(self) -> float:
        """Inter-frame silence: 3.5 characters, fixed at 1.75 ms above 19200 baud."""
        return max(3.5 * self.char_time_s, 0.00175)

    def describe(self) -> str:
        echo = " with local echo" if self.local_echo else ""
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits}{echo}"


class FairLock:
    """A FIFO (ticket) lock: waiters are served in arrival order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> FairLock:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._serving != ticket:
                self._cond.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


class SerialBus:
    """The shared port of one line; use :func:`acquire_bus` / :meth:`release`."""

    def __init__(self, line: LineSettings) -> None:
        self.line = line
        self.lock = FairLock()
        self.users = 0
        self.busy_s = 0.0
        """Time spent holding the line (for utilisation figures)."""
        self.port = serial.Serial(
            None,
            baudrate=line.baudrate,
            bytesize=line.bytesize,
            parity=line.parity,
            stopbits=line.stopbits,
            timeout=1.0,
        )
        self.port.port = line.port
        self.link = RtuLink(self.port, line.port, line.silence_s, line.local_echo)

    def ensure_open(self) -> None:
        """Open the port if needed; raise :class:`DeviceError` when it cannot be opened."""
        if self.port.is_open:
            return
        try:
            self.port.open()
        except PORT_ERRORS as exc:  # SerialException is an OSError
            raise DeviceError("io", f"cannot open serial port {self.line.port}: {exc}") from None

    def run(self, call: Callable[[RtuLink], Any]) -> Any:
        """Run ``call(link)`` with the line to ourselves."""
        with self.lock:
            self.ensure_open()
            started = time.perf_counter()
            try:
                return call(self.link)
            except DeviceError as exc:
                if exc.kind == "io":
                    self.close_port()
                raise
            finally:
                self.busy_s += time.perf_counter() - started

    def close_port(self) -> None:
        """Close the port (it is reopened by the next request)."""
        try:
            self.port.close()
        except PORT_ERRORS:
            log.debug("error closing %s", self.line.port, exc_info=True)

    def release(self) -> None:
        with _registry_lock:
            self.users -= 1
            if self.users <= 0:
                _buses.pop(self.line.port, None)
                with self.lock:
                    self.close_port()


_buses: dict[str, SerialBus] = {}
_registry_lock = threading.Lock()


def acquire_bus(line: LineSettings) -> SerialBus:
    """The bus of ``line.port``, shared with other devices on that port."""
    with _registry_lock:
        bus = _buses.get(line.port)
        if bus is None:
            bus = _buses[line.port] = SerialBus(line)
        elif bus.line != line:
            raise DeviceError(
                "config",
                f"serial port {line.port} is already used at {bus.line.describe()}; "
                f"this device asks for {line.describe()}",
            )
        bus.users += 1
        return bus


def open_buses() -> dict[str, SerialBus]:
    """The buses currently open (for diagnostics)."""
    with _registry_lock:
        return dict(_buses)
