"""Chunks and roll-ups in their tables: what the fold and the move of old samples both write."""

from __future__ import annotations

import itertools

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from app.model import Quality
from app.storage.chunk_codec import TagSamples, decode, encode
from app.storage.rollups import add_samples
from app.storage.schema import sample_chunks

CHUNK_MAX_SAMPLES = 65_536
CHUNK_WINDOW_S = 86_400  # a chunk never spans a day boundary (UTC): retention drops whole days


def write_chunks(
    conn: Connection,
    per_tag: dict[int, TagSamples],
    scaling: dict[int, tuple[float, float]],
) -> int:
    """Chunks and roll-up updates of each tag's samples (oldest first) in ``conn``; the samples
    written. ``scaling``: (scale, offset) by tag id, for the tags whose values are counts."""
    chunks: list[dict[str, object]] = []
    total = 0
    for tag_id, samples in per_tag.items():
        if not len(samples):
            continue
        scale, offset = scaling.get(tag_id, (1.0, 0.0))
        add_samples(conn, tag_id, samples, scale, offset)
        total += len(samples)
        # A fold every few minutes would make small chunks of slow tags: the newest chunk of
        # the tag grows instead while it is in the same window and not full.
        samples = _grow_newest(conn, tag_id, samples)
        for start, end in chunk_bounds(samples.ts):
            part = samples.take(np.arange(start, end))
            chunks.append(
                {
                    "tag_id": tag_id,
                    "t_start": float(part.ts[0]),
                    "t_end": float(part.ts[-1]),
                    "n": len(part),
                    "n_good": int(np.count_nonzero(good_mask(part))),
                    "payload": encode(part, scale, offset),
                }
            )
    if chunks:
        conn.execute(insert(sample_chunks), chunks)
    return total


def _grow_newest(conn: Connection, tag_id: int, samples: TagSamples) -> TagSamples:
    """``samples`` preceded by the tag's newest chunk (deleted here) when they may share it."""
    newest = conn.execute(
        select(
            sample_chunks.c.id, sample_chunks.c.t_end, sample_chunks.c.n, sample_chunks.c.payload
        )
        .where(sample_chunks.c.tag_id == tag_id)
        .order_by(sample_chunks.c.t_start.desc())
        .limit(1)
    ).first()
    if newest is None:
        return samples
    _, t_end, n, payload = newest
    first = float(samples.ts[0])
    same_window = np.floor(t_end / CHUNK_WINDOW_S) == np.floor(first / CHUNK_WINDOW_S)
    if not same_window or t_end > first or n >= CHUNK_MAX_SAMPLES:
        return samples
    conn.execute(delete(sample_chunks).where(sample_chunks.c.id == newest[0]))
    return TagSamples.concat([decode(payload), samples])


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
