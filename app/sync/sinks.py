"""What a sink besides MQTT keeps about the outbox: its cursor and the messages it gave up on.

The MQTT publisher marks each outbox row (``delivered``, ``outcome``). Another sink that sends
strictly in ``seq`` order (the HTTPS sink) needs only a cursor: the last sequence number it is
done with (delivered, or refused for good), kept in ``sync_meta`` under ``sink:<name>``. What it
refused for good is listed in ``sync_failed`` (with the reason) until an operator retries it.
Both are written through the gateway (``sync_sink`` write kind) in one transaction, so a kill -9
at any moment at worst sends a batch again, which the receiver drops by message id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)

from app.storage.database import Database
from app.storage.gateway import WriteKind
from app.sync.outbox import MESSAGE_COLUMNS, StoredMessage, meta, metadata, outbox

if TYPE_CHECKING:
    from app.sync.publisher import SyncStatus


class Sink(Protocol):
    """What the sync screen needs of a sink (MQTT publisher, HTTPS sink)."""

    name: str
    target: str
    """Where it sends (``host:port``, a URL): shown to the operator."""

    @property
    def status(self) -> SyncStatus: ...

    def retry_failed(self) -> None:
        """Send the messages it gave up on again (any thread; returns at once)."""


failed = Table(
    "sync_failed",
    metadata,
    Column("sink", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False),
    Column("at", Float, nullable=False),
    Column("detail", Text, nullable=False),
)


def cursor_key(sink: str) -> str:
    return f"sink:{sink}"[:32]


@dataclass(frozen=True, slots=True)
class SinkProgress:
    """A sink moved its cursor (and gave up on some messages, or retried some successfully)."""

    sink: str
    cursor: int | None = None
    failed: tuple[tuple[int, str, str], ...] = ()  # (seq, id, reason)
    retried: tuple[int, ...] = ()  # failed messages delivered on a retry: off the list
    at: float = field(default_factory=time.time)


class SinkProgressWriteKind(WriteKind[SinkProgress]):
    name = "sync_sink"
    urgent = True

    def __init__(
        self,
        sink: str,
        on_committed: Callable[[Sequence[SinkProgress]], None] | None = None,
    ) -> None:
        self.name = f"sync_sink_{sink}"  # one kind per sink
        self.on_committed = on_committed

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[SinkProgress], retry: bool) -> None:
        for item in items:
            if item.cursor is not None:
                key = cursor_key(item.sink)
                done = conn.execute(
                    update(meta).where(meta.c.key == key).values(value=item.cursor)
                ).rowcount
                if not done:
                    conn.execute(insert(meta).values(key=key, value=item.cursor))
            if item.failed:
                seqs = [seq for seq, _, _ in item.failed]
                conn.execute(
                    delete(failed).where(failed.c.sink == item.sink, failed.c.seq.in_(seqs))
                )
                conn.execute(
                    insert(failed),
                    [
                        {"sink": item.sink, "seq": seq, "id": id_, "at": item.at, "detail": reason}
                        for seq, id_, reason in item.failed
                    ],
                )
            if item.retried:
                conn.execute(
                    delete(failed).where(
                        failed.c.sink == item.sink, failed.c.seq.in_(list(item.retried))
                    )
                )

    def committed(self, items: Sequence[SinkProgress]) -> None:
        if self.on_committed is not None:
            self.on_committed(items)


def read_cursor(database: Database, sink: str) -> tuple[int | None, int]:
    """The sink's cursor (None: never started) and how many messages it lists as failed."""
    with database.connect() as conn:
        value = conn.execute(
            select(meta.c.value).where(meta.c.key == cursor_key(sink))
        ).scalar_one_or_none()
        count = conn.execute(
            select(func.count()).select_from(failed).where(failed.c.sink == sink)
        ).scalar_one()
    return value, int(count)


def read_after(database: Database, after: int, limit: int) -> list[StoredMessage]:
    """Every outbox message after ``after`` in order (delivered to MQTT or not)."""
    query = select(*MESSAGE_COLUMNS).where(outbox.c.seq > after).order_by(outbox.c.seq).limit(limit)
    with database.connect() as conn:
        return [StoredMessage._make(row) for row in conn.execute(query).tuples()]


def read_failed(database: Database, sink: str) -> list[StoredMessage]:
    """The messages the sink gave up on (still in the outbox), in order."""
    query = (
        select(*MESSAGE_COLUMNS)
        .join(failed, failed.c.seq == outbox.c.seq)
        .where(failed.c.sink == sink)
        .order_by(outbox.c.seq)
    )
    with database.connect() as conn:
        return [StoredMessage._make(row) for row in conn.execute(query).tuples()]


class Floor:
    """The lowest cursor of the sinks that read the outbox by cursor: the purge keeps what is
    after it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: dict[str, int] = {}

    def set(self, sink: str, cursor: int) -> None:
        with self._lock:
            self._cursors[sink] = cursor

    def __call__(self) -> int | None:
        with self._lock:
            return min(self._cursors.values()) if self._cursors else None
