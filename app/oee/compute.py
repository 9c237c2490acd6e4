"""Availability x performance x quality from a machine's state timeline. Pure functions.

Definitions (docs/SYNC.md, "OEE"), all within the calendar's planned time:

* planned production time = planned time - time in the ``planned_stop`` state;
* availability = time ``running`` / planned production time;
* performance = ideal cycle time x parts made (good + reject) / time running;
* quality = good / (good + reject);
* OEE = availability x performance x quality (= ideal cycle time x good / planned production
  time).

A figure whose denominator is zero is None (no planned time, nothing made). The six big losses
come with it: breakdowns (``fault``, ``maintenance``), setup (``setup``), small stops (any stop
shorter than ``micro_stop_s``, counted apart), other stops (``idle``, ``off``, unknown),
reduced speed (running time not explained by ideal cycles) and quality loss (ideal time of the
rejects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.oee.calendar import Interval, intersect, total

RUNNING = "running"
PLANNED_STOP = "planned_stop"
UNKNOWN = "unknown"
_BREAKDOWN = {"fault", "maintenance"}
_SETUP = {"setup"}

Segment = tuple[float, float, str]


def segments(
    changes: Sequence[tuple[float, str | None]], start: float, end: float
) -> list[Segment]:
    """The state timeline over ``[start, end)`` from its changes ``(time, category)`` (sorted;
    the last change at or before ``start`` gives the state at ``start``; before any: unknown)."""
    result: list[Segment] = []
    current: str = UNKNOWN
    at = start
    for t, category in changes:
        if t <= start:
            current = category or UNKNOWN
            continue
        if t >= end:
            break
        if t > at:
            result.append((at, t, current))
        at, current = t, category or UNKNOWN
    if end > at:
        result.append((at, end, current))
    return result


def counter_increase(values: np.ndarray) -> int:
    """Parts counted by a cumulative counter's readings (in order); a drop is a reset, after
    which the counter counts from zero again."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return 0
    steps = np.diff(v)
    up = steps[steps > 0].sum()
    resets = v[1:][steps < 0].sum()  # the value after a reset was counted from zero
    return round(float(up + resets))


@dataclass(frozen=True, slots=True)
class OeeResult:
    start: float
    end: float
    planned_s: float
    planned_stop_s: float
    run_s: float
    state_s: dict[str, float]
    good: int
    reject: int
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    micro_stops: int
    losses: dict[str, float] = field(default_factory=dict)

    def to_dict(self, device: str) -> dict[str, Any]:
        return {
            "device": device,
            "start": self.start,
            "end": self.end,
            "planned_s": self.planned_s,
            "planned_stop_s": self.planned_stop_s,
            "run_s": self.run_s,
            "state_s": self.state_s,
            "availability": self.availability,
            "performance": self.performance,
            "quality": self.quality,
            "oee": self.oee,
            "good": self.good,
            "reject": self.reject,
            "micro_stops": self.micro_stops,
            "losses": self.losses,
        }


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def compute(
    timeline: Sequence[Segment],
    planned: Sequence[Interval],
    good: int,
    reject: int,
    ideal_cycle_s: float | None,
    micro_stop_s: float = 120.0,
    *,
    start: float | None = None,
    end: float | None = None,
) -> OeeResult:
    """OEE of one machine over a timeline, counting only its planned time."""
    plan = list(planned)
    state_s: dict[str, float] = {}
    stops = {"breakdowns_s": 0.0, "setup_s": 0.0, "small_stops_s": 0.0, "other_stops_s": 0.0}
    micro_stops = 0
    for a, b, category in timeline:
        inside = total(intersect([(a, b)], plan))
        if inside <= 0:
            continue
        state_s[category] = state_s.get(category, 0.0) + inside
        if category in (RUNNING, PLANNED_STOP):
            continue
        if (b - a) < micro_stop_s:  # a short stop, whatever its state says
            micro_stops += 1
            stops["small_stops_s"] += inside
        elif category in _BREAKDOWN:
            stops["breakdowns_s"] += inside
        elif category in _SETUP:
            stops["setup_s"] += inside
        else:
            stops["other_stops_s"] += inside
    planned_s = total(plan)
    planned_stop_s = state_s.get(PLANNED_STOP, 0.0)
    production_s = planned_s - planned_stop_s
    run_s = state_s.get(RUNNING, 0.0)
    made = good + reject
    availability = _ratio(run_s, production_s)
    performance = _ratio(ideal_cycle_s * made, run_s) if ideal_cycle_s else None
    quality = _ratio(good, made)
    oee = None
    if availability is not None and performance is not None and quality is not None:
        oee = availability * performance * quality
    losses = {
        **stops,
        "reduced_speed_s": max(0.0, run_s - ideal_cycle_s * made) if ideal_cycle_s else 0.0,
        "quality_loss_s": ideal_cycle_s * reject if ideal_cycle_s else 0.0,
    }
    first = timeline[0][0] if timeline else (plan[0][0] if plan else 0.0)
    last = timeline[-1][1] if timeline else (plan[-1][1] if plan else 0.0)
    return OeeResult(
        start=first if start is None else start,
        end=last if end is None else end,
        planned_s=planned_s,
        planned_stop_s=planned_stop_s,
        run_s=run_s,
        state_s=state_s,
        good=good,
        reject=reject,
        availability=availability,
        performance=performance,
        quality=quality,
        oee=oee,
        micro_stops=micro_stops,
        losses=losses,
    )


def combine(parts: Sequence[OeeResult], ideal_cycle_s: float | None) -> OeeResult:
    """One result over several (a shift made of intervals): durations and counts add up, the
    ratios are computed again from the sums."""
    state_s: dict[str, float] = {}
    losses: dict[str, float] = {}
    for part in parts:
        for key, value in part.state_s.items():
            state_s[key] = state_s.get(key, 0.0) + value
        for key, value in part.losses.items():
            losses[key] = losses.get(key, 0.0) + value
    planned_s = sum(p.planned_s for p in parts)
    planned_stop_s = sum(p.planned_stop_s for p in parts)
    run_s = sum(p.run_s for p in parts)
    good = sum(p.good for p in parts)
    reject = sum(p.reject for p in parts)
    made = good + reject
    availability = _ratio(run_s, planned_s - planned_stop_s)
    performance = _ratio(ideal_cycle_s * made, run_s) if ideal_cycle_s else None
    quality = _ratio(good, made)
    oee = None
    if availability is not None and performance is not None and quality is not None:
        oee = availability * performance * quality
    return OeeResult(
        start=min((p.start for p in parts), default=0.0),
        end=max((p.end for p in parts), default=0.0),
        planned_s=planned_s,
        planned_stop_s=planned_stop_s,
        run_s=run_s,
        state_s=state_s,
        good=good,
        reject=reject,
        availability=availability,
        performance=performance,
        quality=quality,
        oee=oee,
        micro_stops=sum(p.micro_stops for p in parts),
        losses=losses,
    )


def aggregate(parts: Sequence[tuple[OeeResult, float | None]]) -> OeeResult:
    """A line's OEE from its machines' results (each with its ideal cycle time): times, counts
    and losses add up; performance is the ideal time of the parts made over the time running,
    so a slow machine weighs by its own cycle. Machines without an ideal cycle time count in
    availability and quality only."""
    results = [p for p, _ in parts]
    total_all = combine(results, None)
    timed = [(p, ideal) for p, ideal in parts if ideal]
    ideal_s = sum(ideal * (p.good + p.reject) for p, ideal in timed)
    run_timed = sum(p.run_s for p, _ in timed)
    performance = _ratio(ideal_s, run_timed) if timed else None
    oee = None
    if (
        total_all.availability is not None
        and performance is not None
        and total_all.quality is not None
    ):
        oee = total_all.availability * performance * total_all.quality
    return OeeResult(
        start=total_all.start,
        end=total_all.end,
        planned_s=total_all.planned_s,
        planned_stop_s=total_all.planned_stop_s,
        run_s=total_all.run_s,
        state_s=total_all.state_s,
        good=total_all.good,
        reject=total_all.reject,
        availability=total_all.availability,
        performance=performance,
        quality=total_all.quality,
        oee=oee,
        micro_stops=total_all.micro_stops,
        losses=total_all.losses,
    )


#: The six big losses in the order of the chart (keys of :attr:`OeeResult.losses`).
SIX_LOSSES = (
    "breakdowns_s",
    "setup_s",
    "small_stops_s",
    "other_stops_s",
    "reduced_speed_s",
    "quality_loss_s",
)
