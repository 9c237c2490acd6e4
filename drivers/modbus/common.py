"""What Modbus TCP and RTU share: settings, read planning, exception isolation and decoding.

A :class:`ModbusDriver` turns a list of tags into a cached :class:`ReadPlan` (the fewest block
requests plus precomputed numpy gather indices), executes the blocks through the subclass's
:meth:`ModbusDriver._request`, and decodes every tag of a type/order group in one vector step.

An exception answer for a block is isolated by splitting the block in halves until only the
offending tags fail. "Illegal data address" (02) is remembered: the offending tags are left
out of later plans (and probed again every ``reprobe_s``), and both they and a gap between two
readable tags become holes that later blocks do not cover, so the next cycle is minimal again.
"""

from __future__ import annotations

import codecs
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, field_validator

from app.config import DeviceConfig, StrictModel, TagConfig
from drivers.base import DeviceError, Driver, Readings
from drivers.modbus.addressing import ModbusPoint, ModbusTag
from drivers.modbus.blocks import (
    BIT_TABLES,
    MAX_BITS,
    MAX_REGISTERS,
    Block,
    Span,
    plan_blocks,
    sub_block,
)
from drivers.modbus.codec import (
    EXACT_INTEGER_TYPES,
    decode_bits,
    decode_exact,
    decode_gathered,
    decode_string,
    gather_index,
)
from drivers.modbus.writes import as_bool, encode_raw

log = logging.getLogger(__name__)

EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}
#: Exception codes that concern only some addresses: worth splitting the block to isolate them.
ISOLATE_CODES = frozenset({2, 3, 4})
#: Exception codes that mean the device behind a gateway did not answer at all.
DEVICE_DOWN_CODES = frozenset({10, 11})


#: What one read request returns: uint16 registers or bools, as a numpy array (or a list).
BlockData = npt.NDArray[Any] | Sequence[int] | Sequence[bool]


def exception_reason(code: int) -> str:
    """``exception 02 (illegal data address)``."""
    return f"exception {code:02d} ({EXCEPTION_NAMES.get(code, 'unknown')})"


class ExceptionAnswer(Exception):
    """The device answered a request with a Modbus exception code."""

    def __init__(self, code: int) -> None:
        super().__init__(exception_reason(code))
        self.code = code


class BadAnswer(Exception):
    """An answer that cannot be used (bad CRC, wrong length, unit or function).

    The device is talking, so only the block concerned fails: it is retried once, then its
    tags go bad with ``kind`` (``crc`` or ``protocol``) as the reason; the cycle goes on.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ModbusSettings(StrictModel):
    """Connection settings common to every Modbus transport."""

    device_id: int = Field(default=1, ge=0, le=247)
    """Unit / slave id (0 broadcasts and gets no answer: only for gateways that ignore it)."""
    max_gap: int = Field(default=8, ge=0, le=MAX_REGISTERS - 1)
    """Unused registers worth reading through to save a request."""
    max_bit_gap: int = Field(default=128, ge=0, le=MAX_BITS - 1)
    """Unused coils / discrete inputs worth reading through to save a request."""
    max_block: int = Field(default=MAX_REGISTERS, ge=1, le=MAX_REGISTERS)
    """Most registers per request (some devices accept fewer than 125)."""
    max_bit_block: int = Field(default=MAX_BITS, ge=1, le=MAX_BITS)
    """Most coils / discrete inputs per request."""
    reprobe_s: float = Field(default=60.0, gt=0, le=86400)
    """How often a tag that answered "illegal data address" is tried again."""
    string_encoding: str = "latin-1"
    """Text encoding of string tags."""
    write_multiple: bool = False
    """Write with FC 15 / 16 even for one coil / register (devices without FC 5 / 6)."""

    @field_validator("string_encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown text encoding {value!r} (e.g. latin-1, utf-8, ascii)"
            ) from None
        if not isinstance(info, codecs.CodecInfo) or not getattr(info, "_is_text_encoding", 1):
            raise ValueError(f"{value!r} is not a text encoding")
        return value


@dataclass(slots=True)
class _Group:
    """Tags of one numeric type and order, decoded in one step."""

    data_type: str
    tag_index: npt.NDArray[np.intp]
    gather: npt.NDArray[np.intp]
    bits: npt.NDArray[np.int16] | None = None


@dataclass(slots=True)
class ReadPlan:
    """How to read one list of tags: blocks, buffer layout and decode groups."""

    count: int
    blocks: list[Block]
    block_offsets: list[int]
    register_size: int
    bit_size: int
    groups: list[_Group] = field(default_factory=list)
    bit_tags: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, np.intp))
    bit_positions: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, np.intp))
    strings: list[tuple[int, int, int, str]] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    """Tag index -> offset of its first register / bit in its buffer."""


@dataclass(slots=True)
class _Learned:
    """What exception answers taught about the device's map."""

    bad: dict[tuple[str, int, int], tuple[str, float]] = field(default_factory=dict)
    """(table, start, count) -> (reason, monotonic time to probe again)."""
    holes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """Gaps in the map between readable tags: table -> (start, end) ranges."""
    version: int = 0

    def holes_of(self, table: str) -> list[tuple[int, int]]:
        """Every range of ``table`` that a block must not cover."""
        bad = [(start, start + count) for (t, start, count) in self.bad if t == table]
        return self.holes.get(table, []) + bad


class ModbusDriver(Driver):
    """Base of the Modbus TCP and RTU drivers; subclasses provide the transport."""

    connection_model: ClassVar[type[BaseModel]] = ModbusSettings
    tag_model: ClassVar[type[BaseModel]] = ModbusTag

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        self.points = {
            tag.name: ModbusPoint.of(tag, self.addresses[tag.name]) for tag in device.tags
        }
        self._point_lists: dict[int, tuple[Sequence[TagConfig], list[ModbusPoint]]] = {}
        self._plans: dict[tuple[int, ...], tuple[int, Sequence[ModbusPoint], ReadPlan]] = {}
        self._last: tuple[int, Sequence[ModbusPoint], ReadPlan] | None = None
        self._learned = _Learned()
        self._requests = 0

    # -- config -------------------------------------------------------------------------------

    # -- transport (subclasses) -----------------------------------------------------------------

    def _request(self, table: str, start: int, count: int) -> BlockData:
        """One read request; raise :class:`ExceptionAnswer` or :class:`DeviceError`."""
        raise NotImplementedError

    def _write(self, function: int, address: int, values: list[int]) -> None:
        """One write request (FC 5, 6, 15, 16; coils as 0/1); raise like :meth:`_request`."""
        raise NotImplementedError

    # -- writing ------------------------------------------------------------------------------

    def write(self, config: TagConfig, raw: float | int | str | bool) -> None:
        """Write one tag: coils with FC 5, registers with FC 6 (one) or 16 (several).

        ``write_multiple`` uses FC 15 / 16 throughout. A bit of a holding register is written
        by reading the register, changing the bit and writing it back.
        """
        tag = self.points[config.name]
        if tag.table not in ("coil", "holding"):
            raise DeviceError("config", f"{tag.table} table is read-only; write coils or holding")
        multiple = self.settings.write_multiple
        try:
            if tag.table == "coil":
                self._write(15 if multiple else 5, tag.address, [int(as_bool(raw))])
                return
            if tag.data_type == "bool" and tag.bit is not None:
                current = int(self._checked_request(Block("holding", tag.address, 1, []))[0])
                mask = 1 << tag.bit
                word = current | mask if as_bool(raw) else current & ~mask
                registers = [word]
            else:
                registers = encode_raw(tag, raw, self.settings.string_encoding)
            function = 16 if multiple or len(registers) > 1 else 6
            self._write(function, tag.address, registers)
        except BadAnswer as bad:
            raise DeviceError(bad.kind, bad.message) from None
        except ExceptionAnswer as answer:
            raise DeviceError("exception", f"{self.device.name}: write refused: {answer}") from None

    # -- reading ----------------------------------------------------------------------------

    def _points_of(self, tags: Sequence[TagConfig]) -> list[ModbusPoint]:
        """The Modbus points of ``tags``; cached per list (the worker reuses its lists)."""
        cached = self._point_lists.get(id(tags))
        if cached is not None and cached[0] is tags:
            return cached[1]
        points = [self.points[tag.name] for tag in tags]
        self._point_lists[id(tags)] = (tags, points)
        return points

    def read(self, tags: Sequence[TagConfig]) -> Readings:
        points = self._points_of(tags)
        plan = self._plan_points(points)
        self._requests = 0
        registers = np.zeros(plan.register_size, dtype=np.uint16)
        bits = np.zeros(plan.bit_size, dtype=bool)
        errors = dict(plan.skipped)
        for block, offset in zip(plan.blocks, plan.block_offsets, strict=True):
            buffer: np.ndarray = bits if block.table in BIT_TABLES else registers
            self._read_block(block, offset, buffer, errors, points)
        readings = self._decode(plan, registers, bits, errors)
        readings.requests = self._requests
        return readings

    def plan(self, tags: Sequence[TagConfig]) -> ReadPlan:
        """The (cached) read plan of ``tags`` given what the device has taught so far."""
        return self._plan_points(self._points_of(tags))

    def _plan_points(self, tags: Sequence[ModbusPoint]) -> ReadPlan:
        self._expire_learned()
        version = self._learned.version
        # Fast path: the worker passes the same list object every cycle.
        last = self._last
        if (
            last is not None
            and last[1] is tags
            and last[0] == version
            and last[2].count == len(tags)
        ):
            return last[2]
        key = tuple(id(tag) for tag in tags)
        cached = self._plans.get(key)
        if cached is None or cached[0] != version:
            if len(self._plans) > 64:
                self._plans.clear()
            cached = self._plans[key] = (version, tags, self._make_plan(tags))
        # Keep the list itself so its id cannot be reused while cached.
        self._last = (version, tags, cached[2])
        return cached[2]

    def _make_plan(self, tags: Sequence[ModbusPoint]) -> ReadPlan:
        settings = self.settings
        by_table: dict[str, list[Span]] = {}
        skipped: dict[int, str] = {}
        for index, tag in enumerate(tags):
            count = 1 if tag.table in BIT_TABLES else tag.register_count
            bad = self._learned.bad.get((tag.table, tag.address, count))
            if bad is not None:
                skipped[index] = bad[0]
                continue
            by_table.setdefault(tag.table, []).append(Span(index, tag.address, count))
        blocks: list[Block] = []
        for table in ("coil", "discrete", "holding", "input"):
            spans = by_table.get(table)
            if not spans:
                continue
            bit_table = table in BIT_TABLES
            blocks += plan_blocks(
                table,
                spans,
                max_gap=settings.max_bit_gap if bit_table else settings.max_gap,
                max_block=settings.max_bit_block if bit_table else settings.max_block,
                holes=self._learned.holes_of(table),
            )
        offsets: list[int] = []
        register_size = bit_size = 0
        positions: dict[int, int] = {}
        for block in blocks:
            base = bit_size if block.table in BIT_TABLES else register_size
            offsets.append(base)
            for span in block.members:
                positions[span.index] = base + span.start - block.start
            if block.table in BIT_TABLES:
                bit_size += block.count
            else:
                register_size += block.count
        plan = ReadPlan(
            count=len(tags),
            blocks=blocks,
            block_offsets=offsets,
            register_size=register_size,
            bit_size=bit_size,
            skipped=skipped,
            positions=positions,
        )
        self._group(plan, tags)
        return plan

    def _group(self, plan: ReadPlan, tags: Sequence[ModbusPoint]) -> None:
        grouped: dict[tuple[str, str], list[int]] = {}
        bit_tags: list[int] = []
        for index, position in plan.positions.items():
            tag = tags[index]
            if tag.table in BIT_TABLES:
                bit_tags.append(index)
            elif tag.data_type == "string":
                plan.strings.append((index, 2 * position, tag.register_count, tag.byte_order))
            else:
                grouped.setdefault((tag.data_type, tag.byte_order), []).append(index)
        for (data_type, order), members in grouped.items():
            member_index = np.array(members, dtype=np.intp)
            byte_offsets = np.array([2 * plan.positions[i] for i in members], dtype=np.intp)
            size = 1 if data_type == "bool" else tags[members[0]].register_count
            group = _Group(data_type, member_index, gather_index(byte_offsets, size, order))
            if data_type == "bool":
                group.bits = np.array(
                    [-1 if tags[i].bit is None else tags[i].bit for i in members], dtype=np.int16
                )
            plan.groups.append(group)
        plan.bit_tags = np.array(bit_tags, dtype=np.intp)
        plan.bit_positions = np.array([plan.positions[i] for i in bit_tags], dtype=np.intp)

    def _read_block(
        self,
        block: Block,
        offset: int,
        buffer: np.ndarray,
        errors: dict[int, str],
        tags: Sequence[ModbusPoint],
    ) -> bool:
        """Read one block into ``buffer``; isolate exception answers. True if no tag failed."""
        try:
            data = self._checked_request(block)
        except BadAnswer as bad:
            for span in block.members:
                errors[span.index] = f"{bad.kind}: {bad.message}"
            return False
        except ExceptionAnswer as answer:
            if answer.code in DEVICE_DOWN_CODES:
                raise DeviceError("timeout", f"{self.device.name}: {answer}") from None
            if answer.code not in ISOLATE_CODES or len(block.members) == 1:
                for span in block.members:
                    errors[span.index] = str(answer)
                if answer.code in ISOLATE_CODES:
                    self._learn_bad(block, str(answer))
                return False
            middle = len(block.members) // 2
            halves = [block.members[:middle], block.members[middle:]]
            clean = True
            for members in halves:
                part = sub_block(block.table, members)
                clean &= self._read_block(
                    part, offset + part.start - block.start, buffer, errors, tags
                )
            if clean and answer.code == 2:
                # Each half reads fine on its own: the hole lies between them.
                left_end = max(span.end for span in halves[0])
                right_start = halves[1][0].start
                self._learn_hole(block.table, min(left_end, right_start), right_start)
            return False
        buffer[offset : offset + block.count] = data[: block.count]
        return True

    def _checked_request(self, block: Block) -> BlockData:
        """One block's data, exactly as long as asked; an unusable answer is retried once."""
        for attempt in (1, 2):
            try:
                data = self._request(block.table, block.start, block.count)
                expected = block.count
                if block.table in BIT_TABLES:
                    expected = (block.count + 7) // 8 * 8  # bits come in whole bytes
                if len(data) != expected:
                    raise BadAnswer(
                        "protocol",
                        f"{self.device.name}: asked {block.count} {block.table} values at "
                        f"{block.start}, got {len(data)}",
                    )
                return data
            except BadAnswer as bad:
                if attempt == 2:
                    raise
                log.debug("%s: %s; retrying once", self.device.name, bad)
        raise AssertionError("unreachable")

    def _decode(
        self, plan: ReadPlan, registers: np.ndarray, bits: np.ndarray, errors: dict[int, str]
    ) -> Readings:
        values = np.full(plan.count, np.nan)
        raw = registers.astype(">u2").view(np.uint8)
        integers: dict[int, int] = {}
        for group in plan.groups:
            decoded = decode_gathered(raw, group.gather, group.data_type)
            if group.data_type in EXACT_INTEGER_TYPES:
                exact = decode_exact(raw, group.gather, group.data_type)
                for index, number in zip(group.tag_index.tolist(), exact, strict=True):
                    if index not in errors:
                        integers[index] = number
            if group.bits is not None:
                decoded = decode_bits(decoded, group.bits)
            values[group.tag_index] = decoded
        if plan.bit_tags.size:
            values[plan.bit_tags] = bits[plan.bit_positions]
        texts: dict[int, str] = {}
        encoding = self.settings.string_encoding
        for index, byte_offset, length, order in plan.strings:
            if index in errors:
                continue
            try:
                texts[index] = decode_string(raw, byte_offset, length, order, encoding, "strict")
            except (UnicodeDecodeError, LookupError) as exc:  # one bad tag, never the device
                errors[index] = f"text is not {encoding}: {exc}"
        if errors:
            values[list(errors)] = np.nan
        return Readings(values=values, errors=errors, texts=texts, integers=integers)

    # -- learning -----------------------------------------------------------------------------

    def _learn_bad(self, block: Block, reason: str) -> None:
        key = (block.table, block.start, block.count)
        self._learned.bad[key] = (reason, time.monotonic() + self.settings.reprobe_s)
        self._learned.version += 1
        log.info(
            "%s: %s %d..%d: %s", self.device.name, block.table, block.start, block.end - 1, reason
        )

    def _learn_hole(self, table: str, start: int, end: int) -> None:
        # Overlapping halves (start == end) still must not share a block: widen to one address.
        hole = (start, max(end, start + 1))
        holes = self._learned.holes.setdefault(table, [])
        if hole not in holes:
            holes.append(hole)
            self._learned.version += 1

    def _expire_learned(self) -> None:
        if not self._learned.bad:
            return
        now = time.monotonic()
        expired = [key for key, (_, due) in self._learned.bad.items() if due <= now]
        for key in expired:
            del self._learned.bad[key]
        if expired:
            self._learned.version += 1

    def forget(self) -> None:
        """Drop everything learned about the device's map (e.g. after a firmware change)."""
        self._learned = _Learned(version=self._learned.version + 1)
