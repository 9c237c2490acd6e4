"""The sync outbox: every message for the cluster, committed before anyone may send it.

A summary (or an alarm transition, a station status, a machine's OEE) becomes a row of
``sync_outbox`` in the transaction that creates it, on the gateway's writer thread: the row *is*
the message. Its per-station sequence number is assigned in that same transaction from
``sync_meta`` (so numbers have no holes, also across kill -9: what was never committed never got
a number). Its id (a UUID made when the summary was made) lets a receiver drop duplicates.

Alarm transitions are not copied by a listener (a kill -9 between the journal's commit and the
copy would lose them): a :class:`JournalPull` asks the outbox's own transaction to take every
journal row after a cursor kept in ``sync_meta``, so copy and cursor commit together.

Delivery marks (``delivered``, ``outcome``) are written through the gateway as the
``sync_delivered`` kind when the broker acknowledged a message. A mark lost to kill -9 only
means the message is sent again, which a receiver drops by its id.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from app.storage.database import Database
from app.storage.gateway import Maintenance, WriteKind

metadata = MetaData()

outbox = Table(
    "sync_outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("kind", String(16), nullable=False),
    # The topic below the station's own level (``summary/cnc/spindle_temp``).
    Column("topic", String(512), nullable=False),
    Column("payload", Text, nullable=False),
    Column("delivered", Float, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("detail", Text, nullable=True),
)
Index("ix_sync_outbox_pending", outbox.c.delivered, outbox.c.seq)

meta = Table(
    "sync_meta",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

NEXT_SEQ = "next_seq"
JOURNAL_CURSOR = "journal_cursor"

ACKED = "acked"
REJECTED = "rejected"


def new_id() -> str:
    """A message id no other message of any station will have."""
    return str(uuid.uuid4())


def json_safe(value: Any) -> Any:
    """NaN and infinity as null (JSON has neither); numpy scalars as Python numbers."""
    item = getattr(value, "item", None)
    if callable(item):
        value = item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=json_safe)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message on its way to the outbox (its sequence number comes with the commit)."""

    kind: str
    topic: str
    body: dict[str, Any]
    created: float = field(default_factory=time.time)
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class JournalPull:
    """Asks the outbox's next transaction to copy the alarm journal's new rows."""


class StoredMessage(NamedTuple):
    """A committed outbox row, as the publisher reads it (a tuple: thousands per second)."""

    seq: int
    id: str
    created: float
    kind: str
    topic: str
    payload: str


class Delivery(NamedTuple):
    """The broker's answer for one message."""

    seq: int
    outcome: str
    detail: str | None
    at: float


OutboxItem = OutboxMessage | JournalPull


class OutboxState:
    """What the publisher needs to know without asking the database (thread-safe)."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[], None]] = []
        """Called (on the writer thread) after messages were committed."""
        self._cond = threading.Condition()
        self.newest_seq = 0
        """Highest committed sequence number."""
        self.undelivered = 0
        """Committed messages without a delivery mark (including marks not yet written)."""

    def committed(self, newest: int, count: int) -> None:
        with self._cond:
            self.newest_seq = max(self.newest_seq, newest)
            self.undelivered += count
            self._cond.notify_all()
        for listener in self.listeners:
            listener()

    def requeued(self, count: int) -> None:
        """Messages marked before are undelivered again (an operator's retry)."""
        with self._cond:
            self.undelivered += count
            self._cond.notify_all()

    def delivered(self, count: int) -> None:
        with self._cond:
            self.undelivered = max(0, self.undelivered - count)

    def set_start(self, newest: int, undelivered: int) -> None:
        with self._cond:
            self.newest_seq = newest
            self.undelivered = undelivered

    def wait_newer(self, seq: int, timeout: float) -> bool:
        """Wait until a message after ``seq`` is committed; True when there is one."""
        with self._cond:
            return self._cond.wait_for(lambda: self.newest_seq > seq, timeout)

    def poke(self) -> None:
        with self._cond:
            self._cond.notify_all()


JournalRows = Callable[[Connection, int], list[tuple[int, float, str, dict[str, Any]]]]
"""Reads the alarm journal after a cursor: ``(journal seq, ts, device, body)`` in order."""


#: ``(kind, topic, body)`` -> the rows to store for it, as ``(kind, topic, body)``.
Copies = Callable[[str, str, dict[str, Any]], list[tuple[str, str, dict[str, Any]]]]


class OutboxWriteKind(WriteKind[OutboxItem]):
    """Messages into ``sync_outbox``, numbered in the transaction that stores them.

    Urgent: a summary is committed as soon as it is made, so what was made is what survives.
    """

    name = "sync_outbox"
    urgent = True
    max_batch = 5000

    def __init__(
        self,
        state: OutboxState,
        journal: JournalRows | None = None,
        journal_newest: Callable[[Connection], int | None] | None = None,
        copies: Copies | None = None,
    ) -> None:
        self.state = state
        self.copies = copies
        """Which rows an alarm journal row becomes (the partners' shared copies; the station's
        own unless it shares only); None: the row itself."""
        self.journal = journal
        self.journal_newest = journal_newest
        self._written: tuple[int, int] = (0, 0)  # (newest seq, count) of the last write

    def create(self, database: Database) -> None:
        metadata.create_all(database)
        with database.begin() as conn:
            newest = conn.execute(select(func.max(outbox.c.seq))).scalar() or 0
            have = dict(conn.execute(select(meta.c.key, meta.c.value)).tuples().all())
            if NEXT_SEQ not in have:
                conn.execute(insert(meta).values(key=NEXT_SEQ, value=newest + 1))
            if JOURNAL_CURSOR not in have:
                # Sync starts now: the alarms of the station's past are not sent.
                start = self.journal_newest(conn) if self.journal_newest else None
                conn.execute(insert(meta).values(key=JOURNAL_CURSOR, value=start or 0))
            if self.journal_newest is not None and self.journal_newest(conn) is None:
                self.journal = None  # no alarm journal in this database: nothing to copy
            pending = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.delivered.is_(None))
            ).scalar_one()
        self.state.set_start(newest, pending)

    def write(self, conn: Connection, items: Sequence[OutboxItem], retry: bool) -> None:
        messages = [m for m in items if isinstance(m, OutboxMessage)]
        if retry and messages:  # the last commit may have landed after all
            ids = [m.id for m in messages]
            there = set(conn.execute(select(outbox.c.id).where(outbox.c.id.in_(ids))).scalars())
            messages = [m for m in messages if m.id not in there]
        values = dict(conn.execute(select(meta.c.key, meta.c.value)).tuples().all())
        seq = values[NEXT_SEQ]
        rows = []
        for message in messages:
            rows.append(
                _row(seq, message.id, message.created, message.kind, message.topic, message.body)
            )
            seq += 1
        if self.journal is not None and any(isinstance(i, JournalPull) for i in items):
            cursor = values[JOURNAL_CURSOR]
            for journal_seq, ts, device, body in self.journal(conn, cursor):
                made = [("alarm", f"alarm/{device}", body)]
                if self.copies is not None:
                    made = self.copies("alarm", f"alarm/{device}", body)
                for kind, topic, content in made:
                    rows.append(_row(seq, new_id(), ts, kind, topic, content))
                    seq += 1
                cursor = journal_seq
            if cursor != values[JOURNAL_CURSOR]:
                _set(conn, JOURNAL_CURSOR, cursor)
        if rows:
            conn.execute(insert(outbox), rows)
            _set(conn, NEXT_SEQ, seq)
        self._written = (seq - 1, len(rows))

    def committed(self, items: Sequence[OutboxItem]) -> None:
        newest, count = self._written
        if count:
            self.state.committed(newest, count)


def _row(
    seq: int, id_: str, created: float, kind: str, topic: str, body: dict[str, Any]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "id": id_,
        "created": created,
        "kind": kind,
        "topic": topic,
        "payload": dumps(body),
    }


def _set(conn: Connection, key: str, value: int) -> None:
    conn.execute(update(meta).where(meta.c.key == key).values(value=value))


class DeliveredWriteKind(WriteKind[Delivery]):
    """Delivery marks: the broker acknowledged (or refused) these messages."""

    name = "sync_delivered"
    max_batch = 20_000

    def __init__(self, on_committed: Callable[[Sequence[Delivery]], None] | None = None) -> None:
        self.on_committed = on_committed

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[Delivery], retry: bool) -> None:
        # PUBACKs come in order: one UPDATE per run of consecutive numbers with the same
        # outcome, instead of one per message (a 100,000-message drain is a few statements).
        statement = (
            update(outbox)
            .where(outbox.c.seq >= bindparam("b_low"), outbox.c.seq <= bindparam("b_high"))
            .values(
                delivered=bindparam("b_at"),
                outcome=bindparam("b_outcome"),
                detail=bindparam("b_detail"),
            )
        )
        runs: list[dict[str, Any]] = []
        for d in sorted(items, key=lambda d: d.seq):
            last = runs[-1] if runs else None
            if (
                last is not None
                and d.seq == last["b_high"] + 1
                and d.outcome == last["b_outcome"]
                and d.detail == last["b_detail"]
            ):
                last["b_high"] = d.seq
                last["b_at"] = max(last["b_at"], d.at)
            else:
                runs.append(
                    {
                        "b_low": d.seq,
                        "b_high": d.seq,
                        "b_at": d.at,
                        "b_outcome": d.outcome,
                        "b_detail": d.detail,
                    }
                )
        conn.execute(statement, runs)

    def committed(self, items: Sequence[Delivery]) -> None:
        if self.on_committed is not None:
            self.on_committed(items)


@dataclass(frozen=True, slots=True)
class RetryRejected:
    """Asks for every message marked rejected to be undelivered again (the operator's retry)."""


class RetryWriteKind(WriteKind[RetryRejected]):
    """Clears the rejected marks; tells which messages (in order) after the commit."""

    name = "sync_retry"
    urgent = True

    def __init__(self, on_committed: Callable[[list[int]], None]) -> None:
        self.on_committed = on_committed
        self._seqs: list[int] = []

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[RetryRejected], retry: bool) -> None:
        rejected = outbox.c.outcome == REJECTED
        self._seqs = list(
            conn.execute(select(outbox.c.seq).where(rejected).order_by(outbox.c.seq)).scalars()
        )
        if self._seqs:
            conn.execute(update(outbox).where(rejected).values(delivered=None, outcome=None))

    def committed(self, items: Sequence[RetryRejected]) -> None:
        seqs, self._seqs = self._seqs, []
        if seqs:
            self.on_committed(seqs)


def count_rejected(database: Database) -> int:
    with database.connect() as conn:
        found = select(func.count()).select_from(outbox).where(outbox.c.outcome == REJECTED)
        return int(conn.execute(found).scalar_one())


def oldest_pending(database: Database) -> float | None:
    """When the oldest undelivered message was made (None: none waits)."""
    with database.connect() as conn:
        query = select(func.min(outbox.c.created)).where(outbox.c.delivered.is_(None))
        value = conn.execute(query).scalar()
        return float(value) if value is not None else None


#: The columns of a :class:`StoredMessage`, in its field order.
MESSAGE_COLUMNS = (
    outbox.c.seq,
    outbox.c.id,
    outbox.c.created,
    outbox.c.kind,
    outbox.c.topic,
    outbox.c.payload,
)


def read_seqs(database: Database, seqs: Sequence[int]) -> list[StoredMessage]:
    """The undelivered messages among ``seqs``, in order."""
    query = (
        select(*MESSAGE_COLUMNS)
        .where(outbox.c.seq.in_(list(seqs)), outbox.c.delivered.is_(None))
        .order_by(outbox.c.seq)
    )
    with database.connect() as conn:
        return [StoredMessage._make(row) for row in conn.execute(query).tuples()]


def read_pending(
    database: Database, after: int, upto: int | None, limit: int
) -> list[StoredMessage]:
    """Undelivered messages with ``after < seq <= upto``, in order (on the reader thread)."""
    query = (
        select(*MESSAGE_COLUMNS)
        .where(outbox.c.delivered.is_(None), outbox.c.seq > after)
        .order_by(outbox.c.seq)
        .limit(limit)
    )
    if upto is not None:
        query = query.where(outbox.c.seq <= upto)
    with database.connect() as conn:
        return [StoredMessage._make(row) for row in conn.execute(query).tuples()]


class OutboxPurge(Maintenance):
    """Deletes delivered messages older than ``keep_days`` (the undelivered are kept)."""

    def __init__(
        self,
        keep_days: float = 7.0,
        chunk: int = 5000,
        floor: Callable[[], int | None] | None = None,
        *,
        marks: bool = True,
    ) -> None:
        self.keep_days = keep_days
        self.marks = marks
        """False: no MQTT publisher marks rows delivered (an HTTPS-only station); a row is done
        when every cursor sink is past it, so it goes by the floor and its age."""
        self.floor = floor
        """The lowest cursor of the other sinks (the HTTPS sink): what is after it is kept."""
        self.chunk = chunk
        self.interval_s = 3600.0
        self.deleted = 0

    def step(self, database: Database) -> bool:
        cutoff = time.time() - self.keep_days * 86_400.0
        with database.begin() as conn:
            old = select(outbox.c.seq).order_by(outbox.c.seq).limit(self.chunk)
            if self.marks:
                old = old.where(outbox.c.delivered.is_not(None), outbox.c.delivered < cutoff)
            else:
                old = old.where(outbox.c.created < cutoff)
            floor = self.floor() if self.floor is not None else None
            if floor is not None:
                old = old.where(outbox.c.seq <= floor)
            elif not self.marks:
                return False  # no sink has said how far it got: keep everything
            seqs = list(conn.execute(old).scalars())
            if seqs:
                conn.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))
        self.deleted += len(seqs)
        return len(seqs) == self.chunk
