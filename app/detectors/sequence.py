"""Pattern novelty: has the signal ever moved like this before?

The last ``window`` samples form a pattern; its distance to the nearest of the patterns seen
before (a fixed-size ring memory, so O(1) per stream) measures novelty: a spike, a step, a
changed rhythm or a new level are all patterns the memory has not seen. The raw novelty goes
through :class:`AnomalyLikelihood`, so a signal that is always a bit novel stops alarming. A
value beyond the range seen so far (plus a tolerance) scores 1 at once, and after a detection
scores are damped for a while so that one event is one detection.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.detectors.likelihood import AnomalyLikelihood


class SequenceDetector:
    """Streaming novelty detector for one signal; :meth:`update` scores each sample in [0, 1]."""

    name = "sequence"

    def __init__(
        self,
        window: int = 8,
        memory: int = 1500,
        learn: int = 150,
        history: int = 3000,
        range_tolerance: float = 0.05,
        suppress: int = 0,
        suppress_level: float = 0.5,
        short: int = 10,
        min_spread: float = 0.02,
        spans: tuple[int, ...] = (),
        graded: bool = False,
    ) -> None:
        self.graded = graded
        self.spans = spans
        self._alphas = [2.0 / (span + 1.0) for span in spans]
        self.window = window
        self.memory = memory
        self.learn = learn
        self.range_tolerance = range_tolerance
        self.suppress = suppress
        self.suppress_level = suppress_level
        self.likelihood = AnomalyLikelihood(
            short=short, history=history, learn=learn, min_spread=min_spread
        )
        self.reset()

    def reset(self) -> None:
        """Forget everything learned (relearn)."""
        self.n = 0
        self.low = math.inf
        self.high = -math.inf
        self._recent: list[float] = []
        self._mem = np.zeros((self.memory, self.window + len(self.spans)))
        self._ema: list[float] = []
        self._stored = 0
        self._pending: list[np.ndarray] = []
        self._typical = 0.0
        self._quiet = 0
        self.likelihood.reset()
        self.last_raw = 0.0
        self.last_reason = ""

    def update(self, x: float) -> float:
        """Score of sample ``x`` (strictly from the past and ``x`` itself)."""
        self.n += 1
        outside = False
        excess = 0.0
        if self.high > self.low:
            span = self.high - self.low
            tolerance = span * self.range_tolerance
            outside = x > self.high + tolerance or x < self.low - tolerance
            excess = max(x - self.high, self.low - x, 0.0) / span
        self.low = min(self.low, x)
        self.high = max(self.high, x)
        recent = self._recent
        recent.append(x)
        if len(recent) > self.window:
            del recent[0]
        if self._ema:
            self._ema = [e + a * (x - e) for e, a in zip(self._ema, self._alphas, strict=True)]
        else:
            self._ema = [x] * len(self.spans)
        raw = 0.0
        if len(recent) == self.window:
            pattern = np.array(recent + self._ema)
            span = self.high - self.low
            if self._stored and span > 0:
                mem = self._mem[: min(self._stored, self.memory)]
                # Patterns are compared after removing their own mean, plus the level apart.
                diff = mem - pattern
                dist = float(np.sqrt(np.min(np.einsum("ij,ij->i", diff, diff)))) / span
                typical = self._typical
                raw = dist / (dist + typical) if typical > 0 else 0.0
                self._typical = dist if typical == 0 else typical + 0.01 * (dist - typical)
            # A pattern joins the memory only once it no longer overlaps the newest one.
            self._pending.append(pattern)
            if len(self._pending) > self.window:
                self._mem[self._stored % self.memory] = self._pending.pop(0)
                self._stored += 1
        self.last_raw = raw
        score = self.likelihood.update(raw)
        if self.graded and self.n > self.learn:
            if excess > 0:
                e2 = excess * excess
                tol2 = self.range_tolerance * self.range_tolerance
                score = max(score, e2 / (e2 + tol2))
        elif outside and self.n > self.learn:
            score = 1.0
            self.last_reason = "outside its range so far"
        elif score >= self.suppress_level:
            self.last_reason = "a pattern not seen before"
        if self._quiet > 0:
            self._quiet -= 1
            score *= 0.5 * self.suppress_level
        elif score >= self.suppress_level and self.suppress:
            self._quiet = self.suppress
        return score

    def describe(self) -> str:
        """Why the last sample scored as it did."""
        if self.last_reason == "outside its range so far":
            return f"value outside its range so far ({self.low:.4g} .. {self.high:.4g})"
        tail = self.likelihood.tail
        return f"movement pattern not seen before (chance about {tail:.1e} under normal behaviour)"

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the pattern memory included)."""
        return {
            "n": self.n,
            "low": self.low if math.isfinite(self.low) else None,
            "high": self.high if math.isfinite(self.high) else None,
            "recent": list(self._recent),
            "memory": self._mem[: min(self._stored, self.memory)].tolist(),
            "stored": self._stored,
            "pending": [p.tolist() for p in self._pending],
            "typical": self._typical,
            "quiet": self._quiet,
            "likelihood": self.likelihood.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.reset()
        self.n = int(state["n"])
        self.low = math.inf if state["low"] is None else float(state["low"])
        self.high = -math.inf if state["high"] is None else float(state["high"])
        self._recent = [float(v) for v in state["recent"]]
        memory = np.asarray(state["memory"], dtype=np.float64).reshape(-1, self.window)
        self._mem[: memory.shape[0]] = memory
        self._stored = int(state["stored"])
        self._pending = [np.asarray(p, dtype=np.float64) for p in state["pending"]]
        self._typical = float(state["typical"])
        self._quiet = int(state["quiet"])
        self.likelihood.restore(state["likelihood"])
