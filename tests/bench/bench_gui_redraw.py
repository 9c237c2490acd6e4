"""Trend redraw rate: 8 tags x 100,000 points each, offscreen.

Run: ``.venv/bin/python tests/bench/bench_gui_redraw.py [--tags 8] [--points 100000]
[--frames 20]``. One frame = read every shown tag's window from the ring-buffer history,
``setData`` on the reused curves, move the time window, and paint the plot into a pixmap (what
the screen would show). All figures come from the same run:

* baseline: the same curves with pyqtgraph's defaults (no downsampling, no clip-to-view),
  i.e. a trend drawn naively;
* the trend as the window draws it (peak downsampling, clip-to-view, pen width 1, no
  antialiasing), over a 15-minute span that holds every point, and over a 1-minute span;
* the history read alone (``RecentSamples.window`` copies), the floor of any redraw.

The window redraws at most 10 times a second; the figure that matters is the frame time against
that 100 ms budget.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

import widgets  # noqa: F401  (the PySide6 emit guard)
from app.config_loader import parse_config
from app.engine import Engine
from widgets.app import application
from widgets.trend_plot import TrendPlot

SPAN_15_MIN = 900.0
BUDGET_MS = 100.0  # the trend's 10 Hz redraw cap


def build_engine(tags: int, points: int) -> tuple[Engine, float]:
    """An engine (not started) whose history holds ``points`` samples of each of ``tags`` tags."""
    period = SPAN_15_MIN / points
    config = parse_config(
        {
            "station": {"company": "B", "site": "B", "line": "B", "station": "B"},
            "devices": [
                {
                    "name": "dev",
                    "driver": "simulated",
                    "poll_period_s": period,
                    "tags": [{"name": f"t{i}", "unit": "u"} for i in range(tags)],
                }
            ],
        }
    )
    engine = Engine(config, history_s=SPAN_15_MIN)
    assert engine.recent.capacity >= points, engine.recent.capacity
    now = time.time()
    t = now - SPAN_15_MIN + np.arange(points) * period
    rng = np.random.default_rng(1)
    ids = np.arange(tags, dtype=np.int32)
    chunk = 10_000
    for tag in range(tags):
        v = 50 + 10 * np.sin(t / (20 + tag)) + rng.normal(0, 1, points)
        for start in range(0, points, chunk):
            stop = min(points, start + chunk)
            # One tag per call keeps the write path simple; the history is the engine's own.
            engine.recent.extend(
                np.full(stop - start, ids[tag], dtype=np.int32), t[start:stop], v[start:stop]
            )
    return engine, now


def frame_times(plot: TrendPlot, now: float, frames: int) -> list[float]:
    """Milliseconds per frame: redraw + paint."""
    times = []
    for i in range(frames + 2):
        started = time.perf_counter()
        plot.redraw(now=now + i * 0.1)
        plot.grab()
        if i >= 2:  # the first frames build caches
            times.append((time.perf_counter() - started) * 1000.0)
    return times


def history_read_ms(engine: Engine, tags: int, frames: int, now: float) -> float:
    started = time.perf_counter()
    for _ in range(frames):
        for tag in range(tags):
            engine.recent.window(tag, since=now - SPAN_15_MIN)
    return (time.perf_counter() - started) * 1000.0 / frames


def report(name: str, times: list[float], baseline: float | None) -> float:
    mean = statistics.fmean(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    ratio = f"  {baseline / mean:5.1f}x faster than baseline" if baseline else ""
    budget = "within" if p95 <= BUDGET_MS else "OVER"
    print(
        f"{name:<44} mean {mean:7.1f} ms  p95 {p95:7.1f} ms  "
        f"-> {1000 / mean:6.1f} frames/s  ({budget} the {BUDGET_MS:.0f} ms budget){ratio}"
    )
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=8)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args()

    app = application()
    engine, now = build_engine(args.tags, args.points)
    infos = list(engine.tags)
    print(
        f"trend redraw: {args.tags} tags x {args.points:,} points, {args.frames} frames, "
        f"plot 1200x700, Qt platform {app.platformName()}"
    )

    naive = TrendPlot(engine)
    item = naive.getPlotItem()
    item.setDownsampling(auto=False, ds=1)
    item.setClipToView(False)
    naive.resize(1200, 700)
    naive.show()
    naive.set_shown(infos)
    naive.set_scale_mode("units")
    naive.span_s = SPAN_15_MIN
    baseline = report(
        "baseline: no downsampling, no clip, 15 min", frame_times(naive, now, args.frames), None
    )
    naive.hide()

    plot = TrendPlot(engine)
    plot.resize(1200, 700)
    plot.show()
    plot.set_shown(infos)
    plot.set_scale_mode("units")
    plot.span_s = SPAN_15_MIN
    report("trend: peak downsampling + clip, 15 min", frame_times(plot, now, args.frames), baseline)
    plot.set_scale_mode("percent")
    report("trend: same, percent-of-range scale", frame_times(plot, now, args.frames), baseline)
    plot.set_scale_mode("units")
    plot.span_s = 60.0
    report("trend: peak downsampling + clip, 1 min", frame_times(plot, now, args.frames), baseline)
    read = history_read_ms(engine, args.tags, args.frames, now)
    print(f"{'history read alone (8 window copies), 15 min':<44} mean {read:7.1f} ms")


if __name__ == "__main__":
    main()
