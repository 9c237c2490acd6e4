"""A curve's min/max envelope: at most two points per pixel column, drawn like every point.

An hour of 20 tags at 10 Hz is 720,000 points; drawing them all, or letting pyqtgraph
downsample them again on every setData and every range change, costs more than a frame.
Keeping each column's smallest and largest sample (at their own times, in time order) draws
the same picture from about 2,600 points a curve, in one pass of numpy over the data.
"""

from __future__ import annotations

import numpy as np

from app.model import FloatArray


def envelope(
    t: FloatArray, v: FloatArray, x0: float, x1: float, buckets: int
) -> tuple[FloatArray, FloatArray]:
    """The samples of ``(t, v)`` (times ascending) that are the smallest or largest of their
    bucket of ``[x0, x1]`` cut into ``buckets``; a bucket with samples but no finite value
    gives one NaN (a gap). Short series come back as they are."""
    if t.shape[0] <= 4 * buckets or x1 <= x0:
        return t, v
    width = (x1 - x0) / buckets
    return _extremes(t, v, np.clip(((t - x0) / width).astype(np.int64), -1, buckets))


def aligned(t: FloatArray, v: FloatArray, width: float) -> tuple[FloatArray, FloatArray]:
    """:func:`envelope` in buckets of ``width`` seconds counted from the epoch, so the same
    sample falls in the same bucket however the view has moved."""
    if t.shape[0] == 0:
        return t, v
    group = np.floor(t / width).astype(np.int64)
    if t.shape[0] <= 4 * (int(group[-1] - group[0]) + 1):
        return t, v
    return _extremes(t, v, group)


def _extremes(t: FloatArray, v: FloatArray, group: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """Each group's first smallest and first largest sample (``group`` never decreases)."""
    n = t.shape[0]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(group)) + 1))
    where = np.repeat(np.arange(starts.shape[0]), np.diff(np.append(starts, n)))
    with np.errstate(invalid="ignore"):
        lows = np.fmin.reduceat(v, starts)
        highs = np.fmax.reduceat(v, starts)
    picks = [starts[np.isnan(lows)]]  # all NaN: the bucket's first sample, a gap
    for extreme in (lows, highs):
        hit = np.flatnonzero(v == extreme[where])
        first = np.flatnonzero(np.diff(where[hit], prepend=-1))  # the first hit of a bucket
        picks.append(hit[first])
    chosen = np.unique(np.concatenate(picks))
    return t[chosen], v[chosen]


class FollowEnvelope:
    """The envelope of one tag's samples while the view follows live: the buckets already
    complete are kept, so each frame computes only the samples that arrived since the last
    one (and the bucket still filling). Buckets are fixed in time, so the picture does not
    shimmer as it scrolls."""

    def __init__(self) -> None:
        self.reset(0.0)

    def reset(self, width: float) -> None:
        self.width = width
        self.t: FloatArray = np.zeros(0)
        self.v: FloatArray = np.zeros(0)
        self.upto = -(2**62)
        self.since = 2**62
        """The first bucket taken in: a view reaching back before it starts over."""
        """The bucket still filling (epoch seconds // width): all before it is in ``t``/``v``."""

    def of(self, t: FloatArray, v: FloatArray, width: float) -> tuple[FloatArray, FloatArray]:
        """The envelope of the visible samples ``(t, v)`` (ascending) in buckets of ``width``."""
        if t.shape[0] == 0:
            return t, v
        group = np.floor(t / width).astype(np.int64)
        if width != self.width or group[0] < self.since:
            self.reset(width)  # another zoom, or the view went back: start over
            self.since = int(group[0])
        filling = int(group[-1])
        if filling > self.upto:
            lo = int(np.searchsorted(group, self.upto, "left"))
            hi = int(np.searchsorted(group, filling, "left"))
            if hi > lo:
                et, ev = aligned(t[lo:hi], v[lo:hi], width)
                self.t = np.concatenate((self.t, et))
                self.v = np.concatenate((self.v, ev))
            self.upto = filling
        drop = int(np.searchsorted(self.t, t[0], "left"))  # scrolled out of view
        if drop:
            self.t, self.v = self.t[drop:], self.v[drop:]
        tail = int(np.searchsorted(group, self.upto, "left"))
        pt, pv = aligned(t[tail:], v[tail:], width)
        return np.concatenate((self.t, pt)), np.concatenate((self.v, pv))
