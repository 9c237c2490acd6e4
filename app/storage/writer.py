"""Samples and events on their way to the database: the engine subscriber and its write kinds.

The dispatcher only hands each batch to the gateway (microseconds, no conversion); the gateway's
writer thread commits what has gathered every ``flush_interval_s`` as one write-ahead row, and
the fold (a maintenance step on the same thread) turns write-ahead rows into compressed chunks
and roll-ups (app/storage/samples.py). A failed commit keeps the batches and retries, so a
locked or full database delays data. While it refuses, at most ``max_buffered_samples`` wait in
memory: beyond that the oldest unsaved batches are dropped and counted (a full disk must not
exhaust memory), and the full disk, the first drop and the return of space become typed events
(:attr:`EventKind.DISK_FULL`, ``SAMPLES_DROPPED``, ``STORAGE_RESUMED``) and the status text
:attr:`StorageWriter.warning`.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from app.messages import Message
from app.model import Event, EventKind, SampleBatch, Severity
from app.storage.database import Database
from app.storage.events import EventStore
from app.storage.gateway import AlertKind, DatabaseGateway, Maintenance, StorageAlert, WriteKind
from app.storage.samples import SampleStore, fold_due
from app.tags import TagTable

log = logging.getLogger(__name__)

MAX_BATCHES_PER_TRANSACTION = 5_000
FOLD_INTERVAL_S = 600.0
FOLD_MAX_SAMPLES = 1_000_000
MAX_BUFFERED_SAMPLES = 1_000_000  # about 20-80 MB of batches; a demo line's hours
EVENT_SOURCE = "database"
SeqBatch = tuple[int, SampleBatch]


class SampleWriteKind(WriteKind[SeqBatch]):
    """Batches, committed every flush interval as one write-ahead row per transaction."""

    name = "samples"
    max_batch = MAX_BATCHES_PER_TRANSACTION

    def __init__(
        self,
        store: SampleStore,
        clock: Callable[[], float] = time.time,
        max_pending: int = MAX_BUFFERED_SAMPLES,
    ) -> None:
        self.store = store
        self.clock = clock
        self.max_pending = max_pending
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
        max_buffered_samples: int = MAX_BUFFERED_SAMPLES,
        post_event: Callable[[Event], None] | None = None,
    ) -> None:
        """``max_buffered_samples``: most samples kept in memory while the database refuses
        writes; ``post_event``: where the full-disk events go (the engine's ``post_event``)."""
        self.gateway = gateway
        self.clock = clock
        self.max_buffered_samples = max_buffered_samples
        self.post_event = post_event
        self.samples = SampleStore(gateway.db, progress=progress)
        self.events = EventStore(gateway.db)
        self.samples.register_tags(table)
        self.fold = Fold(self.samples, fold_interval_s, fold_max_samples, clock)
        self.fold_now()  # what a crash left in the write-ahead table goes into chunks now
        self._samples = gateway.register(
            SampleWriteKind(self.samples, clock, max_pending=max_buffered_samples)
        )
        self._events = gateway.register(EventWriteKind(self.events))
        gateway.add_maintenance(self.fold)
        gateway.add_alert_listener(self._on_alert)
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
    def dropped(self) -> int:
        """Samples dropped since start because the buffer was at its cap (disk full)."""
        return self.gateway.dropped("samples")

    @property
    def warning(self) -> Message | None:
        """What to tell about a full disk (None: the disk is not full)."""
        status = self.gateway.status
        if not status.disk_full:
            return None
        return Message(
            "storage.disk_full",
            {
                "pending": status.pending.get("samples", 0),
                "cap": self.max_buffered_samples,
                "dropped": status.dropped.get("samples", 0),
            },
        )

    @property
    def last_error(self) -> str:
        """The database's refusal in one line (a full disk said with its counts)."""
        warning = self.warning
        if warning is not None:
            return warning.render()
        return self.gateway.status.error

    @property
    def healthy(self) -> bool:
        """False while the last write attempt failed."""
        return self.gateway.status.ok

    def flush(self, timeout: float = 10.0) -> bool:
        """Write what is pending now (waits; tests and shutdown only)."""
        return self.gateway.flush(timeout)

    # -- full disk (the gateway's writer thread) ----------------------------------------------

    def _on_alert(self, alert: StorageAlert) -> None:
        kind, severity = _ALERT_EVENTS[alert.kind]
        data: dict[str, Any] = {
            "pending": self.gateway.pending("samples"),
            "dropped": alert.dropped,
            "cap": self.max_buffered_samples,
        }
        if alert.error:
            data["error"] = alert.error
        event = Event(self.clock(), kind, EVENT_SOURCE, data, severity)
        log.log(
            logging.INFO if severity is Severity.INFO else logging.ERROR,
            "%s",
            event.text,
        )
        if self.post_event is not None:
            self.post_event(event)
        else:  # no engine: into the database with the next write
            self.on_event(event)


_ALERT_EVENTS: dict[AlertKind, tuple[EventKind, Severity]] = {
    AlertKind.DISK_FULL: (EventKind.DISK_FULL, Severity.ERROR),
    AlertKind.DROPPING: (EventKind.SAMPLES_DROPPED, Severity.ERROR),
    AlertKind.RESUMED: (EventKind.STORAGE_RESUMED, Severity.WARNING),
}
