"""Which shift a moment belongs to (local time of the station)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from app.config.quality import ShiftConfig


def shift_of(ts: float, shifts: Sequence[ShiftConfig]) -> str:
    """The name of the shift running at epoch ``ts``: the last one started before it (the one
    started latest in the day runs on past midnight)."""
    local = time.localtime(ts)
    minute = local.tm_hour * 60 + local.tm_min
    ordered = sorted(shifts, key=lambda s: s.start_minute)
    current = ordered[-1]
    for shift in ordered:
        if shift.start_minute <= minute:
            current = shift
    return current.name
