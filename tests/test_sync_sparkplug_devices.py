"""Sparkplug B devices against Debian's mosquitto: each configured device is a Sparkplug device
(DBIRTH after NBIRTH, its tag summaries as DDATA, node-level messages as NDATA), seq counts every
N and D message of the node, a device that loses communication gets a DDEATH after what it
measured before, and a DBIRTH when it is back. The recorder's side (the ``device`` messages in
the outbox, in the right place) is checked on a real SQLite file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from app.config import SyncConfig
from app.config.sync import SparkplugConfig
from app.config_loader import load_config
from app.model import Event, EventKind
from app.station import Station
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from app.sync.service import SyncRecorder
from app.sync.sparkplug.publisher import SparkplugPublisher
from app.sync.sparkplug.sparkplug_b_pb2 import Payload
from app.tags import TagTable
from tests.alarm_support import open_gateway
from tests.conftest import free_tcp_port
from tests.mqtt_support import Broker
from tests.servers.modbus_server import ModbusTcpServer
from tests.test_sync_mqtt import INFO, SCHEMA, summary
from tests.test_sync_outbox import CONFIG, batch, rows
from tests.waiting import wait_until

GROUP = "Hanbit-Ulsan"
EDGE = "WS-01"


class DeviceHost:
    """A Sparkplug host's view of one group: (kind, device or None, payload), in order."""

    def __init__(self, broker: Broker, client_id: str = "host") -> None:
        self.seen: list[tuple[str, str | None, Any]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.on_connect = lambda c, *a: c.subscribe(f"spBv1.0/{GROUP}/#", qos=1)
        self.client.on_subscribe = lambda *a: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        wait_until(self.ready.is_set, 10, "the host's subscription")

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        parts = message.topic.split("/")  # spBv1.0/group/KIND/edge[/device]
        if parts[2] in ("NCMD", "DCMD"):
            return
        payload = Payload()
        payload.ParseFromString(message.payload)
        with self.lock:
            self.seen.append((parts[2], parts[4] if len(parts) > 4 else None, payload))

    def snapshot(self) -> list[tuple[str, str | None, Any]]:
        with self.lock:
            return list(self.seen)

    def of(self, kind: str, device: str | None = None) -> list[Any]:
        return [p for k, d, p in self.snapshot() if k == kind and (device is None or d == device)]

    def command(self, *names: str) -> None:
        """An NCMD with these Node Control metrics set true."""
        payload = Payload()
        for name in names:
            metric = payload.metrics.add()
            metric.name = name
            metric.datatype = 11
            metric.boolean_value = True
        topic = f"spBv1.0/{GROUP}/NCMD/{EDGE}"
        self.client.publish(topic, payload.SerializeToString(), qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def names(payload: Any) -> set[str]:
    return {m.name for m in payload.metrics}


def value(payload: Any, name: str) -> Any:
    metric = next(m for m in payload.metrics if m.name == name)
    return None if metric.is_null else getattr(metric, metric.WhichOneof("value"))


def device_message(device: str, connected: bool, ts: float = 1.0) -> OutboxMessage:
    body = {"ts": ts, "device": device, "connected": connected, "fault": "", "detail": ""}
    if not connected:
        body.update(fault="timeout", detail="no answer")
    return OutboxMessage("device", f"device/{device}", body, created=ts)


def tagged(device: str, tag: str, n: int) -> OutboxMessage:
    body = {**summary(n), "device": device, "tag": tag}
    return OutboxMessage("summary", f"summary/{device}/{tag}", body, created=n + 60.0)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


def rig(
    tmp_path: Path, broker: Broker, devices: tuple[str, ...] = ("press", "oven"), **sparkplug: Any
) -> tuple[DatabaseGateway, Any, SparkplugPublisher]:
    """A gateway with the outbox and a Sparkplug publisher of ``devices`` (not started)."""
    gateway = open_gateway(tmp_path / "station.db")
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    publisher = SparkplugPublisher(
        SyncConfig(broker=broker.url, retry_max_s=1.0, protocol="3.1.1"),
        SparkplugConfig(group_id=GROUP, edge_node_id=EDGE, **sparkplug),
        INFO,
        gateway,
        state,
        devices=list(devices),
    )
    return gateway, kind, publisher


def test_devices_are_born_after_the_node_and_their_summaries_go_as_ddata(
    tmp_path: Path, broker: Broker
) -> None:
    host = DeviceHost(broker)
    gateway, kind, publisher = rig(tmp_path, broker)
    status = OutboxMessage("status", "status", {"ts": 1.0, "backlog": 0})
    gateway.submit(kind, [tagged("press", "force", 1), tagged("oven", "temp", 2), status])
    # A partner's filtered copy of a summary is no reading of the device: a node metric.
    copy = {"device": "press", "tag": "force", "mean": 1.5}
    gateway.submit(kind, [OutboxMessage("summary", "shared/acme/summary/press/force", copy)])
    assert gateway.flush()
    publisher.start()
    try:
        wait_until(lambda: publisher.status.backlog == 0, 10, "all four delivered")
        wait_until(lambda: len(host.snapshot()) == 7, 10, "the births and the data")
        seen = host.snapshot()
        assert [(k, d) for k, d, _ in seen] == [
            ("NBIRTH", None),
            ("DBIRTH", "press"),
            ("DBIRTH", "oven"),
            ("DDATA", "press"),
            ("DDATA", "oven"),
            ("NDATA", None),
            ("NDATA", None),
        ]
        # One seq for every N and D message of the node, from the NBIRTH's 0.
        assert [p.seq for _, _, p in seen] == [0, 1, 2, 3, 4, 5, 6]
        nbirth, press_birth, oven_birth, press, oven, ndata, shared = (p for _, _, p in seen)
        prefix = "shared/acme/summary/press/force"
        assert names(shared) == {f"{prefix}/{f}" for f in ("device", "tag", "mean")}
        # Device metrics are the device's own: named <tag>/<field>, not in the NBIRTH.
        fields = {"unit", "start", "end", "count", "good", "good_fraction", "min", "max"}
        fields |= {"mean", "std", "last", "last_ts"}
        assert names(press) == {f"force/{f}" for f in fields} == names(press_birth)
        assert names(oven) == {f"temp/{f}" for f in fields} == names(oven_birth)
        assert not any(n.startswith(("force/", "temp/", "summary/")) for n in names(nbirth))
        assert {"status/ts", "status/backlog"} <= names(nbirth)
        assert names(ndata) == {"status/ts", "status/backlog"}
        assert value(press, "force/start") == 1.0 and value(oven, "temp/start") == 2.0
        assert value(press, "force/mean") == pytest.approx(100.1)
        assert all(m.is_historical for m in press.metrics)  # it waited for the session
        # A later summary of a device goes live as DDATA with the next seq.
        gateway.submit(kind, [tagged("press", "force", 3)])
        wait_until(lambda: len(host.snapshot()) == 8, 10, "the live DDATA")
        k, d, live = host.snapshot()[-1]
        assert (k, d, live.seq) == ("DDATA", "press", 7)
        assert not any(m.is_historical for m in live.metrics)
        # A tag no DBIRTH declared: a full rebirth first (NBIRTH seq 0, then every DBIRTH).
        gateway.submit(kind, [tagged("oven", "door", 4)])
        wait_until(lambda: len(host.snapshot()) == 12, 10, "the rebirth and the DDATA")
        tail = host.snapshot()[8:]
        assert [(k, d, p.seq) for k, d, p in tail] == [
            ("NBIRTH", None, 0),
            ("DBIRTH", "press", 1),
            ("DBIRTH", "oven", 2),
            ("DDATA", "oven", 3),
        ]
        assert "door/mean" in names(tail[2][2]) and "temp/mean" in names(tail[2][2])
        # Many new tags at once (an interval's first summaries): one rebirth for them all.
        gateway.submit(kind, [tagged("press", f"t{i}", 5) for i in range(5)])
        wait_until(lambda: len(host.of("DDATA")) == 9, 10, "five more DDATA")
        assert len(host.of("NBIRTH")) == 3
        assert {f"t{i}/mean" for i in range(5)} <= names(host.of("DBIRTH", "press")[-1])
    finally:
        publisher.stop()
        host.close()


def test_a_device_that_goes_bad_gets_a_ddeath_and_a_dbirth_when_it_recovers(
    tmp_path: Path, broker: Broker
) -> None:
    host = DeviceHost(broker)
    gateway, kind, publisher = rig(tmp_path, broker)
    gateway.submit(kind, [tagged("press", "force", 0), tagged("oven", "temp", 0)])
    assert gateway.flush()
    publisher.start()
    try:
        wait_until(lambda: len(host.of("DDATA")) == 2, 10, "the births and the first data")
        gateway.submit(kind, [tagged("press", "force", 1), device_message("press", False)])
        wait_until(lambda: host.of("DDEATH"), 10, "the press's DDEATH")
        # While it is dead the other device goes on; a second loss message changes nothing.
        gateway.submit(kind, [tagged("oven", "temp", 2), device_message("press", False)])
        wait_until(lambda: publisher.status.backlog == 0, 10, "delivered")
        gateway.submit(kind, [device_message("press", True), tagged("press", "force", 3)])
        wait_until(lambda: len(host.of("DDATA", "press")) == 3, 10, "the press's data again")
        seen = host.snapshot()
        assert [(k, d) for k, d, _ in seen] == [
            ("NBIRTH", None),
            ("DBIRTH", "press"),
            ("DBIRTH", "oven"),
            ("DDATA", "press"),
            ("DDATA", "oven"),
            ("DDATA", "press"),
            ("DDEATH", "press"),
            ("DDATA", "oven"),
            ("DBIRTH", "press"),
            ("DDATA", "press"),
        ]
        assert [p.seq for _, _, p in seen] == list(range(len(seen)))  # DDEATH counts too
        rebirth = seen[8][2]
        assert "force/mean" in names(rebirth)  # the recovered device declares its metrics
        assert value(seen[9][2], "force/start") == 3.0
        wait_until(lambda: publisher.status.backlog == 0, 10, "the cursor at the end")
    finally:
        publisher.stop()
    wait_until(lambda: host.of("NDEATH"), 10, "the NDEATH")
    host.close()


def test_a_dead_device_stays_dead_across_a_reconnection_and_is_not_born_with_the_node(
    tmp_path: Path, broker: Broker
) -> None:
    host = DeviceHost(broker)
    gateway, kind, publisher = rig(tmp_path, broker)
    publisher.start()
    try:
        wait_until(lambda: len(host.of("DBIRTH")) == 2, 10, "the births")
        gateway.submit(kind, [device_message("oven", False)])
        wait_until(lambda: host.of("DDEATH", "oven"), 10, "the oven's DDEATH")
        wait_until(lambda: publisher.status.backlog == 0, 10, "delivered")
        host.command("Node Control/Rebirth")
        wait_until(lambda: len(host.of("NBIRTH")) == 2, 10, "the rebirth")
        wait_until(lambda: len(host.of("DBIRTH")) == 3, 10, "the press's DBIRTH")
        after = host.snapshot()[-2:]
        assert [(k, d, p.seq) for k, d, p in after] == [("NBIRTH", None, 0), ("DBIRTH", "press", 1)]
    finally:
        publisher.stop()
        host.close()


def test_the_recorder_puts_a_loss_after_the_summaries_of_its_interval(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db)
    table = TagTable(CONFIG)
    recorder = SyncRecorder(gateway, table, 60.0, with_journal=False, now=1_000_020.0)
    recorder.on_batch(batch(table, "press.force", 1_000_021.0, [100.0, 101.0]))
    loss = {"fault": "timeout", "detail": "no answer"}
    recorder.on_event(Event(1_000_030.0, EventKind.COMM_LOSS, "press", data=loss))
    recorder.on_event(Event(1_000_031.0, EventKind.PART_SCANNED, "press", data={"serial": "x"}))
    recorder.tick(1_000_059.0)  # the interval [1_000_020, 1_000_080) has not ended
    assert gateway.flush() and rows(db) == []  # the loss waits for its interval's summaries
    recorder.on_event(Event(1_000_050.0, EventKind.COMM_RESTORED, "press"))
    assert gateway.flush() and rows(db) == []  # a recovery waits behind the loss
    recorder.tick(1_000_080.5)
    recorder.on_batch(batch(table, "press.force", 1_000_081.0, [99.0]))
    recorder.on_event(Event(1_000_090.0, EventKind.COMM_LOSS, "oven", data=loss))
    recorder.close_partial(1_000_095.0)  # stopping: what waits goes after the partial summaries
    assert gateway.flush()
    stored = rows(db)
    assert [(k, t) for _, _, k, t, _ in stored] == [
        ("summary", "summary/press/force"),
        ("device", "device/press"),
        ("device", "device/press"),
        ("status", "status"),
        ("summary", "summary/press/force"),
        ("device", "device/oven"),
    ]
    bodies = [p for _, _, k, _, p in stored if k == "device"]
    assert bodies[0] == {
        "ts": 1_000_030.0,
        "device": "press",
        "connected": False,
        "fault": "timeout",
        "detail": "no answer",
    }
    assert bodies[1]["connected"] and bodies[1]["fault"] == ""
    for body in bodies:  # the JSON namespace documents the new kind
        message = {"v": 1, "id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "seq": 1}
        message.update(kind="device", created=body["ts"], historical=False, data=body)
        message["station"] = {
            "company": INFO.company,
            "site": INFO.site,
            "line": INFO.line,
            "station": INFO.station,
        }
        jsonschema.validate(message, SCHEMA)


STATION = """
[station]
company = "Test Co"
site = "Lab"
line = "L1"
station = "WS-T"

[[devices]]
name = "press"
driver = "simulated"
poll_period_s = 0.1

  [[devices.tags]]
  name = "force"
  signal = "sine:mean=100,amplitude=20,period=5"

[[devices]]
name = "plc"
driver = "modbus-tcp"
poll_period_s = 0.1
timeout_s = 0.3

  [devices.connection]
  host = "127.0.0.1"
  port = {port}

  [[devices.tags]]
  name = "level"
  type = "uint16"
  address = 3

[sync]
broker = "{broker}"
interval_s = 1.0
retry_max_s = 1.0

[sync.sparkplug]
group_id = "{group}"
edge_node_id = "{edge}"
"""


def test_a_station_whose_modbus_device_goes_down_and_comes_back(
    tmp_path: Path, broker: Broker
) -> None:
    port = free_tcp_port()
    path = tmp_path / "line.toml"
    path.write_text(STATION.format(port=port, broker=broker.url, group=GROUP, edge=EDGE))
    host = DeviceHost(broker)
    plc = ModbusTcpServer(port=port).start()
    plc.memory.holding[3] = 42
    station = Station(load_config(path), db_url=f"sqlite:///{tmp_path / 'station.db'}")
    station.start()
    try:
        wait_until(lambda: host.of("DDATA", "plc"), 15, "the plc's first summary")
        plc.stop()  # the device goes away: a loss, then a DDEATH after its interval's summary
        wait_until(lambda: host.of("DDEATH", "plc"), 15, "the plc's DDEATH")
        dead_at = len(host.snapshot())
        wait_until(lambda: len(host.of("DDATA", "press")) >= 3, 15, "the press going on")
        plc = ModbusTcpServer(port=port).start()
        plc.memory.holding[3] = 43
        wait_until(lambda: len(host.of("DBIRTH", "plc")) >= 2, 15, "the plc's new DBIRTH")
        wait_until(lambda: value(host.of("DDATA", "plc")[-1], "level/last") == 43.0, 15, "plc data")
    finally:
        station.stop()
        plc.stop()
        host.close()
    seen = host.snapshot()
    kinds = [(k, d) for k, d, _ in seen]
    death = kinds.index(("DDEATH", "plc"))
    birth = kinds.index(("DBIRTH", "plc"), death)
    # What the plc measured before it went away came first: its last DDATA holds the bad
    # sample of the loss; between its DDEATH and its DBIRTH no DDATA of it, the press's go on.
    before = [p for k, d, p in seen[:death] if (k, d) == ("DDATA", "plc")]
    assert value(before[-1], "level/good") < value(before[-1], "level/count")
    assert ("DDATA", "plc") not in kinds[death:birth]
    assert ("DDATA", "press") in kinds[dead_at:birth]
    # One seq for all N and D messages of the node (an NBIRTH, a rebirth, starts at 0).
    for (kind, _, payload), (_, _, previous) in zip(seen[1:], seen, strict=False):
        if kind == "NDEATH":
            break
        assert payload.seq == (0 if kind == "NBIRTH" else (previous.seq + 1) % 256), kind
