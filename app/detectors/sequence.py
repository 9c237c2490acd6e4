"""Novelty detector: has the signal ever been here, or moved like this, before?

Four views of one signal, each scored on arrival from the past alone:

- range: a value beyond everything seen so far (by more than ``range_tolerance`` of the range);
- shape: the last ``blocks`` x ``pool`` samples, as block means (the recent shape of the curve),
  against the shapes seen before;
- long shape: the same over ``blocks`` x ``long_pool`` samples (a rhythm that stops, a slow
  excursion), searched once a block;
- value: the sample itself against the values seen before.

For the shapes and the value, the distance to the nearest remembered pattern (a fixed-size ring
memory, so O(1) per stream) relative to its usual size is a raw novelty, which goes through
:class:`AnomalyLikelihood`: a signal that is always a bit novel stops alarming, a rare burst on
a calm signal alarms at once, and one burst gives one alarm. The score is the largest view; a
red from one view within ``hold`` samples of a red from any view counts as yellow (two views
seeing one burst make one alarm).

This is the detector ``shopfloor detect`` uses for one column, scored on NAB in
``tests/bench/bench_nab.py``; every parameter is the same for every signal.

Speed: the per-sample work is plain float arithmetic on small Python lists plus one
vector-matrix product over the shape memory, which is kept transposed (one row per block, one
column per pattern, plus a row of squared lengths) so that the product and the ``argmin`` are
the only numpy calls per sample and allocate nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from typing import Any

import numpy as np

from app.detectors.likelihood import AnomalyLikelihood
from app.messages import Message

YELLOW = 0.3  # score of a repeat within the hold time (below any sensible threshold)


class PatternView:
    """Novelty of the recent shape: ``blocks`` block means of ``pool`` samples.

    The nearest-pattern search runs every ``stride`` samples (the shape of 64 samples moves
    little in one); in between, the last raw novelty is fed to the likelihood again.
    """

    def __init__(
        self,
        blocks: int,
        pool: int,
        memory: int = 1500,
        scale: float = 8.0,
        floor: float = 0.03,
        learn: int = 150,
        red_hold: int = 200,
        red_tail: float = 1e-5,
        stride: int = 2,
    ) -> None:
        if blocks < 2 or pool < 1 or stride < 1:
            raise ValueError("a shape needs at least 2 blocks of at least 1 sample")
        self.adapt = 0.01  # rate of the running mean of the nearest distance (per search)
        self.blocks = blocks
        self.stride = stride
        self.pool = pool
        self.memory = memory
        self.scale = scale
        self.floor = floor
        self.length = blocks * pool
        self.likelihood = AnomalyLikelihood(learn=learn, red_hold=red_hold, red_tail=red_tail)
        # Block k of the newest pattern is sums[b] - sums[a] for (a, b) = self._edges[k].
        self._edges = [(k, k + pool) for k in range(0, self.length, pool)]
        self.reset()

    def reset(self) -> None:
        """Forget every pattern."""
        self.n = 0
        self._sums: list[float] = [0.0]  # running totals of the recent samples, oldest first
        # Column j: -2 x pattern j, then its squared length (+inf while the slot is empty), so
        # that query @ table = |m|^2 - 2 m.q for every pattern m at once.
        self._table = np.zeros((self.blocks + 1, self.memory))
        self._table[self.blocks] = np.inf
        self._query = np.ones(self.blocks + 1)
        self._out = np.empty(self.memory)
        self._stored = 0
        self._pending: list[list[float]] = []
        self._typical = 0.0
        self._raw = 0.0  # the last raw novelty, held between searches
        self._searched = False
        self.likelihood.reset()

    def update(self, x: float, span: float) -> float:
        """Likelihood score of the pattern ending with ``x``; ``span`` is the range so far."""
        n = self.n = self.n + 1
        sums = self._sums
        sums.append(sums[-1] + x)
        length = self.length
        if len(sums) <= length:
            return 0.0  # the likelihood learns from the first real novelty on
        if len(sums) > length + 1:
            del sums[0]
            if n % length == 0:
                # Re-base the running totals now and then so that they stay small and exact.
                base = sums[0]
                self._sums = sums = [v - base for v in sums]
        pool = self.pool
        if n % self.stride and n % pool and self._searched and self._stored and span > 0:
            # Between searches the last novelty stands (the shape moves by one sample).
            return self.likelihood.update(self._raw)
        inv = 1.0 / pool
        pattern = [(sums[b] - sums[a]) * inv for a, b in self._edges]
        raw = 0.0
        if self._stored and span > 0:
            self._searched = True
            query = self._query
            query[: self.blocks] = pattern
            out = np.dot(query, self._table, out=self._out)
            nearest = float(out[out.argmin()]) + sum([v * v for v in pattern])
            dist = math.sqrt(nearest if nearest > 0.0 else 0.0) / span
            typical = self._typical
            if typical > 0:
                raw = dist / (self.scale * (typical if typical > self.floor else self.floor))
                if raw > 1.0:
                    raw = 1.0
                self._typical = typical + self.adapt * (dist - typical)
            else:
                self._typical = dist
        self._raw = raw
        # One pattern per pool joins the memory, once it no longer overlaps the newest.
        pending = self._pending
        if n % pool == 0:
            pending.append(pattern)
        if len(pending) > self.blocks:
            self._store(pending.pop(0))
        if not self._searched:
            return 0.0  # nothing to compare with yet: not a novelty of 0 either
        return self.likelihood.update(raw)

    def _store(self, pattern: list[float]) -> None:
        slot = self._stored % self.memory
        column = self._table[:, slot]
        column[: self.blocks] = pattern
        column[: self.blocks] *= -2.0
        column[self.blocks] = sum([v * v for v in pattern])
        self._stored += 1

    def patterns(self) -> np.ndarray:
        """The remembered patterns, one per row, in slot order."""
        count = min(self._stored, self.memory)
        return self._table[: self.blocks, :count].T / -2.0

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "sums": list(self._sums),
            "memory": self.patterns().tolist(),
            "stored": self._stored,
            "pending": [list(p) for p in self._pending],
            "typical": self._typical,
            "raw": self._raw,
            "searched": self._searched,
            "likelihood": self.likelihood.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self._raw = float(state.get("raw", 0.0))
        self._searched = bool(state.get("searched", False))
        self._sums = [float(v) for v in state["sums"]]
        memory = np.asarray(state["memory"], dtype=np.float64).reshape(-1, self.blocks)
        for slot, pattern in enumerate(memory.tolist()):
            self._stored = slot
            self._store(pattern)
        self._stored = int(state["stored"])
        self._pending = [[float(v) for v in p] for p in state["pending"]]
        self._typical = float(state["typical"])
        self.likelihood.restore(state["likelihood"])


class ValueView:
    """Novelty of the value itself against the last ``memory`` values (sorted, bisect search)."""

    length = 1

    def __init__(
        self,
        memory: int = 1500,
        scale: float = 8.0,
        floor: float = 0.03,
        learn: int = 150,
        red_hold: int = 200,
        red_tail: float = 1e-5,
    ) -> None:
        self.memory = memory
        self.scale = scale
        self.floor = floor
        self.adapt = 0.01  # rate of the running mean of the nearest distance
        self.likelihood = AnomalyLikelihood(learn=learn, red_hold=red_hold, red_tail=red_tail)
        self.reset()

    def reset(self) -> None:
        """Forget every value."""
        self.n = 0
        self._ring: list[float] = []  # the memory in arrival order (a ring once full)
        self._sorted: list[float] = []  # the same values, sorted
        self._last: float | None = None  # the newest value joins the memory one sample later
        self._typical = 0.0
        self.likelihood.reset()

    def update(self, x: float, span: float) -> float:
        """Likelihood score of ``x``; ``span`` is the range so far."""
        self.n += 1
        raw = 0.0
        values = self._sorted
        if values and span > 0:
            i = bisect_left(values, x)
            best = values[i] - x if i < len(values) else math.inf
            if i and x - values[i - 1] < best:
                best = x - values[i - 1]
            dist = best / span
            typical = self._typical
            if typical > 0:
                raw = dist / (self.scale * (typical if typical > self.floor else self.floor))
                if raw > 1.0:
                    raw = 1.0
                self._typical = typical + self.adapt * (dist - typical)
            else:
                self._typical = dist
        last = self._last
        if last is not None:
            ring = self._ring
            if len(ring) < self.memory:
                ring.append(last)
            else:
                slot = (self.n - 2) % self.memory
                del values[bisect_left(values, ring[slot])]
                ring[slot] = last
            insort(values, last)
        self._last = x
        return self.likelihood.update(raw)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "ring": list(self._ring),
            "last": self._last,
            "typical": self._typical,
            "likelihood": self.likelihood.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self._ring = [float(v) for v in state["ring"]]
        self._sorted = sorted(self._ring)
        self._last = None if state["last"] is None else float(state["last"])
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
        value_tail: float = 3e-6,
        hold: int = 20,
        long_pool: int = 32,
        long_tail: float = 1e-7,
    ) -> None:
        self.learn = learn
        self.range_tolerance = range_tolerance
        self.range_hold = range_hold
        self.hold = hold
        self._shape = PatternView(blocks, pool, floor=0.025, learn=learn)
        # The same shape over a longer stretch (8 blocks of 32: 256 samples), searched once
        # per block: a rhythm that stops, a slow excursion the short shape cannot see whole.
        self._long = PatternView(
            blocks, long_pool, floor=0.025, learn=learn, red_tail=long_tail, stride=long_pool
        )
        self._value = ValueView(learn=learn, red_tail=value_tail)
        self.views: dict[str, PatternView | ValueView] = {
            "shape": self._shape,
            "long": self._long,
            "value": self._value,
        }
        self.reset()

    def reset(self) -> None:
        """Forget everything learned (relearn)."""
        self.n = 0
        self.low = math.inf
        self.high = -math.inf
        self._since_range = 1 << 30
        self._since_red = 1 << 30
        for view in self.views.values():
            view.reset()
        self.last = ("", 0.0, 0.0)  # dominant view, its score, the range excess

    def resume(self) -> None:
        """Nothing is dropped across a stop: the recent window still spans it, so the first
        scores after a restart compare across it (open work, docs/DETECTORS.md)."""

    def update(self, x: float) -> float:
        """Score of sample ``x`` (strictly from the past and ``x`` itself)."""
        self.n += 1
        low, high = self.low, self.high
        excess = 0.0
        if high > low:
            if x > high:
                excess = (x - high) / (high - low)
            elif x < low:
                excess = (low - x) / (high - low)
        if x < low:
            self.low = low = x
        if x > high:
            self.high = high = x
        span = high - low
        best = self._shape.update(x, span)
        why = "shape" if best > 0.0 else ""
        score = self._long.update(x, span)
        if score > best:
            best, why = score, "long"
        score = self._value.update(x, span)
        if score > best:
            best, why = score, "value"
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
        if best >= 0.5:
            # Two views seeing the same burst a few samples apart: one alarm, not two.
            if self._since_red < self.hold:
                best = YELLOW
            self._since_red = 0
        self._since_red += 1
        self.last = (why, best, excess)
        return best

    def describe(self) -> Message:
        """Why the last sample scored as it did."""
        why, _, excess = self.last
        if why == "range":
            params = {"percent": excess * 100, "low": self.low, "high": self.high}
            return Message("sequence.range", params)
        view = self.views.get(why)
        if view is None:
            return Message("sequence.normal")
        chance = view.likelihood.tail
        if why in ("shape", "long"):
            return Message("sequence.shape", {"length": view.length, "chance": chance})
        return Message("sequence.value", {"chance": chance})

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the pattern memories included)."""
        return {
            "n": self.n,
            "low": self.low if math.isfinite(self.low) else None,
            "high": self.high if math.isfinite(self.high) else None,
            "since_range": self._since_range,
            "since_red": self._since_red,
            "views": {name: view.state() for name, view in self.views.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self.low = math.inf if state["low"] is None else float(state["low"])
        self.high = -math.inf if state["high"] is None else float(state["high"])
        self._since_range = int(state["since_range"])
        self._since_red = int(state.get("since_red", 1 << 30))
        for name, view in self.views.items():
            view.restore(state["views"][name])
