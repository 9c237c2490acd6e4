"""Roll-ups: 1-minute and 1-hour aggregates, kept as compressed blocks.

An aggregate (a *bucket*) holds the samples, the good samples and the min, max and sum of the
good values of ``width`` seconds of one tag. A row of ``sample_rollups`` holds the buckets of one
tag, width and window (a UTC day of minutes, 32 days of hours) as one BLOB, so a minute costs a
few bytes, not a row. Block format 2 (from :data:`BLOCK_V2`): the minimum coded as a chunk's
values (app/storage/chunk_codec.py; counts where the tag's scale fits) without times, then one
deflated body of the bucket starts, counts and good counts (delta coded integers) and the max
and sum as their bits XOR the minimum's (nothing when a bucket holds one sample). Format 1
blocks (a full chunk per column) still decode. The fold merges the buckets of new samples into
the blocks of every tag at once (a bucket split across two folds is summed), a few statements
per fold step, in the fold's transaction. Retention never deletes them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, bindparam, delete, insert, select

from app.model import FloatArray, Quality
from app.storage.chunk_codec import (
    TagSamples,
    decode,
    encode,
    pack_floats,
    pack_ints,
    unpack_floats,
    unpack_ints,
)
from app.storage.schema import sample_rollups

WIDTHS = (60, 3600)
WINDOWS = {60: 86_400, 3600: 32 * 86_400}
_COLUMNS = ("n", "n_good", "vmin", "vmax", "vsum")
_COUNT = struct.Struct("<I")
BLOCK_V2 = b"\xffRB2"  # as a format 1 block's first column length: 843 MB, never seen
_IN_LIST = 500  # ids per IN (...) list


@dataclass(slots=True)
class Buckets:
    """Aggregates of one tag and width, oldest first: ``t`` is each bucket's start. ``vmin``,
    ``vmax`` and ``vsum`` are NaN where no sample was good."""

    t: FloatArray
    n: FloatArray
    n_good: FloatArray
    vmin: FloatArray
    vmax: FloatArray
    vsum: FloatArray

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def mean(self) -> FloatArray:
        with np.errstate(all="ignore"):
            return self.vsum / self.n_good

    @property
    def good_fraction(self) -> FloatArray:
        return self.n_good / np.maximum(self.n, 1)

    @classmethod
    def empty(cls) -> Buckets:
        z = np.zeros(0)
        return cls(z, z, z, z, z, z)

    def select(self, keep: np.ndarray) -> Buckets:
        return Buckets(*(getattr(self, name)[keep] for name in ("t", *_COLUMNS)))

    @classmethod
    def merge(cls, parts: list[Buckets]) -> Buckets:
        """One series of the parts; buckets of the same start are combined."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        names = ("t", *_COLUMNS)
        cols = {name: np.concatenate([getattr(p, name) for p in parts]) for name in names}
        order = np.argsort(cols["t"], kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        t = cols["t"]
        if t.size < 2 or np.all(np.diff(t) > 0):
            return cls(**cols)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(t)) + 1])
        some = np.add.reduceat((~np.isnan(cols["vsum"])).astype(np.int64), starts) > 0
        vsum = np.add.reduceat(np.nan_to_num(cols["vsum"], nan=0.0), starts)
        with np.errstate(invalid="ignore"):
            return cls(
                t[starts],
                np.add.reduceat(cols["n"], starts),
                np.add.reduceat(cols["n_good"], starts),
                np.fmin.reduceat(cols["vmin"], starts),
                np.fmax.reduceat(cols["vmax"], starts),
                np.where(some, vsum, np.nan),
            )


def buckets_of(samples: TagSamples, width: int) -> Buckets:
    """The aggregates of ``width`` seconds of one tag's samples (oldest first)."""
    if not len(samples):
        return Buckets.empty()
    good = samples.quality == int(Quality.GOOD)
    usable = good & np.isfinite(samples.values)  # a good string sample has no number
    values = np.where(usable, samples.values, np.nan)
    bucket = np.floor(samples.ts / width) * width
    starts = np.concatenate([[0], np.flatnonzero(np.diff(bucket)) + 1])
    n = np.diff(np.append(starts, len(bucket))).astype(np.float64)
    some = np.add.reduceat(usable.astype(np.int64), starts) > 0
    with np.errstate(invalid="ignore", over="ignore"):
        vmin = np.fmin.reduceat(values, starts)
        vmax = np.fmax.reduceat(values, starts)
        vsum = np.add.reduceat(np.where(usable, samples.values, 0.0), starts)
    return Buckets(
        bucket[starts],
        n,
        np.add.reduceat(good.astype(np.float64), starts),
        vmin,
        vmax,
        np.where(some, vsum, np.nan),
    )


def encode_block(b: Buckets, scale: float = 1.0, offset: float = 0.0) -> bytes:
    """One BLOB of buckets (format 2, see the module's docstring)."""
    zeros = np.zeros(len(b), np.uint8)
    vmin = encode(TagSamples(b.t, b.vmin, zeros), scale, offset, 10**6, shared_times=True)
    body = b"".join(
        [
            _COUNT.pack(len(b)),
            pack_ints(b.t.astype(np.int64)),  # whole seconds: width is 60 or 3600
            pack_ints(b.n.astype(np.int64)),
            pack_ints(b.n_good.astype(np.int64)),
            pack_floats(_xor(b.vmax, b.vmin)),
            pack_floats(_xor(b.vsum, b.vmin)),
        ]
    )
    return BLOCK_V2 + _COUNT.pack(len(vmin)) + vmin + zlib.compress(body, 6)


def decode_block(blob: bytes) -> Buckets:
    if blob[:4] == BLOCK_V2:
        (length,) = _COUNT.unpack_from(blob, 4)
        vmin_blob = blob[8 : 8 + length]
        body = memoryview(zlib.decompress(blob[8 + length :]))
        (n,) = _COUNT.unpack_from(body, 0)
        at = _COUNT.size
        ints = []
        for _ in range(3):
            column, used = unpack_ints(body[at:], n)
            ints.append(column.astype(np.float64))
            at += used
        xmax, used = unpack_floats(body[at:], n)
        xsum, _ = unpack_floats(body[at + used :], n)
        t, count, good = ints
        vmin = decode(vmin_blob, t).values
        return Buckets(t, count, good, vmin, _xor(xmax, vmin), _xor(xsum, vmin))
    return _decode_block_v1(blob)


def _decode_block_v1(blob: bytes) -> Buckets:
    """A block of format 1: each column a full chunk (times included)."""
    view = memoryview(blob)
    at = 0
    cols: dict[str, FloatArray] = {}
    t = np.zeros(0)
    for name in _COLUMNS:
        (length,) = _COUNT.unpack_from(view, at)
        part = decode(bytes(view[at + 4 : at + 4 + length]))
        at += 4 + length
        cols[name] = part.values
        t = part.ts
    cols["vmax"] = _xor(cols["vmax"], cols["vmin"])
    cols["vsum"] = _xor(cols["vsum"], cols["vmin"])
    return Buckets(t, **cols)


def _xor(a: FloatArray, b: FloatArray) -> FloatArray:
    """The bits of ``a`` XOR those of ``b`` (zero where they are equal), as float64."""
    a64 = np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)
    b64 = np.ascontiguousarray(b, dtype=np.float64).view(np.uint64)
    return (a64 ^ b64).view(np.float64)


def add_samples(
    conn: Connection, tag_id: int, samples: TagSamples, scale: float = 1.0, offset: float = 0.0
) -> None:
    """Merge the buckets of ``samples`` into the tag's blocks, in the open transaction."""
    add_many(conn, [(tag_id, samples, scale, offset)])


def add_many(conn: Connection, items: Sequence[tuple[int, TagSamples, float, float]]) -> None:
    """Merge the buckets of each ``(tag_id, samples, scale, offset)`` into the tags' blocks, in
    the open transaction: per width one read, one delete and one insert for every tag."""
    for width in WIDTHS:
        window = WINDOWS[width]
        new: dict[tuple[int, int], tuple[Buckets, float, float]] = {}
        for tag_id, samples, scale, offset in items:
            buckets = buckets_of(samples, width)
            if not len(buckets):
                continue
            blocks = np.floor(buckets.t / window) * window
            for start in np.unique(blocks).tolist():
                new[(tag_id, int(start))] = (buckets.select(blocks == start), scale, offset)
        if not new:
            continue
        tag_ids = sorted({tag for tag, _ in new})
        starts = sorted({start for _, start in new})
        existing: dict[tuple[int, int], Buckets] = {}
        for at in range(0, len(tag_ids), _IN_LIST):
            found = conn.execute(
                select(sample_rollups.c.tag_id, sample_rollups.c.t, sample_rollups.c.payload).where(
                    sample_rollups.c.width == width,
                    sample_rollups.c.tag_id.in_(tag_ids[at : at + _IN_LIST]),
                    sample_rollups.c.t.in_(starts),
                )
            ).all()
            for tag, t, payload in found:
                if (int(tag), int(t)) in new:
                    existing[(int(tag), int(t))] = decode_block(payload)
        if existing:
            conn.execute(
                delete(sample_rollups).where(
                    sample_rollups.c.tag_id == bindparam("b_tag"),
                    sample_rollups.c.width == width,
                    sample_rollups.c.t == bindparam("b_t"),
                ),
                [{"b_tag": tag, "b_t": t} for tag, t in existing],
            )
        rows = []
        for (tag_id, start), (part, scale, offset) in new.items():
            merged = Buckets.merge([existing.get((tag_id, start), Buckets.empty()), part])
            rows.append(
                {
                    "tag_id": tag_id,
                    "width": width,
                    "t": start,
                    "n": len(merged),
                    "payload": encode_block(merged, scale, offset),
                }
            )
        conn.execute(insert(sample_rollups), rows)


def read_buckets(
    conn: Connection, tag_id: int, width: int, t0: float | None = None, t1: float | None = None
) -> Buckets:
    """The tag's buckets of ``width`` whose start lies in ``[t0, t1]``, oldest first."""
    query = select(sample_rollups.c.payload).where(
        sample_rollups.c.tag_id == tag_id, sample_rollups.c.width == width
    )
    window = WINDOWS[width]
    if t0 is not None:
        query = query.where(sample_rollups.c.t >= int(np.floor(t0 / window) * window))
    if t1 is not None:
        query = query.where(sample_rollups.c.t <= t1)
    blocks = [decode_block(p) for (p,) in conn.execute(query.order_by(sample_rollups.c.t))]
    every = Buckets.merge(blocks)
    keep = np.ones(len(every), dtype=bool)
    if t0 is not None:
        keep &= every.t >= np.floor(t0 / width) * width
    if t1 is not None:
        keep &= every.t <= t1
    return every.select(keep)
