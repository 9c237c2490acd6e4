"""The sync outbox on a real SQLite file: summaries made from batches, numbered in the
transaction that stores them, alarm transitions copied with their cursor, and kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.config_loader import load_config
from app.model import Quality, SampleBatch
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind, read_pending
from app.sync.service import SyncRecorder
from app.tags import TagTable
from tests.alarm_support import open_gateway
from tests.conftest import CONFIGS

CONFIG = load_config(CONFIGS / "sim_line.toml")


def rows(db: Path) -> list[tuple[int, str, str, str, dict]]:
    conn = sqlite3.connect(db, timeout=5)
    try:
        found = conn.execute("SELECT seq, id, kind, topic, payload FROM sync_outbox ORDER BY seq")
        return [(s, i, k, t, json.loads(p)) for s, i, k, t, p in found]
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        conn.close()


def batch(table: TagTable, name: str, ts: float, values: list[float], quality=None) -> SampleBatch:
    tag = table.by_name(name)
    n = len(values)
    return SampleBatch(
        device=tag.device,
        tag_ids=np.full(n, tag.id, dtype=np.int32),
        timestamps=ts + np.arange(n, dtype=np.float64),
        values=np.asarray(values, dtype=np.float64),
        quality=np.asarray(quality or [Quality.GOOD] * n, dtype=np.uint8),
    )


def test_interval_summaries_are_numbered_in_the_outbox(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db)
    table = TagTable(CONFIG)
    recorder = SyncRecorder(gateway, table, 60.0, with_journal=False, now=1_000_020.0)
    force = [100.0, 101.5, 98.25, 1e6 + 0.5, 99.0]
    recorder.on_batch(batch(table, "press.force", 1_000_021.0, force[:2]))
    recorder.on_batch(batch(table, "press.force", 1_000_030.0, force[2:]))
    bad = [Quality.GOOD, Quality.BAD, Quality.GOOD]
    recorder.on_batch(batch(table, "oven.temp", 1_000_022.0, [180.0, float("nan"), 182.0], bad))
    recorder.tick(1_000_059.9)  # the interval [1_000_020, 1_000_080) has not ended
    assert gateway.flush() and rows(db) == []
    recorder.tick(1_000_080.1)
    recorder.on_batch(batch(table, "oven.temp", 1_000_081.0, [7.0]))  # the next interval
    recorder.tick(1_000_140.0)
    assert gateway.flush()
    stored = rows(db)
    # Two summaries and a status after the first interval, one summary and a status after the
    # second: numbered 1..5 without holes, each with its own id.
    assert [s for s, *_ in stored] == [1, 2, 3, 4, 5]
    assert len({i for _, i, *_ in stored}) == 5
    summaries = {(t, p["end"]): p for _, _, k, t, p in stored if k == "summary"}
    press = summaries[("summary/press/force", 1_000_080.0)]
    assert press["count"] == 5 and press["good"] == 5 and press["good_fraction"] == 1.0
    assert press["min"] == 98.25 and press["max"] == 1e6 + 0.5 and press["last"] == 99.0
    assert press["mean"] == pytest.approx(np.mean(force), rel=1e-12)
    assert press["std"] == pytest.approx(np.std(force), rel=1e-9)
    oven = summaries[("summary/oven/temp", 1_000_080.0)]
    assert oven["count"] == 3 and oven["good"] == 2 and oven["good_fraction"] == 2 / 3
    assert oven["mean"] == 181.0 and oven["std"] == 1.0 and oven["unit"] == "°C"
    later = summaries[("summary/oven/temp", 1_000_140.0)]
    assert later["count"] == 1 and later["mean"] == 7.0 and later["start"] == 1_000_080.0
    assert [k for _, _, k, *_ in stored].count("status") == 2


def test_a_tag_without_good_samples_says_so_with_nulls(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db)
    table = TagTable(CONFIG)
    recorder = SyncRecorder(gateway, table, 10.0, with_journal=False, now=100.0)
    recorder.on_batch(batch(table, "oven.temp", 101.0, [float("nan")] * 2, [Quality.BAD] * 2))
    recorder.summaries.tick(110.0)
    assert gateway.flush()
    ((_, _, _, _, body),) = rows(db)
    assert body["count"] == 2 and body["good"] == 0 and body["good_fraction"] == 0.0
    assert body["mean"] is None and body["std"] is None and body["min"] is None


def test_numbering_continues_after_a_restart_and_a_retry_writes_nothing_twice(
    tmp_path: Path,
) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db)
    kind = gateway.register(OutboxWriteKind(OutboxState()))
    first = [OutboxMessage("summary", f"summary/x/{n}", {"n": n}) for n in range(3)]
    gateway.submit(kind, first)
    assert gateway.flush()
    gateway.close()
    # A commit that succeeded yet reported an error: the retry skips what is already there.
    again = DatabaseGateway(gateway.db)
    state = OutboxState()
    kind2 = OutboxWriteKind(state)
    again.register(kind2)
    assert state.newest_seq == 3 and state.undelivered == 3
    with again.db.begin() as conn:
        kind2.write(conn, [first[2], OutboxMessage("summary", "summary/x/3", {"n": 3})], True)
    assert [s for s, *_ in rows(db)] == [1, 2, 3, 4]
    assert [p["n"] for *_, p in rows(db)] == [0, 1, 2, 3]
    pending = read_pending(again.db, after=1, upto=3, limit=10)
    assert [m.seq for m in pending] == [2, 3]


def station_config(tmp_path: Path, broker: str = "mqtt://127.0.0.1:9", interval: float = 1.0):
    """The test line with a [sync] table and a limit alarm that trips at once."""
    text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
    text = text.replace(
        'signal = "sine:mean=100,amplitude=20,period=5"',
        'signal = "sine:mean=100,amplitude=20,period=5"\n'
        '  alarms = { h = { limit = 90, priority = "high" } }',
    )
    text += f'\n[sync]\nbroker = "{broker}"\ninterval_s = {interval}\nretry_max_s = 2\n'
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    return path


def headless(config: Path, db: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "app", "run", "--headless", "--config", str(config)]
    command += ["--db", f"sqlite:///{db}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_rows(db: Path, proc: subprocess.Popen[str], predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        found = rows(db)
        if predicate(found):
            return found
        assert proc.poll() is None, f"the station exited early: {proc.stderr.read()}"
        assert time.monotonic() < deadline, f"outbox never got there: {len(found)} rows"
        time.sleep(0.05)  # polling the file for a condition


def test_outbox_survives_kill_9_without_holes_and_copies_alarms(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    config = station_config(tmp_path)  # the broker is unreachable: everything stays queued
    proc = headless(config, db)
    try:
        seen = wait_rows(db, proc, lambda r: sum(k == "summary" for _, _, k, *_ in r) >= 6)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    after_kill = rows(db)
    assert after_kill[: len(seen)] == seen  # every commit another reader saw survived
    proc = headless(config, db)
    try:
        more = wait_rows(db, proc, lambda r: len(r) >= len(after_kill) + 4)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    final = rows(db)
    assert final[: len(more)] == more
    seqs = [s for s, *_ in final]
    assert seqs == list(range(1, len(final) + 1))  # no hole across kill -9 and restart
    assert len({i for _, i, *_ in final}) == len(final)
    # The alarm raised in the first run is in the outbox exactly once (journal cursor).
    conn = sqlite3.connect(db)
    journal = conn.execute("SELECT seq FROM alarm_journal ORDER BY seq").fetchall()
    conn.close()
    copied = [p["journal_seq"] for _, _, k, _, p in final if k == "alarm"]
    assert copied == [s for (s,) in journal] and copied
    assert {t for _, _, k, t, _ in final if k == "alarm"} == {"alarm/press"}


def test_sync_added_later_sends_the_alarms_from_then_on_not_the_stations_past(
    tmp_path: Path,
) -> None:
    db = tmp_path / "station.db"
    config = station_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    without = tmp_path / "without_sync.toml"
    without.write_text(text.split("\n[sync]")[0], encoding="utf-8")
    proc = headless(without, db)

    def journal() -> list[int]:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return [s for (s,) in conn.execute("SELECT seq FROM alarm_journal ORDER BY seq")]
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 30
        while len(journal()) < 2:  # the limit alarm trips and clears with the sine
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    past = journal()
    proc = headless(config, db)
    try:
        wait_rows(db, proc, lambda r: any(k == "alarm" for _, _, k, *_ in r))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    copied = [p["journal_seq"] for _, _, k, _, p in rows(db) if k == "alarm"]
    assert copied and min(copied) > max(past)
    assert copied == [s for s in journal() if s > max(past)]
