"""The station's shift calendar (``[calendar]``) in Unix time: which shift runs when
(:func:`shift_at`, for quality's shift labels and the trend's "this shift"), planned production
time as sorted, disjoint ``(start, end)`` intervals (OEE), and when some hours of work end
counting only that time (the order ETA, :func:`app.orders.calendar.finish_after`). Pure functions.

Each day that is not a holiday, each shift whose weekdays include it starts at its clock time
(in the calendar's time zone; daylight-saving days come out right because every time is made
from a local date and clock) and lasts its length, so a night shift crosses midnight. Breaks
and planned stops are taken out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from app.config.calendar import WEEKDAYS, CalendarConfig, ShiftConfig, clock

Interval = tuple[float, float]


class ShiftSpan(NamedTuple):
    """One shift on one day: its name and when it starts and ends (breaks included)."""

    name: str
    start: float
    end: float


def normalise(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged, without empty intervals."""
    result: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if result and a <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], b))
        else:
            result.append((a, b))
    return result


def subtract(base: list[Interval], cut: list[Interval]) -> list[Interval]:
    """``base`` without ``cut`` (both normalised)."""
    result: list[Interval] = []
    j = 0
    for a, b in base:
        start = a
        while j < len(cut) and cut[j][1] <= start:
            j += 1
        k = j
        while k < len(cut) and cut[k][0] < b:
            if cut[k][0] > start:
                result.append((start, cut[k][0]))
            start = max(start, cut[k][1])
            k += 1
        if start < b:
            result.append((start, b))
    return result


def intersect(x: list[Interval], y: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    i = j = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            result.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return result


def total(intervals: Iterable[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def zone_of(config: CalendarConfig) -> tzinfo | None:
    return ZoneInfo(config.timezone) if config.timezone else None


def _at(day: date, clock_text: str, zone: tzinfo | None, extra_days: int = 0) -> float:
    t = clock(clock_text)
    local = datetime(day.year, day.month, day.day, t.hour, t.minute) + timedelta(extra_days)
    return (local.replace(tzinfo=zone) if zone else local.astimezone()).timestamp()


def shift_instances(
    config: CalendarConfig, start: float, end: float, *, every_day: bool = False
) -> list[tuple[ShiftConfig, date, Interval, list[Interval]]]:
    """Every shift that overlaps ``[start, end)``: (shift, its day, its span, its breaks).
    ``every_day``: as if each shift ran every day, holidays included."""
    zone = zone_of(config)
    holidays = set() if every_day else set(config.holidays)
    first = datetime.fromtimestamp(start, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, zone).date()
    found = []
    day = first
    while day <= last:
        if day not in holidays:
            weekday = WEEKDAYS[day.weekday()]
            for shift in config.shifts:
                if weekday not in shift.days and not every_day:
                    continue
                begin = _at(day, shift.start, zone)
                overnight = clock(shift.end) <= clock(shift.start)
                finish = _at(day, shift.end, zone, 1 if overnight else 0)
                if finish <= start or begin >= end:
                    continue
                breaks = []
                for pause in shift.breaks:
                    a = begin + shift.offset_min(pause.start) * 60.0
                    b = begin + shift.offset_min(pause.end) * 60.0
                    breaks.append((a, b))
                found.append((shift, day, (begin, finish), breaks))
        day += timedelta(days=1)
    return found


def planned_stops(config: CalendarConfig) -> list[Interval]:
    zone = zone_of(config)
    result = []
    for stop in config.planned_stops:
        a, b = stop.start, stop.end
        if a.tzinfo is None:
            a = a.replace(tzinfo=zone) if zone else a.astimezone()
        if b.tzinfo is None:
            b = b.replace(tzinfo=zone) if zone else b.astimezone()
        result.append((a.timestamp(), b.timestamp()))
    return normalise(result)


def planned_time(config: CalendarConfig, start: float, end: float) -> list[Interval]:
    """When the line is planned to produce within ``[start, end)``."""
    spans, breaks = [], []
    for _, _, span, pauses in shift_instances(config, start, end):
        spans.append(span)
        breaks.extend(pauses)
    planned = subtract(normalise(spans), normalise(breaks))
    planned = subtract(planned, planned_stops(config))
    return intersect(planned, [(start, end)])


def shift_at(config: CalendarConfig, ts: float) -> ShiftSpan | None:
    """The shift running at ``ts`` (its breaks included) or None: between shifts, on a day the
    shift does not run, on a holiday. Two overlapping shifts: the one that started last."""
    found = [
        ShiftSpan(shift.name, a, b)
        for shift, _, (a, b), _ in shift_instances(config, ts, ts + 1e-3)
        if a <= ts < b
    ]
    return max(found, key=lambda s: s.start) if found else None


def shift_label(config: CalendarConfig, ts: float) -> str:
    """The shift a record made at ``ts`` belongs to: the one running, else the one whose clock
    hours hold it (overtime on a Saturday or a holiday), else "" (between shifts)."""
    span = shift_at(config, ts)
    if span is None:
        found = [
            (a, shift.name)
            for shift, _, (a, b), _ in shift_instances(config, ts, ts + 1e-3, every_day=True)
            if a <= ts < b
        ]
        return max(found)[1] if found else ""
    return span.name
