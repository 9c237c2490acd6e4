"""One Modbus RTU transaction on a serial port: send a request, accept only its own answer.

RTU has no transaction id, so an answer is matched to its request by what it can be checked
against: the unit, the function code, the exact length (a read's byte count; bits rounded up to
whole bytes) and, for writes, the echoed address and value/quantity. A frame that fails these
checks is a late answer to an earlier request (or another unit's): it is skipped and reading
goes on until the deadline. A frame with a bad CRC fails the transaction (:class:`BadAnswer`).

After a request went unanswered (or garbage was seen) the port is *unsettled*: a late answer
may still arrive. The next transaction first drains the line until it has been silent for the
inter-frame time, and after a matching answer waits one more answer time for a further frame:
if one follows, the first was the late answer to the earlier request (same length), and the
last matching frame wins. The port is settled again after a transaction in which nothing
followed. A late answer that arrives even later than that, to a request of the same unit,
function and length, cannot be told apart on RTU.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from drivers.base import DeviceError
from drivers.modbus.common import BadAnswer, ExceptionAnswer
from drivers.modbus.rtu_frame import crc_ok, expected_length

try:  # POSIX: pyserial lets termios.error (not an OSError) through from tcsetattr
    from termios import error as _TermiosError

    PORT_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, _TermiosError)
except ImportError:  # Windows
    PORT_ERRORS = (OSError, ValueError)

#: Longest drain of a line that keeps sending (a babbling unit cannot hold the bus forever).
MAX_DRAIN_S = 0.5

ANY_UNIT = -1

_unsettled: dict[str, set[int]] = {}
_unsettled_lock = threading.Lock()


def mark_unsettled(port: str, unit: int) -> None:
    """A late answer from ``unit`` (:data:`ANY_UNIT`: unknown) may still arrive on ``port``.

    Kept per port name, so it survives closing and reopening the port after a timeout.
    """
    with _unsettled_lock:
        _unsettled.setdefault(port, set()).add(unit)


def settle(port: str, unit: int) -> None:
    """No late answer from ``unit`` is expected on ``port`` any more."""
    with _unsettled_lock:
        units = _unsettled.get(port)
        if units is not None:
            units.discard(unit)
            units.discard(ANY_UNIT)
            if not units:
                del _unsettled[port]


def unsettled_units(port: str) -> frozenset[int]:
    """Units whose late answer may still arrive on ``port``."""
    with _unsettled_lock:
        return frozenset(_unsettled.get(port, ()))


@dataclass(frozen=True, slots=True)
class Expect:
    """What the answer to one request must look like."""

    unit: int
    function: int
    length: int
    """Total length of the normal answer, CRC included."""
    echo: bytes = b""
    """Bytes the normal answer must start with (writes echo unit, function, address, value)."""

    def matches(self, frame: bytes) -> bool:
        if frame[0] != self.unit or frame[1] & 0x7F != self.function:
            return False
        if frame[1] & 0x80:
            return True  # an exception answer of this unit and function
        return len(frame) == self.length and frame.startswith(self.echo)


class RtuLink:
    """Request/answer exchanges on an open pyserial port (the caller holds the bus lock)."""

    def __init__(self, port: Any, name: str, silence_s: float, local_echo: bool) -> None:
        self.port = port
        self.name = name
        self.silence_s = silence_s
        self.local_echo = local_echo
        self.last_received = b""
        self.rejected = 0
        """Frames skipped because they did not match their request (late or foreign)."""
        self.drained = 0
        """Bytes discarded while draining an unsettled line."""
        self._unit = ANY_UNIT
        self._sent = b""

    def transact(self, request: bytes, expect: Expect, timeout_s: float) -> bytes:
        """The matching answer frame to ``request``.

        Raises :class:`DeviceError` (``timeout``: silence or an answer cut off; ``io``),
        :class:`BadAnswer` (``crc``; ``protocol``: only non-matching frames came) and
        :class:`ExceptionAnswer`.
        """
        pending = unsettled_units(self.name)
        unsettled = expect.unit in pending or ANY_UNIT in pending
        self._unit = expect.unit
        self._sent = request
        try:
            if pending:
                self._drain()
            self.port.reset_input_buffer()
            self.port.write(request)
            deadline = time.monotonic() + timeout_s
            if self.local_echo:
                echo = self._read(len(request), deadline)
                if echo != request:
                    mark_unsettled(self.name, ANY_UNIT)
                    if not echo:
                        raise DeviceError("timeout", f"{self.name}: no local echo of the request")
                    raise BadAnswer("protocol", f"{self.name}: local echo garbled: {echo.hex(' ')}")
            frame = self._answer(expect, deadline)
            if unsettled:
                frame = self._newest(frame, expect, timeout_s)
        except PORT_ERRORS as exc:  # SerialException too: the port went away
            raise DeviceError("io", f"serial port {self.name}: {exc}") from None
        if frame[1] & 0x80:
            raise ExceptionAnswer(frame[2])
        return frame

    def _answer(self, expect: Expect, deadline: float) -> bytes:
        skipped: list[bytes] = []
        while True:
            frame = self._frame(deadline, skipped)
            if expect.matches(frame):
                return frame
            self.rejected += 1
            skipped.append(frame)
            if time.monotonic() >= deadline:  # a line that keeps talking: bounded too
                mark_unsettled(self.name, ANY_UNIT)
                raise BadAnswer("protocol", self._mismatch(skipped))

    def _frame(self, deadline: float, skipped: list[bytes]) -> bytes:
        """The next whole frame with a good CRC, before ``deadline``."""
        head = self._read(3, deadline)
        self.last_received = head
        length = expected_length(head)
        if length is None:
            mark_unsettled(self.name, self._unit if not head else ANY_UNIT)
            if not head and skipped:
                raise BadAnswer("protocol", self._mismatch(skipped))
            if not head:
                raise DeviceError("timeout", f"{self.name} did not answer")
            if len(head) < 3:
                raise DeviceError("timeout", f"{self.name}: answer cut off after {len(head)} bytes")
            raise BadAnswer("protocol", f"{self.name}: answer not understood: {head.hex(' ')}")
        frame = head + self._read(length - 3, deadline)
        self.last_received = frame
        if len(frame) < length:
            mark_unsettled(self.name, frame[0])
            raise DeviceError("timeout", f"{self.name}: answer cut off after {len(frame)} bytes")
        if not crc_ok(frame):
            mark_unsettled(self.name, ANY_UNIT)  # what follows may be the rest of a longer one
            if self._sent.startswith(frame):
                raise BadAnswer(
                    "protocol",
                    f"{self.name}: the request came back (an adapter echo? set local_echo)",
                )
            raise BadAnswer("crc", f"{self.name}: bad CRC ({len(frame)} bytes)")
        return frame

    def _newest(self, frame: bytes, expect: Expect, timeout_s: float) -> bytes:
        """On an unsettled line: if another matching frame follows, it is the real answer."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.port.timeout = max(deadline - time.monotonic(), 0.0)
            first = self.port.read(1)
            if not first:
                settle(self.name, expect.unit)
                return frame
            head = first + self._read(2, deadline)
            length = expected_length(head)
            later = head + (self._read(length - 3, deadline) if length else b"")
            if length is None or len(later) < length or not crc_ok(later):
                raise BadAnswer("protocol", f"{self.name}: garbage after the answer")
            self.rejected += 1
            if expect.matches(later):
                frame = later
            if time.monotonic() >= deadline:
                raise BadAnswer("protocol", f"{self.name}: the line keeps sending after the answer")

    def _mismatch(self, skipped: list[bytes]) -> str:
        last = skipped[-1]
        return (
            f"{self.name}: {len(skipped)} answer(s) that do not match the request "
            f"(last: unit {last[0]}, function {last[1]}, {len(last)} bytes)"
        )

    def _read(self, size: int, deadline: float) -> bytes:
        if size <= 0:
            return b""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            waiting = self.port.in_waiting
            return bytes(self.port.read(min(size, waiting))) if waiting else b""
        self.port.timeout = remaining
        return bytes(self.port.read(size))

    def _drain(self) -> None:
        """Discard bytes until the line was silent for the inter-frame time."""
        self.port.timeout = self.silence_s
        deadline = time.monotonic() + MAX_DRAIN_S
        while time.monotonic() < deadline:
            chunk = self.port.read(4096)
            if not chunk:
                return
            self.drained += len(chunk)
