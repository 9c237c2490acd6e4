"""Trend display: 20 tags x 1 hour at 10 Hz following live, and a pan through 7 days of history.

Run: ``xvfb-run -a .venv/bin/python tests/bench/bench_trend_display.py`` (or offscreen without
a display) ``[--tags 20] [--frames 120] [--history-hz 1]``. One frame is what the window does
for one picture: move the time window (new samples arrived, or the user dragged), redraw the
curves from the ring buffers and the historian's pieces, and paint the plot (``grab``). All
figures come from the same run:

* baseline: an empty plot (no tag shown), the floor of any frame;
* live: every tag's last hour at 10 Hz in the ring buffers (36,000 points a tag), new samples
  at 10 Hz appended between frames, the plot following at 30 frames/s of simulated time;
* pan: the historian holds 7 days of every tag (1 Hz by default; written through the real
  writer and folded into chunks and roll-ups), the ring buffers the last hour at 10 Hz; a 6-hour
  window is dragged from 7 days ago to now, one step a frame, the history queries running on the
  gateway's db-reader thread meanwhile (their answers are drawn in the frames they arrive in).

Targets (issue 9): live at 30 frames/s or more; no pan frame over 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PySide6.QtWidgets import QApplication

import widgets  # noqa: F401  (the PySide6 emit guard)
from app.config import StationConfig
from app.config_loader import parse_config
from app.engine import Engine
from app.model import SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage import history as history_query
from app.tags import TagTable
from widgets.app import application
from widgets.trend_plot import TrendPlot

HOUR, DAY = 3600.0, 86_400.0
LIVE_HZ = 10.0
FPS_TARGET = 30.0
FRAME_BUDGET_MS = 100.0
SIZE = (1300, 700)


def station(tags: int) -> StationConfig:
    return parse_config(
        {
            "station": {"company": "B", "site": "B", "line": "B", "station": "B"},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "poll_period_s": 1 / LIVE_HZ,
                    "tags": [
                        {"name": f"t{i:02d}", "unit": "bar", "type": "int16", "scale": 0.1}
                        for i in range(tags)
                    ],
                }
            ],
        }
    )


def values(ts: np.ndarray, tag: int, rng: np.random.Generator) -> np.ndarray:
    """Register counts scaled by 0.1: a slow wave per tag plus noise."""
    wave = 200 + 50 * np.sin(ts / (600 + 37 * tag)) + rng.normal(0, 3, ts.size)
    return np.round(wave * 10) * 0.1


def fill_ring(engine: Engine, tags: int, now: float) -> None:
    """The last hour of every tag at 10 Hz in the engine's ring buffers."""
    rng = np.random.default_rng(1)
    ts = now - HOUR + np.arange(int(HOUR * LIVE_HZ)) / LIVE_HZ
    assert engine.recent.capacity >= ts.size, engine.recent.capacity
    for tag in range(tags):
        engine.recent.extend(np.full(ts.size, tag, np.int32), ts, values(ts, tag, rng))


def fill_history(db: Path, config: StationConfig, tags: int, now: float, hz: float) -> float:
    """7 days of every tag at ``hz`` before the last hour, through the real writer and fold;
    the seconds it took."""
    started = time.perf_counter()
    writer = StorageWriter(
        DatabaseGateway(open_database(db)), TagTable(config), fold_interval_s=1e9
    )
    rng = np.random.default_rng(2)
    start = now - 7 * DAY
    for day in range(7):
        ts = start + day * DAY + np.arange(int(DAY * hz)) / hz
        ts = ts[ts < now - HOUR]
        for tag in range(tags):
            writer.on_batch(
                SampleBatch(
                    "m",
                    np.full(ts.size, tag, np.int32),
                    ts,
                    values(ts, tag, rng),
                    np.zeros(ts.size, np.uint8),
                )
            )
        assert writer.flush(timeout=600)
        writer.fold_now()
    writer.gateway.close()
    return time.perf_counter() - started


class CountedPlot(TrendPlot):
    """Counts its paints (the pan frames are painted by the event loop)."""

    paints = 0

    def paintEvent(self, event: Any) -> None:
        self.paints += 1
        super().paintEvent(event)


def report(name: str, times: list[float], baseline: float | None = None) -> float:
    mean = statistics.fmean(times)
    worst = max(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    vs = f"  (baseline {baseline:.1f} ms)" if baseline is not None else ""
    print(
        f"{name:<46} {1000 / mean:6.1f} frames/s  mean {mean:6.1f} ms  p95 {p95:6.1f} ms  "
        f"worst {worst:6.1f} ms{vs}"
    )
    return mean


def frames_live(plot: TrendPlot, engine: Engine, tags: int, now: float, frames: int) -> list[float]:
    """Frames following live; samples arrive at 10 Hz of simulated time, 30 frames a second."""
    rng = np.random.default_rng(3)
    next_sample = now
    times = []
    for i in range(frames + 3):
        clock = now + i / FPS_TARGET
        while next_sample <= clock:  # what the dispatcher appended since the last frame
            ts = np.full(tags, next_sample)
            engine.recent.extend(np.arange(tags, dtype=np.int32), ts, values(ts, 0, rng))
            next_sample += 1 / LIVE_HZ
        started = time.perf_counter()
        plot.redraw(now=clock)
        plot.grab()
        if i >= 3:  # the first frames build caches
            times.append((time.perf_counter() - started) * 1000)
    return times


def frames_pan(
    app: QApplication, plot: CountedPlot, now: float, window: float, steps: int
) -> tuple[list[float], float]:
    """Frames of a drag from 7 days ago to now: each moves the window one step, takes in the
    history answers that arrived (drawing them) and paints; the frame times and the share of
    the shown tags that had points on screen, over all frames."""
    times = []
    drawn = 0
    start = now - 7 * DAY
    step = (7 * DAY - window) / (steps - 1)
    for i in range(steps):
        t0 = start + i * step
        started = time.perf_counter()
        plot.show_range(t0, t0 + window)
        # The answers that arrived are drawn, and the window painted (once), as the event
        # loop would between two mouse moves.
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
        drawn += sum(plot.points(tag) > 0 for tag in plot.shown)
    assert plot.paints >= 0.9 * steps, plot.paints  # the frames were painted
    return times, drawn / (steps * len(plot.shown))
    return times


def settle(app: QApplication, plot: TrendPlot, timeout: float = 30.0) -> float:
    """Wait for the history asked for to arrive and be drawn; the seconds it took."""
    started = time.perf_counter()
    while plot.busy and time.perf_counter() - started < timeout:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--history-hz", type=float, default=1.0)
    parser.add_argument("--pan-window-h", type=float, default=6.0)
    parser.add_argument("--pan-steps", type=int, default=168)
    args = parser.parse_args()

    app = application()
    config = station(args.tags)
    now = time.time()
    engine = Engine(config, history_s=HOUR)
    fill_ring(engine, args.tags, now)
    infos = list(engine.tags)
    print(
        f"trend display: {args.tags} tags, plot {SIZE[0]}x{SIZE[1]}, Qt platform "
        f"{app.platformName()}, {int(HOUR * LIVE_HZ):,} ring points a tag"
    )

    empty = TrendPlot(engine)
    empty.resize(*SIZE)
    empty.show()
    empty.span_s = HOUR
    baseline = report(
        "baseline: empty plot, following", frames_live(empty, engine, 0, now, args.frames)
    )
    empty.hide()

    plot = TrendPlot(engine)
    plot.resize(*SIZE)
    plot.show()
    plot.set_shown(infos)
    plot.span_s = HOUR
    live = frames_live(plot, engine, args.tags, now, args.frames)
    mean = report(f"live: {args.tags} tags x 1 h at 10 Hz, following", live, baseline)
    verdict = "met" if 1000 / mean >= FPS_TARGET else "MISSED"
    print(f"  target {FPS_TARGET:.0f} frames/s: {verdict}")
    plot.hide()

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "history.db"
        took = fill_history(db, config, args.tags, now, args.history_hz)
        samples = int(7 * DAY * args.history_hz) * args.tags
        print(
            f"history: 7 days of {args.tags} tags at {args.history_hz:g} Hz "
            f"(~{samples:,} samples) written and folded in {took:.0f} s"
        )
        gateway = DatabaseGateway(open_database(db))
        store = StorageWriter(gateway, TagTable(config)).samples

        def fetch(tag: str, t0: float, t1: float, points: int):  # type: ignore[no-untyped-def]
            return gateway.read(lambda _db: history_query.query(store, tag, t0, t1, points))

        pan_plot = CountedPlot(engine, history=fetch)
        pan_plot.resize(*SIZE)
        pan_plot.show()
        pan_plot.set_shown(infos)
        window = args.pan_window_h * HOUR
        pan_plot.show_range(now - 7 * DAY, now - 7 * DAY + window)
        settle(app, pan_plot)
        pan, coverage = frames_pan(app, pan_plot, now, window, args.pan_steps)
        waited = settle(app, pan_plot)
        report(
            f"pan: {args.pan_window_h:g} h window over 7 days, {args.pan_steps} frames",
            pan,
            baseline,
        )
        worst = max(pan)
        print(
            f"  {pan_plot.history_requests} history queries; {coverage:.0%} of the curves had "
            f"their points on screen during the drag; the last answers drawn "
            f"{waited * 1000:.0f} ms after the drag ended; worst frame {worst:.1f} ms: "
            f"{'met' if worst <= FRAME_BUDGET_MS else 'MISSED'} (target {FRAME_BUDGET_MS:.0f} ms)"
        )
        gateway.close()


if __name__ == "__main__":
    main()
