"""The Sparkplug B publisher: the same outbox as Sparkplug B 3.0 (spBv1.0) messages of one edge
node, for platforms that speak it (Ignition, HiveMQ, Cirrus Link).

It is an MQTT session like :class:`MqttPublisher`'s (connection, TLS, credentials, backoff and
status come from there) with the Sparkplug rules:

* topics ``spBv1.0/<group_id>/NBIRTH|NDATA|NDEATH/<edge_node_id>``;
* the last will is the NDEATH with this session's ``bdSeq`` (0..255, one more per session); a
  clean stop publishes the same NDEATH itself;
* NBIRTH first in every session, ``seq`` 0, with ``bdSeq``, ``Node Control/Rebirth`` and every
  metric known so far (name, datatype, last value); each NDATA has the next ``seq`` (1..255,
  then 0 again). A message with a metric the last NBIRTH did not name brings a new NBIRTH first
  (a rebirth), as hosts only accept metrics a birth declared;
* one outbox message is one NDATA: each field of its body a metric named
  ``<topic>/<field>`` (``summary/press/force/mean``), stamped with the message's time; lists and
  objects as JSON text. A message that waited in the outbox when the session came (after an
  outage or a restart) has ``is_historical`` on every metric;
* QoS 1 (the specification asks QoS 0 for NDATA: with 0 nothing could say a message arrived,
  and store and forward needs that). Its own cursor (``sync_meta`` ``sink:sparkplug``) moves
  past a message when its PUBACK came; after a lost connection the rest is sent again.

Devices: each configured (enabled) device of the station is a Sparkplug device
``spBv1.0/<group_id>/DBIRTH|DDATA|DDEATH/<edge_node_id>/<device>``. Its tag summaries go as
DDATA (metrics ``<tag>/<field>``); everything else (status, OEE, alarms, orders ...) stays
node-level NDATA. Every NBIRTH is followed by a DBIRTH per live device; a ``device`` outbox
message (a loss or recovery of communication, see ``SyncRecorder.on_event``) brings a DDEATH
or a DBIRTH, in outbox order, so a replay tells the same story. ``seq`` counts every N and D
message of the node (not NDEATH). A metric no birth declared brings a full rebirth.

Primary host (``primary_host_id``): the session subscribes to ``spBv1.0/STATE/<host_id>`` and
publishes no birth until the host says online (an older ``timestamp`` is ignored); when it says
offline, NDEATH and disconnect, then wait connected for it: nothing leaves meanwhile and the
outbox keeps it all, replayed with ``is_historical`` after the births.

Commands: NCMD ``Node Control/Rebirth`` (NBIRTH and DBIRTHs again) and ``Node Control/Next
Server`` (NDEATH, disconnect, connect again). Any other NCMD metric and every DCMD is logged and
ignored: writing to machines from the cloud waits for an audit and permission design.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt

from app.config import StationInfo, SyncConfig
from app.config.sync import SparkplugConfig
from app.messages import Message
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxState, StoredMessage
from app.sync.publisher import PACKET_OVERHEAD, MqttPublisher, SyncStatus, _replace
from app.sync.sinks import Floor, SinkProgress, SinkProgressWriteKind, read_after, read_cursor
from app.sync.sparkplug.sparkplug_b_pb2 import Payload
from app.sync.topics import level

log = logging.getLogger(__name__)

NAMESPACE = "spBv1.0"
MetricRow = tuple[str, Any, int | None, bool]
"""(name, value, timestamp in ms or None, historical)"""
SINK = "sparkplug"
#: Sparkplug data types (the specification's numbers).
INT64, UINT64, DOUBLE, BOOLEAN, STRING = 4, 8, 10, 11, 12
WINDOW = 500
READ_CHUNK = 200
_U64 = (1 << 64) - 1


def metric_value(metric: Any, value: Any) -> None:
    """Set a metric's datatype and value from a JSON value."""
    if value is None:
        metric.datatype = DOUBLE
        metric.is_null = True
    elif isinstance(value, bool):
        metric.datatype = BOOLEAN
        metric.boolean_value = value
    elif isinstance(value, int) and -(1 << 63) <= value < (1 << 63):
        metric.datatype = INT64
        metric.long_value = value & _U64  # two's complement, as the specification says
    elif isinstance(value, float):
        metric.datatype = DOUBLE
        metric.double_value = value
    elif isinstance(value, str):
        metric.datatype = STRING
        metric.string_value = value
    else:  # lists, objects, huge integers
        metric.datatype = STRING
        metric.string_value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def metrics_of(message: StoredMessage) -> list[tuple[str, Any]]:
    """``(metric name, value)`` for each field of an outbox message's body."""
    body = json.loads(message.payload)
    if not isinstance(body, dict):
        return [(message.topic, body)]
    return [(f"{message.topic}/{name}", value) for name, value in body.items()]


def host_state(payload: bytes) -> tuple[bool, int | None] | None:
    """(online, timestamp in ms) of a STATE message: Sparkplug 3.0 JSON, or 2.2's bare
    ``ONLINE``/``OFFLINE``; None when it is neither."""
    text = payload.decode("utf-8", "replace").strip()
    if text in ("ONLINE", "OFFLINE"):
        return text == "ONLINE", None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("online"), bool):
        return None
    ts = body.get("timestamp")
    return body["online"], ts if isinstance(ts, int) and not isinstance(ts, bool) else None


class SparkplugPublisher(MqttPublisher):
    """Publishes the outbox of one station as one Sparkplug B edge node with its devices."""

    name = SINK
    thread_name = "sync-sparkplug"

    def __init__(
        self,
        config: SyncConfig,
        sparkplug: SparkplugConfig,
        info: StationInfo,
        gateway: DatabaseGateway,
        state: OutboxState,
        floor: Floor | None = None,
        devices: Sequence[str] = (),
        **options: Any,
    ) -> None:
        base = config.client_id or f"shopfloor-{info.station}"
        config = config.model_copy(update={"client_id": f"{base}"[:60] + "-spb"})
        super().__init__(config, info, gateway, state, **options)
        self.sparkplug = sparkplug
        self.group = level(sparkplug.group_id)
        self.edge = level(sparkplug.edge_node_id or info.station)
        self.topic = f"{NAMESPACE}/{self.group}/{{}}/{self.edge}"
        self.target = f"{self.broker} ({self.topic.format('…')})"
        self.floor = floor if floor is not None else Floor()
        self._progress = gateway.register(SinkProgressWriteKind(SINK))
        cursor, _ = gateway.read(lambda db: read_cursor(db, SINK)).result(30)
        self._cursor = cursor or 0
        self.floor.set(SINK, self._cursor)
        self._bdseq = -1  # one more per session: 0 for the first
        self._seq = 0
        self._known: dict[str, Any] = {}  # node metric -> last value
        # Devices: name -> topic level; per device its metrics; alive as the outbox last said
        # (a restart assumes alive: the engine reports a device still down again); born: has a
        # DBIRTH since the last NBIRTH.
        self.devices = {name: level(name) for name in devices}
        self._device_known: dict[str, dict[str, Any]] = {name: {} for name in devices}
        self._alive = dict.fromkeys(devices, True)
        self._born: set[str] = set()
        self._order: deque[int] = deque()  # outbox seqs sent, in order, not yet passed
        self._acked: set[int] = set()
        self._rejected = 0
        self.births = 0
        self._pending_parts: dict[int, int] = {}  # outbox seq -> NDATA parts not yet acked
        self._birth_mid: int | None = None  # the birth of this session, until its PUBACK
        self._birth_size = 0
        # What the last lost connection had first in flight: ("birth" or an outbox seq, bytes).
        self._suspect: tuple[str | int, int] | None = None
        self._halted: Message | None = None  # a birth too large: no session until a retry
        self._resume = threading.Event()
        # The primary host: None until a STATE came this session; its newest timestamp.
        host = sparkplug.primary_host_id
        self.state_topic = f"{NAMESPACE}/STATE/{level(host)}" if host is not None else None
        self._host_online: bool | None = None
        self._host_ts = -1
        self._commands: deque[str] = deque()  # NCMDs from paho's thread: "rebirth", "next"
        self._leaving: Message | None = None  # why this session ends by our own choice

    @property
    def host_online(self) -> bool | None:
        """What the primary host's STATE last said this session (None: nothing yet)."""
        return self._host_online

    # -- what MqttPublisher asks of a session ----------------------------------------------

    def _new_client(self) -> mqtt.Client | Message:
        made = super()._new_client()
        if isinstance(made, Message):
            return made
        self._bdseq = (self._bdseq + 1) % 256
        made.will_set(self.topic.format("NDEATH"), self._death(), qos=1, retain=False)
        made.on_message = self._on_message
        self._host_online = None
        self._commands.clear()
        return made

    def _connected(self, client: mqtt.Client) -> None:
        subscriptions = [
            (self.topic.format("NCMD"), 1),
            (self.topic.format("DCMD") + "/+", 1),
        ]
        if self.state_topic is not None:
            subscriptions.append((self.state_topic, 1))
        client.subscribe(subscriptions)
        if not self._wait_for_host(client):
            return
        self._order.clear()
        self._acked.clear()
        boundary = self.state.newest_seq  # waiting now: historical
        after = self._cursor
        # The birth declares the metrics of what is about to be sent, so the first messages
        # need no rebirth.
        rows = self._read_after(after, READ_CHUNK)
        for m in rows:
            self._learn(m)
        if not self._birth(client):
            return
        for m in rows:
            if not self._data(client, m, historical=m.seq <= boundary):
                return
            after = m.seq
        while self._lost is None:
            self._settle()
            if not self._obey(client):
                return
            if self._host_online is False:
                self._leave(client, self._host_message(), "the primary host went offline")
                return
            stopping = self._stop.is_set()
            if stopping and (not self._unacked or time.monotonic() > self._drain_until):
                break
            room = WINDOW - len(self._unacked)
            if room < READ_CHUNK // 2 or self.state.newest_seq <= after:
                self._sleep(0.1)
                continue
            rows = self._read_after(after, min(room, READ_CHUNK))
            # New metrics in the chunk (the first summaries of many tags): one rebirth for
            # them all, not one per message.
            if any([self._learn(m) for m in rows]) and not self._birth(client):
                self._lost = "birth too large"
                return
            for m in rows:
                if not self._data(client, m, historical=m.seq <= boundary):
                    return
                after = m.seq

    def _wait_for_host(self, client: mqtt.Client) -> bool:
        """With a primary host: wait (connected, sending nothing) until it says online."""
        if self.state_topic is None:
            return True
        told = False
        while self._host_online is not True:
            if self._lost is not None or self._stop.is_set():
                return False
            if "next" in self._commands:
                self._leave(client, self._next_message(), "the host asked for the next server")
                return False
            if not told:
                self._set_status(message=self._host_message())
                told = True
            self._sleep(0.2)
        self._commands.clear()  # a rebirth asked while offline: the births come now anyway
        self._set_status(message=Message("sync.connected", self._params(0)))
        return True

    def _obey(self, client: mqtt.Client) -> bool:
        """Carry out the NCMDs that came; False when the session ends."""
        while self._commands:
            command = self._commands.popleft()
            if command == "next":
                self._leave(client, self._next_message(), "the host asked for the next server")
                return False
            log.info("sparkplug: rebirth asked by a host")
            if not self._birth(client):
                self._lost = "birth too large"
                return False
        return True

    def _leave(self, client: mqtt.Client, why: Message, detail: str) -> None:
        """End the session by our own choice: NDEATH first (a clean disconnect sends no will),
        then the base class disconnects; the next session starts after the usual wait."""
        log.info("sparkplug: %s", why.render())
        self._goodbye(client)
        self._leaving = why
        self._lost = detail

    def _host_message(self) -> Message:
        return Message(
            "sync.sparkplug.host_offline",
            {"broker": self.broker, "host": self.sparkplug.primary_host_id or ""},
        )

    def _next_message(self) -> Message:
        return Message("sync.sparkplug.next_server", {"broker": self.broker})

    def _read_after(self, after: int, limit: int) -> list[StoredMessage]:
        def query(database: Database) -> list[StoredMessage]:
            return read_after(database, after, limit)

        return self.gateway.read(query).result(30)

    def _goodbye(self, client: mqtt.Client) -> None:
        info = client.publish(self.topic.format("NDEATH"), self._death(), qos=1)
        deadline = time.monotonic() + 1.0
        while not info.is_published() and time.monotonic() < deadline and self._lost is None:
            self._sleep(0.05)

    def _after_loss(self) -> None:
        """What was not acknowledged is sent again next session, from the cursor.

        A broker drops the connection on a packet over its limit (mosquitto's
        ``message_size_limit``: paho cannot read its answer), so the same birth or NDATA would
        end every session. When the connection dies twice with the same one first in flight,
        its size is taken as over the limit: the next session splits that NDATA, or reports the
        birth and stops. A session this side ended (host offline, next server) proves nothing.
        """
        if self._leaving is not None:
            self._birth_mid = None
            return
        if self._birth_mid is not None:
            first: tuple[str | int, int] | None = ("birth", self._birth_size)
        elif self._unacked:
            m, _, size = next(iter(self._unacked.values()))  # the first one sent
            first = (m.seq, size)
        else:
            first = None
        if first is not None and self._suspect is not None and self._suspect[0] == first[0]:
            size = min(first[1], self._suspect[1])
            log.warning("sparkplug: the connection died twice on %s (%d bytes)", first[0], size)
            learned = self._learned_limit
            # Already under a learned limit: halve, so the parts shrink fast, not a byte a time.
            limit = size // 2 if learned is not None and size < learned else size - 1
            self._learned_limit = min(learned or limit, limit)
        self._suspect = first
        self._birth_mid = None

    def _session(self, backoff: float) -> None:
        if self._halted is not None:  # a birth too large: wait for the operator's retry
            self._set_error(self._halted)
            while not self._stop.is_set() and not self._resume.wait(0.5):
                pass
            self._resume.clear()
            if self._stop.is_set():
                return
            self._halted = None
            self._learned_limit = None  # the broker may take more now: learn afresh
            self._suspect = None
        self._pending_parts.clear()
        self._leaving = None
        super()._session(backoff)
        if self._halted is not None:
            self._set_error(self._halted)

    def _set_error(self, message: Message) -> None:
        if self._leaving is not None and message.id == "sync.lost":
            self._set_status(connected=False, message=self._leaving)  # our choice, no error
            return
        super()._set_error(message)

    def _update_backlog(self) -> None:
        """The backlog is the cursor's distance to the newest message (see :attr:`status`)."""

    def retry_failed(self) -> None:
        """Try again after a birth too large (the operator raised the broker's limit). An NDATA
        metric too large for the broker on its own was passed and is not sent again."""
        self._resume.set()

    # -- payloads --------------------------------------------------------------------------

    def _payload(
        self, seq: int | None, metrics: Sequence[tuple[str, Any, int | None, bool]]
    ) -> bytes:
        payload = Payload()
        payload.timestamp = int(time.time() * 1000)
        if seq is not None:
            payload.seq = seq
        for name, value, ts, historical in metrics:
            metric = payload.metrics.add()
            metric.name = name
            if ts is not None:
                metric.timestamp = ts
            if historical:
                metric.is_historical = True
            metric_value(metric, value)
        return payload.SerializeToString()

    def _death(self) -> bytes:
        return self._payload(None, [("bdSeq", self._bdseq, None, False)])

    def _device_topic(self, kind: str, device: str) -> str:
        return f"{self.topic.format(kind)}/{self.devices[device]}"

    def _birth(self, client: mqtt.Client) -> bool:
        """Publish NBIRTH and a DBIRTH per live device; False when a birth is over the broker's
        limit (reported, session ends: a host takes no data without a birth, and a birth cannot
        be split)."""
        now = int(time.time() * 1000)
        metrics = [
            ("bdSeq", self._bdseq, now, False),
            ("Node Control/Rebirth", False, now, False),
            ("Node Control/Next Server", False, now, False),
        ]
        metrics += [(name, value, now, False) for name, value in self._known.items()]
        self._seq = 0
        self._born.clear()
        payload = self._payload(0, metrics)
        info = self._publish_birth(client, self.topic.format("NBIRTH"), payload)
        if info is None:
            return False
        self._birth_mid, self._birth_size = info.mid, len(payload)
        self.births += 1
        for device, alive in self._alive.items():
            if alive and self._device_birth(client, device) is None:
                return False
        return True

    def _device_birth(self, client: mqtt.Client, device: str) -> mqtt.MQTTMessageInfo | None:
        now = int(time.time() * 1000)
        known = self._device_known[device]
        metrics = [(name, value, now, False) for name, value in known.items()]
        self._seq = self._next_seq()
        topic = self._device_topic("DBIRTH", device)
        info = self._publish_birth(client, topic, self._payload(self._seq, metrics))
        if info is not None:
            self._born.add(device)
        return info

    def _publish_birth(
        self, client: mqtt.Client, topic: str, payload: bytes
    ) -> mqtt.MQTTMessageInfo | None:
        limit = self._limit()
        if limit is not None and len(payload) + len(topic.encode()) + PACKET_OVERHEAD > limit:
            limit_bytes = limit - len(topic.encode()) - PACKET_OVERHEAD
            params = {"size": len(payload), "limit": limit_bytes, "sink": self.broker}
            self._halted = Message("sync.sparkplug.birth_too_large", params)
            log.error("sparkplug: %s", self._halted.render())
            return None
        return client.publish(topic, payload, qos=1)

    def _fields(self, m: StoredMessage) -> list[tuple[str, Any]]:
        try:
            return metrics_of(m)
        except ValueError:
            return [(m.topic, m.payload)]

    def _route(self, m: StoredMessage) -> tuple[str | None, list[tuple[str, Any]], bool | None]:
        """(device or None for the node, its metrics, and for a ``device`` message whether the
        device is connected)."""
        if m.kind not in ("summary", "device") or not self.devices:
            return None, self._fields(m), None
        try:
            body = json.loads(m.payload)
        except ValueError:
            return None, self._fields(m), None
        device = body.get("device") if isinstance(body, dict) else None
        if not isinstance(device, str) or device not in self.devices:
            return None, self._fields(m), None
        # The station's own topics only: a partner's copy (``shared/<partner>/...``, filtered)
        # stays a node metric of its own name.
        if m.kind == "device" and m.topic == f"device/{self.devices[device]}":
            return device, [], bool(body.get("connected"))
        prefix = f"summary/{self.devices[device]}/"
        if m.kind != "summary" or not m.topic.startswith(prefix):
            return None, self._fields(m), None
        tag = m.topic[len(prefix) :]
        fields = [(f"{tag}/{k}", v) for k, v in body.items() if k not in ("device", "tag")]
        return device, fields, None

    def _learn(self, m: StoredMessage) -> bool:
        """Remember the metrics of a message (the next birth declares them); True when a
        born node or device has a metric its birth did not declare."""
        device, fields, _ = self._route(m)
        known = self._known if device is None else self._device_known[device]
        new = any(name not in known for name, _ in fields)
        known.update(fields)
        return new and (device is None or device in self._born)

    def _data(self, client: mqtt.Client, m: StoredMessage, historical: bool) -> bool:
        device, fields, connected = self._route(m)
        if device is not None and connected is not None:
            return self._device_change(client, m, device, connected, historical)
        known = self._known if device is None else self._device_known[device]
        new = any(name not in known for name, _ in fields)
        known.update(fields)
        if device is not None and device not in self._born:
            # Data of a device that has no birth (first data, or data after a recovery the
            # outbox did not record): it answers, so it is alive.
            self._alive[device] = True
            if self._device_birth(client, device) is None:
                self._lost = "birth too large"
                return False
        elif new and not self._birth(client):  # hosts take only metrics a birth declared
            self._lost = "birth too large"
            return False
        ts = int(m.created * 1000)
        metrics: list[MetricRow] = [(name, value, ts, historical) for name, value in fields]
        if device is None:
            topic = self.topic.format("NDATA")
        else:
            topic = self._device_topic("DDATA", device)
        limit = self._limit()
        room = None if limit is None else limit - len(topic.encode()) - PACKET_OVERHEAD
        parts = self._split(metrics, room)
        self._order.append(m.seq)
        if parts is None:  # one metric alone is over the limit: reported and passed
            assert room is not None
            self._metric_too_large(m, len(self._payload(255, metrics)), room)
            self._acked.add(m.seq)
            return True
        if len(parts) > 1:
            log.info("sparkplug: message %d sent as %d NDATA/DDATA", m.seq, len(parts))
            self._pending_parts[m.seq] = len(parts)
        for payload in parts:
            if not self._track(client.publish(topic, payload, qos=1), m, historical, payload):
                return False
        return True

    def _device_change(
        self, client: mqtt.Client, m: StoredMessage, device: str, connected: bool, historical: bool
    ) -> bool:
        """A device lost or regained communication: DDEATH or DBIRTH (nothing when the host
        already knows it so)."""
        self._alive[device] = connected
        self._order.append(m.seq)
        if connected == (device in self._born):
            self._acked.add(m.seq)
            return True
        if connected:
            info = self._device_birth(client, device)
            if info is None:
                self._lost = "birth too large"
                return False
            payload = b""
        else:
            self._born.discard(device)
            self._seq = self._next_seq()
            payload = self._payload(self._seq, [])
            info = client.publish(self._device_topic("DDEATH", device), payload, qos=1)
        log.info("sparkplug: device %s %s", device, "born" if connected else "dead")
        return self._track(info, m, historical, payload)

    def _track(
        self, info: mqtt.MQTTMessageInfo, m: StoredMessage, historical: bool, payload: bytes
    ) -> bool:
        """Wait for the PUBACK of a publish made for an outbox message; False: connection lost."""
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._lost = mqtt.error_string(info.rc)
            return False
        self._unacked[info.mid] = (m, historical, len(payload))
        self._sent += 1
        return True

    def _split(self, metrics: list[MetricRow], room: int | None) -> list[bytes] | None:
        """NDATA payloads of the metrics, each within ``room`` bytes and with its own ``seq``
        (one payload when it fits); None when a single metric does not fit."""
        whole = self._payload(self._next_seq(), metrics)
        if room is None or len(whole) <= room:
            self._seq = self._next_seq()
            return [whole]
        chunks: list[list[MetricRow]] = [[]]
        for metric in metrics:  # greedy: a seq takes at most 2 bytes, 255 is the largest
            if chunks[-1] and len(self._payload(255, [*chunks[-1], metric])) > room:
                chunks.append([])
            chunks[-1].append(metric)
        if any(len(self._payload(255, chunk)) > room for chunk in chunks):
            return None
        payloads = []
        for chunk in chunks:
            self._seq = self._next_seq()
            payloads.append(self._payload(self._seq, chunk))
        return payloads

    def _metric_too_large(self, m: StoredMessage, size: int, room: int) -> None:
        """Report a message with a metric over the broker's limit on its own, and pass it (the
        outbox rows' marks are the MQTT publisher's: nothing is written for it)."""
        params = {"seq": m.seq, "id": m.id, "size": size, "limit": room, "sink": self.target}
        message = Message("sync.too_large", params)
        log.error("sparkplug: %s", message.render())
        self._rejected += 1
        with self._lock:
            self._status = _replace(self._status, last_error=message)

    def _next_seq(self) -> int:
        return (self._seq + 1) % 256

    # -- what hosts send (paho's network thread: record and wake) ---------------------------

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.state_topic:
            state = host_state(bytes(message.payload))
            if state is None:
                log.warning("sparkplug: a STATE message that is not Sparkplug's ignored")
                return
            online, ts = state
            newer = ts is not None and ts > self._host_ts
            if ts is not None:
                if ts < self._host_ts:  # an older state (a stale retained one): ignored
                    return
                self._host_ts = ts
            if online and newer and self._host_online is True:
                # Online again with no offline seen (the host restarted quickly): it lost
                # the births, so they come again.
                self._commands.append("rebirth")
            self._host_online = online
            self._wake.set()
            return
        if message.topic != self.topic.format("NCMD"):
            log.warning("sparkplug: %s ignored (no writes to devices)", message.topic)
            return
        payload = Payload()
        try:
            payload.ParseFromString(message.payload)
        except Exception:  # protobuf's DecodeError: a host's bad bytes are no reason to stop
            log.warning("sparkplug: an NCMD that is no Sparkplug payload ignored")
            return
        for metric in payload.metrics:
            wanted = metric.WhichOneof("value") == "boolean_value" and metric.boolean_value
            if metric.name == "Node Control/Rebirth" and wanted:
                self._commands.append("rebirth")
            elif metric.name == "Node Control/Next Server" and wanted:
                self._commands.append("next")
            else:
                log.warning("sparkplug: NCMD %s ignored (not supported)", metric.name)
        self._wake.set()

    # -- acknowledgements ------------------------------------------------------------------

    def _settle(self, client: mqtt.Client | None = None) -> None:
        if not self._acks and not (self._order and self._order[0] in self._acked):
            return
        while self._acks:
            mid, _code = self._acks.popleft()
            if mid == self._birth_mid:
                self._birth_mid = None
                if self._suspect is not None and self._suspect[0] == "birth":
                    self._suspect = None
            sent = self._unacked.pop(mid, None)
            if sent is None:
                continue
            seq = sent[0].seq
            left = self._pending_parts.get(seq)
            if left is not None:  # an NDATA of a split message: done with its last one
                if left > 1:
                    self._pending_parts[seq] = left - 1
                    continue
                del self._pending_parts[seq]
            self._acked.add(seq)
        moved = 0
        while self._order and self._order[0] in self._acked:
            self._acked.discard(self._order[0])
            self._cursor = self._order.popleft()
            moved += 1
        if moved:
            self.gateway.submit(self._progress, [SinkProgress(SINK, cursor=self._cursor)])
            self.floor.set(SINK, self._cursor)
            self._delivered += moved
            self._last_delivered = time.time()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            status = self._status
        backlog = max(0, self.state.newest_seq - self._cursor)
        return _replace(
            status,
            backlog=backlog,
            backlog_warning=backlog >= self.config.backlog_warning,
            sent=self._sent,
            delivered=self._delivered,
            rejected=self._rejected,
            last_delivered=self._last_delivered,
        )
