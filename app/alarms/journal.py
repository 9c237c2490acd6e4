"""The alarm journal: every transition, written before anyone sees it, and read back on restart.

Writes of one call go into one transaction (a flood of thousands of transitions is one
``executemany``). When the database refuses a write, the transitions stay in memory, the error
is reported through :attr:`AlarmJournal.status`, and the backlog is retried no more often than
``retry_interval_s`` so that a locked database never stalls the caller on every batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from app.alarms.model import AlarmState, Event, Priority, Transition

log = logging.getLogger(__name__)

metadata = MetaData()

journal_table = Table(
    "alarm_journal",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", Float, nullable=False),
    Column("alarm_id", String(256), nullable=False),
    Column("event", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("previous", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("device", String(64), nullable=False),
    Column("tag", String(64), nullable=True),
    Column("condition", String(128), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("value", Float, nullable=True),
    Column("actor", String(64), nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("flags", JSON, nullable=False),
)
Index("ix_alarm_journal_ts", journal_table.c.ts)
Index("ix_alarm_journal_alarm", journal_table.c.alarm_id, journal_table.c.seq)


def connect(url_or_path: str | Path, busy_timeout_ms: int = 5000) -> Engine:
    """An engine for a URL or an SQLite file path; SQLite gets WAL mode and a busy timeout."""
    text = str(url_or_path)
    url = text if "://" in text else f"sqlite:///{Path(text).expanduser()}"
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url)


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """Health of the journal, for the GUI's status line."""

    ok: bool
    pending: int
    """Transitions kept in memory, not yet written."""
    error: str = ""
    since: float | None = None
    """When the current error started."""
    written: int = 0
    dropped: int = 0


def _row(t: Transition) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "ts": t.timestamp,
        "alarm_id": t.alarm_id,
        "event": t.event.value,
        "state": t.state.value,
        "previous": t.previous.value,
        "priority": int(t.priority),
        "device": t.device,
        "tag": t.tag,
        "condition": t.condition,
        "message": t.message,
        "value": t.value,
        "actor": t.actor,
        "comment": t.comment,
        "flags": t.flags,
    }


def transition_from_row(row: Any) -> Transition:
    """Rebuild a :class:`Transition` from a journal row."""
    m = row._mapping
    return Transition(
        seq=m["seq"],
        timestamp=m["ts"],
        alarm_id=m["alarm_id"],
        event=Event(m["event"]),
        state=AlarmState(m["state"]),
        previous=AlarmState(m["previous"]),
        priority=Priority(m["priority"]),
        device=m["device"],
        tag=m["tag"],
        condition=m["condition"],
        message=m["message"] or "",
        value=m["value"],
        actor=m["actor"],
        comment=m["comment"] or "",
        flags=dict(m["flags"] or {}),
    )


class AlarmJournal:
    """Writes transitions to the ``alarm_journal`` table of ``engine``; thread safe."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        retry_interval_s: float = 5.0,
        max_backlog: int = 1_000_000,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.retry_interval_s = retry_interval_s
        self.max_backlog = max_backlog
        self._lock = threading.RLock()
        self._backlog: deque[Transition] = deque()
        self._error = ""
        self._error_since: float | None = None
        self._last_attempt = float("-inf")
        self._written = 0
        self._dropped = 0
        self._created = False
        self._ensure_tables()

    # -- writing ----------------------------------------------------------------------------

    def _ensure_tables(self) -> bool:
        if self._created:
            return True
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            self._fail(exc)
            return False
        self._created = True
        return True

    def write(self, transitions: Sequence[Transition]) -> bool:
        """Queue ``transitions`` and write the queue now (or at the next retry after an error).

        Returns True when everything queued is on disk.
        """
        with self._lock:
            self._backlog.extend(transitions)
            overflow = len(self._backlog) - self.max_backlog
            if overflow > 0:  # never grow without bound while the database is down
                for _ in range(overflow):
                    self._backlog.popleft()
                self._dropped += overflow
                log.error("alarm journal backlog full: %d oldest transitions dropped", overflow)
            if self._error and self.clock() - self._last_attempt < self.retry_interval_s:
                return False
            return self._flush()

    def retry(self, force: bool = False) -> bool:
        """Write the backlog if the retry interval has passed (or ``force``)."""
        with self._lock:
            if not self._backlog:
                return True
            if not force and self.clock() - self._last_attempt < self.retry_interval_s:
                return False
            return self._flush()

    def _flush(self) -> bool:
        self._last_attempt = self.clock()
        if not self._ensure_tables():
            return False
        if not self._backlog:
            return True
        try:
            if self._error:
                self._drop_already_written()
            rows = [_row(t) for t in self._backlog]
            if rows:
                with self.engine.begin() as conn:
                    conn.execute(insert(journal_table), rows)
        except SQLAlchemyError as exc:
            self._fail(exc)
            return False
        self._written += len(rows)
        self._backlog.clear()
        if self._error:
            log.warning("alarm journal writes again after: %s", self._error)
        self._error = ""
        self._error_since = None
        return True

    def _drop_already_written(self) -> None:
        # A commit can succeed yet report an error; never write a sequence number twice.
        with self.engine.connect() as conn:
            top = conn.execute(select(func.max(journal_table.c.seq))).scalar()
        if top is not None:
            while self._backlog and self._backlog[0].seq <= top:
                self._backlog.popleft()

    def _fail(self, exc: Exception) -> None:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not self._error:
            self._error_since = self.clock()
            log.error(
                "alarm journal cannot write (%d kept in memory): %s", len(self._backlog), message
            )
        self._error = message

    @property
    def status(self) -> JournalStatus:
        """Current health."""
        with self._lock:
            return JournalStatus(
                ok=not self._error,
                pending=len(self._backlog),
                error=self._error,
                since=self._error_since,
                written=self._written,
                dropped=self._dropped,
            )

    def prune(self, before: float) -> int:
        """Delete transitions older than ``before`` except each alarm's latest (which restores
        it); returns the rows deleted."""
        j = journal_table
        latest = select(func.max(j.c.seq)).group_by(j.c.alarm_id).scalar_subquery()
        with self._lock, self.engine.begin() as conn:
            result = conn.execute(delete(j).where(j.c.ts < before, j.c.seq.not_in(latest)))
        return int(result.rowcount or 0)

    # -- reading ----------------------------------------------------------------------------

    def latest_per_alarm(self) -> tuple[dict[str, Transition], int]:
        """The last transition of every alarm and the highest sequence number (0 if empty)."""
        if not self._ensure_tables():
            return {}, 0
        j = journal_table
        last = select(func.max(j.c.seq)).group_by(j.c.alarm_id).scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(select(j).where(j.c.seq.in_(last))).all()
            top = conn.execute(select(func.max(j.c.seq))).scalar() or 0
        latest = {row.alarm_id: transition_from_row(row) for row in rows}
        return latest, int(top)

    def history(
        self,
        start: float | None = None,
        end: float | None = None,
        text: str = "",
        events: Iterable[Event] | None = None,
        limit: int = 10_000,
    ) -> list[Transition]:
        """Transitions between ``start`` and ``end``, newest first, optionally matching ``text``
        (in the alarm id, message, actor or comment); includes any still in the backlog."""
        j = journal_table
        query = select(j).order_by(j.c.seq.desc()).limit(limit)
        if start is not None:
            query = query.where(j.c.ts >= start)
        if end is not None:
            query = query.where(j.c.ts <= end)
        wanted = None if events is None else {e.value for e in events}
        if wanted is not None:
            query = query.where(j.c.event.in_(sorted(wanted)))
        if text:
            pattern = f"%{text}%"
            query = query.where(
                or_(
                    j.c.alarm_id.ilike(pattern),
                    j.c.message.ilike(pattern),
                    j.c.actor.ilike(pattern),
                    j.c.comment.ilike(pattern),
                )
            )
        found: list[Transition] = []
        with self._lock:
            pending = list(self._backlog)
        try:
            if self._ensure_tables():
                with self.engine.connect() as conn:
                    found = [transition_from_row(r) for r in conn.execute(query)]
        except SQLAlchemyError as exc:  # show what memory holds rather than nothing
            log.warning("alarm history unreadable: %s", exc)
        needle = text.casefold()
        extra = [
            t
            for t in pending
            if (start is None or t.timestamp >= start)
            and (end is None or t.timestamp <= end)
            and (wanted is None or t.event.value in wanted)
            and (
                not needle
                or any(
                    needle in (s or "").casefold()
                    for s in (t.alarm_id, t.message, t.actor, t.comment)
                )
            )
        ]
        merged = {t.seq: t for t in [*found, *extra]}
        return sorted(merged.values(), key=lambda t: t.seq, reverse=True)[:limit]
