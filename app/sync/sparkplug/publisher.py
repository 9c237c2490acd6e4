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
"""

from __future__ import annotations

import json
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
from app.sync.publisher import MqttPublisher, SyncStatus, _replace
from app.sync.sinks import Floor, SinkProgress, SinkProgressWriteKind, read_after, read_cursor
from app.sync.sparkplug.sparkplug_b_pb2 import Payload
from app.sync.topics import level

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


class SparkplugPublisher(MqttPublisher):
    """Publishes the outbox of one station as one Sparkplug B edge node."""

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
        self._known: dict[str, tuple[int, Any]] = {}  # metric -> (datatype, last value)
        self._order: deque[int] = deque()  # outbox seqs sent, in order, not yet passed
        self._acked: set[int] = set()
        self._rejected = 0
        self.births = 0

    # -- what MqttPublisher asks of a session ----------------------------------------------

    def _new_client(self) -> mqtt.Client | Message:
        made = super()._new_client()
        if isinstance(made, Message):
            return made
        self._bdseq = (self._bdseq + 1) % 256
        made.will_set(self.topic.format("NDEATH"), self._death(), qos=1, retain=False)
        return made

    def _connected(self, client: mqtt.Client) -> None:
        self._order.clear()
        self._acked.clear()
        boundary = self.state.newest_seq  # waiting now: historical
        after = self._cursor
        # The birth declares the metrics of what is about to be sent, so the first messages
        # need no rebirth.
        rows = self._read_after(after, READ_CHUNK)
        for m in rows:
            for name, value in self._fields(m):
                self._known[name] = (0, value)
        self._birth(client)
        for m in rows:
            if not self._data(client, m, historical=m.seq <= boundary):
                return
            after = m.seq
        while self._lost is None:
            self._settle()
            stopping = self._stop.is_set()
            if stopping and (not self._unacked or time.monotonic() > self._drain_until):
                break
            room = WINDOW - len(self._unacked)
            if room < READ_CHUNK // 2 or self.state.newest_seq <= after:
                self._sleep(0.1)
                continue
            rows = self._read_after(after, min(room, READ_CHUNK))
            for m in rows:
                if not self._data(client, m, historical=m.seq <= boundary):
                    return
                after = m.seq

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
        """What was not acknowledged is sent again next session, from the cursor."""

    def _update_backlog(self) -> None:
        """The backlog is the cursor's distance to the newest message (see :attr:`status`)."""

    def retry_failed(self) -> None:
        """Nothing is given up on: every message is sent until acknowledged."""

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

    def _birth(self, client: mqtt.Client) -> None:
        now = int(time.time() * 1000)
        metrics = [("bdSeq", self._bdseq, now, False), ("Node Control/Rebirth", False, now, False)]
        metrics += [(name, value, now, False) for name, (_, value) in self._known.items()]
        self._seq = 0
        client.publish(self.topic.format("NBIRTH"), self._payload(0, metrics), qos=1)
        self.births += 1

    def _fields(self, m: StoredMessage) -> list[tuple[str, Any]]:
        try:
            return metrics_of(m)
        except ValueError:
            return [(m.topic, m.payload)]

    def _data(self, client: mqtt.Client, m: StoredMessage, historical: bool) -> bool:
        fields = self._fields(m)
        if any(name not in self._known for name, _ in fields):
            for name, value in fields:
                self._known[name] = (0, value)
            self._birth(client)  # a rebirth: hosts take only metrics a birth declared
        else:
            for name, value in fields:
                self._known[name] = (0, value)
        self._seq = (self._seq + 1) % 256
        ts = int(m.created * 1000)
        metrics = [(name, value, ts, historical) for name, value in fields]
        info = client.publish(self.topic.format("NDATA"), self._payload(self._seq, metrics), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._lost = mqtt.error_string(info.rc)
            return False
        self._unacked[info.mid] = (m, historical, 0)
        self._order.append(m.seq)
        self._sent += 1
        return True

    # -- acknowledgements ------------------------------------------------------------------

    def _settle(self, client: mqtt.Client | None = None) -> None:
        if not self._acks:
            return
        while self._acks:
            mid, _code = self._acks.popleft()
            sent = self._unacked.pop(mid, None)
            if sent is not None:
                self._acked.add(sent[0].seq)
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
            rejected=0,
            last_delivered=self._last_delivered,
        )
