"""One serial port shared by every Modbus RTU device (unit id) wired to it.

An RS-485 line carries one request at a time. All drivers on a port share one :class:`SerialBus`
(one pymodbus client, opened once) and take turns per request through a FIFO ticket lock, so
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

from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ConnectionException

from drivers.base import DeviceError
from drivers.modbus.pdus import use_numpy_answers
from drivers.modbus.rtu_frame import REQUEST_BYTES, expected_length
from drivers.modbus.transport import RawCapture

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


class FramedSerialClient(ModbusSerialClient):
    """pymodbus's serial client, reading each answer by its length instead of by silence.

    pymodbus's own ``recv`` polls the port until no new byte arrived for a polling interval
    (at least 1 ms), which costs every transaction that much line time. An RTU answer's length
    follows from its first three bytes, so this reads exactly that many bytes and returns the
    moment the frame is complete, within :attr:`answer_timeout_s`.
    """

    answer_timeout_s: float = 1.0

    def recv(self, size: int | None) -> bytes:
        port = self.socket
        if size is not None or port is None:
            return super().recv(size)  # type: ignore[no-any-return]
        deadline = time.monotonic() + self.answer_timeout_s
        try:
            self._timeout(port, self.answer_timeout_s)
            # An adapter that echoes what it sends: pymodbus strips the echo from what we return.
            echo = port.read(REQUEST_BYTES) if self.comm_params.handle_local_echo else b""
            head = port.read(3)
            length = expected_length(head)
            if length is None or length <= 3:
                return echo + head  # silence, or cut off: pymodbus reports the timeout
            self._timeout(port, max(deadline - time.monotonic(), 0.001))
            return echo + head + port.read(length - 3)
        except (BlockingIOError, InterruptedError):
            raise
        except OSError:  # pyserial's SerialException too: the port went away
            self.close()
            raise ConnectionException(str(self)) from None

    @staticmethod
    def _timeout(port: Any, seconds: float) -> None:
        # Setting it reconfigures the port (tcsetattr): only when it changes.
        if port.timeout != seconds:
            port.timeout = seconds


class SerialBus:
    """The shared client of one port; use :func:`acquire_bus` / :meth:`release`."""

    def __init__(self, line: LineSettings) -> None:
        self.line = line
        self.lock = FairLock()
        self.users = 0
        self.capture = RawCapture()
        """Last bytes received, to tell a CRC error from silence."""
        self.busy_s = 0.0
        """Time spent holding the line (for utilisation figures)."""
        self.client = FramedSerialClient(
            line.port,
            baudrate=line.baudrate,
            bytesize=line.bytesize,
            parity=line.parity,
            stopbits=line.stopbits,
            handle_local_echo=line.local_echo,
            timeout=1.0,
            retries=0,
            trace_packet=self.capture,
        )
        use_numpy_answers(self.client)

    def ensure_open(self) -> None:
        """Open the port if needed; raise :class:`DeviceError` when it cannot be opened."""
        if not self.client.connected and not self.client.connect():
            raise DeviceError("io", f"cannot open serial port {self.line.port}")

    def run(self, timeout_s: float, call: Callable[[Any], Any]) -> Any:
        """Run ``call(client)`` with the line to ourselves and the given answer timeout."""
        with self.lock:
            self.ensure_open()
            self.client.comm_params.timeout_connect = timeout_s
            self.client.answer_timeout_s = timeout_s
            started = time.perf_counter()
            try:
                return call(self.client)
            finally:
                self.busy_s += time.perf_counter() - started

    def release(self) -> None:
        with _registry_lock:
            self.users -= 1
            if self.users <= 0:
                _buses.pop(self.line.port, None)
                with self.lock:
                    self.client.close()


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
