"""The database gateway with real SQLite files and real threads: nobody but its writer waits
for the database, nothing handed over is lost, retention deletes old samples and events."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np

from app.alarms.model import Transition
from app.config_loader import parse_config
from app.model import Event, EventKind, SampleBatch, Severity
from app.station import Station
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.retention import DAY_S, Retention
from app.storage.samples import SampleStore
from app.tags import TagTable
from tests.alarm_support import Clock, batch, make_manager, open_gateway
from tests.db_support import LockHolder
from tests.history_support import stored_total
from tests.test_alarm_manager import TEMP, oven_config


def sine_station(retention_days: float = 30):  # type: ignore[no-untyped-def]
    """One simulated press whose force crosses its alarm limit twice a second."""
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "storage": {"flush_interval_s": 0.5, "retention_days": retention_days},
            "devices": [
                {
                    "name": "press",
                    "driver": "simulated",
                    "poll_period_s": 0.05,
                    "tags": [
                        {
                            "name": "force",
                            "signal": "sine:mean=0,amplitude=10,period=1",
                            "alarms": {"h": {"limit": 5}},
                        }
                    ],
                }
            ],
        }
    )


def wait_for(condition, timeout: float = 20.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling a condition


def test_the_dispatcher_never_waits_for_a_database_locked_by_another_process(
    tmp_path: Path,
) -> None:
    db = tmp_path / "station.db"
    station = Station(sine_station(), db_url=f"sqlite:///{db}")
    delivered: list[Transition] = []
    batches: list[float] = []
    ticks: list[float] = []
    station.alarms.add_listener(delivered.extend)
    station.engine.subscribe(lambda _b: batches.append(time.monotonic()))
    station.engine.subscribe_ticks(lambda _now: ticks.append(time.monotonic()))
    station.start()
    try:
        wait_for(lambda: any(t.journaled for t in delivered), what="a journaled transition")
        status_reads: list[float] = []
        failing_seen = False
        with LockHolder(db, 8.0) as holder:
            locked_at = time.monotonic()
            before = len(delivered)
            while time.monotonic() - locked_at < 7.0:
                started = time.perf_counter()
                status = station.alarms.journal_status
                status_reads.append(time.perf_counter() - started)
                failing_seen |= not status.ok and "locked" in status.error
                time.sleep(0.02)  # sampling the status while the lock is held
            during = delivered[before:]
            window = [t for t in batches if t >= locked_at]
            tick_window = [t for t in ticks if t >= locked_at]
            holder.wait_released()
        print(
            f"locked 8 s by another process: {len(window)} batches (largest gap "
            f"{np.diff(window).max() * 1000:.0f} ms), {len(during)} transitions delivered, "
            f"journal_status read in at most {max(status_reads) * 1000:.1f} ms"
        )
        # Alarms kept being evaluated and delivered, marked as not yet on disk.
        assert len(during) >= 6, f"only {len(during)} transitions while locked"
        assert any(not t.journaled for t in during)
        assert failing_seen, "the journal status never said the database is locked"
        # Live values and ticks kept flowing: no gap near the 5 s busy timeout.
        assert len(window) > 50 and np.diff(window).max() < 1.0
        assert len(tick_window) > 10 and np.diff(tick_window).max() < 1.0
        assert max(status_reads) < 0.05, f"journal_status took {max(status_reads):.3f} s"
        assert station.alarms.wait_journaled(timeout=20)
    finally:
        station.stop()
    with sqlite3.connect(db) as conn:
        seqs = [row[0] for row in conn.execute("SELECT seq FROM alarm_journal ORDER BY seq")]
    samples = stored_total(db)
    delivered_seqs = [t.seq for t in delivered]
    assert len(delivered_seqs) == len(set(delivered_seqs))  # each delivered once
    assert seqs == sorted(set(delivered_seqs))  # each journaled exactly once, none missing
    assert samples == station.engine.samples_total  # nor a sample


def test_gateway_commits_urgent_kinds_first_and_flush_waits_for_the_commit(
    tmp_path: Path,
) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    manager, rec = make_manager(oven_config(), db, clock)
    gateway = manager.journal.gateway
    table = TagTable(oven_config())
    writer = StorageWriter(gateway, table)
    ids = np.arange(len(table), dtype=np.int32)
    writer.on_batch(
        SampleBatch.uniform("oven", ids, 1.0, np.ones(len(ids)), np.zeros(len(ids), np.uint8))
    )
    started = time.perf_counter()
    manager.on_batch(batch("oven", [TEMP], [730], clock.advance(1)))
    assert rec.calls == 1  # delivered after the commit, long before the 0.5 s flush interval
    assert time.perf_counter() - started < 0.4
    assert writer.pending == len(ids)  # samples wait for the flush interval
    assert writer.flush()
    assert writer.pending == 0 and writer.rows_written == len(ids)
    status = gateway.status
    assert status.ok and status.pending_total == 0 and status.written["alarm_journal"] == 2


def test_retention_deletes_old_samples_and_events_in_chunks_and_keeps_the_journal(
    tmp_path: Path,
) -> None:
    db = tmp_path / "station.db"
    config = sine_station(retention_days=2)
    now = time.time()
    old, new = now - 3 * DAY_S, now - 1 * DAY_S
    # The history of a station that ran before: 1,200 old and 300 new samples, events, alarms.
    gateway = DatabaseGateway(open_database(db))
    writer = StorageWriter(gateway, TagTable(config))
    times = np.concatenate([np.linspace(old - 600, old, 1200), np.linspace(new - 60, new, 300)])
    for t in times:
        writer.on_batch(
            SampleBatch.uniform(
                "press", np.zeros(1, np.int32), float(t), np.ones(1), np.zeros(1, np.uint8)
            )
        )
    for t in (old, new):
        writer.on_event(
            Event(t, EventKind.COMM_LOSS, "press", {"fault": "timeout"}, Severity.WARNING)
        )
    assert writer.flush()
    assert writer.fold_now() == 1500  # into chunks, one per tag and hour
    manager, _ = make_manager(oven_config(), db, Clock(old))
    manager.on_batch(batch("oven", [TEMP], [730], old))
    assert manager.wait_journaled()
    gateway.close()

    retention = Retention(config.storage.retention_days, chunk=100)
    live = open_gateway(db)
    live.add_maintenance(retention)
    assert retention.finished.wait(20)
    ts = SampleStore(open_database(db)).read("press.force")[0].tolist()
    with sqlite3.connect(db) as conn:
        events = [r[0] for r in conn.execute("SELECT ts FROM events")]
        journal = conn.execute("SELECT count(*) FROM alarm_journal").fetchone()[0]
    assert len(ts) == 300 and min(ts) >= new - 60.001  # times kept to the millisecond
    assert events == [new]
    assert journal == 2  # the alarm journal is kept whatever its age
    assert retention.deleted == 1200 + 1 and retention.runs == 1


def test_station_applies_its_retention_days(tmp_path: Path) -> None:
    station = Station(sine_station(retention_days=7), db_url=f"sqlite:///{tmp_path / 's.db'}")
    assert station.retention.days == 7
    station.start()
    try:
        assert station.retention.finished.wait(20)  # at start, then hourly
    finally:
        station.stop()


def test_producers_never_block_while_a_round_waits_on_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db, busy_timeout_ms=3000)
    table = TagTable(oven_config())
    writer = StorageWriter(gateway, table)
    ids = np.arange(len(table), dtype=np.int32)
    one = SampleBatch.uniform("oven", ids, 1.0, np.ones(len(ids)), np.zeros(len(ids), np.uint8))
    slowest = 0.0
    with LockHolder(db, 4.0) as holder:
        for _ in range(200):
            started = time.perf_counter()
            writer.on_batch(one)
            _ = writer.healthy, writer.pending  # what the status bar reads every second
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.01)  # a producer's pace
        holder.wait_released()
    assert slowest < 0.05, f"a producer waited {slowest:.3f} s"
    assert writer.flush(timeout=20)
    assert writer.rows_written == 200 * len(ids)
