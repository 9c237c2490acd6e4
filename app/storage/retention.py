"""Retention: samples and events older than ``storage.retention_days`` are deleted.

It runs on the gateway's writer thread at start and hourly, one bounded chunk per step (a few
thousand rows of one tag, found through the ``(tag_id, ts)`` index), so writes never wait behind
it for long. The alarm journal and the station state are kept: the journal restores alarms after
a restart and is the record of who acknowledged what.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, delete, literal_column, select

from app.storage.database import Database
from app.storage.gateway import Maintenance
from app.storage.schema import events, samples, tags

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000
DAY_S = 86_400.0


class Retention(Maintenance):
    """Deletes samples and events older than ``days``, a chunk per step."""

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
        key: ColumnElement[Any] | None
        if target is None:
            table = events
            key = events.c.id
            old = select(events.c.id).where(events.c.ts < self._cutoff)
        else:
            table = samples
            key = literal_column("rowid") if database.dialect.name == "sqlite" else None
            old = (
                select(literal_column("rowid"))
                .select_from(samples)
                .where(samples.c.tag_id == target, samples.c.ts < self._cutoff)
            )
        with database.begin() as conn:
            if key is None:  # no row id to chunk by: one statement per tag
                query = delete(samples).where(samples.c.tag_id == target)
                deleted = conn.execute(query.where(samples.c.ts < self._cutoff)).rowcount
            else:
                query = delete(table).where(key.in_(old.limit(self.chunk).scalar_subquery()))
                deleted = conn.execute(query).rowcount
        deleted = int(deleted or 0)
        self.deleted += deleted
        self._run_deleted += deleted
        if key is None or deleted < self.chunk:
            self._todo.pop(0)
        if not self._todo:
            if self._run_deleted:
                log.info(
                    "retention: %d rows older than %g days deleted", self._run_deleted, self.days
                )
            self._todo = None
            self.runs += 1
            self.finished.set()
            return False
        return True
