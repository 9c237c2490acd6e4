"""A whole station publishing to a real mosquitto: the broker down for 30 s, and the station
killed with SIGKILL in the middle of draining its backlog. Nothing is lost, and after dropping
duplicates by id every message arrived exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema

from app.config_loader import load_config
from app.station import Station
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from tests.alarm_support import open_gateway
from tests.conftest import CONFIGS
from tests.mqtt_support import Broker, Collector
from tests.test_sync_mqtt import SCHEMA
from tests.waiting import wait_until


def line_with_sync(tmp_path: Path, broker: Broker, **sync: Any) -> Path:
    text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
    text += f'\n[sync]\nbroker = "{broker.url}"\n'
    for key, value in {"interval_s": 1.0, "retry_max_s": 1.0, **sync}.items():
        text += f"{key} = {value!r}\n"
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    return path


def outbox(db: Path) -> list[tuple[int, str, str | None]]:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT seq, id, outcome FROM sync_outbox ORDER BY seq").fetchall()
    finally:
        conn.close()


def dedupe(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for message in data:
        seen.setdefault(message["id"], message)
    return seen


def in_order(messages: list[dict[str, Any]]) -> bool:
    seqs = [m["seq"] for m in messages]
    return seqs == sorted(seqs)


def test_broker_down_for_30_s_every_summary_arrives_once_in_order(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    collector = Collector(broker, "shopfloor/v1/#")
    db = tmp_path / "station.db"
    station = Station(load_config(line_with_sync(tmp_path, broker)), db_url=f"sqlite:///{db}")
    assert station.sync is not None
    status = station.sync.publisher
    station.start()
    try:
        wait_until(lambda: len(collector.data()) >= 10, 15, "live summaries")
        broker.stop()
        wait_until(lambda: not status.status.connected, 10, "the publisher noticing")
        outage_started = time.time()
        broker_down = 30.0
        # The station goes on summarising while the broker is away.
        wait_until(lambda: time.time() - outage_started >= broker_down, 40, "the outage")
        made_during = status.status.backlog
        assert made_during >= 100, made_during
        broker.start()
        wait_until(lambda: status.status.connected, 15, "the reconnection")
        wait_until(lambda: status.status.backlog == 0, 30, "the backlog drained")
    finally:
        station.stop()
    rows = outbox(db)
    wait_until(lambda: len(dedupe(collector.data())) >= len(rows), 15, "every message")
    data = collector.data()
    collector.close()
    broker.stop()
    unique = dedupe(data)
    # Exactly the station's outbox, nothing missing, nothing extra, every mark written.
    assert sorted(m["seq"] for m in unique.values()) == [seq for seq, _, _ in rows]
    assert {m["id"] for m in unique.values()} == {id_ for _, id_, _ in rows}
    assert all(outcome == "acked" for *_, outcome in rows)
    # In order within each stream, in the order of first arrival (a subscriber may get a copy
    # again from its own broker session after the restart: that is what dedupe is for).
    replayed = [m for m in unique.values() if m["historical"]]
    live = [m for m in unique.values() if not m["historical"]]
    assert len(replayed) >= made_during - 10  # the outage's messages came as replays
    assert in_order(replayed), [m["seq"] for m in replayed]
    assert in_order(live), [m["seq"] for m in live]
    # Replayed messages were made while the broker was away (or sent but not acknowledged).
    assert all(m["created"] <= outage_started + broker_down + 15 for m in replayed)
    # What a real station sends (summaries of every tag, status) matches the documented schema.
    for message in unique.values():
        jsonschema.validate(message, SCHEMA)
    assert {m["kind"] for m in unique.values()} >= {"summary", "status"}
    per_topic: dict[str, list[dict[str, Any]]] = {}
    for m in unique.values():
        per_topic.setdefault(m["data"].get("tag", "status"), []).append(m)
    assert len(per_topic) >= 4


def prefill(db: Path, count: int) -> list[str]:
    """An outbox backlog as a station leaves it after a long outage (the production code)."""
    gateway = open_gateway(db)
    kind = gateway.register(OutboxWriteKind(OutboxState()))
    messages = [
        OutboxMessage(
            "status",
            "status",
            {
                "ts": float(n),
                "devices": [],
                "database_ok": True,
                "database_pending": 0,
                "backlog": n,
            },
        )
        for n in range(count)
    ]
    gateway.submit(kind, messages)
    assert gateway.flush()
    gateway.close()
    return [m.id for m in messages]


def headless(config: Path, db: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "app", "run", "--headless", "--config", str(config)]
    command += ["--db", f"sqlite:///{db}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_station_killed_mid_drain_loses_nothing(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    collector = Collector(broker, "shopfloor/v1/#")
    db = tmp_path / "station.db"
    backlog = prefill(db, 3000)
    config = line_with_sync(tmp_path, broker, drain_rate=300.0)
    proc = headless(config, db)
    try:
        wait_until(
            lambda: sum(m["historical"] for m in collector.data()) >= 600, 30, "a partial drain"
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    got_before = len(dedupe(collector.data()))
    assert got_before < 3000  # killed in the middle of the drain
    # The broker tells the cluster that the station vanished (its last will).
    wait_until(
        lambda: collector.online()[-1] is False,
        15,
        "the last will",
    )
    proc = headless(config, db)
    try:
        wait_until(
            lambda: set(backlog) <= set(dedupe(collector.data())), 40, "the rest of the backlog"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    rows = outbox(db)
    wait_until(
        lambda: {id_ for _, id_, o in rows if o} <= set(dedupe(collector.data())),
        10,
        "every acknowledged message at the collector",
    )
    data = collector.data()
    collector.close()
    broker.stop()
    unique = dedupe(data)
    # Every message the station acknowledged as delivered is at the collector exactly once after
    # dedupe, and nothing arrived that is not in the outbox.
    assert {id_ for _, id_, o in rows if o == "acked"} <= set(unique)
    assert set(unique) <= {id_ for _, id_, _ in rows}
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))
    backlog_seen = [m for m in data if m["id"] in set(backlog)]
    assert all(m["historical"] for m in backlog_seen)
    duplicates = len(data) - len(unique)
    assert duplicates < 1500  # at most the unacknowledged window and the marks lost to kill -9
