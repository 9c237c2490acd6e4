"""Robust univariate detector: spikes, steps and variance changes against an adaptive baseline.

The baseline (level and spread) is learned from the median and MAD of a warm-up, then adapts
slowly with Huber-clipped updates, so a spike barely moves it and a real step is followed only
gradually (the step stays visible long enough to be reported). Three statistics are compared
with it on every sample:

- spike: the sample itself, in baseline sigmas;
- step: a short moving average, in units of its own expected spread (a shift of the level);
- variance: the short-term spread, as a ratio of the baseline spread.

Each is squashed to [0, 1] so that its configured limit gives 0.5; the detector's score is the
largest. Plain Python floats on purpose: per-sample numpy calls would cost more than the maths.
"""

from __future__ import annotations

import math
from typing import Any

from app.detectors.base import robust_baseline, squash
from app.messages import Message

#: Mean absolute deviation of a normal distribution is 0.7979 sigma.
_MEAN_ABS_TO_SIGMA = 1.2533
#: Deviations are clipped at this many sigmas when the baseline learns from them.
_CLIP = 3.0


class RobustDetector:
    """Adaptive-baseline detector for one signal."""

    name = "robust"

    def __init__(
        self,
        baseline: int = 3600,
        warmup: int = 300,
        short: int = 10,
        variance_window: int = 60,
        spike_sigma: float = 6.0,
        step_sigma: float = 6.0,
        variance_ratio: float = 2.5,
        baseline_label: Message | None = None,
    ) -> None:
        self.baseline = baseline
        self.warmup = max(warmup, 10)
        self.spike_sigma = spike_sigma
        self.step_sigma = step_sigma
        self.variance_ratio = variance_ratio
        self.baseline_label = baseline_label or Message("duration.samples", {"n": baseline})
        self._alpha = 2.0 / (baseline + 1.0)
        self._alpha_short = 2.0 / (short + 1.0)
        self._alpha_var = 2.0 / (variance_window + 1.0)
        # Spread of an EW mean of white noise, in sigmas: sqrt(a / (2 - a)).
        self._short_sd = math.sqrt(self._alpha_short / (2.0 - self._alpha_short))
        self.reset()

    def reset(self) -> None:
        """Forget the baseline; learn it again from the next ``warmup`` samples."""
        self.n = 0
        self._learning: list[float] | None = []
        self.mean = 0.0
        self.sigma = 0.0
        self.short_mean = 0.0
        self.short_var = 0.0
        self.last = (0.0, 0.0, 0.0)  # spike z, step z, spread ratio
        self.last_x = 0.0

    def resume(self) -> None:
        """Short-term statistics start again from the baseline."""
        if self.ready:
            self.short_mean = self.mean
            self.short_var = self.sigma * self.sigma

    @property
    def ready(self) -> bool:
        """True once the warm-up is over."""
        return self._learning is None

    def _finish_warmup(self, values: list[float]) -> None:
        median, self.sigma = robust_baseline(values)
        self.mean = median
        self.short_mean = median
        self.short_var = self.sigma * self.sigma
        self._learning = None

    def update(self, x: float) -> float:
        """Score of sample ``x`` in [0, 1] (0 during warm-up)."""
        self.n += 1
        self.last_x = x
        learning = self._learning
        if learning is not None:
            learning.append(x)
            if len(learning) >= self.warmup:
                self._finish_warmup(learning)
            return 0.0
        mean = self.mean
        sigma = self.sigma
        dev = x - mean
        # Short-term level and spread, against the baseline as it was before this sample.
        a_s = self._alpha_short
        short_mean = self.short_mean + a_s * (x - self.short_mean)
        self.short_mean = short_mean
        limit = 8.0 * sigma
        clipped_sq = min(dev * dev, limit * limit)
        short_var = self.short_var + self._alpha_var * (clipped_sq - self.short_var)
        self.short_var = short_var
        z = dev / sigma
        z_step = (short_mean - mean) / (sigma * self._short_sd)
        ratio = math.sqrt(short_var) / sigma
        self.last = (z, z_step, ratio)
        # The baseline learns slowly, from clipped deviations (a spike barely moves it).
        clip = _CLIP * sigma
        a = self._alpha
        self.mean = mean + a * (clip if dev > clip else -clip if dev < -clip else dev)
        abs_dev = abs(dev)
        self.sigma = sigma + a * (_MEAN_ABS_TO_SIGMA * min(abs_dev, clip) - sigma)
        if self.sigma < 1e-12:
            self.sigma = 1e-12
        best = squash(abs(z), self.spike_sigma)
        step = squash(abs(z_step), self.step_sigma)
        if step > best:
            best = step
        if ratio > 1.0:
            spread = squash(ratio - 1.0, self.variance_ratio - 1.0)
            if spread > best:
                best = spread
        return best

    def describe(self) -> Message:
        """The dominant reason for the last score, in baseline sigmas."""
        z, z_step, ratio = self.last
        spike = squash(abs(z), self.spike_sigma)
        step = squash(abs(z_step), self.step_sigma)
        spread = squash(ratio - 1.0, self.variance_ratio - 1.0) if ratio > 1.0 else 0.0
        baseline = self.baseline_label
        if spread >= max(spike, step):
            return Message("robust.spread", {"ratio": ratio, "baseline": baseline})
        if step > spike:
            shift = (self.short_mean - self.mean) / self.sigma
            side = "above" if shift > 0 else "below"
            return Message(f"robust.step_{side}", {"sigma": abs(shift), "baseline": baseline})
        side = "above" if z > 0 else "below"
        return Message(f"robust.spike_{side}", {"sigma": abs(z), "baseline": baseline})

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "learning": self._learning,
            "mean": self.mean,
            "sigma": self.sigma,
            "short_mean": self.short_mean,
            "short_var": self.short_var,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.n = int(state["n"])
        learning = state["learning"]
        self._learning = None if learning is None else [float(v) for v in learning]
        self.mean = float(state["mean"])
        self.sigma = float(state["sigma"])
        self.short_mean = float(state["short_mean"])
        self.short_var = float(state["short_var"])
