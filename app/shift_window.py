"""The shift a moment belongs to, as its (start, end) in Unix time, for "this shift" views
(the station's one shift calendar, :attr:`StationConfig.shift_calendar`)."""

from __future__ import annotations

from app.config import StationConfig
from app.oee.calendar import shift_instances

#: How far back to look for the last shift when none runs now (a long weekend, holidays).
LOOK_BACK_DAYS = 10


def shift_window(config: StationConfig, t: float) -> tuple[float, float] | None:
    """The shift running at ``t``; with no shift running at ``t`` (a weekend, a holiday,
    between shifts), the last one that began before it; None when the calendar has none in
    the last :data:`LOOK_BACK_DAYS` days."""
    found = shift_instances(config.shift_calendar, t - LOOK_BACK_DAYS * 86_400.0, t + 1.0)
    spans = sorted(span for _, _, span, _ in found if span[0] <= t)
    running = [span for span in spans if span[0] <= t < span[1]]
    if running:
        return running[-1]
    return spans[-1] if spans else None
