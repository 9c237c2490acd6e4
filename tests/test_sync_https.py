"""The HTTPS sink against a real local HTTPS endpoint (ThreadingHTTPServer, a test CA made by
trustme): batches in order with an idempotency key and the token, the endpoint down for a while
then back (every message once after dedupe, in order, the waiting ones historical), an answer
lost after the endpoint stored a batch, 4xx refusals found and reported, 413, 429, an unknown
CA, and the operator's retry of failed messages."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.config import StationInfo
from app.config.sync import HttpsSinkConfig
from app.storage.gateway import DatabaseGateway
from app.sync.https import HttpsSink, idempotency_key
from app.sync.outbox import OutboxMessage, OutboxPurge, OutboxState, OutboxWriteKind
from app.sync.sinks import Floor
from tests.alarm_support import open_gateway
from tests.conftest import REPO
from tests.https_support import HttpsEndpoint
from tests.waiting import wait_until

INFO = StationInfo(company="Hanbit EV", site="Ulsan", line="Line 3", station="WS-01")
SCHEMA = json.loads((REPO / "docs" / "sync-payload.schema.json").read_text(encoding="utf-8"))


def summary(n: int) -> dict[str, Any]:
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
    """A real gateway on an SQLite file, its outbox, and an HTTPS sink."""

    def __init__(self, db: Path, endpoint: HttpsEndpoint, **https: Any) -> None:
        self.db = db
        self.gateway: DatabaseGateway = open_gateway(db)
        self.state = OutboxState()
        self.kind = self.gateway.register(OutboxWriteKind(self.state))
        self.config = HttpsSinkConfig(
            **{
                "url": endpoint.url,
                "ca_file": str(endpoint.ca_file),
                "retry_min_s": 0.05,
                "retry_max_s": 0.4,
                **https,
            }
        )
        self.environ = {"CLOUD_TOKEN": "t0k3n"}
        self.floor = Floor()
        self.sink = HttpsSink(
            self.config, INFO, self.gateway, self.state, self.floor, environ=self.environ.get
        )
        self.made = 0

    def make(self, n: int) -> list[str]:
        messages = []
        for _ in range(n):
            self.made += 1
            messages.append(OutboxMessage("summary", "summary/press/force", summary(self.made)))
        self.gateway.submit(self.kind, messages)
        return [m.id for m in messages]

    def submit(self, *messages: OutboxMessage) -> None:
        self.gateway.submit(self.kind, list(messages))

    def failed(self) -> list[tuple[int, str, str]]:
        self.gateway.flush()
        conn = sqlite3.connect(self.db)
        try:
            return list(conn.execute("SELECT seq, id, detail FROM sync_failed ORDER BY seq"))
        finally:
            conn.close()


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[HttpsEndpoint]:
    e = HttpsEndpoint(tmp_path / "pki").start()
    yield e
    e.stop()


def test_batches_in_order_with_key_and_token_and_the_endpoint_down_then_back(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    rig = Rig(tmp_path / "station.db", endpoint, token_env="CLOUD_TOKEN", batch_size=25)
    endpoint.ingest.token = "t0k3n"
    ids = rig.make(60)
    rig.sink.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) == 60, 15, "the first 60")
        wait_until(lambda: rig.sink.status.backlog == 0, 10, "the backlog empty")
        assert rig.sink.status.connected and rig.sink.status.delivered == 60
        for batch in endpoint.ingest.batches:
            assert batch["auth"] == "Bearer t0k3n"
            assert len(batch["body"]["messages"]) <= 25
            assert batch["key"] == idempotency_key([m["id"] for m in batch["body"]["messages"]])
            for m in batch["body"]["messages"]:
                jsonschema.validate(m, SCHEMA)
                assert m["topic"] == "summary/press/force"
        # Waiting at start: historical.
        assert all(m["historical"] for m in endpoint.ingest.deduped())
        live = rig.make(5)
        wait_until(lambda: len(endpoint.ingest.deduped()) == 65, 10, "5 live ones")
        assert not any(m["historical"] for m in endpoint.ingest.deduped()[60:])

        endpoint.stop()  # the platform goes away for a while
        during = rig.make(30)
        wait_until(
            lambda: rig.sink.status.message.id == "sync.https.unreachable", 10, "unreachable"
        )
        status = rig.sink.status
        assert not status.connected and status.backlog == 30 and status.oldest is not None
        assert "retrying in" in status.message.render()
        endpoint.ingest.drop_answer_once = True  # the first batch back: stored, answer lost
        endpoint.start()
        after = rig.make(5)
        wait_until(lambda: len(endpoint.ingest.deduped()) == 100, 20, "all 100 after dedupe")
        kept = endpoint.ingest.deduped()
        assert [m["id"] for m in kept] == ids + live + during + after
        assert [m["seq"] for m in kept] == list(range(1, 101))
        assert all(m["historical"] for m in kept[65:95])  # waited while it was away
        copies = len(endpoint.ingest.messages()) - 100
        assert copies >= 1  # the batch whose answer was lost came again ...
        keys = [b["key"] for b in endpoint.ingest.batches]
        assert len(keys) - len(set(keys)) >= 1  # ... under the same key
        wait_until(lambda: rig.sink.status.backlog == 0, 10, "nothing waits")
        assert rig.sink.status.connected and rig.sink.status.last_delivered is not None
    finally:
        rig.sink.stop()


def test_a_restart_goes_on_from_the_committed_cursor(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    rig = Rig(tmp_path / "station.db", endpoint)
    rig.make(10)
    rig.sink.start()
    wait_until(lambda: len(endpoint.ingest.deduped()) == 10, 10, "10 delivered")
    rig.sink.stop()
    rig.gateway.flush()
    rig.gateway.close()
    again = Rig(tmp_path / "station.db", endpoint)
    again.made = 10
    again.make(4)
    again.sink.start()
    try:
        wait_until(lambda: len(endpoint.ingest.messages()) >= 14, 10, "4 more")
        assert [m["seq"] for m in endpoint.ingest.messages()] == list(range(1, 15))
        wait_until(lambda: again.floor() == 14, 10, "the cursor past the four")
        assert again.sink.status.backlog == 0 and again.sink.status.delivered == 4
    finally:
        again.sink.stop()


def test_a_refused_message_is_found_reported_passed_and_retried_on_request(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    endpoint.ingest.refuse = ("poison", 422)
    rig = Rig(tmp_path / "station.db", endpoint, batch_size=50)
    rig.make(10)
    bad = OutboxMessage("summary", "summary/press/force", {**summary(99), "poison": True})
    rig.submit(bad)
    rig.made = 10
    rig.make(9)
    rig.sink.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) == 19, 15, "the 19 others")
        assert [m["seq"] for m in endpoint.ingest.deduped()] == [*range(1, 11), *range(12, 21)]
        status = rig.sink.status
        assert status.rejected == 1 and status.last_error is not None
        assert status.last_error.id == "sync.https.refused"
        assert bad.id in status.last_error.render() and "422" in status.last_error.render()
        assert rig.failed() == [(11, bad.id, "HTTP 422")]
        # Not retried forever: more messages go in batches again, the refused one stays out.
        wait_until(lambda: status.backlog == 0 or rig.sink.status.backlog == 0, 10, "backlog 0")
        requests = endpoint.ingest.requests
        rig.make(3)
        wait_until(lambda: len(endpoint.ingest.deduped()) == 22, 10, "three more")
        assert endpoint.ingest.requests == requests + 1  # one batch
        # The operator's retry, once the platform takes it.
        endpoint.ingest.refuse = None
        rig.sink.retry_failed()
        wait_until(lambda: rig.failed() == [], 10, "the failed list empty")
        assert bad.id in {m["id"] for m in endpoint.ingest.deduped()}
        assert rig.sink.status.rejected == 0
    finally:
        rig.sink.stop()


def test_413_halves_the_batch_and_splits_or_fails_one_message(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    endpoint.ingest.max_bytes = 6000
    rig = Rig(tmp_path / "station.db", endpoint, batch_size=100)
    rig.make(20)  # about 600 bytes each: 12,000 in one batch
    devices = [
        {"device": f"m{i:03d}", "connected": True, "last_good": 1.0, "last_error": ""}
        for i in range(120)
    ]
    status_body = {
        "ts": 1.0,
        "devices": devices,
        "database_ok": True,
        "database_pending": 0,
        "backlog": 0,
    }
    big_list = OutboxMessage("status", "status", status_body)
    big_one = OutboxMessage("summary", "summary/press/force", {**summary(0), "unit": "x" * 9000})
    rig.submit(big_list, big_one)
    rig.made = 20
    rig.make(3)
    rig.sink.start()
    try:
        wait_until(
            lambda: rig.sink.status.delivered == 24 and rig.sink.status.rejected == 1,
            20,
            "everything handled",
        )
        assert rig.sink.status.backlog == 0
        kept = endpoint.ingest.deduped()
        whole = [m for m in kept if "part" not in m]
        assert [m["seq"] for m in whole] == [*range(1, 21), 23, 24, 25]
        parts = sorted((m for m in kept if "part" in m), key=lambda m: m["part"]["index"])
        assert parts and {m["seq"] for m in parts} == {21}
        assert [d for p in parts for d in p["data"]["devices"]] == devices
        for p in parts:
            jsonschema.validate(p, SCHEMA)
        status = rig.sink.status
        assert status.rejected == 1 and status.last_error is not None
        assert status.last_error.id == "sync.too_large" and big_one.id in status.last_error.render()
        assert [row[0] for row in rig.failed()] == [22]
    finally:
        rig.sink.stop()


def test_429_and_503_are_waited_out(tmp_path: Path, endpoint: HttpsEndpoint) -> None:
    endpoint.ingest.fail_next = [429, 503, 503]
    rig = Rig(tmp_path / "station.db", endpoint)
    ids = rig.make(5)
    rig.sink.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) == 5, 15, "delivered after the waits")
        assert [m["id"] for m in endpoint.ingest.deduped()] == ids
        assert endpoint.ingest.requests == 4
        assert rig.sink.status.last_error is not None
        assert rig.sink.status.last_error.id == "sync.https.status"
        assert rig.failed() == []
    finally:
        rig.sink.stop()


def test_an_unknown_ca_and_a_missing_token_are_a_status_never_a_crash(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    other = HttpsEndpoint(tmp_path / "other")  # its CA signed nothing the endpoint shows
    rig = Rig(tmp_path / "a.db", endpoint, ca_file=str(other.ca_file))
    rig.make(3)
    rig.sink.start()
    no_token = Rig(tmp_path / "b.db", endpoint, token_env="NOT_SET_ANYWHERE")
    no_token.make(2)
    no_token.sink.start()
    try:
        wait_until(lambda: rig.sink.status.message.id == "sync.https.tls", 10, "a TLS status")
        assert "certificate" in rig.sink.status.message.render().lower()
        wait_until(lambda: no_token.sink.status.message.id == "sync.https.no_token", 10, "no token")
        assert "NOT_SET_ANYWHERE" in no_token.sink.status.message.render()
        assert endpoint.ingest.messages() == []
        assert rig.sink.status.backlog == 3 and no_token.sink.status.backlog == 2
        assert rig.sink._thread is not None and rig.sink._thread.is_alive()
    finally:
        rig.sink.stop()
        no_token.sink.stop()


def test_the_purge_keeps_what_the_https_sink_has_not_sent(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    rig = Rig(tmp_path / "station.db", endpoint)
    rig.make(5)
    rig.gateway.flush()
    conn = sqlite3.connect(rig.db)
    conn.execute("UPDATE sync_outbox SET delivered = 1.0, outcome = 'acked'")  # MQTT: long ago
    conn.commit()
    conn.close()
    purge = OutboxPurge(keep_days=1, floor=rig.floor)
    purge.step(rig.gateway.db)
    assert purge.deleted == 0  # the HTTPS sink has sent none of them
    rig.sink.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) == 5, 10, "five delivered")
        wait_until(lambda: rig.floor() == 5, 10, "the floor moved")
        purge.step(rig.gateway.db)
        assert purge.deleted == 5
    finally:
        rig.sink.stop()


def test_a_station_sends_the_same_outbox_to_mqtt_and_https(
    tmp_path: Path, endpoint: HttpsEndpoint
) -> None:
    from app.config_loader import load_config
    from app.station import Station
    from tests.conftest import CONFIGS
    from tests.mqtt_support import Broker, Collector

    broker = Broker(tmp_path / "broker").start()
    collector = Collector(broker, "shopfloor/v1/#")
    text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
    text += (
        f'\n[sync]\nbroker = "{broker.url}"\ninterval_s = 1.0\n'
        f'[sync.https]\nurl = "{endpoint.url}"\nca_file = "{endpoint.ca_file}"\n'
    )
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "station.db"
    station = Station(load_config(path), db_url=f"sqlite:///{db}")
    assert station.sync is not None and station.sync.https is not None
    assert [s.name for s in station.sync.sinks] == ["mqtt", "https"]
    station.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) >= 20, 20, "summaries over HTTPS")
    finally:
        station.stop()
    try:
        over_https = {m["id"]: m["seq"] for m in endpoint.ingest.deduped()}
        over_mqtt = {m["id"]: m["seq"] for m in collector.data()}
        seqs = sorted(over_https.values())
        assert seqs == list(range(1, len(seqs) + 1))  # no holes, in order
        assert [m["seq"] for m in endpoint.ingest.deduped()] == seqs
        common = set(over_https) & set(over_mqtt)
        assert len(common) >= 20 and all(over_https[i] == over_mqtt[i] for i in common)
    finally:
        collector.close()
        broker.stop()
