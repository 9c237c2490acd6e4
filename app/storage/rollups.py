"""Roll-ups: 1-minute and 1-hour aggregates, kept as compressed blocks.

An aggregate (a *bucket*) holds the samples, the good samples and the min, max and sum of the
good values of ``width`` seconds of one tag. A row of ``sample_rollups`` holds the buckets of one
tag, width and window (a UTC day of minutes, 32 days of hours) as one BLOB: each column coded
like a chunk's values (app/storage/chunk_codec.py), so a minute costs a few bytes, not a row.
The fold merges the buckets of new samples into the blocks (a bucket split across two folds is
summed), in the fold's transaction. Retention never deletes them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from app.model import FloatArray, Quality
from app.storage.chunk_codec import TagSamples, decode, encode
from app.storage.schema import sample_rollups

WIDTHS = (60, 3600)
WINDOWS = {60: 86_400, 3600: 32 * 86_400}
_COLUMNS = ("n", "n_good", "vmin", "vmax", "vsum")
_COUNT = struct.Struct("<I")


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
    """One BLOB of buckets: each column a chunk of the codec (counts exact, floats XOR coded;
    the min of a scaled register tag is counts too; max and sum are kept as their difference
    in bits from the min, nothing when a bucket holds one sample)."""
    zeros = np.zeros(len(b), np.uint8)
    parts = []
    for name in _COLUMNS:
        column = getattr(b, name)
        column_scale = (scale, offset) if name == "vmin" else (1.0, 0.0)
        if name in ("vmax", "vsum"):  # bits XOR the min's: a bucket of one sample costs nothing
            column = _xor(column, b.vmin)
        blob = encode(TagSamples(b.t, column, zeros), *column_scale, resolution_us=10**6)
        parts.append(_COUNT.pack(len(blob)) + blob)
    return b"".join(parts)


def decode_block(blob: bytes) -> Buckets:
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
    for width in WIDTHS:
        new = buckets_of(samples, width)
        if not len(new):
            continue
        window = WINDOWS[width]
        blocks = np.floor(new.t / window) * window
        starts = [int(x) for x in np.unique(blocks)]
        found = conn.execute(
            select(sample_rollups.c.t, sample_rollups.c.payload).where(
                sample_rollups.c.tag_id == tag_id,
                sample_rollups.c.width == width,
                sample_rollups.c.t.in_(starts),
            )
        ).all()
        existing = {int(t): decode_block(payload) for t, payload in found}
        if existing:
            conn.execute(
                delete(sample_rollups).where(
                    sample_rollups.c.tag_id == tag_id,
                    sample_rollups.c.width == width,
                    sample_rollups.c.t.in_(list(existing)),
                )
            )
        rows = []
        for start in starts:
            part = new.select(blocks == start)
            merged = Buckets.merge([existing.get(start, Buckets.empty()), part])
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
