"""The alarm journal: written before annunciation, restored after a restart, survives DB errors.

Every manager here journals through the production gateway (tests/alarm_support.py) into a
real SQLite file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from app.alarms.journal import JournalKind, journal_table
from app.alarms.manager import AlarmManager
from app.alarms.model import AlarmState, Transition, TransitionKind
from app.model import Quality, SampleBatch
from app.security import Actor
from app.storage.database import open_database
from tests.alarm_support import (
    Clock,
    Recorder,
    batch,
    make_manager,
    make_plain_manager,
    open_gateway,
    station,
    tag_ids,
)
from tests.test_alarm_manager import FAULTS, TEMP, oven_config

ANNA = Actor.named("anna")


def rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT seq, alarm_id, event, state, actor, comment FROM alarm_journal ORDER BY seq"
        ).fetchall()


def test_every_transition_is_on_disk_before_listeners_see_it(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    manager, _ = make_manager(oven_config(), db, clock)
    seen_on_disk: list[bool] = []

    def check(transitions: list[Transition]) -> None:
        on_disk = {seq for seq, *_ in rows(db)}  # another connection: committed data only
        seen_on_disk.extend(t.seq in on_disk for t in transitions)

    manager.add_listener(check)
    manager.on_batch(batch("oven", [TEMP], [730], clock.advance(1)))
    manager.acknowledge(["oven.temp.hh"], ANNA, "on it")
    assert manager.wait_delivered()
    assert seen_on_disk == [True, True, True]
    assert rows(db)[-1][2:] == ("ack", "acked", "anna", "on it")


def test_state_is_restored_after_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    config = oven_config()
    first, _ = make_manager(config, db, clock)
    first.on_batch(batch("oven", [TEMP, FAULTS], [730, 3], clock.advance(1)))
    first.acknowledge(["oven.temp.hh"], ANNA, "seen")
    first.shelve(["oven.faults.jam"], ANNA, "jam sensor dirty", duration_s=120)
    first.raise_anomaly(clock.now, "oven", "temp", "spectral", 4.0, "oscillation")
    first.on_batch(batch("oven", [FAULTS], [7], clock.advance(1)))
    first.on_batch(batch("oven", [FAULTS], [0], clock.advance(1)))  # guard is latched
    before = {v.alarm_id: v for v in first.views()}
    assert first.wait_journaled()  # accepted = committed; what a crash loses is not accepted
    del first  # a crash: nothing is flushed or closed on purpose

    second, rec = make_manager(config, db, clock)
    after = {v.alarm_id: v for v in second.views()}
    for alarm_id in (
        "oven.temp.hh",
        "oven.temp.h",
        "oven.faults.jam",
        "oven.faults.guard",
        "oven.temp.@anomaly.spectral",
        "oven.faults.motor_trip",
    ):
        assert after[alarm_id].state == before[alarm_id].state, alarm_id
    assert after["oven.temp.h"].state == AlarmState.UNACK
    assert after["oven.temp.hh"].acked_by == "anna"
    assert after["oven.faults.guard"].state == AlarmState.LATCHED
    assert after["oven.temp.@anomaly.spectral"].message.render() == "oscillation"
    assert after["oven.faults.jam"].shelve == before["oven.faults.jam"].shelve

    # The restored alarm keeps going: deadband state, sequence numbers and shelve expiry.
    second.on_batch(batch("oven", [TEMP], [699], clock.advance(1)))  # inside the deadband
    assert second.view("oven.temp.h").state == AlarmState.UNACK
    second.on_batch(batch("oven", [TEMP], [500], clock.advance(1)))
    assert second.view("oven.temp.h").state == AlarmState.RTN_UNACK
    second.tick(clock.advance(200))
    assert second.view("oven.faults.jam").state == AlarmState.NORMAL  # cleared while shelved
    assert second.wait_journaled()
    seqs = [r[0] for r in rows(db)]
    assert seqs == sorted(set(seqs)) and len(seqs) == len(rows(db))
    assert rec.transitions[0].seq > max(t for t in seqs[: -len(rec.transitions)])


def test_comm_loss_restored_then_cleared_by_fresh_data(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    config = oven_config()
    first, _ = make_manager(config, db, clock)
    first.on_device_status("oven", False, "timeout", clock.advance(1))
    assert first.wait_journaled()
    second, _ = make_manager(config, db, clock)
    assert second.view("oven.@comm").state == AlarmState.UNACK
    assert second.view("oven.temp.h").state == AlarmState.SUPPRESSED
    second.on_batch(batch("oven", [TEMP], [710], clock.advance(1)))
    assert second.view("oven.@comm").state == AlarmState.RTN_UNACK
    assert second.view("oven.temp.h").state == AlarmState.UNACK


def flood_station(n: int):
    return station({"line": [{"name": f"t{i}", "alarms": {"h": {"limit": 1.0}}} for i in range(n)]})


def test_flood_of_ten_thousand_transitions_loses_nothing(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    n = 5000
    manager, rec = make_manager(flood_station(n), db, clock)
    ids = np.arange(n)
    started = time.perf_counter()
    manager.on_batch(batch("line", ids, np.full(n, 5.0), clock.advance(0.5)))
    manager.on_batch(batch("line", ids, np.zeros(n), clock.advance(0.5)))
    elapsed = time.perf_counter() - started
    assert len(rec.transitions) == 2 * n
    assert rec.calls == 2
    assert len(rows(db)) == 2 * n
    assert manager.journal_status.ok and manager.journal_status.pending == 0
    assert elapsed < 1.0, f"10,000 transitions took {elapsed:.2f} s"


def test_db_write_error_is_reported_retried_and_still_annunciated(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    config = oven_config()
    manager = make_plain_manager(config, db, clock, busy_timeout_ms=50)
    rec = Recorder(manager)
    manager.add_listener(rec)

    blocker = sqlite3.connect(db, timeout=0.05)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        started = time.perf_counter()
        manager.on_batch(batch("oven", [TEMP], [730], clock.advance(1)))
        assert time.perf_counter() - started < 0.04  # handed over, not written
        # Annunciated anyway after the grace, marked as not yet on disk.
        assert [t.alarm_id for t in rec.transitions] == ["oven.temp.hh", "oven.temp.h"]
        assert [t.journaled for t in rec.transitions] == [False, False]
        status = manager.journal_status
        assert not status.ok and "locked" in status.error and status.pending == 2
        assert status.since is not None and status.since <= time.time()
        assert manager.view("oven.temp.hh").state == AlarmState.UNACK
        # More transitions queue up without waiting on the lock each time.
        started = time.perf_counter()
        manager.acknowledge(["oven.temp.hh"], ANNA, "while DB is down")
        assert time.perf_counter() - started < 0.04
        assert manager.journal_status.pending == 3
        assert (
            manager.history(text="while DB")[0].event == TransitionKind.ACK
        )  # visible from memory
    finally:
        blocker.rollback()
        blocker.close()
    assert manager.wait_journaled()  # retried by the writer thread until it lands
    status = manager.journal_status
    assert status.ok and status.pending == 0 and status.written == 3
    assert [r[1:3] for r in rows(db)] == [
        ("oven.temp.hh", "raise"),
        ("oven.temp.h", "raise"),
        ("oven.temp.hh", "ack"),
    ]
    assert len(rec.transitions) == 3  # each delivered once, none again when it landed


def test_retry_never_writes_a_sequence_number_twice(tmp_path: Path) -> None:
    clock = Clock()
    manager = make_plain_manager(oven_config(), tmp_path / "j.db", clock)
    manager.on_batch(batch("oven", [TEMP], [710], clock.advance(1)))
    assert manager.wait_journaled()
    written = manager.history()
    # A commit that succeeded but reported failure: the gateway writes the rows again as a
    # retry.
    kind = JournalKind(manager.journal)
    with manager.journal.db.begin() as conn:
        kind.write(conn, list(reversed(written)), retry=True)
    with manager.journal.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(journal_table)).scalar() == 1


def test_shares_the_database_with_the_sample_writer(tmp_path: Path) -> None:
    """The journal's gateway and another writer of the same file (another connection, another
    thread) coexist."""
    url = f"sqlite:///{tmp_path / 'station.db'}"
    config = flood_station(50)
    manager = AlarmManager(config, tag_ids(config), open_gateway(url), clock=time.time)
    other = open_database(tmp_path / "station.db")
    stop = threading.Event()

    def writer() -> None:
        with other.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS samples_x (t REAL, v REAL)")
        while not stop.is_set():
            with other.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO samples_x VALUES (?, ?)", [(time.time(), 1.0)] * 200
                )

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        ids = np.arange(50)
        for i in range(40):
            values = np.full(50, 5.0 if i % 2 == 0 else 0.0)
            manager.on_batch(
                SampleBatch.uniform(
                    "line",
                    ids.astype(np.int32),
                    time.time(),
                    values,
                    np.full(50, Quality.GOOD, dtype=np.uint8),
                )
            )
    finally:
        stop.set()
        thread.join()
    assert manager.wait_journaled()
    assert manager.journal_status.ok
    assert len(rows(tmp_path / "station.db")) == 40 * 50


def test_history_search(tmp_path: Path) -> None:
    clock = Clock()
    manager, _ = make_manager(oven_config(), tmp_path / "s.db", clock)
    manager.on_batch(batch("oven", [TEMP], [730], clock.advance(1)))
    t_mid = clock.advance(10)
    manager.on_batch(batch("oven", [FAULTS], [3], clock.advance(1)))
    manager.acknowledge(["oven.faults.jam"], Actor.named("Zoë"), "cleared the chute")
    assert [t.alarm_id for t in manager.history(text="chute")] == ["oven.faults.jam"]
    assert [t.actor for t in manager.history(text="zoë")] == ["Zoë"]
    newer = manager.history(start=t_mid)
    assert [t.event.value for t in newer] == ["ack", "raise"]
    assert all(t.alarm_id.startswith("oven.temp") for t in manager.history(end=t_mid))
    assert len(manager.history(limit=2)) == 2


def test_prune_keeps_what_restores_the_state(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "station.db"
    config = oven_config()
    manager, _ = make_manager(config, db, clock)
    for k in range(5):
        manager.on_batch(batch("oven", [TEMP], [730 if k % 2 == 0 else 500], clock.advance(60)))
    assert manager.wait_journaled()
    before = len(rows(db))
    deleted = manager.journal.prune(clock.now + 1)  # everything is older than this
    assert deleted > 0 and len(rows(db)) == before - deleted
    assert sorted(r[1] for r in rows(db)) == ["oven.temp.h", "oven.temp.hh"]  # one each
    again, _ = make_manager(config, db, clock)
    assert again.view("oven.temp.hh").state == manager.view("oven.temp.hh").state
    assert again.view("oven.temp.h").state == AlarmState.UNACK
