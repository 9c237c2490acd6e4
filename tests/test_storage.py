"""Storage on a real SQLite file: headless runs, retries when locked, survival of kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from app.commands.run import run_headless
from app.config_loader import load_config
from app.model import Quality, SampleBatch
from app.storage import StorageWriter, open_database
from app.storage.samples import SampleStore
from app.tags import TagTable
from tests.conftest import CONFIGS


def test_headless_run_stores_every_tag(sqlite_url: str) -> None:
    config = load_config(CONFIGS / "sim_line.toml")
    assert run_headless(config, db_url=sqlite_url, duration=1.5) == 0
    store = SampleStore(open_database(sqlite_url))
    counts = store.counts(good_only=True)
    assert set(counts) == {"press.force", "press.state", "press.cycles", "oven.temp"}
    assert counts["press.force"] >= 10
    _, v, q = store.read("press.state")
    assert np.all(v == 1.0) and np.all(q == Quality.GOOD)
    _, v, _ = store.read("press.cycles")
    assert np.all(np.diff(v) == 1.0)  # the counter: nothing lost, nothing doubled


def batch(table: TagTable, ts: float, value: float) -> SampleBatch:
    ids = np.arange(len(table), dtype=np.int32)
    return SampleBatch.uniform(
        "press",
        ids,
        ts,
        np.full(len(ids), value),
        np.zeros(len(ids), np.uint8),
    )


def test_writer_keeps_rows_while_the_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    url = f"sqlite:///{path}"
    table = TagTable(load_config(CONFIGS / "sim_line.toml"))
    writer = StorageWriter(open_database(url, busy_timeout_ms=50), table)
    writer.on_batch(batch(table, 1.0, 1.0))
    assert writer.flush()
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    writer.on_batch(batch(table, 2.0, 2.0))
    assert not writer.flush()
    assert not writer.healthy and "locked" in writer.last_error
    writer.on_batch(batch(table, 3.0, 3.0))  # more data arrives during the outage
    assert writer.pending == 2 * len(table)
    blocker.rollback()
    blocker.close()
    assert writer.flush()
    assert writer.healthy and writer.pending == 0
    t, v, _ = writer.samples.read("press.force")
    assert t.tolist() == [1.0, 2.0, 3.0] and v.tolist() == [1.0, 2.0, 3.0]


def headless_process(db: Path, stderr: int) -> subprocess.Popen[str]:
    """``shopfloor run --headless`` on the test line, as a real process."""
    command = [sys.executable, "-m", "app", "run", "--headless"]
    command += ["--config", str(CONFIGS / "sim_line.toml"), "--db", f"sqlite:///{db}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def test_samples_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    proc = headless_process(path, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3.0)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = db.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert count > 20  # committed every 0.5 s, so at most the last half second is missing
    db.close()


def test_sigterm_flushes_everything(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    proc = headless_process(path, stderr=subprocess.PIPE)
    time.sleep(2.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert time.monotonic() - started < 3.0
    samples = int(err.split("stopped: ")[1].split(" samples")[0])
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM samples").fetchone()[0] == samples
    db.close()
