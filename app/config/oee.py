"""The ``[oee]`` table: when the line is planned to produce (the shift calendar).

Shifts repeat on weekdays; a shift whose end is not after its start ends the next day (a night
shift, 22:00-06:00, belongs to the day it starts). Breaks are clock times inside a shift.
Holidays are dates on which no shift starts. Planned stops are absolute periods (a planned
maintenance, a stocktake). Times are local to ``timezone`` (default: the computer's).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from app.config.base import StrictModel
from app.config.errors import LocatedError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def clock(value: str) -> time:
    """``"06:30"`` as a time of day."""
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f"'{value}' is not a time of day like 06:00 or 22:30")
    return time(int(match.group(1)), int(match.group(2)))


def minutes(value: str) -> int:
    t = clock(value)
    return t.hour * 60 + t.minute


class BreakConfig(StrictModel):
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock(value)
        return value


class ShiftConfig(StrictModel):
    name: str = Field(min_length=1, max_length=64)
    start: str
    end: str
    """Not after ``start``: the shift ends the next day."""
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    breaks: list[BreakConfig] = Field(default_factory=list)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock(value)
        return value

    @property
    def length_min(self) -> int:
        length = (minutes(self.end) - minutes(self.start)) % 1440
        return length or 1440

    def offset_min(self, value: str) -> int:
        """Minutes from the shift's start to a clock time within it."""
        return (minutes(value) - minutes(self.start)) % 1440

    @model_validator(mode="after")
    def _breaks_inside(self) -> ShiftConfig:
        for index, pause in enumerate(self.breaks):
            a, b = self.offset_min(pause.start), self.offset_min(pause.end)
            if not (0 <= a < b <= self.length_min):
                raise LocatedError(
                    ("breaks", index),
                    f"the break {pause.start}-{pause.end} is not inside the shift "
                    f"{self.start}-{self.end}",
                )
        return self


class PlannedStopConfig(StrictModel):
    # TOML writes them natively (2026-12-24T06:00:00); quoted ISO text is accepted too.
    start: Annotated[datetime, Field(strict=False)]
    end: Annotated[datetime, Field(strict=False)]
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> PlannedStopConfig:
        if self.end <= self.start:
            raise LocatedError(("end",), "a planned stop must end after it starts")
        return self


class OeeConfig(StrictModel):
    """Shift calendar and OEE settings (docs/SYNC.md, "OEE")."""

    timezone: str | None = None
    shifts: list[ShiftConfig] = Field(min_length=1)
    holidays: list[Annotated[date, Field(strict=False)]] = Field(default_factory=list)
    planned_stops: list[PlannedStopConfig] = Field(default_factory=list)
    micro_stop_s: float = Field(default=120.0, gt=0, le=3600)
    """Stops shorter than this count as micro-stops (small stops), not breakdowns."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Seoul)") from None
        return value

    @model_validator(mode="after")
    def _unique(self) -> OeeConfig:
        seen: set[str] = set()
        for index, shift in enumerate(self.shifts):
            if shift.name in seen:
                raise LocatedError(("shifts", index, "name"), f"duplicate shift '{shift.name}'")
            seen.add(shift.name)
        return self
