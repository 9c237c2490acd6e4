"""The storage writer: a worker thread that writes samples and events in batched transactions.

The dispatcher only converts a batch to rows and appends them to a list (microseconds); the
writer thread commits what has gathered every ``flush_interval_s``. A failed commit keeps the
rows and retries on the next round, so a locked or full database delays data, never drops it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.model import Event, SampleBatch
from app.storage.events import EventStore
from app.storage.samples import SampleRow, SampleStore
from app.tags import TagTable

log = logging.getLogger(__name__)

MAX_ROWS_PER_TRANSACTION = 20_000


class StorageWriter:
    """Subscribes to the engine and persists what it publishes."""

    def __init__(self, engine: Engine, table: TagTable, flush_interval_s: float = 0.5) -> None:
        self.engine = engine
        self.samples = SampleStore(engine)
        self.events = EventStore(engine)
        self.samples.register_tags(table)
        self.flush_interval_s = flush_interval_s
        self._pending_samples: list[SampleRow] = []
        self._pending_events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="storage-writer", daemon=True)
        self.rows_written = 0
        self.last_error: str = ""
        self.last_commit: float | None = None

    # -- engine subscriber callbacks (dispatcher thread) --------------------------------------

    def on_batch(self, batch: SampleBatch) -> None:
        """Queue a batch's rows for the next commit."""
        rows = self.samples.rows(batch)
        with self._lock:
            self._pending_samples.extend(rows)

    def on_event(self, event: Event) -> None:
        """Queue an event for the next commit."""
        row = EventStore.row(event)
        with self._lock:
            self._pending_events.append(row)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write everything still pending, then stop."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        else:
            self.flush()

    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        with self._lock:
            return len(self._pending_samples) + len(self._pending_events)

    @property
    def healthy(self) -> bool:
        """False while the last write attempt failed."""
        return not self.last_error

    def flush(self) -> bool:
        """Write what is pending now; False when the database refused (rows are kept)."""
        with self._lock:
            sample_rows, self._pending_samples = self._pending_samples, []
            event_rows, self._pending_events = self._pending_events, []
        committed = 0
        try:
            while committed < len(sample_rows):
                chunk = sample_rows[committed : committed + MAX_ROWS_PER_TRANSACTION]
                self.samples.write(chunk)
                committed += len(chunk)
                self.rows_written += len(chunk)
            self.events.write(event_rows)
            self.rows_written += len(event_rows)
        except SQLAlchemyError as exc:
            self.last_error = str(exc.__cause__ or exc).splitlines()[0]
            log.warning("database write failed, will retry: %s", self.last_error)
            with self._lock:
                # Put back what was not committed, in front of rows that arrived meanwhile.
                self._pending_samples = sample_rows[committed:] + self._pending_samples
                self._pending_events = event_rows + self._pending_events
            return False
        self.last_error = ""
        self.last_commit = time.time()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval_s):
            self.flush()
        # Final flush: retry a few times so that shutdown with a busy database loses nothing.
        for _ in range(5):
            if self.flush():
                break
            time.sleep(0.2)
