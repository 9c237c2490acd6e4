"""Line-based serial instruments: scales, gauges, barcode scanners (pyserial).

Each line (framed by ``terminator``) is matched against ``pattern``, a regex with named groups
(or a ``template`` such as ``"ST,GS,{weight}kg"``); a tag takes the group named by its ``field``
key (default: the tag name). Lines that do not match, fail their checksum, do not decode or grow
beyond ``max_line`` are counted in :attr:`SerialAsciiDriver.counters` and skipped, never fatal.

The driver is *streaming*: :meth:`read` collects what arrives during one poll period and marks
the tags that got a value in ``Readings.fresh``. With ``request`` set (e.g. ``"SI\\r\\n"`` for a
scale that answers on demand), the driver sends it at every read and waits for the answer.
A ``scan_field`` turns each non-empty value of that group into a ``part_scanned`` event.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import serial
from pydantic import BaseModel, Field, field_validator, model_validator

from app.config import DeviceConfig, StrictModel, TagConfig
from app.model import Event, EventKind
from drivers.base import DeviceError, Driver, Location, Readings

log = logging.getLogger(__name__)

TRUE_WORDS = frozenset({"1", "true", "on", "yes", "ok"})
FALSE_WORDS = frozenset({"0", "false", "off", "no"})
READ_SLICE_S = 0.05  # longest a single read blocks: the period's end is never missed by more
COUNTERS = ("lines", "garbage", "checksum", "overlong", "undecodable")


def template_to_pattern(template: str) -> str:
    """``"ST,GS,{weight}kg"`` -> a regex with a named group per ``{field}``."""
    parts = re.split(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    out = []
    for index, part in enumerate(parts):
        out.append(f"(?P<{part}>.*?)" if index % 2 else re.escape(part))
    return "".join(out)


class SerialAsciiSettings(StrictModel):
    """``connection`` table of a ``serial-ascii`` device."""

    port: str = Field(min_length=1)
    baudrate: int = Field(default=9600, ge=50, le=4_000_000)
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8
    encoding: str = "ascii"
    terminator: str = Field(default="\r\n", min_length=1)
    pattern: str | None = None
    """Regex that must match the whole line (without terminator), with named groups."""
    template: str | None = None
    """Simpler alternative to ``pattern``: literal text with ``{field}`` placeholders."""
    checksum: Literal["none", "xor", "sum8"] = "none"
    """Two hex digits after ``checksum_separator`` at the end of the line."""
    checksum_separator: str = "*"
    checksum_skip: int = Field(default=0, ge=0, le=8)
    """Leading characters left out of the checksum (1 for NMEA's ``$``)."""
    max_line: int = Field(default=256, ge=8, le=65536)
    """Longest line in bytes; longer ones are dropped up to the next terminator."""
    request: str | None = None
    """Sent at every read, for instruments that answer on demand."""
    scan_field: str | None = None
    """Group holding a part's serial number: each scan becomes a ``part_scanned`` event."""
    stale_after_s: float | None = Field(default=None, gt=0, le=86400)
    """Declare the device lost when no valid line arrived for this long (default: never)."""

    @model_validator(mode="after")
    def _one_pattern(self) -> SerialAsciiSettings:
        if (self.pattern is None) == (self.template is None):
            raise ValueError("give exactly one of 'pattern' (regex) or 'template'")
        try:
            "x".encode(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None
        try:
            compiled = re.compile(self.regex)
        except re.error as exc:
            raise ValueError(f"pattern is not a valid regex: {exc}") from None
        if not compiled.groupindex:
            raise ValueError("pattern has no named group (?P<name>...) to map to tags")
        if self.scan_field is not None and self.scan_field not in compiled.groupindex:
            raise ValueError(f"scan_field '{self.scan_field}' is not a group of the pattern")
        return self

    @property
    def regex(self) -> str:
        return (
            self.pattern if self.pattern is not None else template_to_pattern(self.template or "")
        )


class SerialTag(StrictModel):
    """A serial tag's one key: the pattern's group that carries its value (default: its name)."""

    field: str | None = None

    @field_validator("field")
    @classmethod
    def _field_is_group_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(f"{value!r} is not a valid regex group name")
        return value


def line_checksum(payload: bytes, kind: str) -> int:
    """XOR or 8-bit sum of ``payload``."""
    if kind == "xor":
        value = 0
        for byte in payload:
            value ^= byte
        return value
    return sum(payload) & 0xFF


class SerialAsciiDriver(Driver):
    """Parses an instrument's text lines into tag values and scan events."""

    connection_model: ClassVar[type[BaseModel]] = SerialAsciiSettings
    tag_model: ClassVar[type[BaseModel]] = SerialTag
    streaming: ClassVar[bool] = True

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        s: SerialAsciiSettings = self.settings
        self._regex = re.compile(s.regex)
        self._terminator = s.terminator.encode(s.encoding)
        self._serial: serial.Serial | None = None
        self._buffer = bytearray()
        self._skipping = False
        self._last_valid = time.monotonic()
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        """Lines seen and skipped, by reason (for diagnostics)."""
        self.period_s = min([device.poll_period_s, *device.poll_groups.values()])
        # An instrument asked with ``request`` is polled on the schedule like a Modbus device;
        # only a free-running one is read continuously.
        self.streaming = s.request is None  # type: ignore[misc]

    @classmethod
    def check_device(cls, device: DeviceConfig, settings: Any) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        groups = re.compile(settings.regex).groupindex
        for index, tag in enumerate(device.tags):
            field = cls.parse_tag(tag).field  # type: ignore[attr-defined]
            name = field or tag.name
            if name not in groups:
                known = ", ".join(groups)
                key = "field" if field else "name"
                problems.append(
                    (("tags", index, key), f"no group '{name}' in the pattern (groups: {known})")
                )
        return problems

    def connect(self) -> None:
        s: SerialAsciiSettings = self.settings
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(
                s.port,
                baudrate=s.baudrate,
                parity=s.parity,
                stopbits=s.stopbits,
                bytesize=s.bytesize,
                timeout=READ_SLICE_S,
                write_timeout=self.device.timeout_s,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceError("io", f"cannot open serial port {s.port}: {exc}") from None
        self._buffer.clear()
        self._skipping = False
        self._last_valid = time.monotonic()

    def close(self) -> None:
        if self._serial is not None:
            port, self._serial = self._serial, None
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("error closing %s", self.device.name, exc_info=True)

    # -- reading ----------------------------------------------------------------------------

    def read(self, tags: Sequence[TagConfig]) -> Readings:
        port = self._serial
        if port is None:
            raise DeviceError("io", "not connected")
        s: SerialAsciiSettings = self.settings
        readings = Readings.empty(len(tags))
        fields = [self.addresses[tag.name].field or tag.name for tag in tags]
        started = time.monotonic()
        deadline = started + (self.device.timeout_s if s.request else self.period_s)
        try:
            port.timeout = READ_SLICE_S
            if s.request:
                port.reset_input_buffer()
                self._buffer.clear()
                port.write(s.request.encode(s.encoding))
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if remaining < READ_SLICE_S:
                    # Reconfiguring the port costs a tcsetattr: only for the last slice.
                    port.timeout = remaining
                chunk = port.read(max(1, port.in_waiting))
                if not chunk:
                    continue
                lines = self._split(chunk)
                for line in lines:
                    self._take_line(line, tags, fields, readings)
                if s.request and readings.requests:
                    break  # the answer is in
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceError("io", f"serial port {s.port}: {exc}") from None
        if readings.requests:
            self._last_valid = time.monotonic()
        elif s.request:
            raise DeviceError("timeout", f"no answer to {s.request!r} on {s.port}")
        elif s.stale_after_s and time.monotonic() - self._last_valid > s.stale_after_s:
            raise DeviceError("timeout", f"no valid line on {s.port} for {s.stale_after_s:g} s")
        return readings

    def _split(self, chunk: bytes) -> list[bytes]:
        """Complete lines in the buffer after adding ``chunk``; drops over-long lines."""
        self._buffer += chunk
        lines: list[bytes] = []
        limit = self.settings.max_line
        while True:
            end = self._buffer.find(self._terminator)
            if end < 0:
                if len(self._buffer) > limit + len(self._terminator):
                    if not self._skipping:
                        self.counters["overlong"] += 1
                    self._skipping = True
                    # Keep a tail that may hold the start of a terminator.
                    del self._buffer[: len(self._buffer) - len(self._terminator) + 1]
                return lines
            line = bytes(self._buffer[:end])
            del self._buffer[: end + len(self._terminator)]
            if self._skipping:
                self._skipping = False  # the end of a line already counted as over-long
                continue
            if len(line) > limit:
                self.counters["overlong"] += 1
                continue
            lines.append(line)

    def _take_line(
        self, raw: bytes, tags: Sequence[TagConfig], fields: list[str], readings: Readings
    ) -> None:
        s: SerialAsciiSettings = self.settings
        self.counters["lines"] += 1
        if s.checksum != "none":
            verified = self._verified(raw)
            if verified is None:
                self.counters["checksum"] += 1
                return
            raw = verified
        try:
            text = raw.decode(s.encoding)
        except UnicodeDecodeError:
            self.counters["undecodable"] += 1
            return
        match = self._regex.fullmatch(text.strip("\r\n"))
        if match is None:
            self.counters["garbage"] += 1
            log.debug("%s: skipped line %r", self.device.name, text[:80])
            return
        readings.requests += 1
        readings.timestamp = time.time()  # when the latest value arrived, not the period's end
        groups = match.groupdict()
        assert readings.fresh is not None
        for index, (tag, name) in enumerate(zip(tags, fields, strict=True)):
            value = groups.get(name)
            if value is None:
                continue
            readings.fresh[index] = True
            self._store(index, tag, value.strip(), readings)
        if s.scan_field and (serial_number := (groups.get(s.scan_field) or "").strip()):
            readings.events.append(
                Event(
                    timestamp=time.time(),
                    kind=EventKind.PART_SCANNED,
                    source=self.device.name,
                    source_title=self.device.display_name,
                    data={"serial": serial_number},
                )
            )

    def _verified(self, raw: bytes) -> bytes | None:
        s: SerialAsciiSettings = self.settings
        separator = s.checksum_separator.encode(s.encoding)
        payload, sep, digits = raw.rpartition(separator) if separator else (raw[:-2], b"", raw[-2:])
        if separator and not sep:
            return None
        try:
            expected = int(digits.strip(), 16)
        except ValueError:
            return None
        if line_checksum(payload[s.checksum_skip :], s.checksum) != expected:
            return None
        return payload

    @staticmethod
    def _store(index: int, tag: TagConfig, value: str, readings: Readings) -> None:
        readings.errors.pop(index, None)
        if tag.data_type == "string":
            readings.texts[index] = value
            readings.values[index] = np.nan
            return
        if tag.data_type == "bool":
            word = value.lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                readings.values[index] = float(word in TRUE_WORDS)
                return
        else:
            try:
                readings.values[index] = float(value.replace(" ", ""))
                return
            except ValueError:
                pass
        readings.values[index] = np.nan
        readings.errors[index] = f"not a {tag.data_type}: {value[:40]!r}"
