"""Planned production time for work orders: ETAs count only the hours the line is planned to
produce (shifts minus breaks, planned stops and holidays), not nights and weekends.

The shift calendar is the station's one calendar (:attr:`StationConfig.shift_calendar`, the
``[calendar]`` table; without one, three eight-hour shifts every day: every hour planned).
"""

from __future__ import annotations

from collections.abc import Callable

from app.config import StationConfig
from app.oee.calendar import planned_time

Interval = tuple[float, float]
PlannedTime = Callable[[float, float], list[Interval]]
"""``planned(start, end)``: the planned production intervals within ``[start, end)``."""

#: An ETA further away than this much calendar time is unknown (a calendar with no shifts).
HORIZON_S = 366 * 86_400.0
#: The calendar is read in steps of this much time.
STEP_S = 7 * 86_400.0


def planned_time_of(config: StationConfig) -> PlannedTime | None:
    """The station's planned production time (its shift calendar)."""
    calendar = config.shift_calendar
    return lambda start, end: planned_time(calendar, start, end)


def planned_seconds(planned: PlannedTime | None, start: float, end: float) -> float:
    """Planned production seconds in ``[start, end)`` (all of it without a calendar)."""
    if end <= start:
        return 0.0
    if planned is None:
        return end - start
    return sum(b - a for a, b in planned(start, end))


def finish_after(planned: PlannedTime | None, now: float, work_s: float) -> float | None:
    """When ``work_s`` seconds of planned production time from ``now`` are done; None when the
    calendar plans too little within :data:`HORIZON_S`."""
    if work_s <= 0:
        return now
    if planned is None:
        return now + work_s
    left = work_s
    start = now
    while start < now + HORIZON_S:
        for a, b in planned(start, start + STEP_S):
            if b - a >= left:
                return a + left
            left -= b - a
        start += STEP_S
    return None
