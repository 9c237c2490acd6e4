"""Samples and events on their way to the database: the engine subscriber and its write kinds.

The dispatcher only hands each batch to the gateway (microseconds, no conversion); the gateway's
writer thread commits what has gathered every ``flush_interval_s`` as one write-ahead row, and
the fold (a maintenance step on the same thread) turns write-ahead rows into compressed chunks
and roll-ups (app/storage/samples.py). A failed commit keeps the batches and retries, so a
locked or full database delays data, never drops it.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from app.model import Event, SampleBatch
from app.storage.database import Database
from app.storage.events import EventStore
from app.storage.gateway import DatabaseGateway, Maintenance, WriteKind
from app.storage.samples import SampleStore, fold_due
from app.tags import TagTable

log = logging.getLogger(__name__)

MAX_BATCHES_PER_TRANSACTION = 5_000
FOLD_INTERVAL_S = 600.0
FOLD_MAX_SAMPLES = 1_000_000
SeqBatch = tuple[int, SampleBatch]


class SampleWriteKind(WriteKind[SeqBatch]):
    """Batches, committed every flush interval as one write-ahead row per transaction."""

    name = "samples"
    max_batch = MAX_BATCHES_PER_TRANSACTION

    def __init__(self, store: SampleStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._pending_count = 0

    def size(self, items: Sequence[SeqBatch]) -> int:
        return sum(len(batch) for _, batch in items)

    def write(self, conn: Connection, items: Sequence[SeqBatch], retry: bool) -> None:
        # The first batch's sequence number names the row: a retry finds it if it landed.
        self._pending_count = self.store.write_wal(conn, [b for _, b in items], items[0][0], retry)

    def committed(self, items: Sequence[SeqBatch]) -> None:
        self.store.written(self._pending_count, self.clock())
        self._pending_count = 0


class Fold(Maintenance):
    """Folds the write-ahead rows into chunks and roll-ups when they span ``interval_s`` or
    hold ``max_samples``; checked every few seconds between the writer's rounds."""

    def __init__(
        self,
        store: SampleStore,
        interval_s: float = FOLD_INTERVAL_S,
        max_samples: int = FOLD_MAX_SAMPLES,
        clock: Callable[[], float] = time.time,
        check_s: float = 5.0,
    ) -> None:
        self.store = store
        self.fold_interval_s = interval_s
        self.max_samples = max_samples
        self.clock = clock
        self.interval_s = min(check_s, interval_s)
        self.folded = 0
        self._force = False

    def request(self) -> None:
        """Fold at the next step whatever the schedule says (tests, shutdown)."""
        self._force = True

    def step(self, database: Database) -> bool:
        now = self.clock()
        if not (self._force or fold_due(self.store, self.fold_interval_s, self.max_samples, now)):
            return False
        with database.begin() as conn:
            count, more = self.store.fold(conn)
        self.folded += count
        if not more:
            self._force = False
            self.store.wal_samples = 0
            self.store.wal_oldest = None
        return more


class EventWriteKind(WriteKind[dict[str, Any]]):
    """Event rows, committed with the samples."""

    name = "events"

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def write(self, conn: Connection, items: Sequence[dict[str, Any]], retry: bool) -> None:
        self.store.write_rows(conn, items)


class StorageWriter:
    """Subscribes to the engine and hands what it publishes to the gateway."""

    def __init__(
        self,
        gateway: DatabaseGateway,
        table: TagTable,
        *,
        fold_interval_s: float = FOLD_INTERVAL_S,
        fold_max_samples: int = FOLD_MAX_SAMPLES,
        clock: Callable[[], float] = time.time,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.samples = SampleStore(gateway.db, progress=progress)
        self.events = EventStore(gateway.db)
        self.samples.register_tags(table)
        self.fold = Fold(self.samples, fold_interval_s, fold_max_samples, clock)
        self.fold_now()  # what a crash left in the write-ahead table goes into chunks now
        self._samples = gateway.register(SampleWriteKind(self.samples, clock))
        self._events = gateway.register(EventWriteKind(self.events))
        gateway.add_maintenance(self.fold)
        self._seq = itertools.count(time.time_ns())

    def fold_now(self) -> int:
        """Fold the whole write-ahead table on this thread; the samples folded. At start and
        in tests only: never while the gateway's writer thread runs."""
        before = self.fold.folded
        self.fold.request()
        while self.fold.step(self.gateway.db):
            pass
        return self.fold.folded - before

    @property
    def db(self) -> Database:
        return self.gateway.db

    # -- engine subscriber callbacks (dispatcher thread) --------------------------------------

    def on_batch(self, batch: SampleBatch) -> None:
        """Hand a batch over for the next commit."""
        self.gateway.submit(self._samples, [(next(self._seq), batch)])

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
