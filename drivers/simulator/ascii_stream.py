"""ASCII instrument stream on a serial port: the end-of-line checkweigher and barcode scanner.

The scale prints its reading a few times a second, like common industrial indicators::

    ST,GS,+0004.852 kg      (ST stable / US unstable, GS gross weight)

and the scanner prints one line per finished part::

    SN:EVH220-2611-000123

Both share one port (the line PC's serial hub merges them), each line ends with CR LF.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import serial

from drivers.simulator.modbus_server import ServeError
from drivers.simulator.plant import FinishedPart

log = logging.getLogger(__name__)

#: Returns (scale kg, stable) and the finished parts with ``seq`` greater than the argument.
ScaleReader = Callable[[], tuple[float, bool]]
PartsReader = Callable[[int], list[FinishedPart]]


def scale_line(kg: float, stable: bool) -> bytes:
    """One checkweigher line, e.g. ``b"ST,GS,+0004.852 kg\\r\\n"``."""
    sign = "-" if kg < 0 else "+"
    return f"{'ST' if stable else 'US'},GS,{sign}{abs(kg):08.3f} kg\r\n".encode("ascii")


def barcode_line(serial_number: str) -> bytes:
    """One scanner line, e.g. ``b"SN:EVH220-2611-000123\\r\\n"``."""
    return f"SN:{serial_number}\r\n".encode("ascii")


class AsciiStream:
    """Writes scale and barcode lines to a serial port from a background thread."""

    def __init__(
        self,
        port: str,
        baudrate: int,
        read_scale: ScaleReader,
        read_parts: PartsReader,
        rate_hz: float = 4.0,
    ) -> None:
        if not port.startswith(("socket://", "loop://")) and not Path(port).exists():
            raise ServeError(2, f"serial port {port} does not exist")
        try:
            self._serial = serial.serial_for_url(port, baudrate=baudrate, write_timeout=0.5)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ServeError(5, f"cannot open serial port {port}: {exc}") from None
        self.description = f"ASCII scale/scanner {port} @ {baudrate} baud"
        self._read_scale = read_scale
        self._read_parts = read_parts
        self._period = 1.0 / rate_hz
        self._last_seq = max((p.seq for p in read_parts(0)), default=0)
        self._stop = threading.Event()
        self.lines_written = 0
        self._thread = threading.Thread(target=self._run, name="plant-sim-ascii", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._period):
                kg, stable = self._read_scale()
                lines = [scale_line(kg, stable)]
                for part in self._read_parts(self._last_seq):
                    lines.append(barcode_line(part.serial))
                    self._last_seq = part.seq
                self._write(b"".join(lines), len(lines))
        finally:
            self._serial.close()

    def _write(self, data: bytes, count: int) -> None:
        try:
            self._serial.write(data)
            self.lines_written += count
        except serial.SerialTimeoutException:
            log.debug("nobody reads %s; dropped %d lines", self.description, count)
        except (serial.SerialException, OSError) as exc:
            log.warning("%s: write failed: %s", self.description, exc)
            self._stop.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop writing and close the port."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
