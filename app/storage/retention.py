"""Retention: raw samples and events older than ``storage.retention_days`` are deleted.

It runs on the gateway's writer thread at start and hourly, one bounded piece per step (a few
hundred chunks of one tag, found through the ``(tag_id, t_start, t_end)`` index; a chunk goes
when its newest sample is older than the cut), so writes never wait behind it for long. The
1-minute and 1-hour roll-ups are kept (years of trends cost little), and so are the alarm
journal and the station state: the journal restores alarms after a restart and is the record of
who acknowledged what.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import delete, select

from app.storage.chunk_tables import drop_unused_times
from app.storage.database import Database
from app.storage.gateway import Maintenance
from app.storage.schema import events, sample_chunks, tags

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000  # events per step
CHUNKS_PER_STEP = 500  # sample chunks per step (each up to a fold interval of one tag)
DAY_S = 86_400.0


class Retention(Maintenance):
    """Deletes raw sample chunks and events older than ``days``, a bounded piece per step."""

    def __init__(
        self,
        days: float,
        interval_s: float = 3600.0,
        chunk: int = CHUNK_ROWS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.days = days
        self.interval_s = interval_s
        self.chunk = chunk
        self.clock = clock
        self.deleted = 0
        self.runs = 0
        self.finished = threading.Event()
        """Set after each complete run (for tests and diagnostics)."""
        self._todo: list[int | None] | None = None  # tag ids left, then None for the events
        self._cutoff = 0.0
        self._run_deleted = 0

    def step(self, database: Database) -> bool:
        if self._todo is None:
            self._cutoff = self.clock() - self.days * DAY_S
            self._run_deleted = 0
            with database.connect() as conn:
                self._todo = [*conn.execute(select(tags.c.id)).scalars(), None]
        if not self._todo:
            self._todo = None
            self.runs += 1
            self.finished.set()
            return False
        target = self._todo[0]
        if target is None:
            old = select(events.c.id).where(events.c.ts < self._cutoff).limit(self.chunk)
            query = delete(events).where(events.c.id.in_(old.scalar_subquery()))
            limit = self.chunk
        else:
            old = (
                select(sample_chunks.c.id, sample_chunks.c.n, sample_chunks.c.times_id)
                .where(sample_chunks.c.tag_id == target, sample_chunks.c.t_end < self._cutoff)
                .limit(CHUNKS_PER_STEP)
            )
            limit = CHUNKS_PER_STEP
        with database.begin() as conn:
            if target is None:
                deleted = int(conn.execute(query).rowcount or 0)
                counted = deleted
            else:
                found = conn.execute(old).all()
                ids = [int(r[0]) for r in found]
                if ids:
                    conn.execute(delete(sample_chunks).where(sample_chunks.c.id.in_(ids)))
                    drop_unused_times(conn, [int(r[2]) for r in found if r[2] is not None])
                deleted = len(ids)
                counted = sum(int(r[1]) for r in found)  # samples, not chunks
        self.deleted += counted
        self._run_deleted += counted
        if deleted < limit:
            self._todo.pop(0)
        if not self._todo:
            if self._run_deleted:
                log.info(
                    "retention: %d samples and events older than %g days deleted",
                    self._run_deleted,
                    self.days,
                )
            self._todo = None
            self.runs += 1
            self.finished.set()
            return False
        return True
