"""Chunks and roll-ups in their tables: what the fold and the move of old samples both write.

The tags read in one poll share their timestamps. A fold therefore groups the new chunks by
their time column (integer ticks, exactly what a chunk would store) and writes each column that
several chunks share once, as a ``sample_times`` row the chunks refer to (``times_id``); a
chunk whose times nobody shares keeps them inline. A shared column goes with the last chunk
that refers to it (:func:`drop_unused_times`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
from sqlalchemy import Connection, Join, and_, delete, exists, func, insert, select

from app.model import Quality
from app.storage.chunk_codec import RESOLUTION_US, TagSamples, decode, encode, encode_times, ticks
from app.storage.rollups import add_many
from app.storage.schema import sample_chunks, sample_times

CHUNK_MAX_SAMPLES = 65_536
GROW_BELOW = 8_192  # a newest chunk this full is left alone: a fold never re-codes big chunks
CHUNK_WINDOW_S = 86_400  # a chunk never spans a day boundary (UTC): retention drops whole days
_IN_LIST = 500  # ids per IN (...) list


def write_chunks(
    conn: Connection,
    per_tag: dict[int, TagSamples],
    scaling: dict[int, tuple[float, float]],
) -> int:
    """Chunks and roll-up updates of each tag's samples (oldest first) in ``conn``; the samples
    written. ``scaling``: (scale, offset) by tag id, for the tags whose values are counts."""
    parts: list[tuple[int, TagSamples, float, float]] = []
    replaced: set[int] = set()  # shared time columns of chunks that grew (maybe unused now)
    total = 0
    add_many(
        conn,
        [(tag, s, *scaling.get(tag, (1.0, 0.0))) for tag, s in per_tag.items() if len(s)],
    )
    # A fold every few minutes would make small chunks of slow tags: the newest chunk of each
    # tag grows instead while it is in the same window and not full.
    newest = _newest_chunks(conn, [tag for tag, s in per_tag.items() if len(s)])
    grown: list[int] = []
    for tag_id, samples in per_tag.items():
        if not len(samples):
            continue
        scale, offset = scaling.get(tag_id, (1.0, 0.0))
        total += len(samples)
        found = newest.get(tag_id)
        if found is not None and _may_grow(found, samples):
            chunk_id, _, _, payload, times_id, times = found
            samples = TagSamples.concat([decode(payload, times), samples])
            grown.append(chunk_id)
            if times_id is not None:
                replaced.add(int(times_id))
        for start, end in chunk_bounds(samples.ts):
            part = (
                samples
                if (start, end) == (0, len(samples))
                else samples.take(np.arange(start, end))
            )
            parts.append((tag_id, part, scale, offset))
    times_of = _shared_times(conn, [part.ts for _, part, _, _ in parts])
    chunks = [
        {
            "tag_id": tag_id,
            "t_start": float(part.ts[0]),
            "t_end": float(part.ts[-1]),
            "n": len(part),
            "n_good": int(np.count_nonzero(good_mask(part))),
            "payload": encode(part, scale, offset, shared_times=times_id is not None),
            "times_id": times_id,
        }
        for (tag_id, part, scale, offset), times_id in zip(parts, times_of, strict=True)
    ]
    for at in range(0, len(grown), _IN_LIST):
        conn.execute(delete(sample_chunks).where(sample_chunks.c.id.in_(grown[at : at + _IN_LIST])))
    if chunks:
        conn.execute(insert(sample_chunks), chunks)
    drop_unused_times(conn, replaced)
    return total


def _shared_times(conn: Connection, columns: list[np.ndarray]) -> list[int | None]:
    """For each time column, the ``sample_times`` row written for it when other columns are
    the same to the tick (one row per such group), else None."""
    groups: dict[bytes, list[int]] = {}
    for i, ts in enumerate(columns):
        groups.setdefault(ticks(ts, RESOLUTION_US).tobytes(), []).append(i)
    times_of: list[int | None] = [None] * len(columns)
    for members in groups.values():
        if len(members) < 2:
            continue
        ts = columns[members[0]]
        row = {"n": int(ts.shape[0]), "payload": encode_times(ts)}
        key = conn.execute(insert(sample_times), row).inserted_primary_key
        assert key is not None
        times_id = int(key[0])
        for i in members:
            times_of[i] = times_id
    return times_of


def drop_unused_times(conn: Connection, times_ids: Iterable[int]) -> None:
    """Delete the shared time columns of ``times_ids`` that no chunk refers to any more."""
    ids = sorted(set(times_ids))
    for at in range(0, len(ids), 500):
        used = exists().where(sample_chunks.c.times_id == sample_times.c.id)
        conn.execute(delete(sample_times).where(sample_times.c.id.in_(ids[at : at + 500]), ~used))


_Newest = tuple[int, float, int, bytes, int | None, bytes | None]


def _newest_chunks(conn: Connection, tag_ids: list[int]) -> dict[int, _Newest]:
    """Each tag's newest chunk: id, t_end, n, payload, times_id and shared time column."""
    result: dict[int, _Newest] = {}
    for at in range(0, len(tag_ids), _IN_LIST):
        newest = (
            select(sample_chunks.c.tag_id, func.max(sample_chunks.c.t_start).label("t"))
            .where(sample_chunks.c.tag_id.in_(tag_ids[at : at + _IN_LIST]))
            .group_by(sample_chunks.c.tag_id)
            .subquery()
        )
        found = conn.execute(
            select(
                sample_chunks.c.tag_id,
                sample_chunks.c.id,
                sample_chunks.c.t_end,
                sample_chunks.c.n,
                sample_chunks.c.payload,
                sample_chunks.c.times_id,
                sample_times.c.payload,
            )
            .select_from(
                with_times().join(
                    newest,
                    and_(
                        sample_chunks.c.tag_id == newest.c.tag_id,
                        sample_chunks.c.t_start == newest.c.t,
                    ),
                )
            )
            .order_by(sample_chunks.c.id)
        ).all()
        for tag, *row in found:  # of two chunks that start together, the later written
            result[int(tag)] = (int(row[0]), float(row[1]), int(row[2]), row[3], row[4], row[5])
    return result


def _may_grow(newest: _Newest, samples: TagSamples) -> bool:
    """Whether ``samples`` may join the tag's newest chunk (same window, after it, small)."""
    _, t_end, n, _, _, _ = newest
    first = float(samples.ts[0])
    same_window = np.floor(t_end / CHUNK_WINDOW_S) == np.floor(first / CHUNK_WINDOW_S)
    return bool(same_window and t_end <= first and n < GROW_BELOW)


def with_times() -> Join:
    """``sample_chunks`` joined with the shared time column of each chunk (if it has one)."""
    return sample_chunks.outerjoin(sample_times, sample_chunks.c.times_id == sample_times.c.id)


def chunk_bounds(ts: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` positions of the chunks of sorted times: cut at each hour boundary and
    after ``CHUNK_MAX_SAMPLES``."""
    window = np.floor(ts / CHUNK_WINDOW_S)
    cuts = [0, *(np.flatnonzero(np.diff(window)) + 1).tolist(), len(ts)]
    bounds: list[tuple[int, int]] = []
    for start, end in itertools.pairwise(cuts):
        for at in range(start, end, CHUNK_MAX_SAMPLES):
            bounds.append((at, min(end, at + CHUNK_MAX_SAMPLES)))
    return bounds


def good_mask(samples: TagSamples) -> np.ndarray:
    """Samples of good quality (a string tag's good samples have no number)."""
    return samples.quality == int(Quality.GOOD)
