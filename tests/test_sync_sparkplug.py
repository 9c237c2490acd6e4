"""The Sparkplug B publisher against Debian's mosquitto: a subscriber decodes every payload with
the committed protobuf code and checks the Sparkplug rules: NBIRTH first with bdSeq, seq
0..255 without holes per session (wrapping), NDATA metrics as the outbox bodies, is_historical
on what waited through an outage, a new NBIRTH (next bdSeq) after it, and NDEATH at the end with
the birth's bdSeq."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from app.config import SyncConfig
from app.config.sync import SparkplugConfig
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from app.sync.sparkplug.publisher import DOUBLE, INT64, SparkplugPublisher
from app.sync.sparkplug.sparkplug_b_pb2 import Payload
from tests.alarm_support import open_gateway
from tests.mqtt_support import Broker
from tests.test_sync_mqtt import INFO, summary
from tests.waiting import wait_until

PREFIX = "spBv1.0/Hanbit-Ulsan"


class Host:
    """A Sparkplug host's view: every payload on spBv1.0/#, decoded, in order."""

    def __init__(self, broker: Broker) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        # A persistent session: the broker keeps what comes while the host is away (and, on a
        # clean stop, across its own restart), as for a real Sparkplug host.
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="host", clean_session=False
        )
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.on_connect = lambda c, *a: c.subscribe("spBv1.0/#", qos=1)
        self.client.on_subscribe = lambda *a: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        wait_until(self.ready.is_set, 10, "the host's subscription")

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        payload = Payload()
        payload.ParseFromString(message.payload)
        with self.lock:
            self.seen.append((message.topic.rsplit("/", 2)[1], payload))

    def kinds(self) -> list[str]:
        with self.lock:
            return [k for k, _ in self.seen]

    def of(self, kind: str) -> list[Any]:
        with self.lock:
            return [p for k, p in self.seen if k == kind]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def bdseq(payload: Any) -> int:
    return next(m.long_value for m in payload.metrics if m.name == "bdSeq")


def sessions(seen: list[tuple[str, Any]]) -> list[list[tuple[str, Any]]]:
    """The payloads between births (a rebirth has the same bdSeq; a new session the next)."""
    out: list[list[tuple[str, Any]]] = []
    for kind, payload in seen:
        if kind == "NBIRTH" and (not out or bdseq(payload) != bdseq(out[-1][0][1])):
            out.append([])
        if out:
            out[-1].append((kind, payload))
    return out


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


def make_rig(db: Path, broker: Broker) -> tuple[DatabaseGateway, Any, SparkplugPublisher]:
    gateway = open_gateway(db)
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    publisher = SparkplugPublisher(
        SyncConfig(broker=broker.url, retry_max_s=1.0, protocol="3.1.1"),
        SparkplugConfig(group_id="Hanbit-Ulsan", edge_node_id="WS-01"),
        INFO,
        gateway,
        state,
    )
    return gateway, kind, publisher


def test_birth_first_then_data_as_metrics_then_death(tmp_path: Path, broker: Broker) -> None:
    host = Host(broker)
    gateway, kind, publisher = make_rig(tmp_path / "station.db", broker)
    gateway.submit(kind, [OutboxMessage("summary", "summary/press/force", summary(1))])
    publisher.start()
    try:
        wait_until(lambda: len(host.of("NDATA")) == 1, 10, "one NDATA")
        assert host.kinds()[0] == "NBIRTH"
        birth = host.of("NBIRTH")[0]
        assert birth.seq == 0 and bdseq(birth) == 0
        assert "Node Control/Rebirth" in {m.name for m in birth.metrics}
        (data,) = host.of("NDATA")
        metrics = {m.name: m for m in data.metrics}
        mean = metrics["summary/press/force/mean"]
        assert mean.datatype == DOUBLE and mean.double_value == pytest.approx(100.1)
        count = metrics["summary/press/force/count"]
        assert count.datatype == INT64 and count.long_value == 600
        assert metrics["summary/press/force/unit"].string_value == "kN"
        assert data.seq >= 1 and all(m.timestamp > 0 for m in data.metrics)
        # A message with metrics the birth did not declare came after a rebirth.
        names = {m.name for m in host.of("NBIRTH")[-1].metrics}
        assert "summary/press/force/mean" in names
        wait_until(lambda: publisher.status.backlog == 0, 10, "delivered")
        assert publisher.status.delivered == 1
    finally:
        publisher.stop()
    wait_until(lambda: "NDEATH" in host.kinds(), 10, "the NDEATH at the end")
    death = host.of("NDEATH")[-1]
    assert not death.HasField("seq") and bdseq(death) == 0
    host.close()


def test_seq_counts_every_payload_and_wraps_and_history_is_flagged(
    tmp_path: Path, broker: Broker
) -> None:
    host = Host(broker)
    gateway, kind, publisher = make_rig(tmp_path / "station.db", broker)
    messages = [OutboxMessage("summary", "summary/press/force", summary(i)) for i in range(300)]
    gateway.submit(kind, messages[:20])
    gateway.flush()
    publisher.start()
    try:
        wait_until(lambda: len(host.of("NDATA")) == 20, 10, "20 NDATA")
        gateway.submit(kind, messages[20:])
        wait_until(lambda: len(host.of("NDATA")) == 300, 20, "300 NDATA")
        with host.lock:
            seen = list(host.seen)
        (session,) = sessions(seen)
        seqs = [p.seq for _, p in session]
        assert seqs == [i % 256 for i in range(len(seqs))]  # birth 0, then 1..255, 0, 1 ...
        data = [p for k, p in session if k == "NDATA"]
        starts = [next(m for m in p.metrics if m.name.endswith("/start")) for p in data]
        assert [m.double_value for m in starts] == [float(i) for i in range(300)]
        flags = [all(m.is_historical for m in p.metrics) for p in data]
        assert flags == [True] * 20 + [False] * 280
    finally:
        publisher.stop()
    wait_until(lambda: "NDEATH" in host.kinds(), 10, "the NDEATH")
    birth, death = host.of("NBIRTH")[0], host.of("NDEATH")[-1]
    assert bdseq(death) == bdseq(birth)
    host.close()


def test_after_an_outage_a_new_birth_with_the_next_bdseq_and_the_waiting_flagged(
    tmp_path: Path, broker: Broker
) -> None:
    gateway, kind, publisher = make_rig(tmp_path / "station.db", broker)
    publisher.start()
    host = Host(broker)
    try:
        wait_until(lambda: publisher.status.connected, 10, "connected")
        gateway.submit(kind, [OutboxMessage("status", "status", {"ts": 1.0, "backlog": 0})])
        wait_until(lambda: len(host.of("NDATA")) == 1, 10, "one live NDATA")
        broker.stop()
        wait_until(lambda: not publisher.status.connected, 10, "the outage noticed")
        gateway.submit(
            kind,
            [OutboxMessage("status", "status", {"ts": float(i), "backlog": i}) for i in (2, 3)],
        )
        wait_until(lambda: publisher.status.backlog == 2, 10, "two waiting")
        broker.start()

        def second_session() -> list[tuple[str, Any]]:
            with host.lock:
                found = sessions(list(host.seen))
            return found[1] if len(found) == 2 else []

        wait_until(
            lambda: sum(k == "NDATA" for k, _ in second_session()) == 2, 15, "the two replayed"
        )
        with host.lock:
            seen = list(host.seen)
        first, second = sessions(seen)
        # The broker sent the last will when the connection died: NDEATH with the session's
        # bdSeq (the host's persistent session may show a message twice after the restart).
        deaths = [p for k, p in first if k == "NDEATH"]
        assert deaths and all(bdseq(d) == 0 for d in deaths)
        assert bdseq(first[0][1]) == 0 and bdseq(second[0][1]) == 1
        assert second[0][0] == "NBIRTH" and second[0][1].seq == 0
        replayed = [p for k, p in second if k == "NDATA"]
        assert [p.seq for p in replayed] == [1, 2]
        assert all(m.is_historical for p in replayed for m in p.metrics)
        assert [
            next(m.long_value for m in p.metrics if m.name == "status/backlog") for p in replayed
        ] == [2, 3]
    finally:
        publisher.stop()
        host.close()
