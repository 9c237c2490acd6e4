"""Tag summaries re-aggregated to a partner's coarser resolution (one-minute to hourly, say).

A summary body carries ``count``, ``good``, ``min``, ``max``, ``mean``, ``std`` (population),
``last`` and ``last_ts`` over ``[start, end)``. Merged summaries are exact: counts add, the
mean is weighted by the good samples, the variance combines the parts' second moments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Body = dict[str, Any]


def merge_summaries(parts: Sequence[Body], start: float, end: float) -> Body:
    """One summary over ``[start, end)`` from consecutive ones of the same tag."""
    first = parts[0]
    count = sum(int(p["count"]) for p in parts)
    good = sum(int(p["good"]) for p in parts)
    merged: Body = {
        "device": first.get("device"),
        "tag": first.get("tag"),
        "unit": first.get("unit"),
        "start": start,
        "end": end,
        "count": count,
        "good": good,
        "good_fraction": good / count if count else 0.0,
        "min": None,
        "max": None,
        "mean": None,
        "std": None,
        "last": None,
        "last_ts": None,
    }
    measured = [p for p in parts if p.get("good") and p.get("mean") is not None]
    if measured:
        weight = sum(int(p["good"]) for p in measured)
        mean = sum(int(p["good"]) * float(p["mean"]) for p in measured) / weight
        second = sum(
            int(p["good"]) * (float(p["std"]) ** 2 + float(p["mean"]) ** 2) for p in measured
        )
        newest = max(measured, key=lambda p: float(p.get("last_ts") or p["end"]))
        merged.update(
            min=min(float(p["min"]) for p in measured),
            max=max(float(p["max"]) for p in measured),
            mean=mean,
            std=math.sqrt(max(0.0, second / weight - mean * mean)),
            last=newest.get("last"),
            last_ts=newest.get("last_ts"),
        )
    return merged


class SummaryResampler:
    """Collects a tag's summaries and hands back each window of ``resolution_s`` once a summary
    of a later window arrives (windows aligned to the clock, like the summaries themselves)."""

    def __init__(self, resolution_s: float) -> None:
        self.resolution_s = resolution_s
        self._open: dict[str, tuple[float, list[Body]]] = {}

    def window_start(self, t: float) -> float:
        return math.floor(t / self.resolution_s) * self.resolution_s

    def add(self, key: str, body: Body) -> list[Body]:
        """Add one summary of ``key`` (a tag); returns the windows it closed (zero or one)."""
        start = self.window_start(float(body["start"]))
        closed = []
        held = self._open.get(key)
        if held is not None and held[0] != start:
            closed.append(merge_summaries(held[1], held[0], held[0] + self.resolution_s))
            held = None
        if held is None:
            held = (start, [])
            self._open[key] = held
        held[1].append(body)
        if float(body["end"]) >= start + self.resolution_s:  # the window is complete
            del self._open[key]
            closed.append(merge_summaries(held[1], start, start + self.resolution_s))
        return closed
