"""Anomaly likelihood: how unusual is the recent raw score, given its own history?

After Numenta's "anomaly likelihood": the raw score of a detector is noisy and its level differs
from one signal to the next, so instead of thresholding it directly we compare a short moving
average of it with the distribution of that average over a long history, and report the tail
probability on a log scale. A raw score that is often high on a noisy signal stops alarming; a
rare burst on a calm signal alarms at once. Memory is two fixed-size rings: O(1) per stream.
"""

from __future__ import annotations

import math
from typing import Any

_LOG_FLOOR = math.log(1e-10)
#: Tail probability of a "red" sample; after one, further reds count as "yellow".
RED_TAIL = 1e-5
YELLOW_TAIL = 1e-3


class AnomalyLikelihood:
    """Turns a stream of raw scores in [0, 1] into a log-likelihood score in [0, 1].

    ``short`` samples are averaged; their mean and spread are learned over the last ``history``
    averages (after ``learn`` samples). A score of 0.5 means a tail probability of 1e-5.
    """

    def __init__(
        self,
        short: int = 10,
        history: int = 3000,
        learn: int = 150,
        min_spread: float = 0.02,
        red_hold: int = 1,
    ) -> None:
        self.red_hold = red_hold
        self.short = short
        self.history = history
        self.learn = learn
        self.min_spread = min_spread
        self.reset()

    def reset(self) -> None:
        """Forget everything (relearn)."""
        self._recent: list[float] = [0.0] * self.short
        self._recent_sum = 0.0
        self._hist: list[float] = [0.0] * self.history
        self._hist_sum = 0.0
        self._hist_sq = 0.0
        self.n = 0
        self._since_red = 1 << 30
        self.tail = 0.5

    def update(self, raw: float) -> float:
        """Score of the newest raw score (0 while learning)."""
        n = self.n
        i = n % self.short
        self._recent_sum += raw - self._recent[i]
        self._recent[i] = raw
        average = self._recent_sum / min(n + 1, self.short)
        count = min(n, self.history)
        score = 0.0
        if n >= self.learn and count > 1:
            mean = self._hist_sum / count
            variance = max(self._hist_sq / count - mean * mean, 0.0)
            spread = max(math.sqrt(variance), self.min_spread)
            z = (average - mean) / spread
            tail = 0.5 * math.erfc(z / math.sqrt(2.0)) if z > 0 else 1.0
            if tail <= RED_TAIL:
                # One red per burst: the rest of the burst is damped to yellow.
                if self._since_red < self.red_hold:
                    tail = YELLOW_TAIL
                self._since_red = 0
            else:
                self._since_red += 1
            self.tail = tail
            score = math.log(max(tail, 1e-10)) / _LOG_FLOOR
        j = n % self.history
        old = self._hist[j] if n >= self.history else 0.0
        self._hist[j] = average
        self._hist_sum += average - old
        self._hist_sq += average * average - old * old
        if j == self.history - 1:
            # Re-add from scratch once per lap: running sums drift with rounding errors.
            self._hist_sum = sum(self._hist)
            self._hist_sq = sum(v * v for v in self._hist)
        self.n = n + 1
        return score

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "recent": list(self._recent),
            "hist": list(self._hist),
            "since_red": self._since_red,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        recent = [float(v) for v in state["recent"]]
        hist = [float(v) for v in state["hist"]]
        if len(recent) != self.short or len(hist) != self.history:
            raise ValueError("likelihood state has a different window size")
        self.n = int(state["n"])
        self._recent = recent
        self._recent_sum = sum(recent)
        self._hist = hist
        self._hist_sum = sum(hist)
        self._hist_sq = sum(v * v for v in hist)
        self._since_red = int(state["since_red"])
