"""What every streaming detector offers, and small helpers they share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from app.messages import Message

#: MAD of a normal distribution is 0.6745 sigma.
_MAD_TO_SIGMA = 1.4826


class UnivariateDetector(Protocol):
    """Scores one signal, one sample at a time, from the past only."""

    name: str

    def update(self, x: float) -> float:
        """Score of sample ``x`` in [0, 1]; 0.5 is the default alarm level."""
        ...

    def describe(self) -> Message:
        """Why the last sample scored as it did, in words for a technician."""
        ...

    def reset(self) -> None:
        """Forget the baseline and learn again (after maintenance)."""
        ...

    def resume(self) -> None:
        """Keep the baseline but drop short-term memory (runs, sums, recent means): the
        samples before a stop must not be compared with those after it."""
        ...

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state, to persist baselines across restarts."""
        ...

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        ...


def squash(value: float, level: float) -> float:
    """Map a non-negative statistic to [0, 1) so that ``value == level`` gives 0.5."""
    if value <= 0.0 or level <= 0.0:
        return 0.0
    v2 = value * value
    return v2 / (v2 + level * level)


def finite_or_none(value: float) -> float | None:
    """JSON has no infinities: store them as null."""
    return value if math.isfinite(value) else None


def robust_baseline(values: Sequence[float]) -> tuple[float, float]:
    """Level and spread of a warm-up: the median and the MAD in sigmas.

    Quantised or mostly constant signals have a MAD of zero: the standard deviation stands in.
    The spread never falls below 1e-9 of the level (or of 1), so that it can divide.
    """
    data = np.asarray(values)
    median = float(np.median(data))
    sigma = float(np.median(np.abs(data - median))) * _MAD_TO_SIGMA
    if sigma <= 0.0:
        sigma = float(data.std())
    return median, max(sigma, 1e-9 * max(abs(median), 1.0))
