"""Novelty detector: has the signal ever been here, or moved like this, before?

Three views of one signal, each scored on arrival from the past alone:

- range: a value beyond everything seen so far (by more than ``range_tolerance`` of the range);
- shape: the last ``blocks`` x ``pool`` samples, as block means (the recent shape of the curve),
  against the shapes seen before;
- value: the sample itself against the values seen before.

For shape and value, the distance to the nearest remembered pattern (a fixed-size ring memory,
so O(1) per stream) relative to its usual size is a raw novelty, which goes through
:class:`AnomalyLikelihood`: a signal that is always a bit novel stops alarming, a rare burst on
a calm signal alarms at once, and one burst gives one alarm. The score is the largest view.

This is the detector ``shopfloor detect`` uses for one column, scored on NAB in
``tests/bench/bench_nab.py``; every parameter is the same for every signal.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from typing import Any

import numpy as np

from app.detectors.likelihood import AnomalyLikelihood

YELLOW = 0.3  # score of a repeat within the hold time (below any sensible threshold)


class PatternView:
    """Novelty of the recent pattern (``blocks`` block means of ``pool`` samples)."""

    def __init__(
        self,
        blocks: int,
        pool: int = 1,
        memory: int = 1500,
        scale: float = 8.0,
        floor: float = 0.03,
        learn: int = 150,
        red_hold: int = 200,
    ) -> None:
        self.blocks = blocks
        self.pool = pool
        self.memory = memory
        self.scale = scale
        self.floor = floor
        self.length = blocks * pool
        self.likelihood = AnomalyLikelihood(learn=learn, red_hold=red_hold)
        self.reset()

    def reset(self) -> None:
        """Forget every pattern."""
        self.n = 0
        self._recent: list[float] = []
        self._sums: list[float] = [0.0]  # running totals of the recent samples, oldest first
        self._mem = np.zeros((self.memory, self.blocks))
        self._norms = np.zeros(self.memory)  # squared length of each remembered pattern
        self._sorted: list[float] = []  # single values: the memory, sorted (bisect search)
        self._stored = 0
        self._pending: list[np.ndarray] = []
        self._typical = 0.0
        self.likelihood.reset()

    def update(self, x: float, span: float) -> float:
        """Likelihood score of the pattern ending with ``x``; ``span`` is the range so far."""
        self.n += 1
        recent = self._recent
        recent.append(x)
        sums = self._sums
        sums.append(sums[-1] + x)
        if len(recent) > self.length:
            del recent[0]
            del sums[0]
            if self.n % self.length == 0:
                # Re-base the running totals now and then so that they stay small and exact.
                base = sums[0]
                self._sums = sums = [v - base for v in sums]
        raw = 0.0
        if len(recent) == self.length:
            if self.pool > 1:
                pool = self.pool
                pattern = np.array(
                    [(sums[k + pool] - sums[k]) / pool for k in range(0, self.length, pool)]
                )
            else:
                pattern = np.array(recent)
            if self._stored and span > 0:
                if self.blocks == 1:
                    dist = self._nearest_value(x) / span
                else:
                    count = min(self._stored, self.memory)
                    # |m - q|^2 = |m|^2 - 2 m.q + |q|^2: one matrix-vector product
                    d2 = self._norms[:count] - 2.0 * (self._mem[:count] @ pattern)
                    nearest = float(d2.min()) + float(pattern @ pattern)
                    dist = math.sqrt(nearest if nearest > 0.0 else 0.0) / span
                typical = self._typical
                if typical > 0:
                    raw = min(dist / (self.scale * max(typical, self.floor)), 1.0)
                    self._typical = typical + 0.01 * (dist - typical)
                else:
                    self._typical = dist
            # One pattern per pool joins the memory, once it no longer overlaps the newest.
            if self.n % self.pool == 0:
                self._pending.append(pattern)
            if len(self._pending) > self.blocks:
                slot = self._stored % self.memory
                stored = self._pending.pop(0)
                if self.blocks == 1:
                    if self._stored >= self.memory:
                        del self._sorted[bisect_left(self._sorted, float(self._mem[slot, 0]))]
                    insort(self._sorted, float(stored[0]))
                self._mem[slot] = stored
                self._norms[slot] = stored @ stored
                self._stored += 1
        return self.likelihood.update(raw)

    def _nearest_value(self, x: float) -> float:
        values = self._sorted
        i = bisect_left(values, x)
        best = math.inf
        if i < len(values):
            best = values[i] - x
        if i > 0 and x - values[i - 1] < best:
            best = x - values[i - 1]
        return best

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "recent": list(self._recent),
            "memory": self._mem[: min(self._stored, self.memory)].tolist(),
            "stored": self._stored,
            "pending": [p.tolist() for p in self._pending],
            "typical": self._typical,
            "likelihood": self.likelihood.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self._recent = [float(v) for v in state["recent"]]
        self._sums = [0.0]
        for v in self._recent:
            self._sums.append(self._sums[-1] + v)
        memory = np.asarray(state["memory"], dtype=np.float64).reshape(-1, self.blocks)
        self._mem[: memory.shape[0]] = memory
        self._norms[: memory.shape[0]] = np.einsum("ij,ij->i", memory, memory)
        if self.blocks == 1:
            self._sorted = sorted(float(v) for v in memory[:, 0])
        self._stored = int(state["stored"])
        self._pending = [np.asarray(p, dtype=np.float64) for p in state["pending"]]
        self._typical = float(state["typical"])
        self.likelihood.restore(state["likelihood"])


class SequenceDetector:
    """Streaming novelty detector for one signal; :meth:`update` scores each sample in [0, 1]."""

    name = "sequence"

    def __init__(
        self,
        blocks: int = 8,
        pool: int = 8,
        learn: int = 150,
        range_tolerance: float = 0.03,
        range_hold: int = 50,
    ) -> None:
        self.learn = learn
        self.range_tolerance = range_tolerance
        self.range_hold = range_hold
        self.views = {
            "shape": PatternView(blocks, pool, learn=learn),
            "value": PatternView(1, 1, learn=learn),
        }
        self.reset()

    def reset(self) -> None:
        """Forget everything learned (relearn)."""
        self.n = 0
        self.low = math.inf
        self.high = -math.inf
        self._since_range = 1 << 30
        for view in self.views.values():
            view.reset()
        self.last = ("", 0.0, 0.0)  # dominant view, its score, the range excess

    def update(self, x: float) -> float:
        """Score of sample ``x`` (strictly from the past and ``x`` itself)."""
        self.n += 1
        low, high = self.low, self.high
        excess = 0.0
        if high > low:
            excess = max(x - high, low - x, 0.0) / (high - low)
        if x < low:
            self.low = x
        if x > high:
            self.high = x
        span = self.high - self.low
        best, why = 0.0, ""
        for name, view in self.views.items():
            score = view.update(x, span)
            if score > best:
                best, why = score, name
        if excess > 0.0 and self.n > self.learn:
            e2 = excess * excess
            score = e2 / (e2 + self.range_tolerance * self.range_tolerance)
            if score >= 0.5:
                # A value climbing to ever new highs is one event, not one per sample.
                if self._since_range < self.range_hold:
                    score = YELLOW
                self._since_range = 0
            if score > best:
                best, why = score, "range"
        self._since_range += 1
        self.last = (why, best, excess)
        return best

    def describe(self) -> str:
        """Why the last sample scored as it did."""
        why, _, excess = self.last
        if why == "range":
            return (
                f"value {excess * 100:.0f} % of its range beyond anything seen so far "
                f"({self.low:.6g} .. {self.high:.6g})"
            )
        view = self.views.get(why)
        if view is None:
            return "behaving as before"
        chance = f"chance about {view.likelihood.tail:.0e} under normal behaviour"
        if why == "shape":
            return f"the shape of its last {view.length} samples is new ({chance})"
        return f"a value it has not taken before ({chance})"

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the pattern memories included)."""
        return {
            "n": self.n,
            "low": self.low if math.isfinite(self.low) else None,
            "high": self.high if math.isfinite(self.high) else None,
            "since_range": self._since_range,
            "views": {name: view.state() for name, view in self.views.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self.low = math.inf if state["low"] is None else float(state["low"])
        self.high = -math.inf if state["high"] is None else float(state["high"])
        self._since_range = int(state["since_range"])
        for name, view in self.views.items():
            view.restore(state["views"][name])
