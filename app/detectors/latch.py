"""Scores to alarm episodes: one onset per episode, held through short calm spells.

A row score crossing the threshold is not yet an alarm: the score must hold for
``min_samples`` rows in a row (a minimum duration, so one noisy row raises nothing), and the
alarm clears only after ``clear_samples`` rows below the threshold (hysteresis, so a fault whose
statistic dips now and then stays one episode instead of flickering into many).
"""

from __future__ import annotations

from typing import Any

ONSET = 1
CLEARED = -1


class Latch:
    """Onsets and clearances of one score stream (counts in samples)."""

    __slots__ = ("active", "calm", "clear_samples", "min_samples", "onset", "run", "threshold")

    def __init__(self, threshold: float, clear_samples: int = 1, min_samples: int = 1) -> None:
        if clear_samples < 1 or min_samples < 1:
            raise ValueError("clear_samples and min_samples must be at least 1")
        self.threshold = threshold
        self.clear_samples = clear_samples
        self.min_samples = min_samples
        self.active = False
        self.calm = 0
        self.run = 0
        self.onset: Any = None
        """What the caller reported at the onset (an Anomaly), for the clearance."""

    def step(self, score: float) -> int:
        """:data:`ONSET` (+1) when an episode starts, :data:`CLEARED` (-1) when it ends, else 0."""
        if score >= self.threshold:
            self.calm = 0
            self.run += 1
            if not self.active and self.run >= self.min_samples:
                self.active = True
                return ONSET
            return 0
        self.run = 0
        if self.active:
            self.calm += 1
            if self.calm >= self.clear_samples:
                self.active = False
                self.calm = 0
                return CLEARED
        return 0

    def reset(self) -> None:
        """No episode, nothing pending (after a relearn or when the machine stops)."""
        self.active = False
        self.calm = 0
        self.run = 0
        self.onset = None
