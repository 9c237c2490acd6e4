"""Line OEE, the downtime Pareto and the calendar on hand-made timelines: machines of
different speeds, stops clipped to the window, a night shift over a daylight-saving change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.config.calendar import CalendarConfig
from app.oee.calendar import planned_time, shift_at, total
from app.oee.compute import aggregate, compute, segments
from app.oee.downtime import Stop
from app.oee.pareto import UNEXPLAINED, downtime_pareto, micro_stops

SEOUL = ZoneInfo("Asia/Seoul")


def at(text: str, zone: ZoneInfo = SEOUL) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_line_oee_weighs_each_machine_by_its_own_cycle() -> None:
    start = at("2026-12-03 06:00")
    plan = [(start, start + 3600)]
    # A fast press (10 s ideal) runs 50 min and makes 270 parts, 10 rejects.
    press = compute(
        segments([(start, "running"), (start + 3000, "fault")], start, start + 3600),
        plan,
        good=260,
        reject=10,
        ideal_cycle_s=10.0,
    )
    # A slow oven (60 s ideal) runs the whole hour and makes 50 good parts.
    oven = compute(segments([(start, "running")], start, start + 3600), plan, 50, 0, 60.0)
    line = aggregate([(press, 10.0), (oven, 60.0)])
    assert line.planned_s == 7200 and line.run_s == 3000 + 3600
    assert line.availability == pytest.approx(6600 / 7200)
    # Ideal time of everything made: 270 x 10 s + 50 x 60 s = 5700 s over 6600 s running.
    assert line.performance == pytest.approx(5700 / 6600)
    assert line.quality == pytest.approx(310 / 320)
    assert line.oee == pytest.approx(6600 / 7200 * 5700 / 6600 * 310 / 320)
    assert line.losses["breakdowns_s"] == 600
    # A machine without an ideal cycle time counts in availability and quality only.
    counter = compute(segments([(start, "idle")], start, start + 3600), plan, 0, 0, None)
    with_counter = aggregate([(press, 10.0), (oven, 60.0), (counter, None)])
    assert with_counter.availability == pytest.approx(6600 / 10800)
    assert with_counter.performance == pytest.approx(5700 / 6600)


def stop(machine: str, a: float, b: float | None, reason: str | None, micro: bool = False) -> Stop:
    return Stop(f"{machine}-{a}", machine, a, b, "fault", "A", micro, reason)


def test_the_pareto_ranks_reasons_clips_to_the_window_and_sums_to_one() -> None:
    t0 = at("2026-12-03 06:00")
    stops = [
        stop("press", t0 - 600, t0 + 600, "MECH/BEARING"),  # only 10 min inside the window
        stop("press", t0 + 1000, t0 + 1300, "ELEC/SENSOR"),
        stop("oven", t0 + 2000, t0 + 2900, "MECH/BEARING"),
        stop("oven", t0 + 3000, None, None),  # still stopped, unexplained: up to now
        stop("oven", t0 + 100, t0 + 130, None, micro=True),  # counted apart
    ]
    ranked = downtime_pareto(stops, t0, t0 + 3600, now=t0 + 3300)
    assert ranked == [
        ("MECH/BEARING", 1500.0, pytest.approx(1500 / 2100)),
        ("ELEC/SENSOR", 300.0, pytest.approx(1800 / 2100)),
        (UNEXPLAINED, 300.0, pytest.approx(1.0)),
    ]
    only_oven = downtime_pareto(stops, t0, t0 + 3600, t0 + 3300, machines={"oven"})
    assert [k for k, _, _ in only_oven] == ["MECH/BEARING", UNEXPLAINED]
    assert micro_stops(stops, t0, t0 + 3600) == {"oven": 1}
    assert downtime_pareto([], t0, t0 + 3600, t0) == []


def test_a_night_shift_over_the_end_of_daylight_saving_lasts_nine_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = CalendarConfig.model_validate(
        {
            "timezone": "Europe/Berlin",
            "shifts": [{"name": "N", "start": "22:00", "end": "06:00", "days": ["sat"]}],
        }
    )
    # Saturday 24 October 2026 22:00 CEST to Sunday 06:00 CET: the clock goes back at 03:00.
    start, end = at("2026-10-24 21:00", berlin), at("2026-10-25 07:00", berlin)
    planned = planned_time(calendar, start, end)
    assert planned == [(at("2026-10-24 22:00", berlin), at("2026-10-25 06:00", berlin))]
    assert total(planned) == 9 * 3600
    assert shift_at(calendar, at("2026-10-25 05:30", berlin)) == (
        "N",
        at("2026-10-24 22:00", berlin),
        at("2026-10-25 06:00", berlin),
    )


def test_a_micro_stop_inside_a_break_is_not_a_loss() -> None:
    calendar = CalendarConfig.model_validate(
        {
            "timezone": "Asia/Seoul",
            "shifts": [
                {
                    "name": "day",
                    "start": "06:00",
                    "end": "14:00",
                    "breaks": [{"start": "09:00", "end": "09:30"}],
                }
            ],
        }
    )
    start, end = at("2026-12-03 08:30"), at("2026-12-03 10:00")
    planned = planned_time(calendar, start, end)
    changes = [
        (start, "running"),
        (at("2026-12-03 08:50"), "idle"),  # 40 s: a micro-stop in planned time
        (at("2026-12-03 08:50") + 40, "running"),
        (at("2026-12-03 09:10"), "idle"),  # 40 s during the break: no loss at all
        (at("2026-12-03 09:10") + 40, "running"),
    ]
    result = compute(segments(changes, start, end), planned, 100, 0, 30.0, micro_stop_s=120)
    assert result.planned_s == 3600
    assert result.micro_stops == 1 and result.losses["small_stops_s"] == 40
    assert result.run_s == 3600 - 40
