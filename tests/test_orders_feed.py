"""Work orders from the cluster's lead over a real mosquitto: ``shopfloor orders publish`` on
the lead's side, a headless station subscribed with its [sync] settings on the other. Valid
orders land in the OrderBook (audited); bad ones are counted with a sentence naming the field;
a revision is applied once (also across a restart); orders published while the station is
off arrive when it starts again; the payload matches docs/order-feed.schema.json."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from app.audit import AuditFilter, query
from app.config import SyncConfig
from app.config.cluster import ClusterConfig
from app.config_loader import load_config
from app.orders import WorkOrder
from app.orders.feed import OrderMessageError, order_message, order_topic, parse_order
from app.station import Station
from resources import DEMO_CONFIG
from tests.cluster_support import Sender
from tests.conftest import REPO
from tests.mqtt_support import Broker
from tests.waiting import read_until, wait_until

SCHEMA = json.loads((REPO / "docs" / "order-feed.schema.json").read_text(encoding="utf-8"))


def make_station(broker: Broker, db: Path) -> Station:
    demo = load_config(DEMO_CONFIG)  # its machines are not there: only reported down
    sync = SyncConfig(broker=broker.url, interval_s=60.0, retry_max_s=1.0)
    config = demo.model_copy(update={"sync": sync, "cluster": ClusterConfig(receive_orders=True)})
    return Station(config, db_url=f"sqlite:///{db}")


def publish(broker: Broker, to: str, csv: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app", "orders", "publish", str(csv), "--broker",
               broker.url, "--to", to, *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_orders_from_the_lead(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    db = tmp_path / "station.db"
    station = make_station(broker, db)
    info = station.config.station
    to = "/".join((info.company, info.site, info.line, info.station))
    topic = order_topic("shopfloor", info.company, info.site, info.line, info.station)
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "order,part_number,quantity,due,customer\n"
        "WO-1,EVH-220,120,2026-12-24,Hanbit\nWO-2,EVH-221,40,2026-12-28T18:00,\n"
    )
    sender = None
    try:
        station.start()
        assert station.order_subscriber is not None and station.order_feed is not None
        wait_until(station.order_subscriber.subscribed.is_set, 15, "the order subscription")
        done = publish(broker, to, csv, "--revision", "5", "--sender", "hanbit-lead")
        assert done.returncode == 0, done.stderr
        assert f"2 orders published to {topic} (revision 5)" in done.stdout
        wait_until(lambda: station.orders.get("WO-2") is not None, 15, "the orders received")
        one = station.orders.get("WO-1")
        assert one is not None and (one.quantity, one.customer, one.source) == (
            120,
            "Hanbit",
            "cluster",
        )
        # Bad orders: counted, said in words, never raised; the good one after them lands.
        sender = Sender(broker)
        good = order_message(WorkOrder("WO-3", "EVH-222", 10, time.time() + 86400), 1, "lead")
        sender.send(
            [
                (topic, {**good, "order_id": "WO-X", "quantity": "many"}),
                (topic, {k: v for k, v in good.items() if k != "part_number"}),
                (topic, {**good, "due": "next week"}),
                (topic, good),
            ]
        )
        sender.client.publish(topic, b"{not json", qos=1).wait_for_publish(10)
        wait_until(lambda: station.order_feed.counts.invalid == 4, 15, "the bad orders counted")
        wait_until(lambda: station.orders.get("WO-3") is not None, 15, "the good order")
        problems = [p.render() for p in station.order_feed.problems]
        assert any(p.startswith("order 'WO-X': quantity: must be a whole number") for p in problems)
        assert any("part_number: must be a non-empty text" in p for p in problems)
        assert any("due: must be Unix seconds or an ISO 8601" in p for p in problems)
        assert any(p.startswith("not JSON") for p in problems)
        # The same revision again: dropped; a newer one updates; an older one is dropped.
        assert publish(broker, to, csv, "--revision", "5").returncode == 0
        wait_until(lambda: station.order_feed.counts.duplicates == 2, 15, "the duplicates")
        csv.write_text("order,part_number,quantity,due\nWO-1,EVH-220,150,2026-12-24\n")
        assert publish(broker, to, csv, "--revision", "6").returncode == 0
        wait_until(lambda: station.orders.get("WO-1").quantity == 150, 15, "the update")
        csv.write_text("order,part_number,quantity,due\nWO-1,EVH-220,99,2026-12-24\n")
        assert publish(broker, to, csv, "--revision", "4").returncode == 0
        wait_until(lambda: station.order_feed.counts.duplicates == 3, 15, "the old revision")
        assert station.orders.get("WO-1").quantity == 150
    finally:
        if sender is not None:
            sender.close()
        station.stop()
    # Published while the station is off: it arrives at the next start; what was applied
    # before the restart is still known (a redelivered revision 6 is a duplicate).
    csv.write_text("order,part_number,quantity,due\nWO-4,EVH-220,7,2026-12-30\n")
    assert publish(broker, to, csv, "--revision", "1").returncode == 0
    csv.write_text("order,part_number,quantity,due\nWO-1,EVH-220,150,2026-12-24\n")
    assert publish(broker, to, csv, "--revision", "6").returncode == 0
    csv.write_text("order,part_number,quantity,due\nWO-2,EVH-221,40,2026-12-28\n")
    assert publish(broker, to, csv, "--revision", "9", "--cancel").returncode == 0
    again = make_station(broker, db)
    try:
        again.start()
        assert again.order_feed is not None
        wait_until(lambda: again.order_feed.counts.received == 3, 20, "the waiting orders")
        assert again.order_feed.counts.duplicates == 1
        assert again.orders.get("WO-4") is not None
        wait_until(lambda: str(again.orders.get("WO-2").status) == "cancelled", 10, "cancel")
        again.gateway.flush()
        entries = again.gateway.read(lambda d: query(d, AuditFilter(action="order.receive")))
        received = entries.result(10)
    finally:
        again.stop()
        broker.stop()
    by_order = {(e.target, e.details["revision"]): e for e in received}
    assert by_order[("WO-1", 5)].actor == "cluster:hanbit-lead"
    assert by_order[("WO-1", 5)].details["outcome"] == "added"
    assert by_order[("WO-1", 6)].details["outcome"] == "updated"
    assert by_order[("WO-2", 9)].details["outcome"] == "cancelled"
    assert ("WO-1", 4) not in by_order


def test_payload_schema_and_parser_agree() -> None:
    order = WorkOrder("WO-1", "EVH-220", 5, 1_800_000_000.0, "Hanbit", machine="cnc")
    body = order_message(order, 3, "lead")
    jsonschema.validate(body, SCHEMA)
    parsed = parse_order(json.dumps(body).encode())
    assert (parsed.order.order_id, parsed.revision, parsed.order.machine) == ("WO-1", 3, "cnc")
    iso = {**body, "due": "2027-01-15T08:00:00+09:00"}
    jsonschema.validate(iso, SCHEMA)
    seoul = datetime(2027, 1, 15, 8, 0, tzinfo=timezone(timedelta(hours=9)))
    assert parse_order(json.dumps(iso).encode()).order.due == seoul.timestamp()
    for bad in (
        {**body, "quantity": 0},
        {**body, "revision": 0},
        {**body, "action": "delete"},
        {**body, "colour": "red"},
        {**body, "due": "2027-01-15T08:00:00"},  # no offset: whose 08:00?
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)
        with pytest.raises(OrderMessageError):
            parse_order(json.dumps(bad).encode())


STATION_TOML = """
[station]
company = "Hanbit EV"
site = "Ulsan"
line = "Line 3"
station = "WS-01"

[sync]
broker = "{broker}"
interval_s = 60.0
retry_max_s = 1.0

[cluster]
receive_orders = true

[[devices]]
name = "press"
driver = "simulated"
poll_period_s = 0.5

[[devices.tags]]
name = "force"
unit = "kN"
"""


def station_process(config: Path, db: Path) -> subprocess.Popen[str]:
    """A headless station that takes orders from the lead, once it has subscribed."""
    command = [sys.executable, "-m", "app", "--log-level", "INFO", "run", "--headless",
               "--config", str(config), "--db", f"sqlite:///{db}"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    read_until(proc.stderr, "orders from the lead: subscribed", timeout=60)
    return proc


def stored_orders(db: Path) -> dict[str, int]:
    """Order id to quantity, as committed."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        return dict(conn.execute("SELECT order_id, quantity FROM work_orders").fetchall())
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        conn.close()


def test_orders_survive_a_kill_9_of_the_station(tmp_path: Path) -> None:
    """The station is killed while orders stream in: after a restart every order is there,
    applied once, with its revision remembered and one audit entry (row, entry and revision
    commit together; a message not acknowledged when the process died comes again and is
    either applied then or known and dropped)."""
    broker = Broker(tmp_path / "broker").start()
    config = tmp_path / "station.toml"
    config.write_text(STATION_TOML.format(broker=broker.url), encoding="utf-8")
    db = tmp_path / "station.db"
    topic = order_topic("shopfloor", "Hanbit EV", "Ulsan", "Line 3", "WS-01")
    count = 400
    due = time.time() + 7 * 86400
    orders = [
        (topic, order_message(WorkOrder(f"WO-{i:04d}", "EVH-220", 1 + i, due), 1, "lead"))
        for i in range(count)
    ]
    proc = station_process(config, db)
    sender = Sender(broker)
    try:
        sender.send(orders[:50])
        wait_until(lambda: len(stored_orders(db)) >= 40, 30, "the first orders stored")
        sender.send(orders[50:], wait=False)
        os.kill(proc.pid, signal.SIGKILL)  # while the rest streams in
        proc.wait(10)
        assert len(stored_orders(db)) < count, "the kill came too late to prove anything"
        sender.send([], wait=True)
        proc = station_process(config, db)  # the broker kept what was not acknowledged
        wait_until(lambda: len(stored_orders(db)) == count, 60, "every order stored")
        wait_until(lambda: len(feed_revisions(db)) == count, 30, "every revision remembered")
    finally:
        sender.close()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        broker.stop()
    assert stored_orders(db) == {f"WO-{i:04d}": 1 + i for i in range(count)}
    assert feed_revisions(db) == {f"WO-{i:04d}": 1 for i in range(count)}
    conn = sqlite3.connect(db)
    try:
        receipts = conn.execute(
            "SELECT target, details FROM audit_log WHERE action = 'order.receive' ORDER BY seq"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    outcomes: dict[str, list[str]] = {}
    for target, details in receipts:
        outcomes.setdefault(target, []).append(json.loads(details)["outcome"])
    assert outcomes == {order_id: ["added"] for order_id in feed_revisions(db)}


def feed_revisions(db: Path) -> dict[str, int]:
    """Order id to the revision the station remembers having applied."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        return dict(conn.execute("SELECT order_id, revision FROM order_feed").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
