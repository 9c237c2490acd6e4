"""A station's work orders and defects reach the cluster: with sync to a real mosquitto, an
open order's progress goes out with each status and a defect as it is entered; every message
matches the documented payload schema (docs/sync-payload.schema.json)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import jsonschema

from app.config import SyncConfig
from app.config_loader import load_config
from app.orders import WorkOrder
from app.security import Actor
from app.station import Station
from resources import DEMO_CONFIG
from tests.mqtt_support import Broker, Collector
from tests.test_quality_store import draft
from tests.test_sync_mqtt import SCHEMA
from tests.waiting import wait_until


def test_orders_and_defects_are_published(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    try:
        collector = Collector(broker, "shopfloor/v1/#")
        demo = load_config(DEMO_CONFIG)  # its machines are not there: only reported down
        sync = SyncConfig(broker=broker.url, interval_s=1.0, retry_max_s=1.0)
        station = Station(
            demo.model_copy(update={"sync": sync}), db_url=f"sqlite:///{tmp_path / 's.db'}"
        )
        anna = Actor.named("anna")
        station.orders.add(anna, WorkOrder("WO-9", "EVH-220", 120, time.time() + 3600, "Hanbit"))
        station.orders.start(anna, "WO-9", "diecast")
        station.start()
        try:
            defect = station.quality.add_defect(anna, draft())
            wanted = {"order_progress", "defect", "audit"}
            wait_until(
                lambda: wanted <= {m["kind"] for m in collector.data()},
                20,
                "an order's progress, the defect and audit entries",
            )
        finally:
            station.stop()
        messages = collector.data()
        collector.close()
    finally:
        broker.stop()
    for message in messages:
        jsonschema.validate(message, SCHEMA)
    progress = next(m["data"] for m in messages if m["kind"] == "order_progress")
    assert (progress["order_id"], progress["quantity"], progress["status"]) == (
        "WO-9",
        120,
        "running",
    )
    assert progress["machine"] == "diecast" and progress["risk"] in ("on_time", "unknown")
    published = next(m["data"] for m in messages if m["kind"] == "defect")
    assert (published["uid"], published["code"], published["action"]) == (
        defect.uid,
        "LEAK",
        "entered",
    )
    assert published["measured"] == {"leak_decay": 73.5}
    audited = [m["data"] for m in messages if m["kind"] == "audit"]
    starts = [a for a in audited if a["action"] == "order.start"]
    assert starts and starts[0]["target"] == "WO-9" and starts[0]["actor"] == "anna"
    assert [a["seq"] for a in audited] == sorted(a["seq"] for a in audited)
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(audited))
