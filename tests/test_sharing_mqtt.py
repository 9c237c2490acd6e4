"""A station that shares only what its policy grants, publishing to a real mosquitto: a
subscriber to every topic of the broker sees the partner's copies (granted tag, granted
fields, provenance) and nothing else, not one denied tag or field."""

from __future__ import annotations

from pathlib import Path

import jsonschema

from app.config_loader import load_config
from app.station import Station
from tests.mqtt_support import Broker, Collector
from tests.test_sync_mqtt import SCHEMA
from tests.test_sync_station import line_with_sync
from tests.waiting import wait_until

POLICY = """
[sharing]
version = 2

[[sharing.partners]]
name = "lead"
kinds = ["summary"]
tags = ["oven.temp"]
resolution_s = 1
fields = { summary = ["mean", "count"] }
"""


def test_only_granted_tags_and_fields_leave_the_station(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    try:
        everything = Collector(broker, "#", client_id="wiretap")
        config = line_with_sync(tmp_path, broker)  # [sync] is the file's last table
        text = config.read_text(encoding="utf-8") + "publish_own = false\n" + POLICY
        config.write_text(text, encoding="utf-8")
        station = Station(load_config(config), db_url=f"sqlite:///{tmp_path / 'station.db'}")
        station.start()
        try:
            wait_until(lambda: len(everything.data()) >= 3, 20, "three shared summaries")
        finally:
            station.stop()
        seen = everything.snapshot()
        everything.close()
    finally:
        broker.stop()
    messages = [(topic, payload) for topic, payload, _ in seen if "seq" in payload]
    assert len(messages) >= 3
    for topic, payload in messages:
        jsonschema.validate(payload, SCHEMA)  # a shared copy is a documented payload too
        assert "/shared/lead/summary/oven/temp" in topic, topic
        body = payload["data"]
        assert (body["device"], body["tag"]) == ("oven", "temp")
        assert set(body) == {"device", "tag", "unit", "start", "end", "mean", "count", "provenance"}
        assert body["provenance"]["policy_version"] == 2
        assert body["provenance"]["source_tags"] == ["oven.temp"]
    # Nothing else went over the wire: no other tag, no min/max/std, no status, no alarms.
    text = " ".join(str(payload) for _, payload in messages)
    for denied in ("force", "cycles", "'min'", "'max'", "'std'", "'status'"):
        assert denied not in text, denied
