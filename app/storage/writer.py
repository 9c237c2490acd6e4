"""Samples and events on their way to the database: the engine subscriber and its write kinds.

The dispatcher only converts a batch to rows and submits them to the gateway (microseconds);
the gateway's writer thread commits what has gathered every ``flush_interval_s``. A failed
commit keeps the rows and retries, so a locked or full database delays data, never drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from app.model import Event, SampleBatch
from app.storage.database import Database
from app.storage.events import EventStore
from app.storage.gateway import DatabaseGateway, WriteKind
from app.storage.samples import SampleRow, SampleStore
from app.tags import TagTable

MAX_ROWS_PER_TRANSACTION = 20_000


class SampleWriteKind(WriteKind[SampleRow]):
    """Sample rows, committed every flush interval in chunks of at most 20,000."""

    name = "samples"
    max_batch = MAX_ROWS_PER_TRANSACTION

    def __init__(self, store: SampleStore) -> None:
        self.store = store

    def write(self, conn: Connection, items: Sequence[SampleRow], retry: bool) -> None:
        self.store.write_rows(conn, items)


class EventWriteKind(WriteKind[dict[str, Any]]):
    """Event rows, committed with the samples."""

    name = "events"

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def write(self, conn: Connection, items: Sequence[dict[str, Any]], retry: bool) -> None:
        self.store.write_rows(conn, items)


class StorageWriter:
    """Subscribes to the engine and hands what it publishes to the gateway."""

    def __init__(self, gateway: DatabaseGateway, table: TagTable) -> None:
        self.gateway = gateway
        self.samples = SampleStore(gateway.db)
        self.events = EventStore(gateway.db)
        self.samples.register_tags(table)
        self._samples = gateway.register(SampleWriteKind(self.samples))
        self._events = gateway.register(EventWriteKind(self.events))

    @property
    def db(self) -> Database:
        return self.gateway.db

    # -- engine subscriber callbacks (dispatcher thread) --------------------------------------

    def on_batch(self, batch: SampleBatch) -> None:
        """Hand a batch's rows over for the next commit."""
        self.gateway.submit(self._samples, self.samples.rows(batch))

    def on_event(self, event: Event) -> None:
        """Hand an event over for the next commit."""
        self.gateway.submit(self._events, [EventStore.row(event)])

    # -- health (any thread; in memory only) --------------------------------------------------

    @property
    def pending(self) -> int:
        """Samples and events waiting to be written."""
        return self.gateway.pending("samples") + self.gateway.pending("events")

    @property
    def rows_written(self) -> int:
        """Samples and events committed since start."""
        return self.gateway.written("samples") + self.gateway.written("events")

    @property
    def last_error(self) -> str:
        return self.gateway.status.error

    @property
    def healthy(self) -> bool:
        """False while the last write attempt failed."""
        return self.gateway.status.ok

    def flush(self, timeout: float = 10.0) -> bool:
        """Write what is pending now (waits; tests and shutdown only)."""
        return self.gateway.flush(timeout)
