"""Drift detector: a two-sided CUSUM against a slowly adapting reference.

An adaptive baseline follows a slow trend (bearing wear, a fouling filter) and never alarms on
it; the CUSUM accumulates small, persistent deviations from a reference that adapts ten times
more slowly, and freezes while it alarms, so the trend is reported and stays reported.
"""

from __future__ import annotations

from typing import Any

from app.detectors.base import robust_baseline, squash
from app.messages import Message

#: Standardised deviations are clipped here: a single spike must not look like a drift.
_CLIP = 4.0


class DriftDetector:
    """Two-sided CUSUM for one signal."""

    name = "drift"

    def __init__(
        self,
        reference: int = 36000,
        warmup: int = 300,
        k_sigma: float = 0.5,
        h_sigma: float = 20.0,
        reference_label: Message | None = None,
    ) -> None:
        self.warmup = max(warmup, 10)
        self.k = k_sigma
        self.h = h_sigma
        self.reference_label = reference_label or Message("duration.samples", {"n": reference})
        self._alpha = 2.0 / (reference + 1.0)
        self.reset()

    def reset(self) -> None:
        """Forget the reference; learn it again."""
        self.n = 0
        self._learning: list[float] | None = []
        self.mean = 0.0
        self.sigma = 1.0
        self.up = 0.0
        self.down = 0.0
        self._run = 0  # samples since the active side of the CUSUM was last zero

    def resume(self) -> None:
        """The CUSUM starts again from zero; the reference is kept."""
        self.up = 0.0
        self.down = 0.0
        self._run = 0

    @property
    def ready(self) -> bool:
        """True once the warm-up is over."""
        return self._learning is None

    def update(self, x: float) -> float:
        """Score of sample ``x`` in [0, 1]."""
        self.n += 1
        learning = self._learning
        if learning is not None:
            learning.append(x)
            if len(learning) >= self.warmup:
                self.mean, self.sigma = robust_baseline(learning)
                self._learning = None
            return 0.0
        z = (x - self.mean) / self.sigma
        z = _CLIP if z > _CLIP else -_CLIP if z < -_CLIP else z
        k = self.k
        up = self.up + z - k
        down = self.down - z - k
        up = up if up > 0.0 else 0.0
        down = down if down > 0.0 else 0.0
        # Capped so that the alarm can clear soon after the process returns.
        cap = 2.0 * self.h
        self.up = up if up < cap else cap
        self.down = down if down < cap else cap
        level = self.up if self.up > self.down else self.down
        self._run = self._run + 1 if level > 0.0 else 0
        if level < self.h:
            # The reference adapts only while there is no drift to report.
            self.mean += self._alpha * z * self.sigma
        return squash(level, self.h)

    def shift(self) -> float:
        """Estimated size of the current shift, in sigmas (signed)."""
        if self._run == 0:
            return 0.0
        if self.up >= self.down:
            return self.k + self.up / self._run
        return -(self.k + self.down / self._run)

    def describe(self) -> Message:
        """Direction and size of the drift."""
        shift = self.shift()
        params = {"sigma": abs(shift), "reference": self.reference_label, "samples": self._run}
        return Message("drift.up" if shift >= 0 else "drift.down", params)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "learning": self._learning,
            "mean": self.mean,
            "sigma": self.sigma,
            "up": self.up,
            "down": self.down,
            "run": self._run,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.n = int(state["n"])
        learning = state["learning"]
        self._learning = None if learning is None else [float(v) for v in learning]
        self.mean = float(state["mean"])
        self.sigma = float(state["sigma"])
        self.up = float(state["up"])
        self.down = float(state["down"])
        self._run = int(state["run"])
