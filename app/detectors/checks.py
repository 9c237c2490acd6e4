"""Plausibility checks: a stuck sensor (flatline) and values that cannot physically occur."""

from __future__ import annotations

import math
from typing import Any

from app.messages import Message


class FlatlineDetector:
    """A signal that stops changing.

    A healthy sensor has noise; one that repeats the same value (within ``tolerance``) for
    ``samples`` in a row, and for four times longer than any run seen during the warm-up, is
    stuck. A signal that was constant all through the warm-up (a set-point) is never flagged.
    """

    name = "flatline"

    def __init__(self, samples: int = 300, tolerance: float = 0.0, warmup: int = 300) -> None:
        self.samples = max(samples, 2)
        self.tolerance = tolerance
        self.warmup = max(warmup, 10)
        self.reset()

    def reset(self) -> None:
        """Forget what normal runs look like."""
        self.n = 0
        self.anchor = math.nan
        self.run = 0
        self.longest = 0
        self.limit = 0  # 0 while learning; -1 for a constant signal

    def resume(self) -> None:
        """A stuck run does not span a stop."""
        self.anchor = math.nan
        self.run = 0

    def update(self, x: float) -> float:
        """1 while the signal is stuck, else 0."""
        self.n += 1
        if abs(x - self.anchor) <= self.tolerance:
            self.run += 1
        else:
            self.anchor = x
            self.run = 1
        if self.limit == 0:
            self.longest = max(self.longest, self.run)
            if self.n >= self.warmup:
                varied = self.longest < self.n
                self.limit = max(self.samples, 4 * self.longest) if varied else -1
            return 0.0
        return 1.0 if 0 < self.limit <= self.run else 0.0

    def describe(self) -> Message:
        """How long the value has not changed."""
        return Message("flatline.stuck", {"value": self.anchor, "samples": self.run})

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        anchor = self.anchor if math.isfinite(self.anchor) else None
        return {
            "n": self.n,
            "anchor": anchor,
            "run": self.run,
            "longest": self.longest,
            "limit": self.limit,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.n = int(state["n"])
        self.anchor = math.nan if state["anchor"] is None else float(state["anchor"])
        self.run = int(state["run"])
        self.longest = int(state["longest"])
        self.limit = int(state["limit"])


class LimitCheck:
    """Values outside the physically possible range, or jumping faster than possible."""

    name = "limits"

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        max_step: float | None = None,
    ) -> None:
        self.low = -math.inf if low is None else low
        self.high = math.inf if high is None else high
        self.max_step = math.inf if max_step is None else max_step
        self.reset()

    def reset(self) -> None:
        """Forget the previous sample."""
        self.previous = math.nan
        self.reason: Message | None = None

    def resume(self) -> None:
        """No step across a stop."""
        self.previous = math.nan

    def update(self, x: float) -> float:
        """1 for an impossible value, else 0."""
        previous = self.previous
        self.previous = x
        if not math.isfinite(x):
            self.reason = Message("limits.not_a_number", {"value": x})
        elif x < self.low:
            self.reason = Message("limits.below", {"value": x, "limit": self.low})
        elif x > self.high:
            self.reason = Message("limits.above", {"value": x, "limit": self.high})
        elif abs(x - previous) > self.max_step:
            self.reason = Message("limits.jump", {"step": x - previous, "limit": self.max_step})
        else:
            return 0.0
        return 1.0

    def describe(self) -> Message:
        """Which limit the last value broke."""
        return self.reason or Message("limits.ok")

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {"previous": self.previous if math.isfinite(self.previous) else None}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        previous = state["previous"]
        self.previous = math.nan if previous is None else float(previous)
