"""Order ETAs count only planned production time from the shift calendar: nights, weekends,
breaks, holidays and planned stops are skipped, and the rate is per planned hour."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.config_loader import parse_config
from app.orders import Risk, WorkOrder, order_risk
from app.orders.calendar import finish_after, planned_time_of
from app.orders.model import OrderStatus, eta
from app.orders.tracker import OrderTracker
from app.tags import TagTable
from tests.test_orders import EMIL, OLGA, counters, users_book

HOUR = 3600.0


def at(day: int, hour: int, minute: int = 0) -> float:
    """January 2027 in UTC (the 15th is a Friday)."""
    return datetime(2027, 1, day, hour, minute, tzinfo=UTC).timestamp()


def config(break_end: str = "09:15", **oee: Any):  # type: ignore[no-untyped-def]
    calendar = {
        "timezone": "UTC",
        "shifts": [
            {
                "name": "day",
                "start": "06:00",
                "end": "14:00",
                "breaks": [{"start": "09:00", "end": break_end}],
            },
        ],
        **oee,
    }
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "press",
                    "driver": "simulated",
                    "production": {"good": "parts_good", "reject": "parts_reject"},
                    "tags": [
                        {"name": "parts_good", "type": "uint32", "signal": "counter:step=2"},
                        {"name": "parts_reject", "type": "uint32", "signal": "constant:mean=3"},
                    ],
                }
            ],
            "oee": calendar,
        }
    )


def running(quantity: int = 60, due: float = at(16, 12)) -> WorkOrder:
    return WorkOrder("WO-1", "EVH-220", quantity, due, status=OrderStatus.RUNNING)


def test_eta_skips_the_weekend_breaks_holidays_and_planned_stops() -> None:
    planned = planned_time_of(config())
    assert planned is not None
    friday = at(15, 13, 30)
    # 60 parts at 60 an hour: half an hour on Friday, the rest on Monday morning.
    assert eta(running(), 60.0, friday, planned) == at(18, 6, 30)
    assert order_risk(running(), 60.0, friday, planned) is Risk.AT_RISK  # due Saturday noon
    # Without a calendar every hour counts: done at 14:30 on Friday, on time.
    assert eta(running(), 60.0, friday) == friday + HOUR
    assert order_risk(running(), 60.0, friday) is Risk.ON_TIME
    # Across the break: 08:30-09:00 and 09:15-09:45.
    assert eta(running(), 60.0, at(18, 8, 30), planned) == at(18, 9, 45)
    # A holiday on Monday and a planned stop on Tuesday morning push it to Tuesday 08:30.
    busy = planned_time_of(
        config(
            holidays=["2027-01-18"],
            planned_stops=[
                {"start": "2027-01-19T06:00:00", "end": "2027-01-19T08:00:00", "reason": "x"}
            ],
        )
    )
    assert eta(running(), 60.0, friday, busy) == at(19, 8, 30)
    # A finished or empty order needs no calendar; no planned time within a year: unknown.
    assert finish_after(planned, friday, 0.0) == friday
    assert finish_after(lambda a, b: [], friday, 60.0) is None


def test_the_rate_is_per_planned_hour(tmp_path: Path) -> None:
    station = config(break_end="09:10")
    tags = TagTable(station)
    book = users_book(tmp_path / "station.db")
    book.add(EMIL, WorkOrder("WO-1", "EVH-220", 100, at(18, 14)))
    book.start(OLGA, "WO-1", "press")
    tracker = OrderTracker(station, tags, book)
    tracker.on_batch(counters(tags, 1000, 0, at(18, 8, 56)))  # the baseline
    tracker.on_batch(counters(tags, 1008, 0, at(18, 9, 0)))
    tracker.on_batch(counters(tags, 1010, 0, at(18, 9, 11)))  # 10 parts in 5 planned minutes
    (progress,) = tracker.progress(at(18, 9, 11))
    assert progress.rate_per_hour == pytest.approx(120.0)  # not 10 in 15 min = 40 an hour
    # 90 left at 120 an hour: 45 planned minutes, 09:11 to 09:56.
    assert progress.eta == pytest.approx(at(18, 9, 56))
    assert progress.risk is Risk.ON_TIME
