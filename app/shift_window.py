"""The shift a moment belongs to, as its (start, end) in Unix time, for "this shift" views.

Two tables define shifts today: the ``[oee]`` calendar (weekdays, holidays, explicit ends) and
``[quality].shifts`` (start times only; each runs until the next starts). The ``[oee]`` calendar
wins when it is configured. Kept to one function so that it can point at a unified calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.config import StationConfig
from app.oee.calendar import shift_instances

#: How far back to look for the last shift when none runs now (a long weekend, holidays).
LOOK_BACK_DAYS = 10


def shift_window(config: StationConfig, t: float) -> tuple[float, float] | None:
    """The shift running at ``t``; with the ``[oee]`` calendar and no shift running at ``t``
    (a weekend, a holiday, between shifts), the last one that ended before it; None when the
    calendar has none in the last :data:`LOOK_BACK_DAYS` days."""
    if config.oee is not None:
        found = shift_instances(config.oee, t - LOOK_BACK_DAYS * 86_400.0, t + 1.0)
        spans = sorted(span for _, _, span, _ in found if span[0] <= t)
        running = [span for span in spans if span[0] <= t < span[1]]
        if running:
            return running[-1]
        return spans[-1] if spans else None
    return _quality_shift(config, t)


def _quality_shift(config: StationConfig, t: float) -> tuple[float, float]:
    """From ``[quality].shifts``: the last shift start at or before ``t`` (local time) to the
    next start after it. Starts are made from a local date and clock, so DST days come out
    right."""
    minutes = sorted({shift.start_minute for shift in config.quality.shifts})
    day = datetime.fromtimestamp(t).date()
    starts: list[float] = []
    for offset in (-1, 0, 1):
        when = day + timedelta(days=offset)
        for minute in minutes:
            local = datetime(when.year, when.month, when.day, minute // 60, minute % 60)
            starts.append(local.astimezone().timestamp())
    starts.sort()
    begin = max(s for s in starts if s <= t)
    end = min(s for s in starts if s > t)
    return begin, end
