"""OEE arithmetic on hand-made shift timelines: breaks, planned stops, holidays, a night shift
that crosses midnight, micro-stops, counter resets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.config.calendar import CalendarConfig
from app.oee.calendar import planned_time, total
from app.oee.compute import compute, counter_increase, segments

SEOUL = ZoneInfo("Asia/Seoul")


def at(text: str) -> float:
    """``"2026-12-03 06:00"`` in Seoul as Unix time."""
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL).timestamp()


def calendar(**extra: object) -> CalendarConfig:
    return CalendarConfig.model_validate(
        {
            "timezone": "Asia/Seoul",
            "shifts": [
                {
                    "name": "day",
                    "start": "06:00",
                    "end": "14:00",
                    "breaks": [{"start": "09:00", "end": "09:30"}],
                },
                {
                    "name": "night",
                    "start": "22:00",
                    "end": "06:00",
                    "breaks": [{"start": "02:00", "end": "02:30"}],
                },
            ],
            **extra,
        }
    )


def test_day_shift_with_a_break_a_fault_and_a_planned_stop() -> None:
    # Thursday 2026-12-03, the day shift: 8 h minus a 30 min break = 7.5 h planned.
    start, end = at("2026-12-03 06:00"), at("2026-12-03 14:00")
    planned = planned_time(calendar(), start, end)
    assert total(planned) == 7.5 * 3600
    changes = [
        (at("2026-12-03 05:50"), "running"),  # already running when the shift starts
        (at("2026-12-03 08:00"), "fault"),  # 45 min breakdown
        (at("2026-12-03 08:45"), "running"),
        (at("2026-12-03 12:00"), "planned_stop"),  # 30 min planned (a meeting)
        (at("2026-12-03 12:30"), "running"),
    ]
    timeline = segments(changes, start, end)
    result = compute(timeline, planned, good=570, reject=30, ideal_cycle_s=30.0)
    # Planned production = 7.5 h - 0.5 h planned stop = 7 h; running = 7 h - 45 min = 6.25 h
    # (the break 09:00-09:30 falls in running time and is not counted).
    assert result.planned_s == 7.5 * 3600 and result.planned_stop_s == 1800
    assert result.run_s == 6.25 * 3600
    assert result.availability == pytest.approx(6.25 / 7)
    assert result.performance == pytest.approx(30 * 600 / (6.25 * 3600))  # 18,000 s ideal
    assert result.quality == pytest.approx(570 / 600)
    assert result.oee == pytest.approx(30 * 570 / (7 * 3600))  # ideal time of good parts
    assert result.losses["breakdowns_s"] == 45 * 60 and result.micro_stops == 0
    assert result.losses["reduced_speed_s"] == pytest.approx(6.25 * 3600 - 18_000)
    assert result.losses["quality_loss_s"] == 900


def test_night_shift_crosses_midnight_and_holidays_start_no_shift() -> None:
    # From Thursday 20:00 to Friday 08:00: the night shift 22:00-06:00 minus its break 02:00-02:30
    # (7.5 h), and Friday's day shift from 06:00 to 08:00 (2 h).
    start, end = at("2026-12-03 20:00"), at("2026-12-04 08:00")
    planned = planned_time(calendar(), start, end)
    assert planned == [
        (at("2026-12-03 22:00"), at("2026-12-04 02:00")),
        (at("2026-12-04 02:30"), at("2026-12-04 08:00")),
    ]
    assert total(planned) == 9.5 * 3600
    # Thursday a holiday: no night shift starts on it; Friday's day shift still runs.
    holiday = planned_time(calendar(holidays=["2026-12-03"]), start, end)
    assert holiday == [(at("2026-12-04 06:00"), at("2026-12-04 08:00"))]
    # Wednesday's night shift runs into the holiday morning: it belongs to Wednesday.
    morning = planned_time(
        calendar(holidays=["2026-12-03"]), at("2026-12-03 00:00"), at("2026-12-03 12:00")
    )
    assert morning == [
        (at("2026-12-03 00:00"), at("2026-12-03 02:00")),
        (at("2026-12-03 02:30"), at("2026-12-03 06:00")),
    ]
    # The weekend: shifts run Monday to Friday by default, so Saturday's night has none.
    assert planned_time(calendar(), at("2026-12-05 20:00"), at("2026-12-06 08:00")) == []


def test_night_shift_oee_over_midnight_with_a_planned_stop() -> None:
    stops = [{"start": "2026-12-04T03:00:00", "end": "2026-12-04T04:00:00", "reason": "PM"}]
    config = calendar(planned_stops=stops)
    start, end = at("2026-12-03 22:00"), at("2026-12-04 06:00")
    planned = planned_time(config, start, end)
    assert total(planned) == 6.5 * 3600  # 8 h - 30 min break - 1 h planned maintenance
    changes = [
        (at("2026-12-03 22:00"), "setup"),  # 20 min changeover
        (at("2026-12-03 22:20"), "running"),
        (at("2026-12-04 03:00"), "maintenance"),  # the planned stop: not a loss
        (at("2026-12-04 04:00"), "running"),
    ]
    result = compute(segments(changes, start, end), planned, 1000, 0, 20.0)
    # Running: 22:20-02:00 (3 h 40) + 02:30-03:00 (30 min) + 04:00-06:00 (2 h) = 6 h 10 min.
    assert result.run_s == (6 * 60 + 10) * 60
    assert result.availability == pytest.approx((6 * 60 + 10) / (6.5 * 60))
    assert result.losses["setup_s"] == 20 * 60
    assert result.losses["breakdowns_s"] == 0  # maintenance fell inside the planned stop
    assert result.quality == 1.0 and result.oee == pytest.approx(20_000 / (6.5 * 3600))


def test_micro_stops_are_counted_apart_from_breakdowns() -> None:
    start = at("2026-12-03 06:00")
    planned = [(start, start + 3600)]
    changes: list[tuple[float, str | None]] = [(start, "running")]
    for k in range(5):  # five 30 s jams
        changes += [(start + 600 * (k + 1), "idle"), (start + 600 * (k + 1) + 30, "running")]
    changes += [(start + 3300, "fault")]  # and one 5-minute breakdown at the end
    result = compute(segments(changes, start, start + 3600), planned, 100, 0, 30.0)
    assert result.micro_stops == 5 and result.losses["small_stops_s"] == 150
    assert result.losses["breakdowns_s"] == 300
    assert result.run_s == 3600 - 150 - 300


def test_nothing_planned_or_nothing_made_gives_none_not_a_division_by_zero() -> None:
    empty = compute([], [], 0, 0, 30.0)
    assert empty.availability is None and empty.oee is None and empty.quality is None
    start = at("2026-12-03 06:00")
    idle = compute([(start, start + 60, "idle")], [(start, start + 60)], 0, 0, None)
    assert idle.availability == 0.0 and idle.performance is None and idle.quality is None


def test_counter_increase_survives_resets_and_bad_readings() -> None:
    assert counter_increase(np.array([10, 11, 11, 14])) == 4
    assert counter_increase(np.array([98, 99, 2, 5])) == 1 + 2 + 3  # reset to 0 then 2
    assert counter_increase(np.array([5, np.nan, 7])) == 2
    assert counter_increase(np.array([5])) == 0


@pytest.mark.parametrize(
    ("shift", "problem"),
    [
        ({"name": "a", "start": "6:00", "end": "14:00"}, "not a time of day"),
        (
            {
                "name": "a",
                "start": "06:00",
                "end": "14:00",
                "breaks": [{"start": "15:00", "end": "15:30"}],
            },
            "not inside the shift",
        ),
        ({"name": "a", "start": "06:00", "end": "14:00", "days": ["mon", "funday"]}, "funday"),
    ],
)
def test_calendar_mistakes_are_named(shift: dict, problem: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        CalendarConfig.model_validate({"shifts": [shift]})
    assert problem in str(caught.value)


CELL = """
[station]
company = "Hanbit EV"
site = "Ulsan"
line = "Line 3"
station = "WS-01"

[calendar]
timezone = "Asia/Seoul"
[[calendar.shifts]]
name = "day"
start = "06:00"
end = "14:00"
breaks = [{ start = "09:00", end = "09:30" }]

[[devices]]
name = "cnc"
driver = "simulated"
state_tag = "state"
states = { "1" = "Running", "3" = "Fault", "5" = { label = "점검", category = "maintenance" } }
production = { good = "good", reject = "reject", ideal_cycle_s = 30.0 }
  [[devices.tags]]
  name = "state"
  signal = "constant:mean=1"
  [[devices.tags]]
  name = "good"
  signal = "constant:mean=0"
  [[devices.tags]]
  name = "reject"
  signal = "constant:mean=0"
"""


def test_the_tracker_puts_each_intervals_oee_into_the_outbox(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import sqlite3

    from app.config_loader import load_config
    from app.model import Quality, SampleBatch
    from app.sync.service import SyncRecorder
    from app.tags import TagTable
    from tests.alarm_support import open_gateway

    path = tmp_path / "cell.toml"
    path.write_text(CELL, encoding="utf-8")
    config = load_config(path)
    table = TagTable(config)
    ids = [table.by_name(f"cnc.{n}").id for n in ("state", "good", "reject")]
    gateway = open_gateway(tmp_path / "station.db")
    start = at("2026-12-03 08:55")  # an hour from 08:55 to 09:55 holds the 30-minute break
    recorder = SyncRecorder(gateway, table, 3600.0, with_journal=False, now=start, config=config)
    recorder.oee.start = start  # type: ignore[union-attr]
    recorder.oee.end = start + 3600  # type: ignore[union-attr]

    def poll(t: float, state: int, good: int, reject: int) -> None:
        recorder.on_batch(
            SampleBatch.uniform(
                "cnc",
                np.asarray(ids, dtype=np.int32),
                t,
                np.asarray([state, good, reject], dtype=np.float64),
                np.zeros(3, dtype=np.uint8) + Quality.GOOD,
            )
        )

    poll(start, 1, 1000, 10)  # running
    poll(start + 1200, 3, 1040, 10)  # 09:15 a fault (inside the break: not counted)
    poll(start + 2400, 1, 1040, 10)  # 09:35 running again: 5 planned minutes lost
    poll(start + 3599, 1, 1090, 12)
    recorder.oee.tick(start + 3600)  # type: ignore[union-attr]
    assert gateway.flush()
    conn = sqlite3.connect(tmp_path / "station.db")
    ((topic, payload),) = conn.execute("SELECT topic, payload FROM sync_outbox").fetchall()
    conn.close()
    body = json.loads(payload)
    assert topic == "oee/cnc"
    assert body["planned_s"] == 1800  # 08:55-09:00 and 09:30-09:55
    assert body["run_s"] == pytest.approx(1500)  # the fault ran until 09:35
    assert body["availability"] == pytest.approx(1500 / 1800)
    assert (body["good"], body["reject"]) == (90, 2)
    assert body["quality"] == pytest.approx(90 / 92)
    assert body["performance"] == pytest.approx(30 * 92 / 1500)
    assert body["oee"] == pytest.approx(30 * 90 / 1800)
    assert body["losses"]["breakdowns_s"] == 300


def test_a_shift_report_combines_the_intervals_of_the_shift(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import sqlite3

    from app.config_loader import load_config
    from app.model import Quality, SampleBatch
    from app.sync.service import SyncRecorder
    from app.tags import TagTable
    from tests.alarm_support import open_gateway

    path = tmp_path / "cell.toml"
    # One shift 10:00-11:00 without breaks; the tracker closes an interval every 30 minutes.
    path.write_text(
        CELL.replace('start = "06:00"\nend = "14:00"', 'start = "10:00"\nend = "11:00"').replace(
            'breaks = [{ start = "09:00", end = "09:30" }]\n', ""
        ),
        encoding="utf-8",
    )
    config = load_config(path)
    table = TagTable(config)
    ids = [table.by_name(f"cnc.{n}").id for n in ("state", "good", "reject")]
    gateway = open_gateway(tmp_path / "station.db")
    start = at("2026-12-03 10:00")
    recorder = SyncRecorder(gateway, table, 1800.0, with_journal=False, now=start, config=config)
    tracker = recorder.oee
    assert tracker is not None

    def poll(t: float, state: int, good: int, reject: int) -> None:
        tracker.on_batch(
            SampleBatch.uniform(
                "cnc",
                np.asarray(ids, dtype=np.int32),
                t,
                np.asarray([state, good, reject], dtype=np.float64),
                np.zeros(3, dtype=np.uint8) + Quality.GOOD,
            )
        )

    poll(start, 1, 0, 0)
    poll(start + 1500, 3, 50, 0)  # 10:25 fault for 10 minutes
    poll(start + 2100, 1, 50, 0)
    poll(start + 3599, 1, 100, 5)
    tracker.tick(start + 1800)
    tracker.tick(start + 3600)
    assert gateway.flush()
    conn = sqlite3.connect(tmp_path / "station.db")
    found = conn.execute("SELECT topic, payload FROM sync_outbox ORDER BY seq").fetchall()
    conn.close()
    topics = [t for t, _ in found]
    assert topics == ["oee/cnc", "oee/cnc/shift", "oee/cnc"]
    shift = json.loads(found[1][1])
    assert (shift["shift"], shift["day"]) == ("day", "2026-12-03")
    assert shift["planned_s"] == 3600 and shift["run_s"] == 3000
    assert (shift["good"], shift["reject"]) == (100, 5)
    assert shift["availability"] == pytest.approx(3000 / 3600)
    assert shift["performance"] == pytest.approx(30 * 105 / 3000)
    assert shift["oee"] == pytest.approx(30 * 100 / 3600)
    assert shift["losses"]["breakdowns_s"] == 600
    import jsonschema

    from tests.test_sync_mqtt import SCHEMA

    station = {"company": "c", "site": "s", "line": "l", "station": "x"}
    for _, payload in found:  # as the publisher wraps them
        envelope = {
            "v": 1,
            "id": "6d2b9ff4-7547-479b-9c48-03b37ef0070a",
            "seq": 1,
            "kind": "oee",
            "created": 0.0,
            "historical": False,
            "station": station,
            "data": json.loads(payload),
        }
        jsonschema.validate(envelope, SCHEMA)
