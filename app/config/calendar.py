"""The ``[calendar]`` table: the station's one shift calendar.

Quality labels defects by it, OEE takes its planned production time from it, the order ETA
counts only its working time and the trend's "this shift" reads it. Shifts repeat on weekdays;
a shift without ``end`` ends where the next one starts, and one whose end is not after its
start ends the next day (a night shift, 22:00-06:00, belongs to the day it starts). Breaks are
clock times inside a shift. Holidays are dates on which no shift starts. Planned stops are
absolute periods (a planned maintenance, a stocktake). Times are local to ``timezone``
(default: the computer's).

Example::

    [calendar]
    timezone = "Asia/Seoul"
    holidays = [2026-12-25]
    [[calendar.shifts]]
    name = "day"
    start = "06:00"
    end = "14:00"                    # default: the next shift's start
    days = ["mon", "tue", "wed", "thu", "fri"]   # the default
    breaks = [{ start = "09:00", end = "09:15" }]
    [[calendar.planned_stops]]
    start = 2026-12-24T06:00:00
    end = 2026-12-24T14:00:00
    reason = "stocktake"

Older configs named shifts twice (``[quality].shifts`` with a start only, ``[[oee.shifts]]``
with breaks); either one alone is still read (:func:`legacy_calendar`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from app.config.base import StrictModel, repeated
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
    name: str = Field(min_length=1, max_length=16)
    start: str
    end: str
    """Not after ``start``: the shift ends the next day (the calendar fills a missing end)."""
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


def check_zone(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Seoul)") from None
    return value


def _fill_ends(shifts: Any) -> Any:
    """A shift without ``end`` ends where the next one (by start time) starts; the only one
    runs around the clock. Left alone when the starts are not readable (validation says why)."""
    if not isinstance(shifts, list) or not all(isinstance(s, dict) for s in shifts):
        return shifts
    starts = [s.get("start") for s in shifts]
    if not all(isinstance(s, str) and _CLOCK.match(s) for s in starts):
        return shifts
    ordered = sorted(set(starts), key=minutes)
    filled = []
    for shift in shifts:
        if "end" not in shift:
            following = ordered[(ordered.index(shift["start"]) + 1) % len(ordered)]
            shift = {**shift, "end": following}
        filled.append(shift)
    return filled


class CalendarConfig(StrictModel):
    """The shift calendar (docs/SYNC.md, "Shift calendar")."""

    timezone: str | None = None
    shifts: list[ShiftConfig] = Field(min_length=1)
    holidays: list[Annotated[date, Field(strict=False)]] = Field(default_factory=list)
    planned_stops: list[PlannedStopConfig] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _ends(cls, data: Any) -> Any:
        if isinstance(data, dict) and "shifts" in data:
            data = {**data, "shifts": _fill_ends(data["shifts"])}
        return data

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value)

    @model_validator(mode="after")
    def _unique(self) -> CalendarConfig:
        for index, name in repeated(s.name for s in self.shifts):
            raise LocatedError(("shifts", index, "name"), f"duplicate shift '{name}'")
        return self

    def shift(self, name: str) -> ShiftConfig | None:
        for shift in self.shifts:
            if shift.name == name:
                return shift
        return None


def default_calendar() -> CalendarConfig:
    """Three eight-hour shifts every day: every hour is planned production time."""
    return CalendarConfig.model_validate(
        {
            "shifts": [
                {"name": name, "start": start, "days": list(WEEKDAYS)}
                for name, start in (("A", "06:00"), ("B", "14:00"), ("C", "22:00"))
            ]
        }
    )


def legacy_calendar(quality_shifts: list[Any] | None, oee: Any) -> CalendarConfig | None:
    """The calendar an older config meant: ``[[oee.shifts]]`` with the ``[oee]`` timezone,
    holidays and planned stops, or ``[quality].shifts`` (a start each, every day)."""
    if oee is not None and oee.shifts:
        return CalendarConfig(
            timezone=oee.timezone,
            shifts=list(oee.shifts),
            holidays=list(oee.holidays),
            planned_stops=list(oee.planned_stops),
        )
    if quality_shifts:
        return CalendarConfig.model_validate(
            {
                "shifts": [
                    {"name": s.name, "start": s.start, "days": list(WEEKDAYS)}
                    for s in quality_shifts
                ]
            }
        )
    return None
