"""kill -9 of a station writing its history: nothing older than one second is lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from app.config_loader import load_config
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.samples import SampleStore
from app.tags import TagTable
from tests.conftest import CONFIGS
from tests.history_support import history_ready, stored_counts


def chunks(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return int(conn.execute("SELECT count(*) FROM sample_chunks").fetchone()[0])
    finally:
        conn.close()


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    config = tmp_path / "line.toml"
    # Fold every second, so the kill finds chunks, roll-ups and write-ahead rows alike.
    config.write_text(
        (CONFIGS / "sim_line.toml").read_text() + "\n[storage]\nfold_interval_s = 1.0\n"
    )
    db = tmp_path / "station.db"
    command = [sys.executable, "-m", "app", "run", "--headless", "--config", str(config)]
    proc = subprocess.Popen(
        [*command, "--db", f"sqlite:///{db}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        # Readiness: folds have happened and more samples are committed after them.
        while not (
            history_ready(db) and chunks(db) >= 4 and stored_counts(db).get("press.cycles", 0) >= 12
        ):
            assert proc.poll() is None, "the station exited early"
            assert time.monotonic() < deadline, "the station did not fold within 30 s"
            time.sleep(0.05)  # polling a condition
    finally:
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    store = SampleStore(open_database(f"sqlite:///{db}"))
    before = {}
    for name, period in (("press.force", 0.1), ("press.cycles", 0.5), ("oven.temp", 0.2)):
        s = store.samples(name)
        before[name] = s
        lost = killed_at - float(s.ts[-1])
        assert lost <= 1.0, f"{name}: the last {lost:.2f} s were lost"
        # Nothing missing in between, across folds and write-ahead rows.
        assert np.diff(s.ts).max() < 3 * period, name
    cycles = before["press.cycles"].values
    assert np.all(np.diff(cycles) == 1.0)  # the counter: nothing lost, nothing doubled
    # Restart: what the crash left in the write-ahead table is folded, nothing changes.
    writer = StorageWriter(
        DatabaseGateway(open_database(f"sqlite:///{db}")),
        TagTable(load_config(config)),
    )
    counts = store.counts()
    assert {k: counts[k] for k in before} == {k: len(v) for k, v in before.items()}
    for name, s in before.items():
        after = writer.samples.samples(name)
        assert np.allclose(after.ts, s.ts, rtol=0, atol=0.0005)  # chunks keep milliseconds
        assert np.array_equal(after.values, s.values), name
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sample_wal").fetchone()[0] == 0
    conn.close()
    writer.gateway.close()
