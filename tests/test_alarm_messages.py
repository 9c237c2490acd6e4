"""Alarm messages are message ids with parameters, journaled as data, rendered by the reader."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from app.alarms.journal import AlarmJournal, history, latest_per_alarm
from app.alarms.manager import AlarmManager
from app.alarms.model import AlarmState
from app.messages import CATALOGUE, Message
from app.model import Event, EventKind, Severity
from app.storage.database import open_database
from tests.alarm_support import Clock, batch, open_gateway, station, tag_ids

CONFIG = station(
    {
        "oven": [
            {
                "name": "temp",
                "unit": "°C",
                "description": "Zone 1 temperature",
                "alarms": {
                    "h": {"limit": 700, "priority": "high"},
                    "hh": {"limit": 720, "message": "Oven far too hot"},
                },
            }
        ]
    }
)
PYMODBUS = "no answer to holding 0+4: [Input/Output] No response received after 0 retries"


def make(path: Path, clock: Clock) -> AlarmManager:
    return AlarmManager(CONFIG, tag_ids(CONFIG), AlarmJournal(open_gateway(path)), clock=clock)


def test_messages_are_journaled_as_ids_and_params_and_read_back(tmp_path: Path) -> None:
    clock = Clock(time.time())
    manager = make(tmp_path / "s.db", clock)
    manager.on_batch(batch("oven", [0], [730], clock.now))
    manager.on_event(
        Event(
            clock.advance(1),
            EventKind.COMM_LOSS,
            "oven",
            {"fault": "timeout", "detail": PYMODBUS},
            Severity.ERROR,
        )
    )
    assert manager.wait_journaled()
    with sqlite3.connect(tmp_path / "s.db") as db:
        rows = dict(
            (alarm_id, (message_id, json.loads(params), text))
            for alarm_id, message_id, params, text in db.execute(
                "SELECT alarm_id, message_id, message_params, message FROM alarm_journal "
                "WHERE event = 'raise'"
            )
        )
    assert rows["oven.temp.h"][0] == "alarm.limit.h"
    assert rows["oven.temp.h"][1]["subject"] == "Zone 1 temperature"
    assert rows["oven.temp.h"][2] == "Zone 1 temperature high: above 700 °C"  # text search
    assert rows["oven.temp.hh"][:2] == ("alarm.custom", {"text": "Oven far too hot"})
    comm_id, comm_params, comm_text = rows["oven.@comm"]
    assert (comm_id, comm_params["fault"]) == ("alarm.comm_fault", "timeout")
    assert comm_text == "No communication with oven: no answer"
    assert "Input/Output" not in comm_text and "retries" not in comm_text
    # Read back: the same Message objects (nested quantity included), the detail kept aside.
    latest, _ = latest_per_alarm(open_database(f"sqlite:///{tmp_path / 's.db'}"))
    assert latest["oven.temp.h"].message == manager.view("oven.temp.h").message
    assert latest["oven.@comm"].flags["detail"] == PYMODBUS
    again = make(tmp_path / "s.db", clock)  # restart: the comm alarm keeps its fault
    view = again.view("oven.@comm")
    assert view.message.render() == "No communication with oven: no answer"
    assert view.detail == PYMODBUS


def test_rows_of_an_older_journal_stay_readable(tmp_path: Path) -> None:
    """A journal written before message ids existed: its text comes back as "alarm.custom"."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE alarm_journal (seq INTEGER PRIMARY KEY, ts FLOAT NOT NULL, "
            "alarm_id VARCHAR(256) NOT NULL, event VARCHAR(16) NOT NULL, state VARCHAR(16) NOT "
            "NULL, previous VARCHAR(16) NOT NULL, priority INTEGER NOT NULL, device VARCHAR(64) "
            "NOT NULL, tag VARCHAR(64), condition VARCHAR(128) NOT NULL, message TEXT NOT NULL, "
            "value FLOAT, actor VARCHAR(64), comment TEXT NOT NULL, flags JSON NOT NULL)"
        )
        db.execute(
            "INSERT INTO alarm_journal VALUES (1, ?, 'oven.temp.h', 'raise', 'unack', 'normal', "
            "2, 'oven', 'temp', 'h', 'Zone 1 temperature high: above 700 °C', 710, NULL, '', ?)",
            (time.time() - 5, json.dumps({"kind": "limit", "condition": True, "acked": False})),
        )
    database = open_database(f"sqlite:///{path}")
    old = history(database)[0]
    assert old.message == Message("alarm.custom", {"text": "Zone 1 temperature high: above 700 °C"})
    # The manager restores from it and journals new rows beside it, with ids.
    clock = Clock(time.time())
    manager = make(path, clock)
    assert manager.view("oven.temp.h").state == AlarmState.UNACK
    manager.on_batch(batch("oven", [0], [730], clock.now))
    assert manager.wait_journaled()
    rows = history(database)
    assert [r.seq for r in rows] == [2, 1]
    assert rows[0].message.id == "alarm.custom" and rows[0].alarm_id == "oven.temp.hh"
    assert rows[1].message.render() == "Zone 1 temperature high: above 700 °C"


def test_an_alarm_message_renders_in_korean_through_a_translator(tmp_path: Path) -> None:
    clock = Clock(time.time())
    manager = make(tmp_path / "s.db", clock)
    manager.on_batch(batch("oven", [0], [710], clock.now))
    manager.on_device_status("oven", False, "refused", clock.advance(1))
    korean = {
        CATALOGUE["alarm.limit.h"]: "{subject} 높음: {limit} 초과",
        CATALOGUE["alarm.comm_fault"]: "{device} 통신 없음: {fault_text}",
        "connection refused": "연결 거부",
    }

    def translate(text: str) -> str:
        return korean.get(text, text)

    assert manager.view("oven.temp.h").message.render(translate) == (
        "Zone 1 temperature 높음: 700 °C 초과"
    )
    assert manager.view("oven.@comm").message.render(translate) == "oven 통신 없음: 연결 거부"
    # The journal holds the facts, so yesterday's rows render in Korean too.
    assert manager.wait_journaled()
    rows = {t.alarm_id: t for t in manager.history()}
    assert rows["oven.@comm"].message.render(translate) == "oven 통신 없음: 연결 거부"
