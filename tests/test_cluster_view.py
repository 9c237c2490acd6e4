"""The cluster view's query over the reference receiver's database: partners publish over a
real mosquitto, the receiver stores into a real SQLite file (and a real PostgreSQL server), and
the overview shows each partner's newest status, OEE, open alarms by priority, defect rate,
orders and delivery risk, last seen and stale; the drill-down lists one station's messages."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.cluster.view import cluster_overview, station_messages
from app.storage.database import open_database
from app.storage.gateway import DatabaseGateway
from app.sync.receiver import Receiver, latest, messages, rebuild_latest
from tests.cluster_support import Partner, Sender
from tests.mqtt_support import Broker
from tests.pg_support import history_url, postgres_server  # noqa: F401 (fixtures)
from tests.waiting import wait_until


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    running = Broker(tmp_path / "broker").start()
    yield running
    running.stop()


def stored_count(url: str) -> int:
    database = open_database(url)
    try:
        with database.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())
    finally:
        database.dispose()


def run_receiver(broker: Broker, url: str) -> Receiver:
    receiver = Receiver(DatabaseGateway(open_database(url), flush_interval_s=0.1), "127.0.0.1",
                        broker.port, client_id="test-receiver")  # fmt: skip
    receiver.start()
    wait_until(receiver.subscribed.is_set, 15, "the receiver's subscription")
    return receiver


def test_overview_of_partners(broker: Broker, history_url: str) -> None:  # noqa: F811
    url = history_url
    receiver = run_receiver(broker, url)
    sender = Sender(broker)
    a, b = Partner("WS-A"), Partner("WS-B")
    now = time.time()
    try:
        # B is heard from first, then falls silent.
        sender.send([b.status([True]), b.oee("press", 0.5, 90, 10)])
        wait_until(lambda: stored_count(url) == 2, 15, "B's messages stored")
        wait_until(lambda: time.time() > now + 0.5, 5, "a moment between B and A")
        old_order = a.order("WO-1", 100, 100, "on_time", at=now - 120, due=now + 9000)
        sender.send(
            [
                old_order,  # finished since: its newest record is older than the status
                a.status([True, False], at=now),
                a.order("WO-2", 200, 50, "at_risk", at=now, due=now + 3600),
                a.order("WO-3", 100, 10, "on_time", at=now, due=now + 7200),
                a.oee("cnc", 0.6, good=95, reject=5, at=now),
                a.oee("lathe", 0.8, good=97, reject=3, at=now),
                # A replay of an older interval: must not replace the live value.
                a.oee("lathe", 0.1, good=1, reject=99, at=now - 600, historical=True),
                a.alarm("m0.temp.hi", "unack", 1),
                a.alarm("m0.press.hi", "acked", 2),
                a.alarm("m0.flow.lo", "unack", 2),
                a.alarm("m0.flow.lo", "normal", 2),  # cleared
            ]
        )
        wait_until(lambda: stored_count(url) == 13, 15, "A's messages stored")
    finally:
        sender.close()
        receiver.stop()
    database = open_database(url)
    try:
        partners = cluster_overview(database, now=time.time(), stale_after_s=3600)
        assert [p.station for p in partners] == [a.key, b.key]
        pa, pb = partners
        assert not pa.stale and not pb.stale
        assert (pa.devices_total, pa.devices_connected, pa.backlog) == (2, 1, 0)
        assert [(m.device, m.oee) for m in pa.machines] == [("cnc", 0.6), ("lathe", 0.8)]
        assert pa.oee == pytest.approx(0.7)
        assert pa.defect_rate == pytest.approx(8 / 200)
        assert pa.open_alarms == {1: 1, 2: 1}
        assert [o.order_id for o in pa.orders] == ["WO-2", "WO-3"]
        assert pa.orders[0].progress == pytest.approx(0.25)
        assert pa.risk == "at_risk"
        assert pb.risk is None and pb.open_alarms == {} and pb.defect_rate == pytest.approx(0.1)
        assert pa.received == 13 - 2 and pb.received == 2
        # Stale: not seen for longer than the limit (between B's last message and A's).
        assert pa.last_seen is not None and pb.last_seen is not None
        limit = (pa.last_seen - pb.last_seen) / 2
        later = cluster_overview(database, now=pa.last_seen + limit / 2, stale_after_s=limit)
        assert [p.stale for p in later] == [False, True]
        # The drill-down: one station's newest messages, newest first.
        recent = station_messages(database, a.key, limit=5)
        assert [m.seq for m in recent] == [11, 10, 9, 8, 7]
        assert recent[-1].historical and recent[-1].data["good"] == 1
        only_oee = station_messages(database, a.key, kinds=("oee",))
        assert [m.data["device"] for m in only_oee] == ["lathe", "lathe", "cnc"]
        # A database from before the latest table: rebuilt from the messages, same answer.
        with database.begin() as conn:
            conn.execute(delete(latest))
        rebuild_latest(database)
        again = cluster_overview(database, now=time.time(), stale_after_s=3600)
        assert [p.to_dict() for p in again] == [p.to_dict() for p in partners]
    finally:
        database.dispose()


def test_malformed_messages_are_dropped_not_fatal(broker: Broker, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cluster.db'}"
    receiver = run_receiver(broker, url)
    sender = Sender(broker)
    a = Partner("WS-A")
    try:
        topic, body = a.status([True])
        broken = {k: v for k, v in body.items() if k != "seq"}
        sender.send([(topic, broken), (topic, {**body, "created": "soon"}), a.status([True])])
        wait_until(lambda: stored_count(url) == 1, 15, "the good message stored")
    finally:
        sender.close()
        receiver.stop()
    assert receiver.kind.stored == 1


def test_cluster_status_command_shows_the_overview(broker: Broker, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cluster.db'}"
    receiver = run_receiver(broker, url)
    sender = Sender(broker)
    a = Partner("WS-A")
    now = time.time()
    try:
        sender.send([a.status([True], at=now), a.order("WO-7", 10, 2, "late", now, now - 60)])
        sender.send([a.alarm("m0.temp.hi", "unack", 1)])
        wait_until(lambda: stored_count(url) == 3, 15, "the messages stored")
    finally:
        sender.close()
        receiver.stop()
    command = [sys.executable, "-m", "app", "cluster", "status", "--db", url]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (station,) = json.loads(done.stdout)
    assert station["station"] == a.key and station["received"] == 3
    assert station["missing"] == 0 and station["stale"] is False
    assert station["risk"] == "late" and station["open_alarms"] == {"1": 1}
    assert station["orders"][0]["order_id"] == "WO-7"
    wait_until(lambda: time.time() > now + 1.5, 5, "the partner silent for over 1 s")
    text = subprocess.run(
        [*command, "--stale-after", "1"], capture_output=True, text=True, timeout=60
    )
    assert text.returncode == 0, text.stderr
    assert "STALE" in text.stdout and "late" in text.stdout and "P1: 1" in text.stdout
