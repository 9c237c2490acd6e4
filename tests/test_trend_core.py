"""The trend's core parts: the shift a moment belongs to, the marks on a time axis (listed or
clustered, from a real SQLite file written through the gateway) and saved trend sets."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.alarms.model import Priority, TransitionKind
from app.config_loader import parse_config
from app.shift_window import shift_window
from app.storage import DatabaseGateway, open_database
from app.trends.marks import timeline_marks
from app.trends.sets import TrendRange, TrendSet, TrendSets, parse_set, read_sets
from tests.trend_support import write_marks

STATION = {"company": "ACME", "site": "P1", "line": "L1", "station": "S1"}
DEVICES = [{"name": "press", "driver": "simulated", "tags": [{"name": "force"}]}]


def local(day: datetime, hour: int, minute: int = 0, days: int = 0) -> float:
    """Unix time of a local clock time, ``days`` after ``day``."""
    d = day + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute).astimezone().timestamp()


# A Wednesday: 2026-12-02.
WED = datetime(2026, 12, 2)


def test_the_default_shifts_run_until_the_next_one_starts() -> None:
    config = parse_config({"station": STATION, "devices": DEVICES})  # A 06, B 14, C 22
    assert shift_window(config, local(WED, 10)) == (local(WED, 6), local(WED, 14))
    assert shift_window(config, local(WED, 14)) == (local(WED, 14), local(WED, 22))
    # The night shift runs past midnight, on either side of it.
    assert shift_window(config, local(WED, 23)) == (local(WED, 22), local(WED, 6, days=1))
    assert shift_window(config, local(WED, 3)) == (local(WED, 22, days=-1), local(WED, 6))


def test_the_calendar_and_a_weekend_shows_the_last_shift() -> None:
    calendar = {
        "shifts": [
            {"name": "early", "start": "06:00", "end": "14:00"},
            {"name": "night", "start": "22:00", "end": "06:00", "days": ["mon", "tue"]},
        ]
    }
    config = parse_config({"station": STATION, "devices": DEVICES, "calendar": calendar})
    assert shift_window(config, local(WED, 10)) == (local(WED, 6), local(WED, 14))
    # Between shifts on a Wednesday evening: the early shift that just ended.
    assert shift_window(config, local(WED, 20)) == (local(WED, 6), local(WED, 14))
    # Tuesday's night shift runs into Wednesday morning.
    assert shift_window(config, local(WED, 2)) == (local(WED, 22, days=-1), local(WED, 6))
    # Saturday noon: Friday's early shift (no shift on weekends).
    assert shift_window(config, local(WED, 12, days=3)) == (
        local(WED, 6, days=2),
        local(WED, 14, days=2),
    )


def test_a_holiday_calendar_without_shifts_lately_has_no_shift() -> None:
    calendar = {"shifts": [{"name": "early", "start": "06:00", "end": "14:00", "days": ["sun"]}]}
    config = parse_config({"station": STATION, "devices": DEVICES, "calendar": calendar})
    sunday = local(WED, 9, days=4)
    assert shift_window(config, sunday) == (local(WED, 6, days=4), local(WED, 14, days=4))
    holidays = {
        **calendar,
        "holidays": [(WED + timedelta(days=d)).date().isoformat() for d in range(-14, 6)],
    }
    config = parse_config({"station": STATION, "devices": DEVICES, "calendar": holidays})
    assert shift_window(config, sunday) is None


T0 = 1_790_000_000.0


def test_marks_listed_in_the_range_with_what_they_were(sqlite_url: str) -> None:
    alarms = [
        (T0 + 10, "press.force.hi", TransitionKind.RAISE, Priority.HIGH),
        (T0 + 70, "press.force.hi", TransitionKind.CLEAR, Priority.HIGH),
        (T0 + 80, "press.force.hi", TransitionKind.ACK, Priority.HIGH),  # not a marker
        (T0 + 5000, "press.temp.hi", TransitionKind.RAISE, Priority.CRITICAL),  # outside
    ]
    defects = [(T0 + 30, "LEAK", "critical"), (T0 - 5, "BURR", "minor")]
    write_marks(sqlite_url, alarms, defects)
    db = open_database(sqlite_url)
    marks = timeline_marks(db, T0, T0 + 3600)
    assert [(a.t, a.alarm_id, a.event, a.priority) for a in marks.alarms] == [
        (T0 + 10, "press.force.hi", TransitionKind.RAISE, Priority.HIGH),
        (T0 + 70, "press.force.hi", TransitionKind.CLEAR, Priority.HIGH),
    ]
    assert marks.alarms[0].message.render() == "press.force.hi over its limit"
    assert marks.alarms[0].value == 123.0
    assert [(d.t, d.code, d.severity, d.machine) for d in marks.defects] == [
        (T0 + 30, "LEAK", "critical", "press")
    ]
    assert marks.alarm_clusters == [] and marks.defect_clusters == []


def test_thousands_of_marks_come_back_clustered_and_bounded(sqlite_url: str) -> None:
    n = 6000
    alarms = [
        (
            T0 + i * 0.5,
            "press.force.hi" if i % 3 else "press.temp.hi",
            TransitionKind.RAISE if i % 2 == 0 else TransitionKind.CLEAR,
            Priority.CRITICAL if i == 4321 else Priority.LOW,
        )
        for i in range(n)
    ]
    defects = [(T0 + i * 1.5, "LEAK" if i % 4 else "BURR", "minor") for i in range(2000)]
    defects[1500] = (defects[1500][0], "BURR", "critical")
    # Alone in their buckets, after the burst: given as themselves.
    alarms.append((T0 + 4500, "oven.door.open", TransitionKind.RAISE, Priority.MEDIUM))
    defects.append((T0 + 4000, "THREAD", "major"))
    write_marks(sqlite_url, alarms, defects)
    db = open_database(sqlite_url)
    marks = timeline_marks(db, T0, T0 + 6000, buckets=200, limit=300)
    assert [(a.alarm_id, a.priority) for a in marks.alarms] == [("oven.door.open", Priority.MEDIUM)]
    assert [(d.t, d.code) for d in marks.defects] == [(T0 + 4000, "THREAD")]
    assert 0 < len(marks.alarm_clusters) <= 100 and 0 < len(marks.defect_clusters) <= 100
    assert sum(c.count for c in marks.alarm_clusters) == n
    assert sum(c.raised for c in marks.alarm_clusters) == n // 2
    assert sum(c.count for c in marks.defect_clusters) == 2000
    # The bucket holding the one critical alarm says so; the others are low.
    worst = {c.worst for c in marks.alarm_clusters}
    assert worst == {"critical", "low"}
    critical = next(c for c in marks.alarm_clusters if c.worst == "critical")
    assert critical.t_first <= T0 + 4321 * 0.5 <= critical.t_last
    assert all(c.top == "press.force.hi" for c in marks.alarm_clusters)
    assert sum(c.worst == "critical" for c in marks.defect_clusters) == 1
    assert all(c.top == "LEAK" for c in marks.defect_clusters)
    # Few in a narrow range: listed again.
    narrow = timeline_marks(db, T0, T0 + 60, buckets=100, limit=300)
    assert len(narrow.alarms) == 120 and len(narrow.defects) == 40


def test_marks_of_a_database_without_alarms_or_defects_are_none(tmp_path: Path) -> None:
    db = open_database(tmp_path / "empty.db")
    marks = timeline_marks(db, T0, T0 + 60)
    assert marks.shown == 0


def test_trend_sets_round_trip_through_the_gateway(sqlite_url: str) -> None:
    shift = TrendSet("Press shift", ["press.force", "press.temp"], "percent", TrendRange("shift"))
    week = TrendSet("Week", ["press.force"], "units", TrendRange("span", seconds=604800.0))
    for station, saved in (("S1", [shift, week, TrendSet("Gone")]), ("S2", [TrendSet("Other")])):
        gateway = DatabaseGateway(open_database(sqlite_url))
        sets = TrendSets(gateway, station)
        gateway.start()
        for trend_set in saved:
            sets.save(trend_set)
        sets.delete("Gone")
        assert gateway.flush()
        gateway.close()
    assert read_sets(open_database(sqlite_url), "S1") == {"Press shift": shift, "Week": week}
    assert list(read_sets(open_database(sqlite_url), "S2")) == ["Other"]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "tags": "press.force"}, "tags"),
        ({"name": "x", "scale": "log"}, "scale"),
        ({"name": "x", "range": {"kind": "month"}}, "range.kind"),
        ({"name": "x", "range": {"kind": "span", "seconds": 0}}, "range.seconds"),
        ({"name": "x", "range": {"kind": "custom", "t0": 5, "t1": 4}}, "range.t1"),
        ({"name": "x", "range": {"kind": "custom", "t0": "soon"}}, "range"),
    ],
)
def test_a_damaged_trend_set_names_its_field(document: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=f"^{field}"):
        parse_set(json.loads(json.dumps(document)))
