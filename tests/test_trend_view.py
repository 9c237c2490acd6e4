"""The trend's range presets, alarm and defect markers and saved trend sets (pytest-qt, a real
station on a real SQLite file written through the gateway)."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import app.station as station_module
from app.alarms.model import Priority, TransitionKind
from app.config_loader import load_config
from app.shift_window import shift_window
from tests.conftest import CONFIGS
from tests.trend_support import defect, write_marks
from widgets.trend_range import CustomRangeDialog

CONFIG = CONFIGS / "sim_line.toml"


def shown_range(trend) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    low, high = trend.plot.getPlotItem().viewRange()[0]
    return float(low), float(high)


def open_trend(open_window):  # type: ignore[no-untyped-def]
    window = open_window(load_config(CONFIG))
    window.tabs.setCurrentWidget(window.trend)
    return window, window.trend


def test_range_presets_shift_and_a_validated_custom_range(qtbot, open_window) -> None:  # type: ignore[no-untyped-def]
    window, trend = open_trend(open_window)
    plot = trend.plot
    trend.set_span(300)
    qtbot.waitUntil(lambda: shown_range(trend)[1] - shown_range(trend)[0] == pytest.approx(300))
    assert plot.follow and trend.live.isChecked()

    # "This shift" (the user picks it): start to end of the shift running now, by [quality]
    # shifts (sim_line has no [oee] calendar).
    trend.span.setCurrentIndex(trend.span.findData("shift"))
    expected = shift_window(window.station.config, time.time())
    assert expected is not None and expected[0] <= time.time() < expected[1]
    assert trend.range_kind == "shift" and plot.window == expected
    assert not plot.follow and not trend.live.isChecked()
    qtbot.waitUntil(lambda: shown_range(trend) == pytest.approx(expected))
    # "Live" returns to following the last span chosen.
    trend.live.click()
    assert plot.follow and trend.range_kind == "span" and trend.span.currentData() == 300

    # The dialog refuses what cannot be shown, with the reason.
    now = time.time()
    dialog = CustomRangeDialog(now - 3600, now)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled() and dialog.error() == ""
    for t0, t1, reason in (
        (now - 60, now - 120, "after the start"),
        (now + 3600, now + 7200, "future"),
        (now - 400 * 86_400, now, "one year"),
    ):
        dialog.set_range(t0, t1)
        assert not ok.isEnabled() and reason in dialog.problem.text()

    # "Custom range…" picked in the list opens the dialog; OK shows that range.
    wanted = (float(int(now - 7200)), float(int(now - 5400)))

    def answer() -> None:
        found = QApplication.activeModalWidget()
        if not isinstance(found, CustomRangeDialog):
            QTimer.singleShot(20, answer)
            return
        found.set_range(*wanted)
        found.accept()

    QTimer.singleShot(20, answer)
    index = trend.span.findData("custom")
    trend.span.setCurrentIndex(index)
    trend.span.activated.emit(index)
    qtbot.waitUntil(lambda: trend.range_kind == "custom", timeout=5000)
    assert plot.window == wanted and trend.span.currentData() == "custom"
    qtbot.waitUntil(lambda: shown_range(trend) == pytest.approx(wanted))

    # Cancelled, the list goes back to what is shown.
    def cancel() -> None:
        found = QApplication.activeModalWidget()
        if not isinstance(found, CustomRangeDialog):
            QTimer.singleShot(20, cancel)
            return
        found.reject()

    trend.set_span(3600)
    QTimer.singleShot(20, cancel)
    trend.span.setCurrentIndex(index)
    trend.span.activated.emit(index)
    qtbot.waitUntil(lambda: trend.span.currentData() == 3600, timeout=5000)
    assert trend.range_kind == "span" and plot.follow


def test_alarm_and_defect_markers_follow_the_range_read_on_the_db_reader(
    qtbot, open_window, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    few = now - 3 * 3600  # an hour with a few of each
    busy = now - 6 * 3600  # an hour with thousands
    alarms = [
        (few + 600, "press.force.hi", TransitionKind.RAISE, Priority.CRITICAL),
        (few + 900, "press.force.hi", TransitionKind.CLEAR, Priority.CRITICAL),
        (few + 1200, "oven.temp.lo", TransitionKind.RAISE, Priority.LOW),
    ] + [
        (busy + i * 0.9, "oven.temp.hi", TransitionKind(("raise", "clear")[i % 2]), Priority.HIGH)
        for i in range(4000)
    ]
    defects = [(few + 1500, "LEAK", "critical")] + [
        (busy + i * 1.7, "BURR", "minor") for i in range(2000)
    ]
    write_marks(sqlite_url, alarms, defects)
    threads: list[str] = []
    real = station_module.timeline_marks

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(station_module, "timeline_marks", recording)
    window, trend = open_trend(open_window)
    layer = trend.plot.mark_layer

    trend.set_custom_range(few, few + 3600)
    qtbot.waitUntil(lambda: layer.count() == 4, timeout=5000)
    tips = layer.tips()
    assert "Alarm raised (Critical)" in tips[0] and "press.force.hi" in tips[0]
    assert "press.force.hi over its limit" in tips[0] and "123" in tips[0]
    assert "Alarm cleared (Critical)" in tips[1]
    assert "oven.temp.lo" in tips[2] and "(Low)" in tips[2]
    assert "Defect LEAK (critical)" in tips[3] and "press" in tips[3]
    # The markers sit in their lanes: alarms along the bottom, defects along the top.
    low, high = trend.plot.getPlotItem().viewRange()[1]
    assert low < layer.alarms.pos().y() < low + (high - low) * 0.1
    assert high - (high - low) * 0.1 < layer.defects.pos().y() < high

    # Thousands in the range: clustered, no more markers than the plot has room for.
    trend.set_custom_range(busy, busy + 3600)
    qtbot.waitUntil(lambda: layer.marks is not None and layer.marks.t0 < busy, timeout=5000)
    marks = layer.marks
    assert marks.alarm_clusters and marks.defect_clusters and not marks.alarms
    assert sum(c.count for c in marks.alarm_clusters) == 4000
    width = trend.plot.getPlotItem().getViewBox().width()
    assert 0 < layer.count() <= 2 * 1.5 * width / 8 + 2
    assert any(
        "alarm transitions" in tip and "Highest priority: High" in tip for tip in layer.tips()
    )
    assert any("defects" in tip and "Most: BURR" in tip for tip in layer.tips())

    # Following live: a defect entered now shows within the refresh.
    trend.set_span(3600)
    qtbot.waitUntil(lambda: layer.count() == 0, timeout=5000)
    window.station.gateway.submit("quality", [defect(99_999, (time.time(), "SCRATCH", "major"))])
    qtbot.waitUntil(lambda: any("SCRATCH" in tip for tip in layer.tips()), timeout=8000)
    assert threads and set(threads) == {"db-reader_0"}  # never the GUI thread


def test_a_saved_trend_set_survives_a_restart(qtbot, open_window) -> None:  # type: ignore[no-untyped-def]
    window, trend = open_trend(open_window)
    qtbot.waitUntil(lambda: trend.sets.loaded, timeout=5000)
    assert trend.sets.names() == []
    trend.select(["press.force", "oven.temp"])
    trend.set_scale("percent")
    shift = trend.show_shift()
    trend.sets.save_as("Press and oven, shift")
    trend.select(["press.cycles"])
    trend.set_scale("units")
    trend.set_span(86_400)
    trend.sets.save_as("Cycles, day")
    trend.set_custom_range(1_790_000_000.0, 1_790_003_600.0)
    trend.sets.save_as("Old hour")
    trend.sets.save_as("Scratch")
    trend.sets.delete("Scratch")
    assert trend.sets.names() == ["Cycles, day", "Old hour", "Press and oven, shift"]
    window.close_for_system()

    window, trend = open_trend(open_window)  # the same database file
    qtbot.waitUntil(lambda: trend.sets.loaded, timeout=5000)
    assert trend.sets.names() == ["Cycles, day", "Old hour", "Press and oven, shift"]
    # The user picks a set in the list.
    choice = trend.sets.choice
    choice.activated.emit(choice.findText("Press and oven, shift"))
    assert trend.selected() == ["press.force", "oven.temp"]
    assert trend.plot.scale_mode == "percent" and trend.scale.currentData() == "percent"
    assert trend.range_kind == "shift" and trend.plot.window == shift
    trend.sets.load("Cycles, day")
    assert trend.selected() == ["press.cycles"] and trend.plot.scale_mode == "units"
    assert trend.plot.follow and trend.plot.span_s == 86_400 and trend.span.currentData() == 86_400
    trend.sets.load("Old hour")
    assert trend.plot.window == (1_790_000_000.0, 1_790_003_600.0) and not trend.plot.follow
    assert choice.currentText() == "Old hour"
