"""Reading history for a trend: ``(tag, t0, t1, max_points)`` to a min/max-preserving series.

The span decides the source. When a point stands for less than a minute the raw chunks are
read and each bucket keeps its smallest and largest good sample (in time order), so a spike
never disappears when zoomed out; otherwise the 1-minute or 1-hour roll-ups give each bucket its
min and max, plus the samples still in the write-ahead table (not rolled up yet). Where raw
chunks have been pruned (retention) the roll-ups fill in, so the series has no hole. Run it on
the gateway's ``db-reader`` thread (:meth:`DatabaseGateway.read`), never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, literal, select, union_all

from app.model import FloatArray, Quality
from app.storage.chunk_codec import TagSamples, decode_rows
from app.storage.rollups import WINDOWS, Buckets, decode_block
from app.storage.samples import SampleStore
from app.storage.schema import sample_chunks, sample_rollups, sample_wal

RAW_BELOW_S = 60.0  # a point standing for less than this: raw samples
HOUR_FROM_S = 3600.0  # a point standing for at least this: hourly roll-ups


@dataclass(frozen=True, slots=True)
class HistorySeries:
    """Points to draw, oldest first; a NaN value is a gap (no good sample there)."""

    tag: str
    t: FloatArray
    values: FloatArray
    source: str
    """``raw``, ``1m`` or ``1h`` (roll-ups), ``1m+raw`` where pruned raw data was filled in."""

    def __len__(self) -> int:
        return int(self.t.shape[0])


def query(
    store: SampleStore, tag: str, t0: float, t1: float, max_points: int = 2000
) -> HistorySeries:
    """At most about ``max_points`` points of ``tag`` between ``t0`` and ``t1``."""
    empty = HistorySeries(tag, np.zeros(0), np.zeros(0), "raw")
    tag_id = store.tag_id(tag)
    if tag_id is None or t1 <= t0:
        return empty
    buckets = max(1, max_points // 2)
    width = (t1 - t0) / buckets
    if width < RAW_BELOW_S:
        raw_from = raw_start(store, tag_id)
        if raw_from is not None and raw_from <= t0:
            t, v = decimate(store.samples(tag_id, t0, t1), t0, t1, buckets)
            return HistorySeries(tag, t, v, "raw")
        if raw_from is None:  # no chunk: roll-ups (if any) and the write-ahead samples
            t, v = rollup_points(store, tag_id, 60, t0, t1, width)
            return HistorySeries(tag, t, v, "1m" if has_rollups(store, tag_id) else "raw")
        # Older raw data was pruned: the roll-ups before, the raw samples after.
        head_t, head_v = rollup_points(store, tag_id, 60, t0, min(raw_from, t1), width)
        t, v = decimate(store.samples(tag_id, raw_from, t1), raw_from, t1, buckets)
        return HistorySeries(
            tag, np.concatenate([head_t, t]), np.concatenate([head_v, v]), "1m+raw"
        )
    level = 3600 if width >= HOUR_FROM_S else 60
    t, v = rollup_points(store, tag_id, level, t0, t1, width)
    return HistorySeries(tag, t, v, "1h" if level == 3600 else "1m")


def raw_start(store: SampleStore, tag_id: int) -> float | None:
    """The time of the oldest raw sample of a tag (chunks; None: no chunk)."""
    with store.db.connect() as conn:
        found = conn.execute(
            select(func.min(sample_chunks.c.t_start)).where(sample_chunks.c.tag_id == tag_id)
        ).scalar()
    return None if found is None else float(found)


def has_rollups(store: SampleStore, tag_id: int) -> bool:
    with store.db.connect() as conn:
        found = conn.execute(
            select(sample_rollups.c.t).where(sample_rollups.c.tag_id == tag_id).limit(1)
        ).first()
    return found is not None


def decimate(
    samples: TagSamples, t0: float, t1: float, buckets: int
) -> tuple[FloatArray, FloatArray]:
    """Each bucket's smallest and largest good value in time order; a bucket with samples but
    no good value gives one NaN (a gap). Short series come back whole."""
    good = (samples.quality == int(Quality.GOOD)) & np.isfinite(samples.values)
    values = np.where(good, samples.values, np.nan)
    if len(samples) <= 2 * buckets:
        return samples.ts.copy(), values
    width = (t1 - t0) / buckets
    group = np.clip(((samples.ts - t0) / width).astype(np.int64), 0, buckets - 1)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1])
    ids = group[starts]
    with np.errstate(invalid="ignore"):
        lows = np.fmin.reduceat(values, starts)
        highs = np.fmax.reduceat(values, starts)
    where = np.repeat(np.arange(starts.shape[0]), np.diff(np.append(starts, len(group))))
    picks: list[np.ndarray] = []
    for extreme in (lows, highs):
        hit = np.flatnonzero(values == extreme[where])
        _, first = np.unique(where[hit], return_index=True)
        picks.append(hit[first])
    chosen = np.unique(np.concatenate(picks))
    t = samples.ts[chosen]
    v = values[chosen]
    gaps = np.flatnonzero(np.isnan(lows))
    if gaps.size:
        t = np.concatenate([t, t0 + (ids[gaps] + 0.5) * width])
        v = np.concatenate([v, np.full(gaps.size, np.nan)])
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
    return t, v


def rollup_points(
    store: SampleStore, tag_id: int, level: int, t0: float, t1: float, width: float
) -> tuple[FloatArray, FloatArray]:
    """Min and max of each bucket of ``width`` from the roll-ups of ``level`` seconds, and the
    write-ahead samples (not rolled up yet) decimated alike; one statement, one snapshot."""
    window = WINDOWS[level]
    lo = int(np.floor(t0 / level) * level)
    rolled = select(literal(0).label("wal"), sample_rollups.c.payload).where(
        sample_rollups.c.tag_id == tag_id,
        sample_rollups.c.width == level,
        sample_rollups.c.t >= int(np.floor(t0 / window) * window),
        sample_rollups.c.t <= t1,
    )
    pending = select(literal(1), sample_wal.c.payload).where(
        sample_wal.c.t_max >= t0, sample_wal.c.t_min <= t1
    )
    with store.db.connect() as conn:
        found = conn.execute(union_all(rolled, pending)).all()
    buckets = Buckets.merge([decode_block(p) for wal, p in found if not wal])
    buckets = buckets.select((buckets.t >= lo) & (buckets.t <= t1))
    parts = [decode_rows(p).split().get(tag_id) for wal, p in found if wal]
    recent = TagSamples.concat([p for p in parts if p is not None]).sorted()
    recent = recent.select((recent.ts >= t0) & (recent.ts <= t1))
    t, vmin, vmax = buckets.t, buckets.vmin, buckets.vmax
    step = max(1, int(np.ceil(width / level)))
    if t.size:
        # Buckets of whole roll-ups: each gives its min at a quarter, its max at three quarters
        # of its span (a roll-up does not know which came first).
        group = ((t - lo) // (step * level)).astype(np.int64)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1])
        with np.errstate(invalid="ignore"):
            lows = np.fmin.reduceat(vmin, starts)
            highs = np.fmax.reduceat(vmax, starts)
        span = np.diff(np.append(t[starts], t[-1] + level))
        span = np.minimum(span, step * level)
        base = t[starts]
        t = np.column_stack([base + span * 0.25, base + span * 0.75]).ravel()
        v = np.column_stack([lows, highs]).ravel()
    else:
        v = np.zeros(0)
    if len(recent):
        start = max(t0, float(recent.ts[0]))
        buckets_n = max(1, int(np.ceil((t1 - start) / max(width, 1e-9))))
        rt, rv = decimate(recent, start, t1, buckets_n)
        t = np.concatenate([t, rt])
        v = np.concatenate([v, rv])
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
    return t, v
