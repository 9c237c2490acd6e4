"""Historian figures: ingest rate, bytes per sample, query times; baselines in the same run.

Run: ``.venv/bin/python tests/bench/bench_history.py [--demo-seconds 120]``. Prints:

* ingest: samples/s through the real writer (``StorageWriter`` on a started gateway: batches
  handed over, committed as write-ahead rows; then the fold into chunks and roll-ups), against
  a naive one-row-per-sample ``executemany`` table (the pre-historian layout) in the same run;
* bytes per sample: the demo line (simulator over Modbus TCP, the real station) after
  ``--demo-seconds`` of running (``--demo-seconds 3600``: the hour of the target), and NAB's
  machine_temperature_system_failure.csv, read as a station reads it (a temperature register of
  0.01 resolution: counts with the tag's scale) and as the file's full-precision doubles;
  compressed chunks plus their shared time columns, and the whole file after VACUUM;
* query: one week of 1 Hz data of one tag to 2,000 points (roll-ups, and raw decimation for
  comparison), one year to 2,000 points (hourly roll-ups).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.config_loader import load_config, parse_config
from app.model import SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.history import decimate, query
from app.tags import TagTable

NAB_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared/nab/data/realKnownCause/machine_temperature_system_failure.csv"
)
DEMO_CONFIG = Path(__file__).resolve().parents[2] / "resources/demo/line.toml"


def station(tags: int, scale: float = 0.1):  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "tags": [
                        {"name": f"t{i:03d}", "type": "int16", "scale": scale} for i in range(tags)
                    ],
                }
            ],
        }
    )


def batches(tags: int, polls: int, start: float, period: float) -> list[SampleBatch]:
    """Polls of every tag: random-walk register counts scaled by 0.1, one batch per poll."""
    rng = np.random.default_rng(1)
    counts = 2000 + np.cumsum(rng.integers(-3, 4, size=(polls, tags)), axis=0)
    ids = np.arange(tags, dtype=np.int32)
    quality = np.zeros(tags, np.uint8)
    jitter = rng.uniform(0, 0.002, polls)
    return [
        SampleBatch.uniform("m", ids, start + i * period + jitter[i], counts[i] * 0.1, quality)
        for i in range(polls)
    ]


def naive(rows: list[tuple], path: Path) -> float:  # type: ignore[type-arg]
    """Rows per second into the old layout: one row per sample, index (tag_id, ts)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE samples (ts FLOAT NOT NULL, tag_id INTEGER NOT NULL, value FLOAT, "
        "quality SMALLINT NOT NULL, reason TEXT, text TEXT)"
    )
    conn.execute("CREATE INDEX ix_samples_tag_ts ON samples (tag_id, ts)")
    started = time.perf_counter()
    for at in range(0, len(rows), 20_000):
        with conn:
            conn.executemany("INSERT INTO samples VALUES (?,?,?,?,?,?)", rows[at : at + 20_000])
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


def ingest(folder: Path, tags: int, polls: int) -> None:
    work = batches(tags, polls, 1.8e9, 0.1)
    total = tags * polls
    db = folder / f"ingest_{tags}.db"
    gateway = DatabaseGateway(open_database(db))
    writer = StorageWriter(
        gateway, TagTable(station(tags)), fold_interval_s=1e9, fold_max_samples=10**12
    )
    gateway.start()
    started = time.perf_counter()
    for batch in work:
        writer.on_batch(batch)
    handed = time.perf_counter() - started
    cpu = time.process_time()  # the writer thread's work: this thread only waits meanwhile
    assert writer.flush(timeout=600)
    committed = time.perf_counter() - started
    commit_cpu = time.process_time() - cpu
    gateway.stop()
    started = time.perf_counter()
    cpu = time.process_time()
    assert writer.fold_now() == total
    folded = time.perf_counter() - started
    fold_cpu = time.process_time() - cpu
    rows = [
        (float(b.timestamps[i]), int(b.tag_ids[i]), float(b.values[i]), 0, None, None)
        for b in work
        for i in range(len(b))
    ]
    baseline = naive(rows, folder / f"naive_{tags}.db")
    size = db.stat().st_size
    print(
        f"ingest, {tags} tags per batch, {total:,} samples: handed over "
        f"{total / handed:,.0f}/s, committed (write-ahead) {total / committed:,.0f}/s, "
        f"fold {total / folded:,.0f}/s (CPU time {total / fold_cpu:,.0f}/s), write-ahead + fold "
        f"{total / (committed + folded):,.0f}/s (CPU time {total / (commit_cpu + fold_cpu):,.0f}/s)"
        f" | naive executemany {baseline:,.0f} rows/s | file {size / total:.2f} B/sample vs "
        f"naive {(folder / f'naive_{tags}.db').stat().st_size / total:.1f} B/sample"
    )


def size_report(name: str, db: Path) -> None:
    writer_db = open_database(db)
    store_counts = {}
    with sqlite3.connect(db) as conn:
        n, size = conn.execute("SELECT sum(n), sum(length(payload)) FROM sample_chunks").fetchone()
        columns, times = conn.execute(
            "SELECT count(*), coalesce(sum(length(payload)), 0) FROM sample_times"
        ).fetchone()
        wal = conn.execute("SELECT count(*) FROM sample_wal").fetchone()[0]
        rollups = conn.execute("SELECT sum(n) FROM sample_rollups").fetchone()[0]
        conn.execute("VACUUM")
    writer_db.dispose()
    file_size = db.stat().st_size
    print(
        f"{name}: {n:,} samples, chunk payloads {size / n:.3f} + {columns} shared time columns "
        f"{times / n:.3f} = {(size + times) / n:.3f} B/sample, whole file after "
        f"VACUUM {file_size / n:.3f} B/sample (incl. {rollups:,} roll-up buckets, tags, indexes; "
        f"{wal} write-ahead rows){store_counts and ''}"
    )


def nab(folder: Path) -> None:
    if not NAB_FILE.exists():
        print(f"NAB: {NAB_FILE} not found, skipped")
        return
    with NAB_FILE.open() as f:
        rows = list(csv.DictReader(f))
    ts = np.array([datetime.fromisoformat(r["timestamp"] + "+00:00").timestamp() for r in rows])
    values = np.array([float(r["value"]) for r in rows])
    order = np.argsort(ts, kind="stable")  # the file has one step back in time; stored sorted
    # As a station reads it: a temperature register with 0.01 resolution (int16 counts, the
    # tag's scale 0.01), and as the file's doubles (up to 14 digits: float noise included).
    counts = np.round(values / 0.01)
    for label, scale, stored in (
        ("register counts, scale 0.01", 0.01, counts * 0.01),
        ("the file's full-precision doubles", 0.1, values),
    ):
        db = folder / f"nab_{scale}.db"
        writer = StorageWriter(DatabaseGateway(open_database(db)), TagTable(station(1, scale)))
        ids = np.zeros(len(ts), np.int32)
        writer.on_batch(SampleBatch("m", ids, ts, stored, np.zeros(len(ts), np.uint8)))
        assert writer.flush()
        writer.fold_now()
        back = writer.samples.samples("m.t000")
        assert np.array_equal(back.values, stored[order])  # bit exact
        writer.gateway.close()
        size_report(f"NAB machine_temperature_system_failure (5-min samples), {label}", db)


def demo(folder: Path, seconds: float) -> None:
    from app.commands.demo import point_at
    from app.station import Station
    from drivers.simulator import PlantSimulator

    sim = PlantSimulator(seed=1, scenario="default")
    sim.start()
    server = sim.serve_modbus_tcp("127.0.0.1", 0)
    config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port)
    db = folder / "demo.db"
    st = Station(config, db_url=f"sqlite:///{db}")
    st.start()
    time.sleep(seconds)  # a benchmark's fixed run length, not a readiness wait
    st.stop()
    sim.stop()
    writer = StorageWriter(DatabaseGateway(open_database(db)), st.engine.tags)  # folds the rest
    writer.gateway.close()
    size_report(f"demo line, {seconds:g} s of the real station over Modbus TCP", db)


def timed(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def queries(folder: Path) -> None:
    db = folder / "query.db"
    writer = StorageWriter(DatabaseGateway(open_database(db)), TagTable(station(2)))
    t0 = 1.8e9
    week = 7 * 86_400
    rng = np.random.default_rng(3)
    for day in range(7):  # one week of 1 Hz
        ts = t0 + day * 86_400 + np.arange(86_400, dtype=float)
        v = np.round(2000 + 50 * np.sin(ts / 3600) + rng.normal(0, 2, ts.size)) * 0.1
        writer.on_batch(
            SampleBatch("m", np.zeros(ts.size, np.int32), ts, v, np.zeros(ts.size, np.uint8))
        )
        assert writer.flush()
        writer.fold_now()
    # A year of tag 2 at one sample per 10 s: the hourly roll-ups a year query reads are the
    # same 8,760 rows whatever the raw rate.
    for day in range(365):
        ts = t0 + day * 86_400 + np.arange(0, 86_400, 10, dtype=float)
        v = np.round(2000 + rng.normal(0, 20, ts.size)) * 0.1
        writer.on_batch(
            SampleBatch("m", np.ones(ts.size, np.int32), ts, v, np.zeros(ts.size, np.uint8))
        )
        if day % 30 == 29 or day == 364:
            assert writer.flush()
            writer.fold_now()
    store = writer.samples
    series = query(store, "m.t000", t0, t0 + week, 2000)
    week_ms = timed(lambda: query(store, "m.t000", t0, t0 + week, 2000))
    raw_ms = timed(lambda: decimate(store.samples("m.t000", t0, t0 + week), t0, t0 + week, 1000), 3)
    year = query(store, "m.t001", t0, t0 + 365 * 86_400, 2000)
    year_ms = timed(lambda: query(store, "m.t001", t0, t0 + 365 * 86_400, 2000))
    print(
        f"query one week of 1 Hz (604,800 samples) to 2,000 points: {week_ms:.1f} ms "
        f"({series.source}, {len(series)} points); from raw chunks instead: {raw_ms:.0f} ms"
    )
    print(f"query one year to 2,000 points: {year_ms:.1f} ms ({year.source}, {len(year)} points)")
    writer.gateway.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-seconds", type=float, default=120.0)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--demo-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.demo_only:
            demo(folder, args.demo_seconds)
            return
        ingest(folder, tags=10, polls=100_000)
        ingest(folder, tags=200, polls=10_000)
        nab(folder)
        queries(folder)
        if not args.skip_demo:
            demo(folder, args.demo_seconds)


if __name__ == "__main__":
    main()
