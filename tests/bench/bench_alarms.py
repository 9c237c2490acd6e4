"""Alarm limit evaluation throughput, and the cost of a 10,000-transition flood.

Run: ``.venv/bin/python tests/bench/bench_alarms.py [--seconds 2]``. All figures come from the
same run on one core:

* baseline: a plain Python loop over the samples that checks the same four limits per tag
  (what a per-sample implementation costs);
* the vectorised :class:`ConditionEvaluator` alone, for several batch sizes;
* :meth:`AlarmManager.on_batch` end to end (evaluator + design suppression + bookkeeping) with
  a real SQLite journal, in steady state (values move, but no limit is crossed);
* a flood: 10,000 transitions in two batches, journaled to an SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.alarms.definitions import build_definitions
from app.alarms.evaluator import ConditionEvaluator
from app.alarms.manager import AlarmManager
from app.config import StationConfig
from app.config_loader import parse_config
from app.model import Quality, SampleBatch
from app.tags import TagTable
from tests.alarm_support import open_gateway

TAGS = 2000


def station(tags: int) -> StationConfig:
    limits = {
        "hh": {"limit": 95.0, "priority": "critical"},
        "h": {"limit": 90.0},
        "l": {"limit": 10.0},
        "ll": {"limit": 5.0},
        "deadband": 1.0,
    }
    rows = [{"name": f"t{i:04d}", "alarms": limits} for i in range(tags)]
    return parse_config(
        {
            "station": {"company": "b", "site": "b", "line": "b", "station": "b"},
            "devices": [{"name": "line", "driver": "simulated", "tags": rows}],
        }
    )


def make_batch(ids: np.ndarray, values: np.ndarray, t: float) -> SampleBatch:
    return SampleBatch.uniform(
        "line", ids.astype(np.int32), t, values, np.full(ids.size, Quality.GOOD, dtype=np.uint8)
    )


def python_loop(values: np.ndarray, ids: np.ndarray, seconds: float) -> float:
    """Samples per second of a naive per-sample evaluation of the same four limits."""
    his = [95.0, 90.0]
    los = [10.0, 5.0]
    state = [[False] * 4 for _ in range(TAGS)]
    vals, tags = values.tolist(), ids.tolist()
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for tag, v in zip(tags, vals, strict=True):
            s = state[tag]
            for k, lim in enumerate(his):
                if v > lim:
                    s[k] = True
                elif v <= lim - 1.0:
                    s[k] = False
            for k, lim in enumerate(los):
                if v < lim:
                    s[2 + k] = True
                elif v >= lim + 1.0:
                    s[2 + k] = False
        done += len(vals)
    return done / (time.perf_counter() - start)


def evaluator_rate(config: StationConfig, batch_size: int, seconds: float) -> float:
    ids_map = TagTable(config).ids()
    evaluator = ConditionEvaluator(build_definitions(config, ids_map), len(ids_map))
    rng = np.random.default_rng(1)
    batches = []
    for k in range(16):
        ids = np.arange(k * batch_size, (k + 1) * batch_size) % TAGS
        batches.append(make_batch(ids, rng.uniform(20, 80, batch_size), float(k)))
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for b in batches:
            evaluator.evaluate(b)
        done += batch_size * len(batches)
    return done / (time.perf_counter() - start)


def manager_rate(config: StationConfig, db: Path, batch_size: int, seconds: float) -> float:
    manager = AlarmManager(config, TagTable(config).ids(), open_gateway(db))
    rng = np.random.default_rng(2)
    batches = []
    for k in range(16):
        ids = np.arange(k * batch_size, (k + 1) * batch_size) % TAGS
        batches.append(make_batch(ids, rng.uniform(20, 80, batch_size), 1e9 + k))
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for b in batches:
            manager.on_batch(b)
        done += batch_size * len(batches)
    return done / (time.perf_counter() - start)


def flood(tags: int, db: Path) -> tuple[int, float]:
    """10,000 transitions: every tag's h and hh raise, then clear (2,500 tags x 2 x 2)."""
    config = station(tags)
    manager = AlarmManager(config, TagTable(config).ids(), open_gateway(db))
    ids = np.arange(tags)
    count = 0

    def listener(transitions: object) -> None:
        nonlocal count
        count += len(transitions)  # type: ignore[arg-type]

    manager.add_listener(listener)
    start = time.perf_counter()
    manager.on_batch(make_batch(ids, np.full(tags, 99.0), 2e9))
    manager.on_batch(make_batch(ids, np.full(tags, 50.0), 2e9 + 0.5))
    assert manager.wait_journaled(60)  # until committed by the writer and delivered
    elapsed = time.perf_counter() - start
    assert manager.journal_status.ok and manager.journal_status.pending == 0
    return count, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="time per measurement")
    args = parser.parse_args()
    config = station(TAGS)
    rng = np.random.default_rng(0)
    ids = np.arange(10_000) % TAGS
    base = python_loop(rng.uniform(20, 80, ids.size), ids, args.seconds)
    print(f"{TAGS} tags x 4 limits (hh/h/l/ll, deadband 1.0); one core")
    print(f"baseline  python per-sample loop      : {base:>12,.0f} samples/s")
    for size in (10, 50, 100, 1000, 10_000):
        rate = evaluator_rate(config, size, args.seconds)
        print(
            f"evaluator batch {size:>6,} samples      : {rate:>12,.0f} samples/s"
            f"  ({rate / base:5.1f}x baseline)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (50, 1000, 10_000):
            rate = manager_rate(config, Path(tmp) / f"m{size}.db", size, args.seconds)
            print(
                f"manager.on_batch {size:>6,} samples     : {rate:>12,.0f} samples/s"
                f"  ({rate / base:5.1f}x baseline)"
            )
        count, elapsed = flood(2500, Path(tmp) / "flood.db")
        print(
            f"flood: {count:,} transitions journaled (SQLite file) and delivered in "
            f"{elapsed * 1000:.0f} ms ({count / elapsed:,.0f}/s)"
        )


if __name__ == "__main__":
    main()
