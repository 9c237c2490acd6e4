"""The chunk format: one tag's samples of a time window as one compressed BLOB.

A chunk holds ``n`` samples of one tag, oldest first:

* timestamps as integer ticks (1 ms by default; the resolution is in the chunk's header),
  delta-of-delta coded (a steady poll gives zeros);
* values either as integer *counts* with the tag's ``scale`` and ``offset`` (``value = count *
  scale + offset``, checked bit-exact at encoding; a register value compresses far better than
  the scaled double), or as exact 64-bit integers, or as float64 XOR coded against the previous
  value (Gorilla's idea); a sample that fits the integer coding is marked in a bitmap, the others
  (bad samples, odd values) are kept as XOR coded doubles, so NaN payloads survive bit for bit;
* quality bytes, the reasons of non-good samples as runs, the texts of string tags.

Integers are zigzag coded, cut to the fewest bytes that hold the largest of them and byte
shuffled (all first bytes, then all second bytes ...), then the whole body is deflated once. All
numpy and zlib: no native extension. Timestamps are kept to the microsecond.

Format 2 (this one) adds a flags byte to the header. With :data:`FLAG_SHARED_TIMES` the chunk
has no time section: the tags read in one poll share their timestamps, so the fold stores their
time column once (:func:`encode_times`, a row of ``sample_times``) and each chunk refers to it;
:func:`decode` then takes that column. Format 1 chunks (always with their own times) still
decode.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from app.model import FloatArray, QualityArray

VERSION = 2
FLAG_SHARED_TIMES = 1  # the time column is stored once for several chunks (sample_times)
WAL_VERSION = 2
TIMES_VERSION = 1
KIND_FLOAT = 0  # XOR coded doubles only
KIND_COUNTS = 1  # integer counts with scale and offset (value = count * scale + offset)
KIND_EXACT = 2  # exact 64-bit integers (value is the integer; beyond 2**53 too)
KIND_DECIMAL = 3  # short decimals: value = count / 10**k (a CSV's or a gauge's "73.967322")
MAX_DECIMALS = 9
LEVEL = 6
_HEADER_V1 = struct.Struct("<BBIddI")  # version, kind, n, scale, offset, resolution (µs)
_HEADER = struct.Struct("<BBBIddI")  # version, kind, flags, n, scale, offset, resolution (µs)
_TIMES_HEADER = struct.Struct("<BII")  # version, n, resolution (µs)
RESOLUTION_US = 1000  # timestamps to the millisecond: poll jitter below it costs bytes
_SECTIONS = 8

Int64Array = npt.NDArray[np.int64]
V = TypeVar("V")


@dataclass(slots=True)
class TagSamples:
    """Samples of one tag, aligned arrays, oldest first.

    ``exact`` holds the exact integer value of 64-bit integer tags where they have one (beyond
    2**53 a float64 is not exact); ``reasons`` and ``texts`` map sample positions to strings.
    """

    ts: FloatArray
    values: FloatArray
    quality: QualityArray
    reasons: dict[int, str] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    exact: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @classmethod
    def empty(cls) -> TagSamples:
        return cls(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.uint8))

    def select(self, keep: npt.NDArray[np.bool_]) -> TagSamples:
        """The samples where ``keep`` is true."""
        if keep.all():
            return self
        return self.take(np.flatnonzero(keep))

    def take(self, positions: npt.NDArray[np.intp]) -> TagSamples:
        """The samples at ``positions`` (ascending)."""
        if not (self.reasons or self.texts or self.exact):
            return TagSamples(self.ts[positions], self.values[positions], self.quality[positions])
        return TagSamples(
            self.ts[positions],
            self.values[positions],
            self.quality[positions],
            _remap_sorted(self.reasons, positions),
            _remap_sorted(self.texts, positions),
            _remap_sorted(self.exact, positions),
        )

    @classmethod
    def concat(cls, parts: list[TagSamples]) -> TagSamples:
        """The parts one after the other."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        reasons: dict[int, str] = {}
        texts: dict[int, str] = {}
        exact: dict[int, int] = {}
        start = 0
        for part in parts:
            reasons.update({start + i: r for i, r in part.reasons.items()})
            texts.update({start + i: t for i, t in part.texts.items()})
            exact.update({start + i: x for i, x in part.exact.items()})
            start += len(part)
        return cls(
            np.concatenate([p.ts for p in parts]),
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.quality for p in parts]),
            reasons,
            texts,
            exact,
        )

    def sorted(self) -> TagSamples:
        """Oldest first (stable: samples of one time keep their order)."""
        if len(self) < 2 or bool(np.all(np.diff(self.ts) >= 0)):
            return self
        order = np.argsort(self.ts, kind="stable")
        renumber = {int(old): new for new, old in enumerate(order.tolist())}
        return TagSamples(
            self.ts[order],
            self.values[order],
            self.quality[order],
            _remap(self.reasons, renumber),
            _remap(self.texts, renumber),
            _remap(self.exact, renumber),
        )


def _remap(mapping: dict[int, V], renumber: dict[int, int]) -> dict[int, V]:
    return {renumber[i]: v for i, v in mapping.items() if i in renumber}


def _remap_sorted(mapping: dict[int, V], positions: npt.NDArray[np.intp]) -> dict[int, V]:
    """``mapping`` renumbered to the places of its keys in the ascending ``positions``."""
    if not mapping:
        return {}
    keys = np.fromiter(mapping, dtype=np.int64, count=len(mapping))
    at = np.searchsorted(positions, keys)
    inside = at < positions.shape[0]
    hit = np.zeros(keys.shape[0], dtype=bool)
    hit[inside] = positions[at[inside]] == keys[inside]
    return {int(at[i]): mapping[int(keys[i])] for i in np.flatnonzero(hit).tolist()}


# -- integer and float packing ------------------------------------------------------------------


def _zigzag(a: Int64Array) -> npt.NDArray[np.uint64]:
    return ((a << 1) ^ (a >> 63)).view(np.uint64)


def _unzigzag(u: npt.NDArray[np.uint64]) -> Int64Array:
    return ((u >> np.uint64(1)).view(np.int64)) ^ -((u & np.uint64(1)).view(np.int64))


def _shuffle(u: npt.NDArray[np.uint64]) -> bytes:
    """Width byte, then the low ``width`` bytes of each value, byte-plane by byte-plane."""
    if u.size == 0:
        return b"\x00"
    top = int(u.max())
    width = max(1, (top.bit_length() + 7) // 8)
    planes = u.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :width]
    return bytes([width]) + np.ascontiguousarray(planes.T).tobytes()


def _unshuffle(data: memoryview, n: int) -> tuple[npt.NDArray[np.uint64], int]:
    """The values of :func:`_shuffle` and the number of bytes read."""
    width = data[0]
    if n == 0:
        return np.zeros(0, dtype=np.uint64), 1
    planes = np.frombuffer(data[1 : 1 + width * n], dtype=np.uint8).reshape(width, n)
    full = np.zeros((n, 8), dtype=np.uint8)
    full[:, :width] = planes.T
    return full.view("<u8").reshape(n).astype(np.uint64), 1 + width * n


def _delta(a: Int64Array, order: int) -> Int64Array:
    for _ in range(order):
        a = np.diff(a, prepend=np.int64(0))
    return a


def _undelta(a: Int64Array, order: int) -> Int64Array:
    for _ in range(order):
        a = np.cumsum(a, dtype=np.int64)
    return a


def pack_ints(a: Int64Array) -> bytes:
    """Integers delta coded (order 1 or 2, whichever needs fewer bytes), zigzag, shuffled."""
    with np.errstate(over="ignore"):
        first = _zigzag(_delta(a, 1))
        second = _zigzag(_delta(a, 2))
    if a.size and int(second.max()) < int(first.max()):
        return b"\x02" + _shuffle(second)
    return b"\x01" + _shuffle(first)


def unpack_ints(data: memoryview, n: int) -> tuple[Int64Array, int]:
    order = data[0]
    u, used = _unshuffle(data[1:], n)
    with np.errstate(over="ignore"):
        return _undelta(_unzigzag(u), order), 1 + used


def pack_floats(values: FloatArray) -> bytes:
    """Doubles XOR coded against the previous one (bit exact, NaN payloads too), shuffled.

    Values that are all float32 (a float register) are XOR coded as float32: half the bytes.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        single = values.astype(np.float32)
    if np.array_equal(single.astype(np.float64).view(np.uint64), values.view(np.uint64)):
        bits = single.view(np.uint32).astype(np.uint64)
        marker = b"\x04"
    else:
        bits = values.view(np.uint64)
        marker = b"\x08"
    xored = bits.copy()
    xored[1:] ^= bits[:-1]
    return marker + _shuffle(xored)


def unpack_floats(data: memoryview, n: int) -> tuple[FloatArray, int]:
    xored, used = _unshuffle(data[1:], n)
    bits = np.bitwise_xor.accumulate(xored) if n else xored
    if data[0] == 4:
        return bits.astype(np.uint32).view(np.float32).astype(np.float64), used + 1
    return bits.view(np.float64), used + 1


# -- the chunk -----------------------------------------------------------------------------------


def ticks(ts: FloatArray, resolution_us: int = RESOLUTION_US) -> Int64Array:
    """Epoch seconds to integer ticks of ``resolution_us`` microseconds."""
    return np.round(np.asarray(ts, dtype=np.float64) * (1e6 / resolution_us)).astype(np.int64)


def _count_coded(
    values: FloatArray, scale: float, offset: float
) -> tuple[npt.NDArray[np.bool_], Int64Array]:
    """Which values are ``count * scale + offset`` bit for bit, and the counts."""
    with np.errstate(all="ignore"):
        guess = np.round((values - offset) / scale) if scale != 0 else np.zeros_like(values)
        fits = np.isfinite(guess) & (np.abs(guess) < 2.0**53)
        guess = np.where(fits, guess, 0.0)
        again = guess * scale + offset
    fits &= again.view(np.uint64) == np.asarray(values, dtype=np.float64).view(np.uint64)
    return fits, guess.astype(np.int64)


def _decimal_coded(
    values: FloatArray,
) -> tuple[npt.NDArray[np.bool_], Int64Array, float] | None:
    """The fewest decimals ``k`` with which ``count / 10**k`` gives back the finite values bit
    for bit (division by an exact power of ten rounds as parsing the decimal text does)."""
    finite = np.isfinite(values) & (np.abs(values) < 2.0**53 / 10**MAX_DECIMALS)
    if not finite.any():
        return None
    sample = values[finite]
    probe = sample[:16]  # a k that fails on a few values fails on all: try those first (cheap)
    for k in range(MAX_DECIMALS + 1):
        power = float(10**k)
        with np.errstate(all="ignore"):
            back = np.round(probe * power) / power
            if not np.array_equal(back.view(np.uint64), probe.view(np.uint64)):
                continue
            counts = np.round(sample * power).astype(np.int64)
            exact = (counts.astype(np.float64) / power).view(np.uint64) == sample.view(np.uint64)
        if exact.all():
            fits = finite.copy()
            ints = np.zeros(values.shape[0], dtype=np.int64)
            ints[finite] = counts
            return fits, ints, power
    return None


def encode_times(ts: FloatArray, resolution_us: int = RESOLUTION_US) -> bytes:
    """A time column stored once for the chunks that share it (:data:`FLAG_SHARED_TIMES`)."""
    stamps = pack_ints(ticks(ts, resolution_us))
    return _TIMES_HEADER.pack(TIMES_VERSION, len(ts), resolution_us) + zlib.compress(stamps, LEVEL)


def decode_times(blob: bytes) -> FloatArray:
    """The timestamps of :func:`encode_times`."""
    version, n, resolution_us = _TIMES_HEADER.unpack_from(blob)
    if version != TIMES_VERSION:
        raise ValueError(f"time column format version {version} is not known")
    stamps, _ = unpack_ints(memoryview(zlib.decompress(memoryview(blob)[_TIMES_HEADER.size :])), n)
    return stamps / (1e6 / resolution_us)


def encode(
    samples: TagSamples,
    scale: float = 1.0,
    offset: float = 0.0,
    resolution_us: int = RESOLUTION_US,
    *,
    shared_times: bool = False,
) -> bytes:
    """One chunk's BLOB (``scale``/``offset``: the tag's, if its values are scaled counts);
    ``shared_times``: leave the time column out (stored once, :func:`encode_times`)."""
    n = len(samples)
    values = np.ascontiguousarray(samples.values, dtype=np.float64)
    if samples.exact:
        kind = KIND_EXACT
        scale, offset = 1.0, 0.0
        fits = np.zeros(n, dtype=bool)
        ints = np.zeros(n, dtype=np.int64)
        unsigned = np.zeros(n, dtype=bool)
        for i, x in samples.exact.items():
            fits[i] = True
            ints[i] = x if x < 2**63 else x - 2**64
            unsigned[i] = x >= 2**63
        extra = np.packbits(unsigned).tobytes() if unsigned.any() else b""
    else:
        fits, ints = _count_coded(values, scale, offset)
        if not fits.any() and (scale, offset) != (1.0, 0.0):
            scale, offset = 1.0, 0.0
            fits, ints = _count_coded(values, scale, offset)
        kind = KIND_COUNTS if fits.any() else KIND_FLOAT
        if n and fits.mean() < 0.9:
            decimal = _decimal_coded(values)
            if decimal is not None and decimal[0].sum() > fits.sum():
                kind = KIND_DECIMAL
                fits, ints, scale = decimal
                offset = 0.0
        extra = b""
    sections = [
        b"" if shared_times else pack_ints(ticks(samples.ts, resolution_us)),
        np.packbits(fits).tobytes() if kind != KIND_FLOAT else b"",
        pack_ints(ints[fits]) if kind != KIND_FLOAT else b"",
        pack_floats(values[~fits]),
        np.ascontiguousarray(samples.quality, dtype=np.uint8).tobytes(),
        _runs(samples.reasons, n),
        json.dumps(sorted(samples.texts.items())).encode() if samples.texts else b"",
        extra,
    ]
    lengths = struct.pack(f"<{_SECTIONS}I", *(len(s) for s in sections))
    body = zlib.compress(lengths + b"".join(sections), LEVEL)
    flags = FLAG_SHARED_TIMES if shared_times else 0
    return _HEADER.pack(VERSION, kind, flags, n, scale, offset, resolution_us) + body


def decode(blob: bytes, times: bytes | FloatArray | None = None) -> TagSamples:
    """The samples of a chunk BLOB (``times``: its shared time column, if it has one, as
    :func:`encode_times` made it or already decoded)."""
    version = blob[0]
    if version == 1:
        _, kind, n, scale, offset, resolution_us = _HEADER_V1.unpack_from(blob)
        flags, size = 0, _HEADER_V1.size
    elif version == VERSION:
        _, kind, flags, n, scale, offset, resolution_us = _HEADER.unpack_from(blob)
        size = _HEADER.size
    else:
        raise ValueError(f"chunk format version {version} is not known")
    body = memoryview(zlib.decompress(memoryview(blob)[size:]))
    lengths = struct.unpack_from(f"<{_SECTIONS}I", body)
    parts: list[memoryview] = []
    at = 4 * _SECTIONS
    for length in lengths:
        parts.append(body[at : at + length])
        at += length
    if flags & FLAG_SHARED_TIMES:
        if times is None:
            raise ValueError("the chunk's shared time column is missing")
        ts = times if isinstance(times, np.ndarray) else decode_times(times)
        if ts.shape[0] != n:
            raise ValueError(f"a shared time column of {ts.shape[0]} times for {n} samples")
    else:
        stamps, _ = unpack_ints(parts[0], n)
        ts = stamps / (1e6 / resolution_us)
    quality = np.frombuffer(parts[4], dtype=np.uint8).copy()
    exact: dict[int, int] = {}
    if kind == KIND_FLOAT:
        values, _ = unpack_floats(parts[3], n)
        values = values.copy()
    else:
        fits = np.unpackbits(np.frombuffer(parts[1], dtype=np.uint8), count=n).astype(bool)
        ints, _ = unpack_ints(parts[2], int(fits.sum()))
        others, _ = unpack_floats(parts[3], n - int(fits.sum()))
        values = np.empty(n, dtype=np.float64)
        values[~fits] = others
        if kind == KIND_COUNTS:
            values[fits] = ints.astype(np.float64) * scale + offset
        elif kind == KIND_DECIMAL:
            values[fits] = ints.astype(np.float64) / scale
        else:
            unsigned = np.zeros(n, dtype=bool)
            if len(parts[7]):
                unsigned = np.unpackbits(np.frombuffer(parts[7], np.uint8), count=n).astype(bool)
            positions = np.flatnonzero(fits)
            for pos, x in zip(positions.tolist(), ints.tolist(), strict=True):
                exact[pos] = x + 2**64 if unsigned[pos] else x
            values[fits] = ints.astype(np.float64)
            if unsigned.any():
                values[unsigned] = ints[unsigned[fits]].view(np.uint64).astype(np.float64)
    texts = {int(i): str(t) for i, t in json.loads(bytes(parts[6]))} if len(parts[6]) else {}
    return TagSamples(ts, values, quality, _unruns(parts[5]), texts, exact)


def _runs(reasons: dict[int, str], n: int) -> bytes:
    """Reasons as runs ``[start, count, reason]`` (a device down for an hour: one run)."""
    if not reasons:
        return b""
    runs: list[list[object]] = []
    for i in sorted(reasons):
        reason = reasons[i]
        last = runs[-1] if runs else None
        if last is not None and last[2] == reason and last[0] + last[1] == i:  # type: ignore[operator]
            last[1] += 1  # type: ignore[operator]
        else:
            runs.append([i, 1, reason])
    return json.dumps(runs).encode()


def _unruns(data: memoryview) -> dict[int, str]:
    if not len(data):
        return {}
    reasons: dict[int, str] = {}
    for start, count, reason in json.loads(bytes(data)):
        for i in range(start, start + count):
            reasons[i] = reason
    return reasons


# -- the write-ahead rows: every tag's samples of one flush, exact, lightly compressed ----------

_WAL_HEADER = struct.Struct("<BI")  # version, n
_WAL_LENGTHS = struct.Struct("<5I")  # format 2: the deflated sizes of its five columns


@dataclass(slots=True)
class Rows:
    """Samples of several tags (database tag ids), aligned arrays; the maps key positions."""

    tag_ids: npt.NDArray[np.int64]
    samples: TagSamples

    def __len__(self) -> int:
        return int(self.tag_ids.shape[0])

    def split(self) -> dict[int, TagSamples]:
        """Each tag's samples, oldest first."""
        result: dict[int, TagSamples] = {}
        if not len(self):
            return result
        order = np.argsort(self.tag_ids, kind="stable")
        ids = self.tag_ids[order]
        cuts = np.flatnonzero(np.diff(ids)) + 1
        starts = [0, *cuts.tolist()]
        ends = [*cuts.tolist(), len(ids)]
        for start, end in zip(starts, ends, strict=True):
            result[int(ids[start])] = self.samples.take(order[start:end]).sorted()
        return result


def encode_rows(rows: Rows) -> bytes:
    """A write-ahead BLOB: exact float64 times and values (folding codes them). Format 2: each
    column deflated on its own (three times faster than the whole body, and smaller), tag ids
    as 32-bit integers."""
    s = rows.samples
    extra = b""
    if s.reasons or s.texts or s.exact:
        extra = json.dumps(
            [sorted(s.reasons.items()), sorted(s.texts.items()), sorted(s.exact.items())]
        ).encode()
    ids = np.ascontiguousarray(rows.tag_ids, dtype=np.int64)
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= 2**31):
        raise ValueError("a tag id does not fit the write-ahead format")
    sections = [
        zlib.compress(ids.astype("<i4").tobytes(), 1),
        zlib.compress(np.ascontiguousarray(s.ts, dtype="<f8").tobytes(), 1),
        zlib.compress(np.ascontiguousarray(s.values, dtype="<f8").tobytes(), 1),
        zlib.compress(np.ascontiguousarray(s.quality, dtype=np.uint8).tobytes(), 1),
        zlib.compress(extra, 1) if extra else b"",
    ]
    lengths = _WAL_LENGTHS.pack(*(len(x) for x in sections))
    return _WAL_HEADER.pack(WAL_VERSION, len(rows)) + lengths + b"".join(sections)


def decode_rows(blob: bytes) -> Rows:
    version, n = _WAL_HEADER.unpack_from(blob)
    if version == 1:
        return _decode_rows_v1(blob, n)
    if version != WAL_VERSION:
        raise ValueError(f"write-ahead format version {version} is not known")
    view = memoryview(blob)
    lengths = _WAL_LENGTHS.unpack_from(view, _WAL_HEADER.size)
    at = _WAL_HEADER.size + _WAL_LENGTHS.size
    parts: list[bytes] = []
    for length in lengths:
        parts.append(zlib.decompress(view[at : at + length]) if length else b"")
        at += length
    tag_ids = np.frombuffer(parts[0], "<i4", n).astype(np.int64)
    ts = np.frombuffer(parts[1], "<f8", n).copy()
    values = np.frombuffer(parts[2], "<f8", n).copy()
    quality = np.frombuffer(parts[3], np.uint8, n).copy()
    return Rows(tag_ids, TagSamples(ts, values, quality, *_extra(parts[4])))


def _extra(data: bytes) -> tuple[dict[int, str], dict[int, str], dict[int, int]]:
    """Reasons, texts and exact integers of a write-ahead row (JSON; empty: none)."""
    if not data:
        return {}, {}, {}
    r, t, x = json.loads(data)
    return (
        {int(i): str(v) for i, v in r},
        {int(i): str(v) for i, v in t},
        {int(i): int(v) for i, v in x},
    )


def _decode_rows_v1(blob: bytes, n: int) -> Rows:
    """A write-ahead BLOB of format 1: one deflated body, tag ids as 64-bit integers."""
    body = zlib.decompress(memoryview(blob)[_WAL_HEADER.size :])
    tag_ids = np.frombuffer(body, "<i8", n, 0).astype(np.int64)
    ts = np.frombuffer(body, "<f8", n, 8 * n).copy()
    values = np.frombuffer(body, "<f8", n, 16 * n).copy()
    quality = np.frombuffer(body, np.uint8, n, 24 * n).copy()
    return Rows(tag_ids, TagSamples(ts, values, quality, *_extra(body[25 * n :])))
