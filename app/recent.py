"""The last minutes of every tag in preallocated numpy ring buffers (for live trends).

Not the historian: what is kept for good lives in the database (:mod:`app.storage`).

One 2-D array per quantity (``tags x capacity``) with a write index per tag: a poll batch, in which
each tag appears once, is stored with a handful of fancy-indexed assignments, never ``np.roll``
and never a Python loop per sample. Readers get ordered copies made under the lock.
"""

from __future__ import annotations

import threading

import numpy as np

from app.model import FloatArray, IntArray


class RecentSamples:
    """Fixed-capacity (timestamp, value) ring buffers of the last samples of ``tag_count`` tags."""

    def __init__(self, tag_count: int, capacity: int) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._t = np.full((tag_count, capacity), np.nan)
        self._v = np.full((tag_count, capacity), np.nan)
        self._index = np.zeros(tag_count, dtype=np.int64)  # next write position per tag
        self._count = np.zeros(tag_count, dtype=np.int64)
        self._version = np.zeros(tag_count, dtype=np.int64)  # bumped by every change of a tag
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers."""
        return int(self._t.nbytes + self._v.nbytes)

    def extend(self, tag_ids: IntArray, timestamps: FloatArray, values: FloatArray) -> None:
        """Store a batch; samples of one tag must be in time order within the batch."""
        if tag_ids.size == 0:
            return
        with self._lock:
            unique = np.unique(tag_ids)
            if unique.size == tag_ids.size:
                self._write(tag_ids, timestamps, values)
                return
            # A tag occurs several times (streaming or catch-up batches): write in rounds so
            # that each round holds every tag at most once and order is kept.
            order = np.argsort(tag_ids, kind="stable")
            sorted_ids = tag_ids[order]
            starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
            rank = np.arange(sorted_ids.size) - np.repeat(
                starts, np.diff(np.r_[starts, order.size])
            )
            for r in range(int(rank.max()) + 1):
                rows = order[rank == r]
                self._write(tag_ids[rows], timestamps[rows], values[rows])

    def _write(self, ids: IntArray, timestamps: FloatArray, values: FloatArray) -> None:
        pos = self._index[ids]
        self._t[ids, pos] = timestamps
        self._v[ids, pos] = values
        self._index[ids] = (pos + 1) % self.capacity
        self._count[ids] = np.minimum(self._count[ids] + 1, self.capacity)
        self._version[ids] += 1

    def count(self, tag_id: int) -> int:
        """Samples held for a tag."""
        return int(self._count[tag_id])

    def version(self, tag_id: int) -> int:
        """A number that changes whenever the tag's samples change: a reader that saw the same
        number last time can keep what it copied then."""
        return int(self._version[tag_id])

    def window(self, tag_id: int, since: float | None = None) -> tuple[FloatArray, FloatArray]:
        """Ordered copies of (timestamps, values) of one tag, optionally from ``since`` on."""
        with self._lock:
            count = int(self._count[tag_id])
            index = int(self._index[tag_id])
            if count < self.capacity:
                t = self._t[tag_id, :count].copy()
                v = self._v[tag_id, :count].copy()
            else:
                t = np.concatenate((self._t[tag_id, index:], self._t[tag_id, :index]))
                v = np.concatenate((self._v[tag_id, index:], self._v[tag_id, :index]))
        if since is not None and t.size:
            start = int(np.searchsorted(t, since, side="left"))
            t, v = t[start:], v[start:]
        return t, v

    def clear(self, tag_id: int) -> None:
        """Forget one tag's history."""
        with self._lock:
            self._index[tag_id] = 0
            self._count[tag_id] = 0
            self._version[tag_id] += 1
