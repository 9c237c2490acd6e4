"""The Sparkplug B edge node and its hosts, against Debian's mosquitto: with a primary host, no
birth and no data while its STATE says offline (the outbox keeps everything), births and the
waiting messages flagged historical when it comes online, an NDEATH when it goes offline, a
stale STATE ignored, nothing lost; NCMD Rebirth and Next Server; other commands ignored."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.sync.outbox import OutboxMessage
from app.sync.sparkplug.publisher import SparkplugPublisher
from app.sync.sparkplug.sparkplug_b_pb2 import Payload
from tests.mqtt_support import Broker
from tests.test_sync_sparkplug import bdseq
from tests.test_sync_sparkplug_devices import EDGE, GROUP, DeviceHost, tagged, value
from tests.test_sync_sparkplug_devices import rig as devices_rig
from tests.waiting import wait_until

STATE = "spBv1.0/STATE/scada"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


def rig(tmp_path: Path, broker: Broker, **sparkplug: Any) -> tuple[Any, Any, SparkplugPublisher]:
    return devices_rig(tmp_path, broker, ("press",), **sparkplug)


def status(n: int) -> OutboxMessage:
    return OutboxMessage("status", "status", {"ts": float(n), "backlog": n}, created=float(n))


def say(host: DeviceHost, online: bool, ts: int) -> None:
    """The primary host's STATE, retained, as Sparkplug 3.0 writes it."""
    body = json.dumps({"online": online, "timestamp": ts})
    host.client.publish(STATE, body, qos=1, retain=True).wait_for_publish(5)


def numbers(host: DeviceHost) -> list[int]:
    return [value(p, "status/backlog") for p in host.of("NDATA")]


def test_nothing_leaves_while_the_primary_host_is_offline_and_nothing_is_lost(
    tmp_path: Path, broker: Broker
) -> None:
    host = DeviceHost(broker)
    say(host, False, 1000)
    gateway, kind, publisher = rig(tmp_path, broker, primary_host_id="scada")
    gateway.submit(kind, [status(1), status(2), tagged("press", "force", 3)])
    assert gateway.flush()
    publisher.start()
    try:
        wait_until(lambda: publisher.host_online is False, 10, "the host's offline STATE")
        assert publisher.status.connected
        assert publisher.status.message is not None
        assert publisher.status.message.id == "sync.sparkplug.host_offline"
        gateway.submit(kind, [status(4)])  # live while the host is away: it waits too
        assert gateway.flush()
        assert host.snapshot() == [] and publisher.status.backlog == 4
        # Online: births, then all that waited, flagged historical.
        say(host, True, 2000)
        wait_until(lambda: len(host.of("NDATA")) == 3, 10, "the waiting messages")
        wait_until(lambda: publisher.status.backlog == 0, 10, "delivered")
        seen = host.snapshot()
        assert [(k, d) for k, d, _ in seen] == [
            ("NBIRTH", None),
            ("DBIRTH", "press"),
            ("NDATA", None),
            ("NDATA", None),
            ("DDATA", "press"),
            ("NDATA", None),
        ]
        assert [p.seq for _, _, p in seen] == [0, 1, 2, 3, 4, 5]
        assert all(m.is_historical for k, _, p in seen if k.endswith("DATA") for m in p.metrics)
        # A STATE older than the last one is stale (a late retained copy): ignored.
        say(host, False, 1500)
        gateway.submit(kind, [status(5)])
        wait_until(lambda: numbers(host)[-1:] == [5], 10, "a live message")
        assert publisher.host_online is True
        assert not any(m.is_historical for m in host.of("NDATA")[-1].metrics)
        # Online again with a newer timestamp and no offline seen (a quick host restart): the
        # births again, in the same session.
        say(host, True, 2500)
        wait_until(lambda: len(host.of("NBIRTH")) == 2, 10, "the births again")
        wait_until(lambda: len(host.of("DBIRTH")) == 2, 10, "the device's birth again")
        assert bdseq(host.of("NBIRTH")[1]) == 0 and host.of("NBIRTH")[1].seq == 0
        # Offline again: NDEATH, and nothing more until it is back.
        say(host, False, 3000)
        wait_until(lambda: host.of("NDEATH"), 10, "the NDEATH")
        assert bdseq(host.of("NDEATH")[0]) == bdseq(host.of("NBIRTH")[0]) == 0
        wait_until(lambda: publisher.host_online is False, 10, "offline seen again")
        assert publisher.status.last_error is None  # a host away is no error of ours
        gateway.submit(kind, [status(6), status(7)])
        wait_until(lambda: publisher.status.backlog == 2, 10, "two waiting")
        count = len(host.snapshot())
        assert host.snapshot()[-1][0] == "NDEATH"
        say(host, True, 4000)
        wait_until(lambda: numbers(host)[-2:] == [6, 7], 15, "the two replayed")
        after = host.snapshot()[count:]
        assert [(k, p.seq) for k, _, p in after] == [
            ("NBIRTH", 0),
            ("DBIRTH", 1),
            ("NDATA", 2),
            ("NDATA", 3),
        ]
        assert bdseq(after[0][2]) == 1  # a new session
        assert all(m.is_historical for _, _, p in after[2:] for m in p.metrics)
        # Nothing lost, nothing twice.
        assert numbers(host) == [1, 2, 4, 5, 6, 7]
        assert [value(p, "force/start") for p in host.of("DDATA")] == [3.0]
    finally:
        publisher.stop()
        host.close()


def test_ncmd_rebirth_and_next_server_and_other_commands_ignored(
    tmp_path: Path, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.sync.sparkplug.publisher")
    host = DeviceHost(broker)
    gateway, kind, publisher = rig(tmp_path, broker)
    gateway.submit(kind, [tagged("press", "force", 1)])
    publisher.start()
    try:
        wait_until(lambda: len(host.of("DDATA")) == 1, 10, "births and data")
        # A command the node does not carry out, and a write to a device: logged, ignored.
        host.command("Node Control/Reboot")
        payload = Payload()
        metric = payload.metrics.add()
        metric.name, metric.datatype, metric.double_value = "force/setpoint", 10, 5.0
        dcmd = f"spBv1.0/{GROUP}/DCMD/{EDGE}/press"
        host.client.publish(dcmd, payload.SerializeToString(), qos=1).wait_for_publish(5)
        host.command("Node Control/Rebirth")
        wait_until(lambda: len(host.of("NBIRTH")) == 2, 10, "the rebirth")
        wait_until(lambda: len(host.of("DBIRTH")) == 2, 10, "the device's rebirth")
        assert "NCMD Node Control/Reboot ignored" in caplog.text
        assert f"{dcmd} ignored" in caplog.text
        rebirth = host.snapshot()[-2:]
        assert [(k, d, p.seq) for k, d, p in rebirth] == [
            ("NBIRTH", None, 0),
            ("DBIRTH", "press", 1),
        ]
        assert bdseq(rebirth[0][2]) == 0  # the same session
        assert "force/mean" in {m.name for m in rebirth[1][2].metrics}
        gateway.submit(kind, [tagged("press", "force", 2)])
        wait_until(lambda: len(host.of("DDATA")) == 2, 10, "data after the rebirth")
        assert host.snapshot()[-1][2].seq == 2
        assert publisher.status.sessions == 1 and len(host.of("NBIRTH")) == 2
        # Next Server: NDEATH, disconnect, connect again (one broker: the same), new bdSeq.
        host.command("Node Control/Next Server")
        wait_until(lambda: len(host.of("NBIRTH")) == 3, 15, "the next session's birth")
        kinds = [k for k, _, _ in host.snapshot()]
        assert kinds[-3:] == ["NDEATH", "NBIRTH", "DBIRTH"]
        assert bdseq(host.of("NDEATH")[0]) == 0 and bdseq(host.of("NBIRTH")[-1]) == 1
        wait_until(lambda: publisher.status.sessions == 2, 10, "the second session")
    finally:
        publisher.stop()
        host.close()
