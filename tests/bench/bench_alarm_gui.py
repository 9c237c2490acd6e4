"""The alarm summary during a live flood: event-loop gaps of the GUI thread, several runs.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_alarm_gui.py [runs]``.
Like ``tests/test_alarm_gui.py::test_live_flood_from_the_dispatcher_thread_keeps_the_gui_
responsive``: 2,500 tag alarms, 4 batches of 2,500 transitions within one second from another
thread (journal on SQLite included), the summary shown at 1200x700 and sorted newest first. A
10 ms heartbeat timer on the GUI thread measures how long the event loop is away; the bridge's
steps (at most ``AlarmBridge.BUDGET_MS`` of updates, then re-sorting what they changed, then a
``PAUSE_MS`` pause) are timed too. Target: p95 gap under 50 ms (20 frames a second). After the
flood, the rows must be in the order the sort arrow claims.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import widgets  # noqa: F401  (the PySide6 work-arounds)
from app.alarms.manager import AlarmManager
from tests.alarm_support import batch, close_gateways, open_gateway, station, tag_ids
from widgets.alarms import AlarmWidgets

TAGS = 2500


def run_once(app: QApplication, directory: Path) -> tuple[np.ndarray, list[float]]:
    """(event-loop gaps in ms, step durations in ms) of one flood."""
    config = station(
        {"line": [{"name": f"t{i}", "alarms": {"h": {"limit": 1}}} for i in range(TAGS)]}
    )
    manager = AlarmManager(config, tag_ids(config), open_gateway(directory / "f.db"))
    made = AlarmWidgets.create(manager)
    made.summary.resize(1200, 700)
    made.summary.show()
    for _ in range(20):
        app.processEvents()
    ids = np.arange(TAGS)
    done = threading.Event()

    def dispatcher() -> None:
        now = time.time()
        for k in range(4):
            value = 5.0 if k % 2 == 0 else 0.0
            manager.on_batch(batch("line", ids, np.full(TAGS, value), now + k * 0.25))
            time.sleep(0.2)
        done.set()

    beats: list[float] = []
    steps: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    made.bridge.updated.connect(lambda: steps.append(made.bridge.last_apply_ms))
    heartbeat.start()
    thread = threading.Thread(target=dispatcher)
    thread.start()
    while not (done.is_set() and made.bridge.applied >= 2 * TAGS * 2):
        app.processEvents()
    heartbeat.stop()
    thread.join()
    assert made.bridge.model.is_sorted(), "rows out of the claimed order"
    made.bridge.close()
    made.summary.close()
    return np.diff(beats) * 1000.0, steps


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    p95s = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            directory = Path(tmp) / str(run)
            directory.mkdir()
            gaps, steps = run_once(app, directory)
            p50, p95 = np.percentile(gaps, [50, 95])
            p95s.append(p95)
            print(
                f"run {run + 1}: event-loop gaps p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                f"max {gaps.max():.0f} ms; {len(steps)} steps, slowest {max(steps):.0f} ms"
            )
    close_gateways()
    print(f"p95 over runs: median {np.median(p95s):.0f} ms, worst {max(p95s):.0f} ms (target 50)")


if __name__ == "__main__":
    main()
