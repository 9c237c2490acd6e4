"""The one shift calendar: which shift runs when, the working time an order ETA counts, and
older configs (shifts in [quality] or [oee]) still loading or saying where shifts went."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.config import ConfigError, StationConfig
from app.config.calendar import CalendarConfig
from app.config_loader import load_config
from app.oee.calendar import planned_time, shift_at, shift_label
from app.orders.calendar import finish_after
from app.orders.model import OrderStatus, WorkOrder, eta
from tests.conftest import CONFIGS

SEOUL = ZoneInfo("Asia/Seoul")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL).timestamp()


def week() -> CalendarConfig:
    return CalendarConfig.model_validate(
        {
            "timezone": "Asia/Seoul",
            "holidays": ["2026-12-25"],
            "shifts": [
                {"name": "day", "start": "06:00", "breaks": [{"start": "09:00", "end": "09:30"}]},
                {"name": "swing", "start": "14:00", "end": "22:00"},
                {"name": "night", "start": "22:00", "end": "02:00", "days": ["thu"]},
            ],
        }
    )


def test_a_shift_without_end_ends_where_the_next_one_starts() -> None:
    assert week().shifts[0].end == "14:00"
    one = CalendarConfig.model_validate({"shifts": [{"name": "all", "start": "07:00"}]})
    assert one.shifts[0].length_min == 1440


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-03 06:00", ("day", "2026-12-03 06:00", "2026-12-03 14:00")),
        ("2026-12-03 09:10", ("day", "2026-12-03 06:00", "2026-12-03 14:00")),  # a break
        ("2026-12-03 13:59", ("day", "2026-12-03 06:00", "2026-12-03 14:00")),
        ("2026-12-03 14:00", ("swing", "2026-12-03 14:00", "2026-12-03 22:00")),
        # Thursday's night shift runs past midnight into Friday.
        ("2026-12-04 01:30", ("night", "2026-12-03 22:00", "2026-12-04 02:00")),
        ("2026-12-04 03:00", None),  # between shifts
        ("2026-12-05 10:00", None),  # Saturday: not a shift day
        ("2026-12-25 10:00", None),  # a holiday (a Friday)
    ],
)
def test_shift_at(moment: str, expected: tuple[str, str, str] | None) -> None:
    span = shift_at(week(), at(moment))
    if expected is None:
        assert span is None
    else:
        assert span == (expected[0], at(expected[1]), at(expected[2]))


def test_records_on_a_day_off_are_labelled_by_the_clock() -> None:
    assert shift_label(week(), at("2026-12-05 10:00")) == "day"  # Saturday overtime
    assert shift_label(week(), at("2026-12-25 15:00")) == "swing"
    assert shift_label(week(), at("2026-12-03 23:00")) == "night"
    assert shift_label(week(), at("2026-12-04 04:00")) == ""


def test_work_until_skips_breaks_nights_weekends_and_holidays() -> None:
    calendar = week()

    def work_until(start: float, work_s: float) -> float | None:
        return finish_after(lambda a, b: planned_time(calendar, a, b), start, work_s)

    # Thursday 12:00: 2 h of day shift, 8 h swing, 4 h night = 14 h before Friday 02:00.
    assert work_until(at("2026-12-03 12:00"), 3600) == at("2026-12-03 13:00")
    assert work_until(at("2026-12-03 08:30"), 3600) == at("2026-12-03 10:00")
    assert work_until(at("2026-12-03 12:00"), 15 * 3600) == at("2026-12-04 07:00")
    # Friday 21:00 plus 2 h: 1 h on Friday, the next hour on Monday (the 25th is a holiday
    # the week after, not in the way).
    assert work_until(at("2026-12-04 21:00"), 2 * 3600) == at("2026-12-07 07:00")


def test_the_order_eta_counts_only_working_time() -> None:
    order = WorkOrder(
        order_id="WO-1",
        part_number="P",
        quantity=100,
        due=at("2026-12-10 00:00"),
        machine="press",
        status=OrderStatus.RUNNING,
    )
    now = at("2026-12-04 21:00")
    wall = eta(order, 50.0, now)  # 100 parts at 50/h: 2 h
    assert wall == now + 2 * 3600
    calendar = week()
    assert eta(order, 50.0, now, lambda a, b: planned_time(calendar, a, b)) == at(
        "2026-12-07 07:00"
    )


def station(extra: str) -> str:
    return (CONFIGS / "sim_line.toml").read_text(encoding="utf-8") + "\n" + extra


def load(tmp_path: Path, text: str) -> StationConfig:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_without_a_calendar_three_shifts_cover_every_hour(tmp_path: Path) -> None:
    calendar = load(tmp_path, station("")).shift_calendar
    assert [(s.name, s.start, s.end, len(s.days)) for s in calendar.shifts] == [
        ("A", "06:00", "14:00", 7),
        ("B", "14:00", "22:00", 7),
        ("C", "22:00", "06:00", 7),
    ]


def test_older_quality_shifts_still_load(tmp_path: Path) -> None:
    text = station(
        '[quality]\nshifts = [{ name = "E", start = "07:00" }, { name = "L", start = "19:00" }]\n'
    )
    calendar = load(tmp_path, text).shift_calendar
    assert [(s.name, s.start, s.end) for s in calendar.shifts] == [
        ("E", "07:00", "19:00"),
        ("L", "19:00", "07:00"),
    ]
    # Every day, in the computer's time zone, as before.
    saturday_night = datetime.fromisoformat("2026-12-05 03:00").timestamp()
    assert shift_label(calendar, saturday_night) == "L"


def test_an_older_oee_calendar_still_loads(tmp_path: Path) -> None:
    text = station(
        '[oee]\ntimezone = "Asia/Seoul"\nholidays = [2026-12-25]\n'
        '[[oee.shifts]]\nname = "day"\nstart = "06:00"\nend = "14:00"\n'
    )
    calendar = load(tmp_path, text).shift_calendar
    assert calendar.timezone == "Asia/Seoul" and calendar.shifts[0].name == "day"
    assert shift_at(calendar, at("2026-12-25 08:00")) is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '[calendar]\nshifts = [{ name = "A", start = "06:00" }]\n'
            '[quality]\nshifts = [{ name = "A", start = "06:00" }]\n',
            "quality.shifts: shifts are defined once now, in [calendar] (docs/SYNC.md, "
            "'Shift calendar'): remove quality.shifts",
        ),
        (
            '[calendar]\nshifts = [{ name = "A", start = "06:00" }]\n'
            '[oee]\n[[oee.shifts]]\nname = "d"\nstart = "06:00"\nend = "14:00"\n',
            "oee.shifts: shifts are defined once now, in [calendar]",
        ),
        (
            '[quality]\nshifts = [{ name = "A", start = "06:00" }]\n'
            '[oee]\n[[oee.shifts]]\nname = "d"\nstart = "06:00"\nend = "14:00"\n',
            "rename [[oee.shifts]] to [[calendar.shifts]]",
        ),
        (
            '[calendar]\n[[calendar.shifts]]\nname = "d"\nstart = "6:00"\n',
            "calendar.shifts[0].start: '6:00' is not a time of day",
        ),
        (
            '[calendar]\n[[calendar.shifts]]\nname = "d"\nstart = "06:00"\nend = "14:00"\n'
            '[[calendar.shifts]]\nname = "d"\nstart = "14:00"\n',
            "calendar.shifts[1].name: duplicate shift 'd'",
        ),
    ],
)
def test_calendar_mistakes_name_the_key(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, station(extra))
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_oee_runs_on_a_station_without_sync(tmp_path: Path) -> None:
    from app.station import Station
    from tests.waiting import wait_until

    text = station("[oee]\ninterval_s = 1\n").replace(
        'states = { "0" = "Stopped", "1" = "Running" }',
        'states = { "0" = "Stopped", "1" = "Running" }\n'
        'production = { good = "cycles", ideal_cycle_s = 0.4 }',
    )
    config = load(tmp_path, text)
    assert config.sync is None
    node = Station(config, db_url=f"sqlite:///{tmp_path / 'station.db'}")
    tracker = node.oee
    assert tracker is not None and list(tracker.machines) == ["press"]
    node.start()
    try:
        wait_until(lambda: "press" in tracker.last, timeout=15, what="a first OEE interval")
        first = tracker.last["press"].end
        wait_until(lambda: tracker.last["press"].end > first, timeout=15, what="a whole one")
        result = tracker.last["press"]
        assert result.availability == 1.0  # the press runs all the time, every hour planned
        assert result.good > 0 and result.quality == 1.0
    finally:
        node.stop()
