"""The MQTT publisher against Debian's mosquitto started by the tests on a free loopback port:
normal flow, birth and last will, a backlog replayed after the broker was down, TLS with a test
CA, wrong credentials, a refused client id and an unreachable host."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.config import StationInfo, SyncConfig
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from app.sync.publisher import MqttPublisher
from tests.alarm_support import open_gateway
from tests.conftest import REPO, free_tcp_port
from tests.mqtt_support import Broker, Collector, make_ca
from tests.waiting import wait_until

INFO = StationInfo(company="Hanbit EV", site="Ulsan", line="Line 3", station="WS-01")
ROOT = "shopfloor/v1/Hanbit EV/Ulsan/Line 3/WS-01"
SCHEMA = json.loads((REPO / "docs" / "sync-payload.schema.json").read_text(encoding="utf-8"))


def summary(n: int) -> dict[str, Any]:
    """A summary body as app/sync/summaries.py makes it (n in its start, to tell them apart)."""
    return {
        "device": "press",
        "tag": "force",
        "unit": "kN",
        "start": float(n),
        "end": n + 60.0,
        "count": 600,
        "good": 594,
        "good_fraction": 0.99,
        "min": 80.0,
        "max": 120.5,
        "mean": 100.1,
        "std": 14.1,
        "last": 99.5,
        "last_ts": n + 59.9,
    }


class Rig:
    """A real gateway on an SQLite file, its outbox, and a publisher."""

    def __init__(
        self,
        db: Path,
        environ: dict[str, str] | None = None,
        keyring: dict[tuple[str, str], str] | None = None,
        **sync: Any,
    ) -> None:
        self.db = db
        self.gateway: DatabaseGateway = open_gateway(db)
        self.state = OutboxState()
        self.kind = self.gateway.register(OutboxWriteKind(self.state))
        self.config = SyncConfig(**{"retry_max_s": 1.0, **sync})
        env = environ if environ is not None else {}
        entries = keyring if keyring is not None else {}
        self.publisher = MqttPublisher(
            self.config,
            INFO,
            self.gateway,
            self.state,
            environ=env.get,
            keyring_get=lambda service, user: entries.get((service, user)),
        )
        self.made = 0

    def make(self, n: int) -> list[str]:
        messages = []
        for _ in range(n):
            self.made += 1
            messages.append(OutboxMessage("summary", "summary/press/force", summary(self.made)))
        self.gateway.submit(self.kind, messages)
        return [m.id for m in messages]

    def delivered(self) -> list[int]:
        self.gateway.flush()
        conn = sqlite3.connect(self.db)
        try:
            found = conn.execute("SELECT seq FROM sync_outbox WHERE outcome = 'acked' ORDER BY seq")
            return [s for (s,) in found]
        finally:
            conn.close()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


def test_normal_flow_in_order_with_birth_and_will(tmp_path: Path, broker: Broker) -> None:
    collector = Collector(broker, "shopfloor/v1/#")
    rig = Rig(tmp_path / "station.db", broker=broker.url)
    rig.publisher.start()
    wait_until(lambda: rig.publisher.status.connected, 10, "the publisher's connection")
    ids = rig.make(40)
    wait_until(lambda: len(collector.data()) >= 40, 10, "40 messages at the collector")
    data = collector.data()
    assert [m["id"] for m in data] == ids
    assert [m["seq"] for m in data] == list(range(1, 41))
    assert not any(m["historical"] for m in data)
    assert data[0]["station"] == {
        "company": "Hanbit EV",
        "site": "Ulsan",
        "line": "Line 3",
        "station": "WS-01",
    }
    for topic, payload, _ in collector.snapshot():
        jsonschema.validate(payload, SCHEMA)
        assert topic.startswith(ROOT + "/")
    births = [(p, r) for t, p, r in collector.snapshot() if t == ROOT + "/state"]
    assert births[0][0]["online"] is True
    wait_until(lambda: rig.delivered() == list(range(1, 41)), 10, "every delivery marked")
    status = rig.publisher.status
    assert status.delivered == 40 and status.backlog == 0 and status.last_delivered
    rig.publisher.stop()
    wait_until(
        lambda: (
            [p["online"] for t, p, _ in collector.snapshot() if t.endswith("/state")][-1] is False
        ),
        10,
        "the station's goodbye (offline)",
    )
    collector.close()


def test_backlog_is_replayed_flagged_historical_after_the_broker_was_down(
    tmp_path: Path,
) -> None:
    broker = Broker(tmp_path / "broker")
    rig = Rig(tmp_path / "station.db", broker=broker.url, drain_rate=200)
    rig.publisher.start()  # nobody listens on the port yet
    wait_until(
        lambda: rig.publisher.status.message.id == "sync.unreachable", 10, "unreachable status"
    )
    queued = rig.make(500)
    broker.start()
    try:
        collector = Collector(broker, "shopfloor/v1/#")
        wait_until(lambda: rig.publisher.status.connected, 10, "the connection")
        live = rig.make(5)
        wait_until(lambda: len(collector.data()) >= 505, 20, "everything at the collector")
        data = collector.data()
        assert sorted(m["id"] for m in data) == sorted(queued + live)
        replayed = [m for m in data if m["historical"]]
        assert [m["id"] for m in replayed] == queued  # in order, flagged
        assert [m["id"] for m in data if not m["historical"]] == live
        # Live messages were not starved behind the 500-message replay (200 per second).
        assert data.index(next(m for m in data if not m["historical"])) < 400
        collector.close()
    finally:
        rig.publisher.stop()
        broker.stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_wrong_credentials_are_a_status_and_a_retry_never_a_crash(
    tmp_path: Path, protocol: str
) -> None:
    broker = Broker(tmp_path / "broker", passwords={"station": "right"}).start()
    env = {"MQTT_PW": "wrong"}
    rig = Rig(
        tmp_path / "station.db",
        environ=env,
        broker=broker.url,
        username="station",
        password_env="MQTT_PW",
        protocol=protocol,
    )
    refusals = {"sync.refused.credentials", "sync.refused.not_authorised"}
    try:
        rig.make(3)
        rig.publisher.start()
        wait_until(
            lambda: rig.publisher.status.message.id in refusals, 10, "the credentials status"
        )
        # mosquitto answers a wrong password with "not authorised" (MQTT 5: 0x87, 3.1.1: 5)
        assert "password" in rig.publisher.status.message.render()
        assert rig.publisher._thread is not None and rig.publisher._thread.is_alive()
        env["MQTT_PW"] = "right"  # the operator fixes the secret: the next retry gets through
        wait_until(lambda: rig.delivered() == [1, 2, 3], 15, "delivery after the fix")
        del env["MQTT_PW"]
    finally:
        rig.publisher.stop()
        broker.stop()


def test_unset_password_variable_is_named(tmp_path: Path, broker: Broker) -> None:
    rig = Rig(tmp_path / "station.db", broker=broker.url, password_env="NOT_SET_ANYWHERE")
    rig.publisher.start()
    try:
        wait_until(lambda: rig.publisher.status.message.id == "sync.no_password", 10, "status")
        assert "NOT_SET_ANYWHERE" in rig.publisher.status.message.render()
    finally:
        rig.publisher.stop()


def test_password_from_the_keyring(tmp_path: Path) -> None:
    """The broker password from an OS keyring entry (the lookup is the test's; the broker, its
    password file and the delivery are real); a missing entry is a status naming it."""
    broker = Broker(tmp_path / "broker", passwords={"station": "s3cret"}).start()
    entries: dict[tuple[str, str], str] = {}
    rig = Rig(
        tmp_path / "station.db",
        keyring=entries,
        broker=broker.url,
        username="station",
        password_keyring="shopfloor-mqtt/station",
    )
    try:
        rig.make(2)
        rig.publisher.start()
        wait_until(
            lambda: rig.publisher.status.message.id == "sync.no_keyring_password", 10, "status"
        )
        assert "shopfloor-mqtt/station" in rig.publisher.status.message.render()
        entries[("shopfloor-mqtt", "station")] = "s3cret"  # the operator stores it
        wait_until(lambda: rig.delivered() == [1, 2], 15, "delivery with the keyring password")
    finally:
        rig.publisher.stop()
        broker.stop()


def test_refused_client_id(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker", extra=("clientid_prefixes plant-",)).start()
    rig = Rig(tmp_path / "station.db", broker=broker.url, client_id="ws-01")
    try:
        rig.publisher.start()
        # mosquitto refuses a client id outside its prefixes as "not authorised" (0x87)
        wait_until(
            lambda: rig.publisher.status.message.id == "sync.refused.not_authorised", 10, "status"
        )
        said = rig.publisher.status.message.render()
        assert "ws-01" in said and "client id" in said
    finally:
        rig.publisher.stop()
        broker.stop()


def test_tls_with_a_test_ca_and_an_unknown_ca(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "pki")
    other = make_ca(tmp_path / "other", name="other")
    broker = Broker(tmp_path / "broker", tls=ca).start()
    url = f"mqtts://127.0.0.1:{broker.port}"
    trusted = Rig(tmp_path / "a.db", broker=url, tls={"ca_file": str(ca["ca"])})
    stranger = Rig(tmp_path / "b.db", broker=url, tls={"ca_file": str(other["ca"])}, client_id="x")
    try:
        trusted.make(5)
        stranger.make(5)
        trusted.publisher.start()
        stranger.publisher.start()
        wait_until(lambda: trusted.delivered() == [1, 2, 3, 4, 5], 15, "delivery over TLS")
        wait_until(lambda: stranger.publisher.status.message.id == "sync.tls", 10, "TLS status")
        assert "certificate" in stranger.publisher.status.message.render()
        assert stranger.delivered() == []
    finally:
        trusted.publisher.stop()
        stranger.publisher.stop()
        broker.stop()


def test_unreachable_host_is_a_status_with_the_backlog_counted(tmp_path: Path) -> None:
    port = free_tcp_port()
    rig = Rig(tmp_path / "station.db", broker=f"mqtt://127.0.0.1:{port}")
    rig.make(3)
    rig.publisher.start()
    try:
        wait_until(lambda: rig.publisher.status.message.id == "sync.unreachable", 10, "the status")
        wait_until(lambda: rig.publisher.status.backlog == 3, 10, "the backlog counted")
        assert "refused" in rig.publisher.status.message.render().lower()
    finally:
        rig.publisher.stop()


def test_a_message_too_large_for_the_broker_is_reported_not_retried(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker", extra=("max_packet_size 2000",)).start()
    rig = Rig(tmp_path / "station.db", broker=broker.url)
    try:
        rig.make(2)
        big = summary(3)
        big["unit"] = "x" * 5000  # larger than the broker takes (its CONNACK says 2,000 bytes)
        rig.gateway.submit(rig.kind, [OutboxMessage("summary", "summary/press/force", big)])
        rig.make(2)
        rig.publisher.start()
        wait_until(lambda: rig.delivered() == [1, 2, 4, 5], 15, "the others delivered")
        status = rig.publisher.status
        assert status.rejected == 1 and status.last_error is not None
        assert status.last_error.id == "sync.too_large"
        assert "bytes" in status.last_error.render()
        conn = sqlite3.connect(rig.db)
        (outcome,) = conn.execute("SELECT outcome FROM sync_outbox WHERE seq = 3").fetchone()
        conn.close()
        assert outcome == "rejected" and status.backlog == 0
    finally:
        rig.publisher.stop()
        broker.stop()


def test_client_certificate_required_by_the_broker(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "pki")
    broker = Broker(tmp_path / "broker", tls=ca, extra=("require_certificate true",)).start()
    url = f"mqtts://127.0.0.1:{broker.port}"
    with_cert = Rig(
        tmp_path / "a.db",
        broker=url,
        tls={
            "ca_file": str(ca["ca"]),
            "cert_file": str(ca["client_cert"]),
            "key_file": str(ca["client_key"]),
        },
    )
    without = Rig(tmp_path / "b.db", broker=url, tls={"ca_file": str(ca["ca"])}, client_id="y")
    try:
        with_cert.make(3)
        without.make(3)
        with_cert.publisher.start()
        without.publisher.start()
        wait_until(lambda: with_cert.delivered() == [1, 2, 3], 15, "delivery with a certificate")
        # Without one the handshake (or the first read after it) fails: a status, a retry.
        wait_until(
            lambda: without.publisher.status.message.id in {"sync.tls", "sync.closed.tls"},
            10,
            "a status for the missing certificate",
        )
        assert not without.publisher.status.connected and without.delivered() == []
        assert "certificate" in without.publisher.status.message.render()
        assert without.publisher._thread is not None and without.publisher._thread.is_alive()
    finally:
        with_cert.publisher.stop()
        without.publisher.stop()
        broker.stop()


def status_body(devices: int) -> dict[str, Any]:
    """A station status with many devices (a list of records: it can be split)."""
    return {
        "ts": 1000.0,
        "devices": [
            {
                "device": f"machine-{i:03d}",
                "connected": i % 3 != 0,
                "last_good": 999.5,
                "last_error": "" if i % 3 else "timeout after 1000 ms " + "·" * 20,
            }
            for i in range(devices)
        ],
        "database_ok": True,
        "database_pending": 0,
        "backlog": 7,
    }


def assert_reassembled(collector: Collector, seq: int, body: dict[str, Any]) -> list[Any]:
    # QoS 1 is at least once: a part sent again after a reconnect (the broker may drop the
    # connection over a message too large) is the same message, dropped by its id as the
    # cluster receiver does; after that, every part exactly once.
    unique: dict[str, dict[str, Any]] = {}
    for message in collector.data():
        if message["seq"] == seq:
            assert unique.setdefault(message["id"], message) == message
    parts = list(unique.values())
    assert len(parts) >= 2 and all("part" in p for p in parts)
    for p in parts:
        jsonschema.validate(p, SCHEMA)
    parts.sort(key=lambda p: p["part"]["index"])
    assert [p["part"]["index"] for p in parts] == list(range(parts[0]["part"]["count"]))
    assert len({p["part"]["of"] for p in parts}) == 1
    devices = [d for p in parts for d in p["data"]["devices"]]
    assert devices == body["devices"]
    assert {k: v for k, v in parts[0]["data"].items() if k != "devices"} == {
        k: v for k, v in body.items() if k != "devices"
    }
    return parts


@pytest.mark.parametrize(
    ("broker_lines", "sync"),
    [
        # MQTT 5: the CONNACK names the broker's maximum packet size.
        (("max_packet_size 2000",), {}),
        # MQTT 5: mosquitto refuses a payload over message_size_limit with a PUBACK reason
        # paho cannot read, so the connection dies: the suspect is sent alone, then split.
        (("message_size_limit 2000",), {}),
        # MQTT 3.1.1: the broker closes the connection on a packet over max_packet_size.
        (("max_packet_size 2000",), {"protocol": "3.1.1"}),
        # MQTT 3.1.1: mosquitto acknowledges and drops a payload over message_size_limit
        # without a word; only the configured limit can say it.
        (("message_size_limit 2000",), {"protocol": "3.1.1", "max_message_bytes": 2000}),
    ],
    ids=["max_packet_size", "message_size_limit-v5", "max_packet_size-3.1.1", "3.1.1-configured"],
)
def test_a_list_too_large_for_the_broker_is_split_into_parts(
    tmp_path: Path, broker_lines: tuple[str, ...], sync: dict[str, Any]
) -> None:
    broker = Broker(tmp_path / "broker", extra=broker_lines).start()
    collector = Collector(broker, "shopfloor/v1/#")
    rig = Rig(tmp_path / "station.db", broker=broker.url, **sync)
    try:
        rig.make(1)
        body = status_body(40)  # about 4,500 bytes as JSON
        big = OutboxMessage("status", "status", body)
        rig.gateway.submit(rig.kind, [big])
        rig.make(1)
        rig.publisher.start()
        wait_until(lambda: rig.delivered() == [1, 2, 3], 15, "all three delivered")
        parts = assert_reassembled(collector, 2, body)
        assert parts[0]["part"]["of"] == big.id
        assert all(len(json.dumps(p).encode()) <= 2000 for p in parts)
        status = rig.publisher.status
        assert status.rejected == 0 and status.backlog == 0
        assert [m["seq"] for m in collector.data() if "part" not in m] == [1, 3]
    finally:
        rig.publisher.stop()
        collector.close()
        broker.stop()


def test_a_single_record_too_large_is_marked_failed_and_the_drain_goes_on(
    tmp_path: Path,
) -> None:
    broker = Broker(tmp_path / "broker", extra=("message_size_limit 2000",)).start()
    rig = Rig(tmp_path / "station.db", broker=broker.url)
    try:
        rig.make(2)
        big = summary(3)
        big["unit"] = "x" * 5000  # one record: nothing to split
        message = OutboxMessage("summary", "summary/press/force", big)
        rig.gateway.submit(rig.kind, [message])
        rig.make(2)
        rig.publisher.start()
        wait_until(lambda: rig.delivered() == [1, 2, 4, 5], 15, "the others delivered")
        wait_until(lambda: rig.publisher.status.rejected == 1, 10, "the refusal counted")
        status = rig.publisher.status
        assert status.last_error is not None and status.last_error.id == "sync.too_large"
        assert message.id in status.last_error.render()
        conn = sqlite3.connect(rig.db)
        (outcome,) = conn.execute("SELECT outcome FROM sync_outbox WHERE seq = 3").fetchone()
        conn.close()
        assert outcome == "rejected" and status.backlog == 0
        # Not retried: later messages go, the refused one is not sent again.
        sent = status.sent
        rig.make(3)
        wait_until(lambda: rig.delivered() == [1, 2, 4, 5, 6, 7, 8], 10, "three more")
        assert rig.publisher.status.sent == sent + 3
        # The operator retries the failed message once the broker takes larger ones.
        broker.stop()
        conf = broker.conf.read_text().replace("message_size_limit 2000\n", "")
        broker.conf.write_text(conf)
        broker.start()
        rig.publisher.retry_failed()
        wait_until(lambda: rig.delivered() == list(range(1, 9)), 20, "the retried one delivered")
        assert rig.publisher.status.rejected == 0 and rig.publisher.status.backlog == 0
    finally:
        rig.publisher.stop()
        broker.stop()
