"""A changed station config is an audit entry: two real stations started one after the other
on the same SQLite file, the second with a changed limit and one more tag; the entry names
each changed key path with before and after, and an unchanged restart writes nothing."""

from __future__ import annotations

from pathlib import Path

from app.audit import AuditFilter, AuditTrail, query, verify
from app.audit.config_changes import changes, record_config_change
from app.storage.state import StateStore
from tests.alarm_support import open_gateway
from tests.test_alarm_manager import oven_config


def started_with(db: Path, **temp_alarms: object) -> bool:
    gateway = open_gateway(db)
    written = record_config_change(
        StateStore(gateway), AuditTrail(gateway, "S1"), oven_config(**temp_alarms)
    )
    assert gateway.flush()
    gateway.close()
    return written


def config_entries(db: Path) -> list:
    gateway = open_gateway(db)
    found = query(gateway.db, AuditFilter(since=0.0, action="config.", limit=10))
    assert verify(gateway.db).ok
    gateway.close()
    return found


def test_first_run_then_a_changed_limit_then_no_change(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    assert started_with(db)
    first = config_entries(db)
    assert [e.details.get("first_run") for e in first] == [True]

    assert started_with(db, h={"limit": 690, "priority": "high"})
    newest = config_entries(db)[0]
    assert newest.action == "config.change" and newest.actor == "system"
    assert {"path": "devices.oven.tags.temp.alarms.h.limit", "before": 700.0, "after": 690.0} in (
        newest.details["changes"]
    )
    assert newest.details["sha256_before"] == first[0].details["sha256_after"]

    assert not started_with(db, h={"limit": 690, "priority": "high"})  # the same again
    assert len(config_entries(db)) == 2


def test_changes_name_tables_by_name_and_see_additions() -> None:
    before = {"devices": [{"name": "a", "tags": [{"name": "t", "unit": "°C"}]}]}
    after = {
        "devices": [{"name": "a", "tags": [{"name": "t", "unit": "K"}, {"name": "u"}]}],
        "sync": {"interval_s": 60},
    }
    assert list(changes(before, after)) == [
        {"path": "devices.a.tags.t.unit", "before": "°C", "after": "K"},
        {"path": "devices.a.tags.u", "before": None, "after": {"name": "u"}},
        {"path": "sync", "before": None, "after": {"interval_s": 60}},
    ]
