"""The trend scrolls from live into the historian without a seam; queries never on the GUI
thread (pytest-qt, a real station and SQLite file)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import app.storage.history as history_module
from app.config_loader import load_config
from app.model import SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.tags import TagTable
from tests.conftest import CONFIGS

PAST_VALUE = 500.0  # what the history holds (the live sine stays within 80..120)


def fill_history(url: str, seconds: int) -> float:
    """``seconds`` of press.force at 1 Hz ending now, in the station's database; returns now."""
    config = load_config(CONFIGS / "sim_line.toml")
    table = TagTable(config)
    writer = StorageWriter(DatabaseGateway(open_database(url)), table)
    now = time.time()
    ts = now - seconds + np.arange(seconds, dtype=float)
    force = table.by_name("press.force").id
    writer.on_batch(
        SampleBatch(
            "press",
            np.full(seconds, force, np.int32),
            ts,
            np.full(seconds, PAST_VALUE),
            np.zeros(seconds, np.uint8),
        )
    )
    assert writer.flush()
    writer.fold_now()
    writer.gateway.close()
    return now


def test_trend_scrolls_from_live_into_history_without_a_seam(
    qtbot, open_window, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled_until = fill_history(sqlite_url, 2 * 3600)
    threads: list[str] = []
    real_query = history_module.query

    def recording_query(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real_query(*args, **kwargs)

    monkeypatch.setattr(history_module, "query", recording_query)
    window = open_window(load_config(CONFIGS / "sim_line.toml"))
    window.tabs.setCurrentWidget(window.trend)
    trend = window.trend
    plot = trend.plot
    trend.select(["press.force"])
    force = window.station.engine.tags.by_name("press.force").id
    qtbot.waitUntil(lambda: plot.points(force) >= 10, timeout=5000)
    assert plot.follow and trend.live.isChecked()

    def history_drawn() -> bool:
        return bool(np.any(plot.y_values(force) == PAST_VALUE))

    # Live, the last minute reaches back before the station started: the history fills it.
    qtbot.waitUntil(history_drawn, timeout=5000)

    # The user drags the plot an hour back (what pyqtgraph's drag does: translate, then say so).
    view = plot.getPlotItem().getViewBox()
    view.translateBy(x=-3600.0)
    view.sigRangeChangedManually.emit(view.state["mouseEnabled"])
    assert not plot.follow and not trend.live.isChecked()
    x0 = plot.getPlotItem().viewRange()[0][0]
    assert x0 < filled_until - 3600
    qtbot.waitUntil(lambda: plot.pieces[force].t0 <= x0 + 10, timeout=5000)
    assert history_drawn() and float(np.asarray(plot.curves[force].xData).min()) < x0 + 10
    assert threads and set(threads) == {"db-reader_0"}  # never the GUI thread

    # Both sides of the seam at once: a range from history into the ring buffer.
    recent = window.station.engine.recent
    qtbot.waitUntil(lambda: recent.count(force) >= 30, timeout=5000)
    ring_from = float(recent.window(force)[0][0])
    plot.show_range(ring_from - 120.0, ring_from + 2.5)
    qtbot.waitUntil(
        lambda: plot.pieces.get(force) is not None and plot.pieces[force].t1 >= ring_from - 1,
        timeout=5000,
    )
    t = np.asarray(plot.curves[force].xData)
    v = plot.y_values(force)
    old, new = t[v == PAST_VALUE], t[v != PAST_VALUE]
    assert old.size > 100 and new.size > 10
    assert np.all(np.diff(t) > 0)
    seam = float(new.min() - old.max())
    # The station started right after the history ends: the curve goes straight on, from the
    # last stored sample to the first live one (the ring buffer's oldest); the only gap is the
    # time the window took to start, nothing is lost at the join.
    assert old.max() == pytest.approx(filled_until - 1.0, abs=0.01)
    assert new.min() == pytest.approx(ring_from, abs=0.01)
    assert 0 < seam < 10.0, f"a {seam:.2f} s seam between history and live"

    # A preset goes back to following, and reaches a week back through the roll-ups.
    trend.set_span(7 * 86_400)
    assert plot.follow and trend.live.isChecked()
    qtbot.waitUntil(lambda: plot.pieces[force].t0 < time.time() - 6 * 86_400, timeout=5000)
    qtbot.waitUntil(history_drawn, timeout=5000)
    low, high = plot.getPlotItem().viewRange()[0]
    assert high - low == pytest.approx(7 * 86_400, abs=5)
    assert set(threads) == {"db-reader_0"}


def test_a_fast_drag_reads_ahead_coarse_then_full_resolution_at_rest(
    qtbot, open_window, sqlite_url: str
) -> None:
    now = fill_history(sqlite_url, 2 * 86_400)
    window = open_window(load_config(CONFIGS / "sim_line.toml"))
    window.tabs.setCurrentWidget(window.trend)
    plot = window.trend.plot
    window.trend.select(["press.force"])
    force = window.station.engine.tags.by_name("press.force").id
    span = 6 * 3600.0
    t0 = now - 2 * 86_400 + 3600

    def density(piece) -> float:  # type: ignore[no-untyped-def]
        return piece.max_points / (piece.t1 - piece.t0)

    # One jump (a preset, a chosen shift) is not a motion: full resolution at once.
    plot.show_range(t0, t0 + span)
    assert not plot.moving
    qtbot.waitUntil(lambda: not plot.busy and force in plot.pieces, timeout=10_000)
    full = plot.max_points() / span
    assert density(plot.pieces[force]) == pytest.approx(full, rel=0.05)

    # A drag towards now: two moves in quick succession, the second past what was read. History
    # comes coarse (buckets of a minute or more), reaching three spans ahead of the window in
    # the direction of motion.
    plot.show_range(t0 + span / 4, t0 + span / 4 + span)  # within the margin: nothing asked
    plot.show_range(t0 + 2 * span, t0 + 3 * span)
    assert plot.moving
    x0, x1 = plot.window
    qtbot.waitUntil(lambda: plot.pieces[force].t1 > x1, timeout=10_000)
    coarse = plot.pieces[force]
    assert density(coarse) <= 2 / 60 + 1e-9 < full
    assert coarse.t0 == pytest.approx(x0 - span / 2) and coarse.t1 == pytest.approx(x1 + 3 * span)
    assert np.any(plot.y_values(force) == PAST_VALUE)  # drawn while moving

    # At rest the same window is read again at full resolution.
    qtbot.waitUntil(lambda: not plot.moving, timeout=5000)
    qtbot.waitUntil(lambda: not plot.busy, timeout=10_000)
    fine = plot.pieces[force]
    assert fine is not coarse and density(fine) == pytest.approx(full, rel=0.05)
    assert fine.t0 <= x0 and fine.t1 >= x1
    assert np.any(plot.y_values(force) == PAST_VALUE)
