"""SPC run rules on an individuals chart: Nelson rules 1-8 (Western Electric: 1, 2, 5, 6).

The centre line and sigma are either configured or learned in a warm-up (phase I: the mean,
and sigma from the average moving range, as SPC practice does for individual values), then
fixed until a relearn, as control limits are. Every rule is an O(1) run counter.
"""

from __future__ import annotations

import math
from typing import Any

from app.messages import Message

_D2 = 1.128  # average moving range of two normal samples, in sigmas


class NelsonRules:
    """Run-rule checker for one process characteristic; scores 1 when a rule fires."""

    name = "spc"

    def __init__(
        self,
        rules: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8),
        center: float | None = None,
        sigma: float | None = None,
        warmup: int = 100,
        run_length: int = 9,
    ) -> None:
        self.rules = frozenset(rules)
        self.fixed_center = center
        self.fixed_sigma = sigma
        self.warmup = max(warmup, 10)
        self.run_length = run_length
        self.reset()

    def reset(self) -> None:
        """Forget the learned limits (configured ones stay)."""
        self.n = 0
        self.center = self.fixed_center if self.fixed_center is not None else 0.0
        self.sigma = self.fixed_sigma if self.fixed_sigma is not None else 0.0
        self._ready = self.fixed_center is not None and self.fixed_sigma is not None
        self._sum = 0.0
        self._mr_sum = 0.0
        self._reset_runs()

    def resume(self) -> None:
        """Run rules start again; the learned centre and sigma stay."""
        self._reset_runs()

    def _reset_runs(self) -> None:
        self.previous = math.nan
        self._last_diff = 0.0
        self.side_run = 0  # signed: + above, - below
        self.trend_run = 0  # signed: + rising, - falling (in differences)
        self.alternating = 0  # differences alternating in sign
        self.zone2: list[int] = []  # last 3: +1 above 2σ, -1 below, 0 neither
        self.zone1: list[int] = []  # last 5, beyond 1σ
        self.inner_run = 0
        self.outer_run = 0
        self.fired = 0
        self.detail: Message | None = None

    @property
    def ready(self) -> bool:
        """True once the limits are known."""
        return self._ready

    def _learn(self, x: float) -> None:
        self._sum += x
        if self.n > 1:
            self._mr_sum += abs(x - self.previous)
        self.previous = x
        if self.n >= self.warmup:
            if self.fixed_center is None:
                self.center = self._sum / self.n
            if self.fixed_sigma is None:
                self.sigma = max(self._mr_sum / (self.n - 1) / _D2, 1e-12)
            self._ready = True
            self._reset_runs()

    def update(self, x: float) -> float:
        """1 if an enabled rule fires at this sample, else 0."""
        self.n += 1
        if not self._ready:
            self._learn(x)
            return 0.0
        z = (x - self.center) / self.sigma
        side = 1 if z > 0 else -1 if z < 0 else 0
        self.side_run = self.side_run + side if side and self.side_run * side > 0 else side
        diff = x - self.previous if not math.isnan(self.previous) else 0.0
        if diff > 0:
            self.trend_run = self.trend_run + 1 if self.trend_run > 0 else 1
        elif diff < 0:
            self.trend_run = self.trend_run - 1 if self.trend_run < 0 else -1
        else:
            self.trend_run = 0
        if diff != 0 and self._last_diff != 0 and (diff > 0) != (self._last_diff > 0):
            self.alternating += 1
        else:
            self.alternating = 1 if diff != 0 else 0
        self._last_diff = diff
        self.previous = x
        self.zone2.append(side if abs(z) > 2 else 0)
        if len(self.zone2) > 3:
            del self.zone2[0]
        self.zone1.append(side if abs(z) > 1 else 0)
        if len(self.zone1) > 5:
            del self.zone1[0]
        self.inner_run = self.inner_run + 1 if abs(z) < 1 else 0
        self.outer_run = self.outer_run + 1 if abs(z) > 1 else 0
        rule = self._first_rule(z)
        self.fired = rule
        if rule:
            name = f"spc.rule{rule}"
            if rule == 3:
                name += "_rising" if self.trend_run > 0 else "_falling"
            text = Message(name, {"run": self.run_length})
            fired = "spc.fired" if rule == 1 else "spc.fired_now"
            self.detail = Message(
                fired, {"rule": rule, "text": text, "z": z, "center": self.center}
            )
            return 1.0
        return 0.0

    def _first_rule(self, z: float) -> int:
        rules = self.rules
        if 1 in rules and abs(z) > 3:
            return 1
        if 5 in rules and (self.zone2.count(1) >= 2 or self.zone2.count(-1) >= 2):
            return 5
        if 6 in rules and (self.zone1.count(1) >= 4 or self.zone1.count(-1) >= 4):
            return 6
        if 2 in rules and abs(self.side_run) >= self.run_length:
            return 2
        if 3 in rules and abs(self.trend_run) >= 5:  # 6 points = 5 differences
            return 3
        if 8 in rules and self.outer_run >= 8:
            return 8
        if 4 in rules and self.alternating >= 13:  # 14 points = 13 differences
            return 4
        if 7 in rules and self.inner_run >= 15:
            return 7
        return 0

    def describe(self) -> Message:
        """The rule that fired last."""
        return self.detail or Message("spc.in_control")

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "n": self.n,
            "center": self.center,
            "sigma": self.sigma,
            "ready": self._ready,
            "sum": self._sum,
            "mr_sum": self._mr_sum,
            "previous": None if math.isnan(self.previous) else self.previous,
            "last_diff": self._last_diff,
            "runs": [
                self.side_run,
                self.trend_run,
                self.alternating,
                self.inner_run,
                self.outer_run,
            ],
            "zone2": list(self.zone2),
            "zone1": list(self.zone1),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self.n = int(state["n"])
        self.center = float(state["center"])
        self.sigma = float(state["sigma"])
        self._ready = bool(state["ready"])
        self._sum = float(state["sum"])
        self._mr_sum = float(state["mr_sum"])
        self.previous = math.nan if state["previous"] is None else float(state["previous"])
        self._last_diff = float(state["last_diff"])
        (self.side_run, self.trend_run, self.alternating, self.inner_run, self.outer_run) = (
            int(v) for v in state["runs"]
        )
        self.zone2 = [int(v) for v in state["zone2"]]
        self.zone1 = [int(v) for v in state["zone1"]]
