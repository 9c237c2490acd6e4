"""Partner stations for the cluster tests: messages in the documented envelope
(docs/sync-payload.schema.json), published over a real broker with paho, QoS 1."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.mqtt_support import Broker


class Partner:
    """One partner station's messages, numbered like its outbox would number them."""

    def __init__(self, station: str, line: str = "L1", prefix: str = "shopfloor") -> None:
        self.ids = {"company": "Hanbit", "site": "Ulsan", "line": line, "station": station}
        self.root = f"{prefix}/v1/Hanbit/Ulsan/{line}/{station}"
        self.key = f"Hanbit/Ulsan/{line}/{station}"
        self._seq = itertools.count(1)

    def message(
        self,
        kind: str,
        sub: str,
        data: dict[str, Any],
        created: float | None = None,
        historical: bool = False,
    ) -> tuple[str, dict[str, Any]]:
        body = {
            "v": 1,
            "id": str(uuid.uuid4()),
            "seq": next(self._seq),
            "kind": kind,
            "created": time.time() if created is None else created,
            "historical": historical,
            "station": self.ids,
            "data": data,
        }
        return f"{self.root}/{sub}", body

    def status(self, connected: list[bool], at: float | None = None) -> tuple[str, dict]:
        now = time.time() if at is None else at
        devices = [
            {"device": f"m{i}", "connected": c, "last_good": now, "last_error": ""}
            for i, c in enumerate(connected)
        ]
        data = {"ts": now, "devices": devices, "database_ok": True, "database_pending": 0}
        return self.message("status", "status", {**data, "backlog": 0}, created=now)

    def oee(
        self, device: str, oee: float | None, good: int, reject: int, at: float | None = None,
        historical: bool = False,
    ) -> tuple[str, dict]:  # fmt: skip
        end = time.time() if at is None else at
        data = {
            "device": device, "start": end - 60, "end": end, "planned_s": 60.0, "run_s": 50.0,
            "availability": 50 / 60, "performance": 0.9, "quality": 0.95, "oee": oee,
            "good": good, "reject": reject,
        }  # fmt: skip
        return self.message("oee", f"oee/{device}", data, created=end, historical=historical)

    def alarm(self, alarm_id: str, state: str, priority: int) -> tuple[str, dict]:
        now = time.time()
        data = {
            "journal_seq": 1, "ts": now, "alarm_id": alarm_id, "event": "x", "state": state,
            "previous": "normal", "priority": priority, "device": "m0", "condition": "high",
            "message": "too hot",
        }  # fmt: skip
        return self.message("alarm", "alarm/m0", data, created=now)

    def order(
        self, order_id: str, quantity: int, good: int, risk: str, at: float, due: float
    ) -> tuple[str, dict]:
        data = {
            "ts": at, "order_id": order_id, "part_number": "EVH-220", "customer": "Hanbit",
            "quantity": quantity, "good": good, "reject": 1, "status": "running",
            "machine": "m0", "due": due, "rate_per_hour": 100.0, "eta": at + 3600, "risk": risk,
        }  # fmt: skip
        return self.message("order_progress", f"order/{order_id}", data, created=at)


class Sender:
    """A paho client that publishes QoS 1 and can wait for every PUBACK."""

    def __init__(self, broker: Broker, client_id: str = "test-partner") -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.connected = threading.Event()
        self.client.on_connect = lambda *args: self.connected.set()
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        if not self.connected.wait(10):
            raise AssertionError("the test partner did not connect")

    def send(self, messages: list[tuple[str, dict]], wait: bool = True) -> None:
        infos = [
            self.client.publish(topic, json.dumps(body, ensure_ascii=False), qos=1)
            for topic, body in messages
        ]
        if wait:
            for info in infos:
                info.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def store(url: str, messages: list[tuple[str, dict]], at: float | None = None) -> None:
    """Store messages as the receiver does (its write kind, through a gateway), received at
    ``at`` (default: now): the receiver's database without a broker, for the screens."""
    from app.storage.database import open_database
    from app.storage.gateway import DatabaseGateway
    from app.sync.receiver import Received, ReceivedWriteKind

    gateway = DatabaseGateway(open_database(url))
    kind = gateway.register(ReceivedWriteKind(lambda mid: None))
    when = time.time() if at is None else at
    items = [
        Received(i, topic, json.dumps(body).encode(), when)
        for i, (topic, body) in enumerate(messages)
    ]
    gateway.submit(kind, items)
    assert gateway.flush(), gateway.status.error
    gateway.close()
