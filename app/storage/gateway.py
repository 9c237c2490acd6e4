"""The database gateway: one writer thread for every table, one reader for queries.

Nothing outside the gateway's threads ever waits for the database. Producers (the dispatcher,
the GUI thread through the alarm manager) call :meth:`DatabaseGateway.submit`, which appends to
an in-memory list under a lock held for microseconds, and go on. The thread ``db-writer``
commits what was submitted, one transaction per write kind, and calls the kind's
``committed`` hook after each commit. A refused commit (locked, full or read-only database)
keeps the items in memory, in order, and retries every ``retry_interval_s`` until they land.
While writes are refused a kind with ``max_pending`` (the samples) keeps at most that many rows
in memory: beyond it the oldest are dropped and counted (:attr:`GatewayStatus.dropped`), so a
full disk never exhausts memory; kinds without it (alarm journal, events) keep everything. A full
disk (SQLITE_FULL, PostgreSQL's disk_full) is told apart from other refusals, and the writer
thread reports its start, the first drop and the return of space as :class:`StorageAlert`s to
the listeners of :meth:`DatabaseGateway.add_alert_listener`. Queries run on the thread
``db-reader`` and come back as a :class:`concurrent.futures.Future`.

Write kinds and their durability (docs/ARCHITECTURE.md, "What nothing is lost means"):

========================  ============================================================
kind                      committed
========================  ============================================================
``alarm_journal``         at once (urgent); listeners hear of a transition after its
                          commit, or after a short grace marked "not yet journaled"
``station_state``         at once (urgent): detector baselines, every 5 min and on stop
``events``                with the samples, every ``flush_interval_s``
``samples``               every ``flush_interval_s`` (0.5 s by default)
========================  ============================================================

A new kind (defects, audit trail, sync outbox) is a :class:`WriteKind` subclass registered
with :meth:`DatabaseGateway.register`. Periodic maintenance (retention) runs on the writer
thread between rounds, in bounded steps, so it never holds writes back for long.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from app.storage.database import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

WRITER_THREAD = "db-writer"
READER_THREAD = "db-reader"


class WriteKind(Generic[T]):
    """One kind of row the gateway writes; subclasses set the class attributes."""

    name: str = ""
    urgent: bool = False
    """Commit as soon as submitted (else at the next flush interval)."""
    max_batch: int = 20_000
    """Most items per transaction, so one commit never holds the file for long."""
    max_pending: int | None = None
    """Most rows (in :meth:`size` units) kept in memory while the database refuses writes; the
    oldest items beyond it are dropped and counted. None: keep everything."""

    def size(self, items: Sequence[T]) -> int:
        """How many rows ``items`` count for in pending and written figures (an item may be a
        batch of many samples)."""
        return len(items)

    def create(self, database: Database) -> None:
        """Create the kind's tables (called once, at registration, on the caller's thread)."""

    def write(self, conn: Connection, items: Sequence[T], retry: bool) -> None:
        """Write ``items`` inside the open transaction ``conn``; ``retry``: an earlier attempt
        failed (a commit can succeed yet report an error, so skip what is already there)."""
        raise NotImplementedError

    def committed(self, items: Sequence[T]) -> None:
        """Called on the writer thread after ``items`` were committed."""

    def stopped(self) -> None:
        """Called once when the gateway stops, after its last write."""


class Maintenance:
    """A periodic job on the writer thread, done in small steps between write rounds."""

    interval_s: float = 3600.0

    def step(self, database: Database) -> bool:
        """Do one bounded piece of work (one short transaction); True when more is left."""
        raise NotImplementedError


class AlertKind(StrEnum):
    """What a :class:`StorageAlert` tells."""

    DISK_FULL = "disk_full"
    """The database refused a write because its disk (or size limit) is full."""
    DROPPING = "dropping"
    """The in-memory buffer of a kind is at its cap: its oldest unsaved rows are dropped."""
    RESUMED = "resumed"
    """Writes land again after a full disk or after drops."""


@dataclass(frozen=True, slots=True)
class StorageAlert:
    """A change in the gateway's ability to keep what it is given (see :class:`AlertKind`)."""

    kind: AlertKind
    pending: int
    """Rows waiting in memory (all kinds) when the alert was made."""
    dropped: int
    """Rows dropped since the refusals began (the episode), all kinds."""
    error: str = ""


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """A snapshot of the gateway's health; reading it never touches the database."""

    ok: bool
    error: str = ""
    since: float | None = None
    """When the current error started (epoch seconds)."""
    pending: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    last_commit: float | None = None
    disk_full: bool = False
    """The current error is a full disk (or database size limit)."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Rows dropped since start because a kind's in-memory buffer was at its cap."""

    @property
    def pending_total(self) -> int:
        return sum(self.pending.values())

    @property
    def written_total(self) -> int:
        return sum(self.written.values())

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


class DatabaseGateway:
    """Owns every write to the station database and runs its queries off the caller's thread."""

    def __init__(
        self,
        database: Database,
        *,
        flush_interval_s: float = 0.5,
        retry_interval_s: float = 1.0,
    ) -> None:
        self.db = database
        self.flush_interval_s = flush_interval_s
        self.retry_interval_s = retry_interval_s
        self._kinds: dict[str, WriteKind[Any]] = {}
        self._pending: dict[str, list[Any]] = {}
        self._pending_size: dict[str, int] = {}
        self._written: dict[str, int] = {}
        self._dropped: dict[str, int] = {}
        self._disk_full = False
        self._episode_dropped = 0  # rows dropped since the refusals began
        self._alerts: list[StorageAlert] = []  # made under the lock, told on the writer thread
        self._alert_listeners: list[Callable[[StorageAlert], None]] = []
        self._maintenance: list[Maintenance] = []
        self._cond = threading.Condition()
        self._io = threading.Lock()  # one round at a time (the thread, or flush() inline)
        self._stop = False
        self._error = ""
        self._error_since: float | None = None
        self._retry_at = 0.0
        self._last_commit: float | None = None
        self._requested = 0
        self._served = 0
        self._served_ok = True
        self._thread: threading.Thread | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._reader_lock = threading.Lock()

    # -- set-up -------------------------------------------------------------------------------

    def register(self, kind: WriteKind[T]) -> WriteKind[T]:
        """Add a write kind (creates its tables now); returns it."""
        if not kind.name:
            raise ValueError("a write kind needs a name")
        kind.create(self.db)
        with self._cond:
            if kind.name in self._kinds:
                raise ValueError(f"write kind {kind.name!r} is registered twice")
            # Urgent kinds first: an alarm transition never waits behind 20,000 samples.
            kinds = [*self._kinds.values(), kind]
            kinds.sort(key=lambda k: not k.urgent)
            self._kinds = {k.name: k for k in kinds}
            self._pending.setdefault(kind.name, [])
            self._pending_size.setdefault(kind.name, 0)
            self._written.setdefault(kind.name, 0)
            self._dropped.setdefault(kind.name, 0)
        return kind

    def add_alert_listener(self, listener: Callable[[StorageAlert], None]) -> None:
        """Call ``listener(alert)`` on the writer thread for each :class:`StorageAlert`."""
        with self._cond:
            self._alert_listeners.append(listener)

    def add_maintenance(self, job: Maintenance) -> None:
        """Run ``job`` at start and every ``job.interval_s`` on the writer thread."""
        with self._cond:
            self._maintenance.append(job)

    # -- producers (any thread; never waits for the database) ---------------------------------

    def submit(self, kind: WriteKind[T] | str, items: Sequence[T]) -> None:
        """Hand ``items`` over for writing; returns at once."""
        if not items:
            return
        name = kind if isinstance(kind, str) else kind.name
        with self._cond:
            self._pending[name].extend(items)
            self._pending_size[name] += self._kinds[name].size(items)
            if self._error:
                self._cap(self._kinds[name])
            if self._kinds[name].urgent:
                self._cond.notify_all()

    def _cap(self, kind: WriteKind[Any]) -> None:
        """Drop the oldest pending items of ``kind`` beyond its ``max_pending`` (lock held)."""
        cap = kind.max_pending
        excess = self._pending_size[kind.name] - (cap if cap is not None else 0)
        if cap is None or excess <= 0:
            return
        items = self._pending[kind.name]
        gone = count = 0
        while count < len(items) and gone < excess:
            gone += kind.size(items[count : count + 1])
            count += 1
        del items[:count]
        self._pending_size[kind.name] -= gone
        self._dropped[kind.name] += gone
        if not self._episode_dropped:
            log.error(
                "database refuses writes and %s buffered in memory reached its cap of %d: the "
                "oldest unsaved %s are dropped (counted) until writes land again",
                kind.name,
                cap,
                kind.name,
            )
            self._episode_dropped += gone
            self._alert(AlertKind.DROPPING)
        else:
            self._episode_dropped += gone

    def _alert(self, kind: AlertKind) -> None:
        """Queue an alert for the writer thread's listeners (lock held)."""
        pending = sum(self._pending_size.values())
        alert = StorageAlert(kind, pending, self._episode_dropped, self._error)
        self._alerts.append(alert)

    def _tell(self) -> None:
        """Hand queued alerts to the listeners (writer thread, lock not held)."""
        with self._cond:
            alerts, self._alerts = self._alerts, []
            listeners = list(self._alert_listeners)
        for alert in alerts:
            for listener in listeners:
                try:
                    listener(alert)
                except Exception:
                    log.exception("storage alert listener failed")

    # -- queries (any thread) ------------------------------------------------------------------

    def read(self, query: Callable[[Database], R]) -> Future[R]:
        """Run ``query(database)`` on the reader thread; its result (or error) as a Future."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = ThreadPoolExecutor(1, thread_name_prefix=READER_THREAD)
            return self._reader.submit(query, self.db)

    # -- status (any thread, never blocks on I/O) ---------------------------------------------

    @property
    def status(self) -> GatewayStatus:
        with self._cond:
            return GatewayStatus(
                ok=not self._error,
                error=self._error,
                since=self._error_since,
                pending=dict(self._pending_size),
                written=dict(self._written),
                last_commit=self._last_commit,
                disk_full=self._disk_full,
                dropped=dict(self._dropped),
            )

    def pending(self, kind: str | None = None) -> int:
        """Items waiting to be written (of one kind, or of all)."""
        with self._cond:
            if kind is not None:
                return self._pending_size.get(kind, 0)
            return sum(self._pending_size.values())

    def dropped(self, kind: str | None = None) -> int:
        """Rows dropped since start because a buffer was at its cap (of one kind, or all)."""
        with self._cond:
            if kind is not None:
                return self._dropped.get(kind, 0)
            return sum(self._dropped.values())

    def written(self, kind: str | None = None) -> int:
        """Items committed since start (of one kind, or of all)."""
        with self._cond:
            if kind is not None:
                return self._written.get(kind, 0)
            return sum(self._written.values())

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=WRITER_THREAD, daemon=True)
        self._thread.start()

    def flush(self, timeout: float = 10.0) -> bool:
        """Write everything pending now and wait for it; False when the database refused (the
        items are kept) or ``timeout`` passed. Never call it where waiting is not allowed."""
        if not self.running:
            return self._round(urgent_only=False)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._requested += 1
            target = self._requested
            self._cond.notify_all()
            while self._served < target:
                left = deadline - time.monotonic()
                if left <= 0 or not self.running:
                    return False
                self._cond.wait(left)
            return self._served_ok

    def stop(self, timeout: float = 5.0) -> bool:
        """Write everything pending (retrying for up to ``timeout``), then stop the threads.
        True when nothing was left unwritten."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        # The writer may be stuck in a commit that waits out the busy timeout: wait for it no
        # longer than the deadline, then write what is left on this thread.
        if self._io.acquire(timeout=max(0.0, deadline - time.monotonic())):
            self._io.release()
            while self.pending() and time.monotonic() < deadline:
                if not self._round(urgent_only=False):
                    time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        with self._reader_lock:
            if self._reader is not None:
                self._reader.shutdown(wait=False, cancel_futures=True)
                self._reader = None
        with self._cond:
            kinds = list(self._kinds.values())
        for kind in kinds:
            try:
                kind.stopped()
            except Exception:
                log.exception("stop hook of %s failed", kind.name)
        return self.pending() == 0

    def close(self) -> None:
        """Stop (see :meth:`stop`) and release the connections."""
        self.stop()
        self.db.dispose()

    # -- the writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        next_flush = time.monotonic() + self.flush_interval_s
        due: dict[int, float] = {}  # maintenance job -> when it is due next (0: at start)
        active: Maintenance | None = None
        while True:
            with self._cond:
                work = False
                while not self._stop:
                    now = time.monotonic()
                    requested = self._requested > self._served
                    if self._error and now < self._retry_at and not requested:
                        self._cond.wait(self._retry_at - now)
                        continue
                    urgent = any(self._pending[n] for n, k in self._kinds.items() if k.urgent)
                    work = requested or urgent or now >= next_flush
                    if work:
                        break
                    if active is None:
                        jobs = [(due.setdefault(id(j), 0.0), j) for j in self._maintenance]
                        ready = [j for when, j in jobs if when <= now]
                        active = ready[0] if ready else None
                        wake = min([next_flush, *(when for when, _ in jobs)])
                    if active is not None:
                        break
                    self._cond.wait(max(0.0, wake - now))
                if self._stop:
                    break
                serving = self._requested
                full = serving > self._served or time.monotonic() >= next_flush
            if not work:
                assert active is not None
                active = self._maintain(active, due)
                continue
            ok = self._round(urgent_only=not full)
            if full:
                next_flush = time.monotonic() + self.flush_interval_s
            with self._cond:
                if serving > self._served:
                    self._served = serving
                    self._served_ok = ok
                self._cond.notify_all()

    def _maintain(self, job: Maintenance, due: dict[int, float]) -> Maintenance | None:
        try:
            with self._io:
                more = job.step(self.db)
        except Exception as exc:  # try again at the next interval; writes go on
            log.warning("%s failed: %s", type(job).__name__, _first_line(exc))
            more = False
        if more:
            return job
        due[id(job)] = time.monotonic() + job.interval_s
        return None

    def _round(self, urgent_only: bool) -> bool:
        """Write what is pending (urgent kinds only, or everything); False on a refusal. Then
        tell the alerts it made."""
        ok = self._write_round(urgent_only)
        self._tell()
        return ok

    def _write_round(self, urgent_only: bool) -> bool:
        with self._io:
            with self._cond:
                kinds = [k for k in self._kinds.values() if k.urgent or not urgent_only]
                retry = bool(self._error)
                # What every kind has pending, taken at one moment: a round never writes an
                # item of a later kind ahead of one of an earlier kind submitted before it.
                batches = [(kind, self._take(kind)) for kind in kinds]
            for done, (kind, items) in enumerate(batches):
                if not self._write_kind(kind, items, retry):
                    with self._cond:  # the kinds not tried wait for the next round, in order
                        for later, left in batches[done + 1 :]:
                            self._give_back(later, left)
                    return False
            with self._cond:
                if urgent_only and any(self._pending.values()):
                    # A small urgent write may fit where the samples do not (a nearly full
                    # disk): the refusal is over only when everything has landed.
                    return True
                if self._error:
                    log.warning(
                        "database writes again after: %s (%d rows dropped meanwhile)",
                        self._error,
                        self._episode_dropped,
                    )
                    if self._disk_full or self._episode_dropped:
                        self._alert(AlertKind.RESUMED)
                self._error = ""
                self._error_since = None
                self._disk_full = False
                self._episode_dropped = 0
            return True

    def _take(self, kind: WriteKind[Any]) -> list[Any]:
        """Everything pending of ``kind``, no longer pending (lock held)."""
        items, self._pending[kind.name] = self._pending[kind.name], []
        self._pending_size[kind.name] = 0
        return items

    def _give_back(self, kind: WriteKind[Any], items: list[Any]) -> None:
        """Put unwritten ``items`` back in front of what arrived meanwhile (lock held)."""
        if items:
            self._pending[kind.name] = items + self._pending[kind.name]
            self._pending_size[kind.name] += kind.size(items)
            self._cap(kind)

    def _write_kind(self, kind: WriteKind[Any], items: list[Any], retry: bool) -> bool:
        done = 0
        try:
            while done < len(items):
                chunk = items[done : done + kind.max_batch]
                with self.db.begin() as conn:
                    kind.write(conn, chunk, retry)
                done += len(chunk)
                with self._cond:
                    self._written[kind.name] += kind.size(chunk)
                    self._last_commit = time.time()
                try:
                    kind.committed(chunk)
                except Exception:
                    log.exception("after-commit hook of %s failed", kind.name)
        except Exception as exc:  # SQLAlchemyError mostly; whatever it is, keep the rows
            with self._cond:
                # Back in front of what arrived meanwhile: the order of writes is kept.
                self._pending[kind.name] = items[done:] + self._pending[kind.name]
                self._pending_size[kind.name] += kind.size(items[done:])
                message = _first_line(exc)
                if not self._error:
                    self._error_since = time.time()
                    log.error(
                        "database write of %s failed, kept in memory and retried: %s",
                        kind.name,
                        message,
                    )
                self._error = message
                if is_disk_full(exc) and not self._disk_full:
                    self._disk_full = True
                    self._alert(AlertKind.DISK_FULL)
                for each in self._kinds.values():
                    self._cap(each)
                self._retry_at = time.monotonic() + self.retry_interval_s
            return False
        return True


def is_disk_full(exc: BaseException) -> bool:
    """Whether a failed write means a full disk: SQLite's SQLITE_FULL (the disk, or the
    database's ``max_page_count``) or PostgreSQL's disk_full (SQLSTATE 53100)."""
    cause = getattr(exc, "orig", None) or exc
    if getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    return getattr(cause, "sqlstate", None) == "53100" or getattr(cause, "pgcode", None) == "53100"


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).splitlines() or [type(cause).__name__])[0]
