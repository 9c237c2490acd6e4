"""Downtime: a simulated machine that stops, the stop queued for a reason, the reason stored
through the gateway, audited and put in the sync outbox; micro-stops counted apart; the
reason tree checked with key paths."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.config import ConfigError, StationConfig
from app.config_loader import load_config
from app.oee.downtime import DowntimeError, load_stops
from app.security import Actor
from app.station import Station
from tests.conftest import free_tcp_port
from tests.waiting import wait_until

REASONS = """
[oee]
micro_stop_s = 1.0
reason_after_s = 1.5
  [[oee.reasons]]
  code = "MECH"
  en = "Mechanical"
  ko = "기계"
  reasons = [
    { code = "BEARING", en = "Bearing", ko = "베어링" },
    { code = "JAM", en = "Jam", ko = "걸림" },
  ]
  [[oee.reasons]]
  code = "MATERIAL"
  en = "No material"
  ko = "자재 없음"
"""

# The press is 2 s faulted, 2 s running (a square wave between 3 and 1); the feeder stops for
# 0.5 s every second (micro-stops); both polled every 0.1 s.
MACHINES = """
[station]
company = "Hanbit EV"
site = "Ulsan"
line = "Line 3"
station = "WS-01"

[[devices]]
name = "press"
driver = "simulated"
poll_period_s = 0.1
state_tag = "state"
states = { "1" = "Running", "3" = "Fault" }
  [[devices.tags]]
  name = "state"
  signal = "square:mean=2,amplitude=1,period=4"

[[devices]]
name = "feeder"
driver = "simulated"
poll_period_s = 0.1
state_tag = "state"
states = { "1" = "Running", "3" = "Idle" }
  [[devices.tags]]
  name = "state"
  signal = "square:mean=2,amplitude=1,period=1"
"""


def load(tmp_path: Path, text: str) -> StationConfig:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_a_stop_is_queued_explained_stored_audited_and_published(tmp_path: Path) -> None:
    port = free_tcp_port()  # nobody listens: the outbox keeps what is published
    sync = f'\n[sync]\nbroker = "mqtt://127.0.0.1:{port}"\nretry_max_s = 1.0\n'
    config = load(tmp_path, MACHINES + REASONS + sync)
    db = tmp_path / "station.db"
    node = Station(config, db_url=f"sqlite:///{db}")
    log = node.downtime
    node.start()
    try:
        # A stop waits for its reason once it has lasted 1.5 s, and ends when the press runs.
        wait_until(lambda: log.unexplained(), timeout=15, what="an unexplained stop")
        stop = log.unexplained()[0]
        assert stop.machine == "press" and stop.category == "fault"
        wait_until(lambda: log.unexplained()[0].end is not None, timeout=15, what="the stop's end")
        stop = log.unexplained()[0]
        assert 1.5 <= stop.duration(0.0) <= 2.5  # 2 s of fault, polled every 0.1 s
        wait_until(
            lambda: any(s.micro and s.machine == "feeder" for s in log.between(0, 2e9)),
            timeout=15,
            what="a micro-stop of the feeder",
        )
        assert not any(s.machine == "feeder" for s in log.unexplained())

        with pytest.raises(DowntimeError, match="not a reason"):
            log.explain(Actor.named("kim"), stop.uid, "MECH")  # not a leaf
        explained = log.explain(Actor.named("kim"), stop.uid, "MECH/BEARING", " noisy ")
        assert explained.reason == "MECH/BEARING" and explained.operator == "kim"
        assert stop.uid not in {s.uid for s in log.unexplained()}
        assert node.gateway.flush()
    finally:
        node.stop()

    # A restart reads it back from the database.
    stored = {s.uid: s for s in load_stops(node.gateway.db, 0.0)}
    assert stored[stop.uid].reason == "MECH/BEARING" and stored[stop.uid].comment == "noisy"
    assert any(s.micro for s in stored.values())
    conn = sqlite3.connect(db)
    try:
        ((details,),) = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'downtime.explain'"
        ).fetchall()
        ((topic, payload),) = conn.execute(
            "SELECT topic, payload FROM sync_outbox WHERE kind = 'downtime'"
        ).fetchall()
    finally:
        conn.close()
    assert json.loads(details)["reason_en"] == "Mechanical > Bearing"
    assert topic == "downtime/press"
    body = json.loads(payload)
    assert body["reason"] == "MECH/BEARING" and body["uid"] == stop.uid


def test_a_stop_left_open_by_a_kill_is_closed_when_the_machine_runs_again(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, MACHINES.replace("period=4", "period=6") + REASONS)
    url = f"sqlite:///{tmp_path / 'station.db'}"
    first = Station(config, db_url=url)
    first.start()
    try:
        wait_until(lambda: first.downtime.unexplained(), timeout=15, what="a stop")
        open_stop = first.downtime.unexplained()[0]
        assert first.gateway.flush()
    finally:
        # Stopped while the press is down: the stop stays open in the database.
        first.engine.stop()
        first.gateway.stop()
    assert load_stops(first.gateway.db, 0.0)[0].end is None
    again = Station(config, db_url=url)
    assert again.downtime.ongoing("press") == open_stop
    again.start()
    try:
        wait_until(
            lambda: again.downtime.ongoing("press") is None, timeout=15, what="the stop's end"
        )
        closed = [s for s in again.downtime.between(0, 2e9) if s.uid == open_stop.uid]
        assert closed and closed[0].end is not None and closed[0].end > open_stop.start
    finally:
        again.stop()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[oee]\nreasons = [{ code = "mech", en = "M", ko = "기계" }]\n',
            "oee.reasons[0].code",
        ),
        (
            '[oee]\nreasons = [{ code = "M", en = "M", ko = "기", reasons = ['
            '{ code = "A", en = "A", ko = "가" }, { code = "A", en = "B", ko = "나" }] }]\n',
            "oee.reasons[0].reasons[1].code: duplicate reason code 'A'",
        ),
        (
            '[oee]\nreasons = [{ code = "M", en = "M", ko = "기", reasons = [{ code = "A", '
            'en = "A", ko = "가", reasons = [{ code = "B", en = "B", ko = "나", reasons = ['
            '{ code = "C", en = "C", ko = "다" }] }] }] }]\n',
            "oee.reasons[0]: the reason tree under 'M' is deeper than 3 levels",
        ),
        (
            "[oee]\nmicro_stop_s = 300\nreason_after_s = 60\n",
            "oee.reason_after_s: must not be shorter than micro_stop_s (300 s)",
        ),
        ('[oee]\nreasons = [{ code = "M", en = "M" }]\n', "oee.reasons[0].ko"),
    ],
)
def test_reason_tree_mistakes_name_the_key(tmp_path: Path, table: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, MACHINES + table)
    assert any(expected in p for p in caught.value.problems), caught.value.problems
