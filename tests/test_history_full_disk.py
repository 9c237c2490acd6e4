"""A full disk for real: SQLite's ``max_page_count`` lowered on the writer's connections makes
every write that needs a new page fail with SQLITE_FULL, as a full file system does. The
warning is clear (status, message, typed events), memory stays bounded (the oldest unsaved
samples are dropped and counted), the file stays sound, the dispatcher never waits, and when
space returns the buffered samples are written and the warning clears."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import event

from app.config_loader import parse_config
from app.messages import CATALOGUE
from app.model import Event, EventKind, SampleBatch
from app.station import Station
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.database import Database
from app.storage.gateway import WRITER_THREAD, is_disk_full
from app.tags import TagTable
from tests.history_support import stored_total
from tests.waiting import wait_until

TAGS = 600  # a poll of random doubles is larger than a page: its row needs new pages
CAP = 24_000  # samples kept in memory while the disk is full: 40 polls


class DiskLimit:
    """Caps the database file at ``pages`` pages on the writer thread's connections (None: no
    cap); applied at every checkout, so it holds whichever pooled connection the writer gets."""

    UNLIMITED = 1_073_741_823  # SQLite's default maximum

    def __init__(self, db: Database) -> None:
        self.pages: int | None = None
        self.applied: list[int] = []
        event.listen(db, "checkout", self._checkout)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if threading.current_thread().name != WRITER_THREAD:
            return
        cursor = dbapi_connection.cursor()
        limit = self.UNLIMITED if self.pages is None else self.pages
        self.applied.append(cursor.execute(f"PRAGMA max_page_count={limit}").fetchone()[0])
        cursor.close()


def station_config(tags: int = TAGS, extra: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "storage": {"flush_interval_s": 0.1, **(extra or {})},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "poll_period_s": 0.05,
                    "tags": [{"name": f"t{i:02d}", "type": "float64"} for i in range(tags)],
                }
            ],
        }
    )


def poll(i: int, rng: np.random.Generator) -> SampleBatch:
    """Poll ``i`` of every tag: random doubles (incompressible: each flush needs new pages)."""
    ids = np.arange(TAGS, dtype=np.int32)
    return SampleBatch.uniform("m", ids, 1.8e9 + i, rng.normal(size=TAGS), np.zeros(TAGS, np.uint8))


def page_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # no page to reuse
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_full_disk_buffers_the_newest_samples_drops_the_oldest_and_recovers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "station.db"
    db = open_database(path)
    limit = DiskLimit(db)
    gateway = DatabaseGateway(db, flush_interval_s=0.05, retry_interval_s=0.05)
    events: list[Event] = []
    writer = StorageWriter(
        gateway, TagTable(station_config()), max_buffered_samples=CAP, post_event=events.append
    )
    gateway.start()
    rng = np.random.default_rng(7)
    try:
        for i in range(20):  # A: written normally
            writer.on_batch(poll(i, rng))
        assert writer.flush()
        assert writer.healthy and writer.warning is None

        # The disk fills up: not one more page.
        limit.pages = page_count(path)
        slowest = 0.0
        for i in range(20, 120):  # B: 100 polls while full, more than the cap of 40 polls
            started = time.perf_counter()
            writer.on_batch(poll(i, rng))
            _ = writer.healthy, writer.pending, writer.last_error  # what the status bar reads
            slowest = max(slowest, time.perf_counter() - started)
            if i == 20:
                wait_until(lambda: gateway.status.disk_full, what="the full disk noticed")
        wait_until(lambda: writer.dropped == 36_000, what="the oldest 36,000 samples dropped")
        wait_until(
            lambda: [e.kind for e in events] == [EventKind.DISK_FULL, EventKind.SAMPLES_DROPPED],
            what="the disk-full and dropping events",
        )
        assert limit.applied and limit.applied[-1] == limit.pages  # the cap really held
        # Acquisition never waited for the full disk.
        assert slowest < 0.05, f"a producer waited {slowest:.3f} s"
        # The warning, clear and counted; memory bounded at the cap.
        assert not writer.healthy
        assert writer.pending == CAP
        warning = writer.warning
        assert warning is not None and warning.id == "storage.disk_full"
        assert warning.params == {"pending": CAP, "cap": CAP, "dropped": 36_000}
        assert writer.last_error == (
            "disk full: 24,000 samples waiting in memory (at most 24,000), 36,000 oldest dropped"
        )
        full, dropping = events
        assert full.data["cap"] == CAP and "full" in full.data["error"]
        assert dropping.data["dropped"] > 0
        assert dropping.text.startswith("Database disk still full: the memory buffer is at 24,000")
        assert integrity(path) == "ok"  # nothing corrupted while refused

        # Space returns: what is buffered is written, the warning clears.
        limit.pages = None
        wait_until(lambda: writer.healthy and writer.pending == 0, what="writes again")
        wait_until(lambda: len(events) == 3, what="the resumed event")
        resumed = events[2]
        assert resumed.kind is EventKind.STORAGE_RESUMED and resumed.data["dropped"] == 36_000
        assert writer.warning is None and not gateway.status.disk_full
        assert gateway.status.dropped == {"samples": 36_000, "events": 0}
        for i in range(120, 130):  # C: after recovery
            writer.on_batch(poll(i, rng))
        assert writer.flush()
    finally:
        gateway.stop()
    assert writer.fold_now() > 0
    # Exactly A, the newest 40 polls of B (the cap) and C; polls 20-79 were dropped, in order.
    back = writer.samples.samples("m.t00")
    expected = [*range(0, 20), *range(80, 130)]
    assert back.ts.tolist() == [1.8e9 + i for i in expected]
    again = np.random.default_rng(7)
    values = [poll(i, again).values[0] for i in range(130)]
    assert back.values.tolist() == [values[i] for i in expected]  # bit exact
    assert stored_total(path) == TAGS * len(expected)
    gateway.db.dispose()
    assert integrity(path) == "ok"


def test_the_station_tells_the_full_disk_as_events_and_loses_nothing_below_the_cap(
    tmp_path: Path,
) -> None:
    path = tmp_path / "station.db"
    station = Station(station_config(tags=3), db_url=f"sqlite:///{path}")
    limit = DiskLimit(station.db)
    seen: list[Event] = []
    batches: list[float] = []
    station.engine.subscribe_events(seen.append)
    station.engine.subscribe(lambda _b: batches.append(time.monotonic()))
    station.start()
    try:
        wait_until(lambda: station.storage.rows_written > 0, what="first samples written")
        limit.pages = page_count(path)
        full_at = time.monotonic()
        wait_until(
            lambda: any(e.kind is EventKind.DISK_FULL for e in seen), what="the disk-full event"
        )
        assert "disk full" in station.storage.last_error and not station.storage.healthy
        wait_until(lambda: time.monotonic() - full_at > 2.0, what="two seconds of a full disk")
        during = [t for t in batches if t >= full_at]
        assert len(during) > 20 and np.diff(during).max() < 1.0  # polling went on
        limit.pages = None
        wait_until(lambda: any(e.kind is EventKind.STORAGE_RESUMED for e in seen), what="resumed")
        wait_until(lambda: station.storage.healthy, what="the warning cleared")
    finally:
        station.stop()
    assert station.storage.dropped == 0
    assert stored_total(path) == station.engine.samples_total  # below the cap: nothing lost
    with sqlite3.connect(path) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM events ORDER BY ts")]
    assert "disk_full" in kinds and "storage_resumed" in kinds  # told in the event history
    assert integrity(path) == "ok"


def test_full_disk_errors_are_told_apart_from_other_refusals() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
    assert is_disk_full(full) and not is_disk_full(locked)
    assert is_disk_full(psycopg.errors.DiskFull("could not extend file"))
    assert not is_disk_full(psycopg.errors.OutOfMemory("out of memory"))


def test_every_full_disk_text_has_a_message() -> None:
    for kind in (EventKind.DISK_FULL, EventKind.SAMPLES_DROPPED, EventKind.STORAGE_RESUMED):
        assert f"event.{kind}" in CATALOGUE
    assert "storage.disk_full" in CATALOGUE
