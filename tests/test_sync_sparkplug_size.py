"""Sparkplug B against a mosquitto with a small ``message_size_limit``: an NDATA over the limit
goes as several NDATA (each its own seq, every metric once); a birth over it is reported
(``sync.sparkplug.birth_too_large``) and not retried in a loop until the operator says so."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app.config import SyncConfig
from app.config.sync import SparkplugConfig
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from app.sync.sparkplug.publisher import SparkplugPublisher
from tests.alarm_support import open_gateway
from tests.mqtt_support import Broker
from tests.test_sync_mqtt import INFO
from tests.test_sync_sparkplug import Host
from tests.waiting import wait_until

FIELDS = 100


def wide(n: int) -> dict[str, float]:
    return {f"field_{i:03d}": n + i / 7 for i in range(FIELDS)}


def publisher_for(tmp_path: Path, broker: Broker, **sync: object) -> tuple:  # type: ignore[type-arg]
    gateway = open_gateway(tmp_path / "station.db")
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    publisher = SparkplugPublisher(
        SyncConfig(broker=broker.url, retry_max_s=1.0, **sync),  # type: ignore[arg-type]
        SparkplugConfig(group_id="G", edge_node_id="E"),
        INFO,
        gateway,
        state,
    )
    return gateway, kind, publisher


def test_an_ndata_over_the_limit_goes_as_several(tmp_path: Path) -> None:
    # The birth declares the 100 metrics; the historical NDATA carries is_historical on each
    # as well, so it is larger: a limit between the two lets the birth through and splits it.
    probe_gateway, _, probe = publisher_for(tmp_path / "probe", Broker(tmp_path / "unused"))
    now = int(time.time() * 1000)
    head = [("bdSeq", 0, now, False), ("Node Control/Rebirth", False, now, False)]
    head.append(("Node Control/Next Server", False, now, False))
    birth = len(probe._payload(0, head + [(f"s/{k}", v, now, False) for k, v in wide(1).items()]))
    ndata = len(probe._payload(1, [(f"s/{k}", v, now, True) for k, v in wide(1).items()]))
    assert ndata > birth + 100
    limit = birth + 40  # payload bytes; the publisher keeps the topic's length in hand too
    probe_gateway.close()
    broker = Broker(tmp_path / "broker", extra=(f"message_size_limit {limit}",)).start()
    host = Host(broker)
    gateway, kind, publisher = publisher_for(
        tmp_path, broker, protocol="3.1.1", max_message_bytes=limit
    )
    try:
        gateway.submit(kind, [OutboxMessage("summary", "s", wide(1))])  # waits: historical
        assert gateway.flush()
        publisher.start()
        wait_until(lambda: publisher.status.backlog == 0, 15, "the message delivered")
        wait_until(lambda: len(host.of("NDATA")) >= 2, 10, "the parts at the host")
        assert host.kinds()[0] == "NBIRTH" and publisher.births == 1
        parts = host.of("NDATA")
        assert [p.seq for p in parts] == list(range(1, len(parts) + 1))
        names = [m.name for p in parts for m in p.metrics]
        assert sorted(names) == sorted(f"s/{k}" for k in wide(1))  # every metric once
        assert all(m.is_historical for p in parts for m in p.metrics)
        assert all(len(p.SerializeToString()) <= limit for p in parts)
        # A live one after it fits whole (no historical flags) or is split the same way, with
        # the seq going on.
        gateway.submit(kind, [OutboxMessage("summary", "s", wide(2))])
        wait_until(lambda: publisher.status.delivered == 2, 15, "the second message")
        after = host.of("NDATA")[len(parts) :]
        assert [p.seq for p in after] == list(range(len(parts) + 1, len(parts) + 1 + len(after)))
        assert publisher.status.connected and publisher.status.sessions == 1
    finally:
        publisher.stop()
        host.close()
        gateway.close()
        broker.stop()


def test_a_birth_over_the_limit_is_reported_and_not_retried_in_a_loop(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker", extra=("message_size_limit 1500",)).start()
    gateway, kind, publisher = publisher_for(tmp_path, broker)  # MQTT 5, no limit configured
    try:
        gateway.submit(kind, [OutboxMessage("summary", "s", wide(1))])
        assert gateway.flush()
        publisher.start()
        wait_until(
            lambda: publisher.status.message.id == "sync.sparkplug.birth_too_large",
            20,
            "the birth reported",
        )
        status = publisher.status
        assert not status.connected and status.last_error == status.message
        assert "NBIRTH" in status.message.render()
        sessions, births = status.sessions, publisher.births
        assert sessions <= 4  # learned from two lost connections, then it stopped
        threading.Event().wait(3.0)  # what must NOT happen: more sessions
        assert publisher.status.sessions == sessions and publisher.births == births
        assert publisher.status.message.id == "sync.sparkplug.birth_too_large"
        # The operator's "Send again": it tries afresh (and, the limit unchanged, says so again).
        publisher.retry_failed()
        wait_until(lambda: publisher.status.sessions > sessions, 10, "a new attempt")
        wait_until(
            lambda: publisher.status.message.id == "sync.sparkplug.birth_too_large",
            20,
            "the birth reported again",
        )
    finally:
        publisher.stop()
        gateway.close()
        broker.stop()
