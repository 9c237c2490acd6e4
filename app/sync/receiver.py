"""The reference receiver: what a cluster runs behind its broker to keep every station's
messages (``shopfloor cluster-receiver``), and the per-station report (``shopfloor cluster
status``).

It subscribes to ``<prefix>/v1/#`` with QoS 1 in a persistent session (the broker keeps what
arrives while the receiver is down) and acknowledges a message only after it is committed
(paho's manual acknowledgement), so a receiver killed at any moment loses nothing: the broker
sends again what was not acknowledged. A message whose id is already stored is a duplicate:
counted and dropped. Sequence numbers per station show the gaps: numbers missing between the
first and the last received (a gap closes when a replay fills it).

Beside every message, the receiver keeps the newest record per station, kind and subject
(``cluster_latest``: the station's status, each machine's OEE, each order's progress, each
alarm's last transition), updated in the same transaction, so the cluster view reads a small
table however long the history grows. A replayed (older) record never replaces a newer one.

Any SQLAlchemy URL works (SQLite, PostgreSQL); writes go through the
:class:`~app.storage.gateway.DatabaseGateway` as everywhere else.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind
from app.sync.connection import new_client, secure
from app.sync.topics import subscription

log = logging.getLogger(__name__)

metadata = MetaData()

messages = Table(
    "cluster_messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("station", String(512), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("topic", Text, nullable=False),
    Column("historical", Boolean, nullable=False),
    Column("created", Float, nullable=False),
    Column("received", Float, nullable=False),
    Column("payload", Text, nullable=False),
)
Index("ix_cluster_messages_station_seq", messages.c.station, messages.c.seq)

stations = Table(
    "cluster_stations",
    metadata,
    Column("station", String(512), primary_key=True),
    Column("received", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("invalid", Integer, nullable=False, default=0),
    Column("last_seen", Float, nullable=True),
    Column("max_seq", Integer, nullable=False, default=0),
    Column("online", Boolean, nullable=True),
)

latest = Table(
    "cluster_latest",
    metadata,
    Column("station", String(512), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("subject", String(512), primary_key=True),
    Column("id", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("received", Float, nullable=False),
    Column("payload", Text, nullable=False),
)

#: The kinds the cluster view shows, and what one record of each is about.
LATEST_KINDS = ("status", "oee", "order_progress", "alarm")


def subject(kind: str, topic: str, data: dict[str, Any]) -> str | None:
    """What a record is about (``diecast``, ``WO-9``, an alarm id); None: not kept as latest.

    A partner's shared copy (``.../shared/<partner>/...``) has the same subject as the
    original, so the lead sees one current value either way."""
    if kind not in LATEST_KINDS:
        return None
    last = topic.rsplit("/", 1)[-1]
    if kind == "status":
        return ""
    if kind == "oee":
        device = str(data.get("device") or last)
        return f"{device}/shift" if "shift" in data else device
    if kind == "order_progress":
        return str(data.get("order_id") or last)
    return str(data.get("alarm_id") or last)


@dataclass(frozen=True, slots=True)
class Received:
    """One MQTT message as it arrived (``mid`` to acknowledge it after the commit)."""

    mid: int
    topic: str
    payload: bytes
    at: float


def _check_envelope(body: dict[str, Any]) -> None:
    """TypeError unless ``body`` has the envelope a stored message needs."""
    if not (
        isinstance(body.get("id"), str)
        and isinstance(body.get("seq"), int)
        and isinstance(body.get("kind"), str)
        and isinstance(body.get("created"), int | float)
    ):
        raise TypeError("not a station message (id, seq, kind, created)")


def station_key(payload: dict[str, Any]) -> str:
    s = payload["station"]
    return "/".join(str(s[k]) for k in ("company", "site", "line", "station"))


class ReceivedWriteKind(WriteKind[Received]):
    """Stores new messages, counts duplicates, then acknowledges them to the broker."""

    name = "cluster_messages"
    urgent = True
    max_batch = 5000

    def __init__(self, acknowledge: Any) -> None:
        self.acknowledge = acknowledge
        self.stored = 0
        self.duplicates = 0

    def create(self, database: Database) -> None:
        metadata.create_all(database)
        rebuild_latest(database)

    def write(self, conn: Connection, items: Sequence[Received], retry: bool) -> None:
        parsed: list[tuple[Received, dict[str, Any] | None]] = []
        for item in items:
            try:
                body = json.loads(item.payload)
                station_key(body)
                if "id" in body or "online" not in body:
                    _check_envelope(body)
            except (ValueError, KeyError, TypeError):
                log.warning("receiver: unreadable message on %s dropped", item.topic)
                body = None
            parsed.append((item, body))
        ids = [b["id"] for _, b in parsed if b is not None and "id" in b]
        known = set(conn.execute(select(messages.c.id).where(messages.c.id.in_(ids))).scalars())
        counts: dict[str, dict[str, Any]] = {}
        rows = []
        for item, body in parsed:
            if body is None:
                continue
            key = station_key(body)
            c = counts.setdefault(
                key,
                {
                    "received": 0,
                    "duplicates": 0,
                    "seen": item.at,
                    "max_seq": 0,
                    "online": None,
                    "seqs": [],
                },
            )
            c["seen"] = max(c["seen"], item.at)
            if "online" in body and "id" not in body:  # the birth message or the last will
                c["online"] = bool(body["online"])
                continue
            if body["id"] in known:
                c["duplicates"] += 1
                continue
            known.add(body["id"])
            c["received"] += 1
            c["max_seq"] = max(c["max_seq"], int(body["seq"]))
            c["seqs"].append(int(body["seq"]))
            rows.append(
                {
                    "id": body["id"],
                    "station": key,
                    "seq": int(body["seq"]),
                    "kind": str(body["kind"]),
                    "topic": item.topic,
                    "historical": bool(body.get("historical")),
                    "created": float(body["created"]),
                    "received": item.at,
                    "payload": json.dumps(body.get("data"), ensure_ascii=False),
                }
            )
        if rows:
            conn.execute(insert(messages), rows)
            _keep_latest(conn, rows)
        existing = dict(
            conn.execute(
                select(stations.c.station, stations.c.max_seq).where(
                    stations.c.station.in_(list(counts))
                )
            )
            .tuples()
            .all()
        )
        for key, c in counts.items():
            if key not in existing:
                conn.execute(
                    insert(stations).values(
                        station=key, received=0, duplicates=0, invalid=0, max_seq=0
                    )
                )
            _log_gaps(key, existing.get(key, 0), c["seqs"])
            values: dict[str, Any] = {
                "received": stations.c.received + c["received"],
                "duplicates": stations.c.duplicates + c["duplicates"],
                "last_seen": c["seen"],
                "max_seq": func.max(stations.c.max_seq, c["max_seq"])
                if conn.dialect.name == "sqlite"
                else func.greatest(stations.c.max_seq, c["max_seq"]),
            }
            if c["online"] is not None:
                values["online"] = c["online"]
            conn.execute(update(stations).where(stations.c.station == key).values(**values))
        self.stored += len(rows)
        self.duplicates += sum(c["duplicates"] for c in counts.values())

    def committed(self, items: Sequence[Received]) -> None:
        for item in items:
            self.acknowledge(item.mid)


def _keep_latest(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Upsert the newest record per (station, kind, subject); an older one never wins."""
    newest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        data = json.loads(row["payload"])
        about = subject(row["kind"], row["topic"], data if isinstance(data, dict) else {})
        if about is None:
            continue
        key = (row["station"], row["kind"], about)
        known = newest.get(key)
        if known is None or row["created"] >= known["created"]:
            newest[key] = {
                "station": row["station"],
                "kind": row["kind"],
                "subject": about,
                "id": row["id"],
                "seq": row["seq"],
                "created": row["created"],
                "received": row["received"],
                "payload": row["payload"],
            }
    if not newest:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(latest)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[latest.c.station, latest.c.kind, latest.c.subject],
        set_={name: excluded[name] for name in ("id", "seq", "created", "received", "payload")},
        where=latest.c.created <= excluded.created,
    )
    conn.execute(statement, list(newest.values()))


def rebuild_latest(database: Database, chunk: int = 5000) -> None:
    """Fill ``cluster_latest`` from the stored messages when it is empty (a database written
    by a receiver from before it existed)."""
    with database.begin() as conn:
        if conn.execute(select(latest.c.id).limit(1)).first() is not None:
            return
        query = select(
            messages.c.id,
            messages.c.station,
            messages.c.seq,
            messages.c.kind,
            messages.c.topic,
            messages.c.created,
            messages.c.received,
            messages.c.payload,
        ).where(messages.c.kind.in_(LATEST_KINDS))
        result = conn.execute(query.execution_options(yield_per=chunk)).mappings()
        for rows in result.partitions(chunk):
            _keep_latest(conn, [dict(r) for r in rows])


def _log_gaps(station: str, newest: int, seqs: list[int]) -> None:
    """Say when new numbers skip some after the newest known (a replay may fill them later)."""
    for seq in sorted(seqs):
        if newest and seq > newest + 1:
            log.warning("receiver: %s: %d missing before %d", station, seq - newest - 1, seq)
        newest = max(newest, seq)


class Receiver:
    """Subscribes, stores, acknowledges after the commit; :meth:`run` until stopped."""

    def __init__(
        self,
        gateway: DatabaseGateway,
        host: str,
        port: int,
        *,
        prefix: str = "shopfloor",
        client_id: str = "shopfloor-receiver",
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        tls: bool = False,
    ) -> None:
        self.gateway = gateway
        self.host, self.port = host, port
        self.topic = subscription(prefix)
        self.subscribed = threading.Event()
        self.client = new_client(client_id)
        self.client.manual_ack_set(True)
        secure(self.client, username=username, password=password, tls=tls, ca_file=ca_file)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 30)
        self.kind = ReceivedWriteKind(self._ack)
        gateway.register(self.kind)

    def _ack(self, mid: int) -> None:
        self.client.ack(mid, 1)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if code.is_failure:
            log.error("receiver: broker refused the connection: %s", code)
            return
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        item = Received(message.mid, message.topic, bytes(message.payload), time.time())
        self.gateway.submit(self.kind, [item])

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 7 * 86_400  # the broker keeps what comes meanwhile
        self.gateway.start()
        self.client.connect_async(self.host, self.port, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.gateway.stop()


@dataclass(frozen=True, slots=True)
class StationReport:
    station: str
    received: int
    duplicates: int
    missing: int
    gaps: list[tuple[int, int]]
    first_seq: int | None
    last_seq: int | None
    last_seen: float | None
    online: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "station": self.station,
            "received": self.received,
            "duplicates_dropped": self.duplicates,
            "missing": self.missing,
            "gaps": [list(g) for g in self.gaps],
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_seen": self.last_seen,
            "online": self.online,
        }


def report(database: Database) -> list[StationReport]:
    """Per station: received, duplicates dropped, gaps (missing sequence ranges), last seen."""
    metadata.create_all(database)
    lagged = select(
        messages.c.station,
        messages.c.seq,
        func.lag(messages.c.seq)
        .over(partition_by=messages.c.station, order_by=messages.c.seq)
        .label("prev"),
    ).subquery()
    gaps_q = (
        select(lagged.c.station, lagged.c.prev + 1, lagged.c.seq - 1)
        .where(lagged.c.seq > lagged.c.prev + 1)
        .order_by(lagged.c.station, lagged.c.seq)
    )
    span_q = select(
        messages.c.station, func.min(messages.c.seq), func.max(messages.c.seq)
    ).group_by(messages.c.station)
    with database.connect() as conn:
        gaps: dict[str, list[tuple[int, int]]] = {}
        for station, low, high in conn.execute(gaps_q).tuples():
            gaps.setdefault(station, []).append((int(low), int(high)))
        spans = {s: (lo, hi) for s, lo, hi in conn.execute(span_q).tuples()}
        rows = conn.execute(select(stations).order_by(stations.c.station)).all()
    result = []
    for row in rows:
        m = row._mapping
        station_gaps = gaps.get(m["station"], [])
        first, last = spans.get(m["station"], (None, None))
        result.append(
            StationReport(
                station=m["station"],
                received=m["received"],
                duplicates=m["duplicates"],
                missing=sum(high - low + 1 for low, high in station_gaps),
                gaps=station_gaps,
                first_seq=first,
                last_seq=last,
                last_seen=m["last_seen"],
                online=m["online"],
            )
        )
    return result
