"""Samples per second through the engine (ring buffers + storage) for 200 simulated tags.

Run: ``.venv/bin/python tests/bench/bench_engine.py``. Prints three figures measured in the same
run: a bare sqlite3 ``executemany`` baseline, the engine pipeline (live table, ring buffers, row
conversion, SQLAlchemy commit) driven as fast as it goes, and the threaded station with real
device workers polling every 5 ms.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.config import StationConfig
from app.config_loader import parse_config
from app.engine import Engine
from app.model import Quality, SampleBatch
from app.station import Station
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.worker import build_groups
from drivers.signal_generator import SignalGeneratorDriver

DEVICES = 4
TAGS_PER_DEVICE = 50
SHAPES = ["sine:mean=50,amplitude=10,period=7", "random_walk:mean=20", "counter", "noise:noise=1"]


def config(period: float) -> StationConfig:
    devices = []
    for d in range(DEVICES):
        tags = [
            {"name": f"t{i:03d}", "signal": SHAPES[i % len(SHAPES)], "scale": 0.1}
            for i in range(TAGS_PER_DEVICE)
        ]
        devices.append(
            {"name": f"m{d}", "driver": "simulated", "poll_period_s": period, "tags": tags}
        )
    return parse_config(
        {"station": {"company": "b", "site": "b", "line": "b", "station": "b"}, "devices": devices}
    )


def bare_sqlite(path: Path, rows: int) -> float:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE s (ts REAL, tag_id INTEGER, value REAL, quality INTEGER)")
    db.execute("CREATE INDEX ix ON s (tag_id, ts)")
    data = [(i * 0.001, i % 200, float(i), 0) for i in range(rows)]
    start = time.perf_counter()
    for i in range(0, rows, 20_000):
        with db:
            db.executemany("INSERT INTO s VALUES (?,?,?,?)", data[i : i + 20_000])
    elapsed = time.perf_counter() - start
    db.close()
    return rows / elapsed


def pipeline(path: Path, polls: int) -> tuple[float, float]:
    """Driver read -> scaling -> batch -> live + history + rows -> commit, on one thread."""
    cfg = config(0.1)
    engine = Engine(cfg, history_s=600)
    # The gateway is not started: flush() runs its write round on this thread.
    writer = StorageWriter(DatabaseGateway(open_database(f"sqlite:///{path}")), engine.tags)
    engine.subscribe(writer.on_batch)
    drivers = []
    for device in cfg.devices:
        driver = SignalGeneratorDriver(device)
        driver.connect()
        drivers.append((device, driver, build_groups(device, engine.tags)[0]))
    samples = 0
    handled = 0.0
    start = time.perf_counter()
    for _ in range(polls):
        for device, driver, group in drivers:
            readings = driver.read(group.tags)
            values = readings.values * group.scale + group.offset
            batch = SampleBatch.uniform(
                device.name,
                group.tag_ids,
                time.time(),
                values,
                np.zeros(len(group.tags), np.uint8),
            )
            t0 = time.perf_counter()
            engine._handle(batch)  # what the dispatcher does with each batch
            handled += time.perf_counter() - t0
            samples += len(batch)
        if writer.pending >= 20_000:
            writer.flush()
    writer.flush()
    elapsed = time.perf_counter() - start
    assert writer.samples.counts()["m0.t000"] == polls
    return samples / elapsed, samples / handled


def threaded(path: Path, seconds: float) -> tuple[float, int, int]:
    station = Station(config(0.005), db_url=f"sqlite:///{path}")
    station.start()
    time.sleep(seconds)
    station.stop()
    stored = sum(station.storage.samples.counts().values())
    bad = int(np.sum(station.engine.live.quality != Quality.GOOD))
    return station.engine.samples_total / seconds, stored, bad


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        rows = 400_000
        base = bare_sqlite(tmpdir / "bare.db", rows)
        through, dispatch_only = pipeline(tmpdir / "pipe.db", polls=2000)
        rate, stored, bad = threaded(tmpdir / "threaded.db", seconds=5.0)
    print(f"baseline  bare sqlite3 executemany ({rows} rows):        {base:12,.0f} rows/s")
    print(
        f"engine    driver->batch->ring buffers->SQLite, 200 tags:  {through:12,.0f} samples/s"
        f"  (ratio to baseline {through / base:.2f})"
    )
    print(
        f"          dispatcher step alone (live+history+rows):     {dispatch_only:12,.0f} samples/s"
    )
    print(
        f"threaded  4 workers x 50 tags at 5 ms, 5 s:              {rate:12,.0f} samples/s"
        f"  ({stored:,} stored, {bad} tags not good)"
    )


if __name__ == "__main__":
    main()
