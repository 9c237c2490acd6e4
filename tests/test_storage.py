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
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.samples import SampleStore
from app.tags import TagTable
from tests.conftest import CONFIGS
from tests.history_support import stored_total


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
    # Not started: flush() runs the gateway's write round on this thread.
    writer = StorageWriter(DatabaseGateway(open_database(url, busy_timeout_ms=50)), table)
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


def committed_samples(db: Path) -> int:
    """Samples another connection sees (committed ones only); 0 before the tables exist."""
    return stored_total(db)


def wait_for_samples(db: Path, proc: subprocess.Popen[str], at_least: int) -> int:
    """Readiness: wait until the running station has committed ``at_least`` samples."""
    deadline = time.monotonic() + 20
    while (count := committed_samples(db)) < at_least:
        assert proc.poll() is None, "the station exited early"
        assert time.monotonic() < deadline, f"only {count} samples committed after 20 s"
        time.sleep(0.05)  # polling a condition, not waiting for time to pass
    return count


def test_samples_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    proc = headless_process(path, stderr=subprocess.DEVNULL)
    try:
        seen = wait_for_samples(path, proc, at_least=20)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    count = stored_total(path)
    assert count >= seen > 20  # every commit that another reader saw survives kill -9


def test_sigterm_flushes_everything(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    proc = headless_process(path, stderr=subprocess.PIPE)
    wait_for_samples(path, proc, at_least=20)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert time.monotonic() - started < 3.0
    samples = int(err.split("stopped: ")[1].split(" samples")[0])
    assert stored_total(path) == samples
