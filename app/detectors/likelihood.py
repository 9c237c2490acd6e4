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

_SQRT_HALF = math.sqrt(0.5)
#: Tail probability of a "red" sample; after one, further reds count as "yellow".
RED_TAIL = 1e-5
YELLOW_TAIL = 1e-3


class AnomalyLikelihood:
    """Turns a stream of raw scores in [0, 1] into a log-likelihood score in [0, 1].

    ``short`` samples are averaged; their mean and spread are learned over the last ``history``
    averages (after ``learn`` samples). A score of 0.5 means a tail probability of ``red_tail``
    (1e-5 by default), 1 its square; after a red, further reds within ``red_hold`` samples
    count as yellow.
    """

    def __init__(
        self,
        short: int = 10,
        history: int = 3000,
        learn: int = 150,
        min_spread: float = 0.02,
        red_hold: int = 1,
        red_tail: float = RED_TAIL,
    ) -> None:
        if not 0.0 < red_tail < 1.0:
            raise ValueError("red_tail must be a probability")
        self.red_hold = red_hold
        self.red_tail = red_tail
        self._log_red2 = 2.0 * math.log(red_tail)
        self._floor = red_tail * red_tail
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
        short = self.short
        recent = self._recent
        i = n % short
        self._recent_sum = recent_sum = self._recent_sum + raw - recent[i]
        recent[i] = raw
        average = recent_sum / (n + 1 if n < short else short)
        history = self.history
        score = 0.0
        if n >= self.learn and n > 1:
            count = n if n < history else history
            mean = self._hist_sum / count
            if average > mean:
                variance = self._hist_sq / count - mean * mean
                least = self.min_spread
                spread = math.sqrt(variance) if variance > least * least else least
                tail = 0.5 * math.erfc((average - mean) / spread * _SQRT_HALF)
            else:
                tail = 1.0
            if tail <= self.red_tail:
                # One red per burst: the rest of the burst is damped to yellow.
                if self._since_red < self.red_hold:
                    tail = YELLOW_TAIL
                self._since_red = 0
            else:
                self._since_red += 1
            self.tail = tail
            if tail < 1.0:
                score = math.log(tail if tail > self._floor else self._floor) / self._log_red2
        hist = self._hist
        j = n % history
        old = hist[j]  # still 0.0 during the first lap
        hist[j] = average
        self._hist_sum += average - old
        self._hist_sq += average * average - old * old
        if j == history - 1:
            # Re-add from scratch once per lap: running sums drift with rounding errors.
            self._hist_sum = math.fsum(hist)
            self._hist_sq = math.fsum([v * v for v in hist])
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
