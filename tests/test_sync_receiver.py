"""The reference receiver as a real process behind a real mosquitto: it stores every message
once, drops duplicates by id, shows gaps per station, and loses nothing when killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.mqtt_support import Broker
from tests.test_sync_mqtt import ROOT, Rig
from tests.waiting import read_until, wait_until


def receiver(broker: Broker, db: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "app", "cluster-receiver", "--broker", broker.url]
    command += ["--db", f"sqlite:///{db}"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    read_until(proc.stderr, "receiving shopfloor/v1/#", timeout=30)
    return proc


def stored(db: Path) -> list[tuple[str, int]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT id, seq FROM cluster_messages ORDER BY seq").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def status(db: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "app", "cluster", "status", "--db", f"sqlite:///{db}", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_receiver_dedupes_reports_gaps_and_survives_kill_9(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    cluster_db = tmp_path / "cluster.db"
    proc = receiver(broker, cluster_db)
    rig = Rig(tmp_path / "station.db", broker=broker.url, drain_rate=100)
    try:
        ids = rig.make(400)
        # Two messages lost elsewhere (never sent): the receiver must show the gap 5-6.
        wait_until(lambda: rig.state.newest_seq == 400, 10, "the outbox commit")
        conn = sqlite3.connect(rig.db)
        with conn:
            conn.execute("UPDATE sync_outbox SET delivered = 1, outcome = 'x' WHERE seq IN (5,6)")
        conn.close()
        rig.publisher.start()
        wait_until(lambda: len(stored(cluster_db)) >= 100, 20, "the first messages stored")
        os.kill(proc.pid, signal.SIGKILL)  # the receiver dies mid-stream
        proc.wait(10)
        assert len(stored(cluster_db)) < 300
        wait_until(lambda: rig.publisher.status.delivered >= 398, 20, "the station's drain")
        # A duplicate arrives (a station resending after a lost PUBACK).
        first = json.loads(_payload_of(rig, 1))
        raw = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        raw.connect("127.0.0.1", broker.port)
        raw.loop_start()
        raw.publish(ROOT + "/summary/press/force", json.dumps(first), qos=1).wait_for_publish(10)
        raw.disconnect()
        raw.loop_stop()
        proc = receiver(broker, cluster_db)  # the broker kept what came meanwhile
        wait_until(lambda: len(stored(cluster_db)) >= 398, 30, "every message stored")
        wait_until(lambda: status(cluster_db)[0]["duplicates_dropped"] >= 1, 20, "the dupe")
    finally:
        rig.publisher.stop()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
        broker.stop()
    rows = stored(cluster_db)
    assert sorted(i for i, _ in rows) == sorted(ids[:4] + ids[6:])  # each exactly once
    (report,) = status(cluster_db)
    assert report["station"] == "Hanbit EV/Ulsan/Line 3/WS-01"
    assert report["received"] == 398 and report["duplicates_dropped"] >= 1
    assert report["gaps"] == [[5, 6]] and report["missing"] == 2
    assert report["first_seq"] == 1 and report["last_seq"] == 400
    assert report["online"] is False  # the station said goodbye
    text = subprocess.run(
        [sys.executable, "-m", "app", "cluster", "status", "--db", f"sqlite:///{cluster_db}"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "398 received" in text and "2 missing (gaps: 5-6)" in text


def _payload_of(rig: Rig, seq: int) -> str:
    conn = sqlite3.connect(rig.db)
    try:
        id_, created, payload = conn.execute(
            "SELECT id, created, payload FROM sync_outbox WHERE seq = ?", (seq,)
        ).fetchone()
    finally:
        conn.close()
    station = {"company": "Hanbit EV", "site": "Ulsan", "line": "Line 3", "station": "WS-01"}
    return json.dumps(
        {
            "v": 1,
            "id": id_,
            "seq": seq,
            "kind": "summary",
            "created": created,
            "historical": True,
            "station": station,
            "data": json.loads(payload),
        }
    )
