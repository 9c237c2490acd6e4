"""A generated defect history for benchmarks and the 1,000,000-defect GUI test.

Test data, not station data: the rows go straight into the quality tables with one bulk insert
per 50,000 rows (the station writes only through the gateway).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from app.quality.queries import ensure_tables
from app.quality.store import rebuild_counts
from app.quality.tables import defects
from app.storage import open_database

MACHINES = ("leaktest", "diecast", "cnc", "washer")
MACHINE_WEIGHTS = (0.55, 0.2, 0.15, 0.1)
CODES = ("LEAK", "UNDERWEIGHT", "POROSITY", "SCRATCH", "BURR", "OVERWEIGHT", "THREAD")
CODE_WEIGHTS = (0.42, 0.2, 0.14, 0.1, 0.08, 0.04, 0.02)
DISPOSITIONS = ("pending", "scrap", "rework", "use_as_is")
SHIFTS = ("A", "B", "C")
NOTES = ("", "", "", "bubbles at the flange", "burr on bore 3", "re-tested ok", "gasket seat")
DAY = 86400.0


def generate(
    path: Path, n: int, days: float = 90.0, seed: int = 1, end: float | None = None
) -> float:
    """Write ``n`` defects spread over the ``days`` before ``end``; returns ``end``."""
    end = time.time() if end is None else end
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.uniform(end - days * DAY, end, n))
    machine = rng.choice(len(MACHINES), n, p=MACHINE_WEIGHTS)
    code = rng.choice(len(CODES), n, p=CODE_WEIGHTS)
    disposition = rng.choice(len(DISPOSITIONS), n, p=(0.3, 0.3, 0.3, 0.1))
    notes = rng.integers(0, len(NOTES), n)
    voided = rng.random(n) < 0.01
    decay = rng.uniform(55, 250, n)
    hours = ((ts % DAY) / 3600).astype(int)
    shift = np.where((hours >= 6) & (hours < 14), 0, np.where((hours >= 14) & (hours < 22), 1, 2))
    columns = [c.name for c in defects.columns if c.name != "id"]
    sql = (
        f"INSERT INTO qa_defects ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    codes = [CODES[i] for i in code.tolist()]
    machines = [MACHINES[i] for i in machine.tolist()]
    dispositions = [DISPOSITIONS[i] for i in disposition.tolist()]
    shifts = [SHIFTS[i] for i in shift.tolist()]
    notes_text = [NOTES[i] for i in notes.tolist()]
    measured = [json.dumps({"leak_decay": round(v, 1)}) for v in decay.tolist()]
    ts_list, voided_list = ts.tolist(), voided.tolist()
    db = open_database(path)
    ensure_tables(db)
    chunk = 100_000
    with db.begin() as conn:
        for begin in range(0, n, chunk):
            rows = []
            for i in range(begin, min(n, begin + chunk)):
                c, v = codes[i], voided_list[i]
                rows.append(
                    (
                        f"gen{seed:04d}{i:012d}",
                        ts_list[i],
                        "L3 line-side monitor",
                        "Line 3",
                        machines[i],
                        "EVH-220",
                        f"EVH220-2611-{i:06d}",
                        c,
                        "major",
                        dispositions[i],
                        "system" if c == "LEAK" else "anna",
                        notes_text[i],
                        measured[i] if c == "LEAK" else "{}",
                        "[]",
                        shifts[i],
                        "auto" if c == "LEAK" else "manual",
                        int(v),
                        "entered twice" if v else "",
                        ts_list[i],
                    )
                )
            conn.exec_driver_sql(sql, rows)
        rebuild_counts(conn)
    db.dispose()
    return end
