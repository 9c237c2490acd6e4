"""Overview, Devices and Events screens on real stations (simulated driver, real SQLite)."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from app.alarms.model import Priority
from app.config import DeviceConfig, StationConfig
from app.config_loader import parse_config
from app.engine import OUT_OF_SERVICE, Engine
from app.model import EventKind, Quality, SampleBatch
from app.security import Actor
from app.station import Station
from app.worker import default_driver_factory
from drivers.base import Driver
from widgets.format import StateClass
from widgets.main_window import MainWindow
from widgets.overview import MachineTile, production_rate
from widgets.theme import BASE_POINT_SIZE, LARGE_POINT_SIZE, STATE_LOOKS

HOT_OVEN = {
    "name": "oven",
    "title": "Oven",
    "driver": "simulated",
    "poll_period_s": 0.1,
    "tags": [
        {
            "name": "temp",
            "unit": "°C",
            "key": True,
            "display_min": 0,
            "display_max": 100,
            "signal": "constant:mean=75",
            "alarms": {"h": {"limit": 70, "priority": "high"}, "hh": {"limit": 90}},
        },
        {"name": "fan", "unit": "rpm", "key": True, "signal": "constant:mean=1200"},
    ],
}
COOL_OVEN = {
    **HOT_OVEN,
    "name": "oven2",
    "title": "Oven 2",
    "tags": [{**HOT_OVEN["tags"][0], "signal": "constant:mean=50"}, HOT_OVEN["tags"][1]],
}
BLINKING_PRESS = {
    "name": "press",
    "title": "Press",
    "driver": "simulated",
    "poll_period_s": 0.05,
    "state_tag": "state",
    "states": {"1": "Running", "3": "Fault"},
    "tags": [
        {"name": "state", "signal": "square:mean=2,amplitude=1,period=0.6"},
        {"name": "force", "unit": "kN", "key": True, "signal": "sine:mean=100,amplitude=5"},
    ],
}


def station_config(*devices: dict[str, Any]) -> StationConfig:
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": list(devices),
        }
    )


def top_in(widget: QWidget, ancestor: QWidget) -> int:
    return widget.mapTo(ancestor, QPoint(0, 0)).y()


def test_a_value_in_alarm_is_marked_and_tiles_stay_aligned(qtbot, open_window) -> None:
    window = open_window(station_config(HOT_OVEN, COOL_OVEN))
    hot, cool = window.overview.tiles["oven"], window.overview.tiles["oven2"]
    qtbot.waitUntil(lambda: hot.row("temp").mark.kind == "triangle", timeout=5000)
    row = hot.row("temp")
    assert row.value.text() == "75"  # 0..100: no decimals, whatever the sample
    assert "#e06c00" in row.value.styleSheet()  # the high priority's colour
    assert row.bar is not None and row.bar.alarm == ("h", Priority.HIGH)
    assert hot.alarms_text.startswith("1 alarm(s)")
    # The healthy twin: no mark, no colour, a blank alarm line.
    assert cool.row("temp").mark.kind == "" and cool.row("temp").value.styleSheet() == ""
    assert cool.alarms_text == ""
    # Side by side, every value sits at the same height, alarm line or not.
    for tag in ("temp", "fan"):
        assert top_in(hot.row(tag).value, hot) == top_in(cool.row(tag).value, cool)
    # And a tile does not move its rows when the line comes or goes.
    before = top_in(cool.row("fan").value, cool)
    cool.show_alarms(3, 1, Priority.CRITICAL)
    cool.layout().activate()
    assert cool.alarms_text.startswith("3 alarm(s)")
    assert top_in(cool.row("fan").value, cool) == before
    assert cool.alarms.height() == hot.alarms.height()


def test_a_shelved_alarm_leaves_a_mark(qtbot, open_window) -> None:
    window = open_window(station_config(HOT_OVEN))
    tile = window.overview.tiles["oven"]
    qtbot.waitUntil(lambda: tile.row("temp").mark.kind == "triangle", timeout=5000)
    window.station.alarms.shelve(["oven.temp.h"], Actor("kim.mj"), "sensor being replaced", 600)
    qtbot.waitUntil(lambda: tile.row("temp").mark.kind == "shelved", timeout=5000)
    assert tile.alarms_text == "1 alarm(s) shelved"
    assert "shelved" in tile.row("temp").mark.toolTip()
    assert tile.row("temp").value.styleSheet() == ""


CATEGORY_STATES = {
    "0": {"label": "Stopped", "category": "idle"},
    "1": {"label": "Running", "category": "running"},
    "2": {"label": "Break", "category": "planned_stop"},
    "3": {"label": "Tripped", "category": "fault"},
    "4": {"label": "Changeover", "category": "setup"},
    "5": {"label": "Service", "category": "maintenance"},
    "6": {"label": "Power off", "category": "off"},
}


def test_each_state_category_has_its_own_look(qtbot) -> None:
    config = station_config(
        {**BLINKING_PRESS, "states": CATEGORY_STATES, "tags": BLINKING_PRESS["tags"]}
    )
    engine = Engine(config)
    tile = MachineTile(engine, config.device("press"))
    qtbot.addWidget(tile)
    tile.resize(360, 400)
    tile.show()
    ids = engine.tags.id_array(engine.tags.of_device("press"))
    looks: dict[str, tuple[str, str, str]] = {}
    tops: set[int] = set()
    images = {}
    for value, state in CATEGORY_STATES.items():
        values = np.array([float(value), 100.0])
        good = np.zeros(2, dtype=np.uint8)
        engine.live.apply(SampleBatch.uniform("press", ids, time.time(), values, good))
        tile.refresh()
        assert tile.state_text == state["label"]
        assert tile.state.look_name == state["category"]
        look = tile.state.look
        looks[state["category"]] = (look.background, look.icon, look.pattern)
        images[state["category"]] = tile.state.grab().toImage()
        tile.layout().activate()
        tops.add(top_in(tile.row("force").value, tile))
    # Shape and pattern tell every category apart, not hue alone.
    assert len({(icon, pattern) for _, icon, pattern in looks.values()}) == len(looks)
    assert len({image.bits().tobytes() for image in images.values()}) == len(images)
    assert len(tops) == 1  # a fault's thicker frame moves nothing inside the tile
    # ISA-101: colour only for the abnormal; normal states stay grey.
    assert tile.state_class is StateClass.NORMAL  # off
    assert STATE_LOOKS["fault"].abnormal
    greys = [looks[c][0] for c in ("running", "idle", "planned_stop", "setup", "maintenance")]
    assert all(len({c[1:3], c[3:5], c[5:7]}) == 1 for c in greys)  # r == g == b
    # Communication loss: magenta with its own icon.
    bad = np.full(2, int(Quality.BAD), dtype=np.uint8)
    reasons = {int(i): "timeout: no answer to holding 0+4: [Input/output error]" for i in ids}
    engine.live.apply(
        SampleBatch.uniform("press", ids, time.time(), np.full(2, np.nan), bad, reasons)
    )
    tile.refresh()
    assert tile.state.look_name == "comm_loss" and tile.state_class is StateClass.COMM_LOSS
    assert tile.comm_text == "No data: no answer"
    assert "Input/output error" in tile.comm.toolTip()


def test_machine_state_changes_appear_in_the_events_and_filter(qtbot, open_window) -> None:
    window = open_window(station_config(BLINKING_PRESS, HOT_OVEN))
    view = window.events
    qtbot.waitUntil(
        lambda: sum(e.kind is EventKind.STATE_CHANGED for e in view.shown()) >= 3, timeout=5000
    )
    view.set_filter(kind=EventKind.STATE_CHANGED)
    shown = view.shown()
    assert shown and all(e.kind is EventKind.STATE_CHANGED for e in shown)
    view.set_filter(kind=EventKind.STATE_CHANGED, device="oven")
    assert view.shown() == []
    view.set_filter(text="running → fault")
    shown = view.shown()
    assert shown and all(e.data["to_label"] == "Fault" for e in shown)
    assert view.proxy.rowCount() < view.model.rowCount()
    view.set_filter()
    assert view.proxy.rowCount() == view.model.rowCount()


def test_a_device_taken_out_of_service_and_back(qtbot, open_window, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    window = open_window(station_config(BLINKING_PRESS, HOT_OVEN))
    devices, tile = window.devices, window.overview.tiles["oven"]
    qtbot.waitUntil(lambda: tile.value_texts()["temp"] == "75", timeout=5000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("burner repair", True))
    devices.select_device("oven")
    devices.service_button.click()
    assert window.station.engine.out_of_service() == {"oven": "burner repair"}
    qtbot.waitUntil(lambda: tile.state_text == "OUT OF SERVICE", timeout=3000)
    assert tile.state.look_name == "out_of_service"
    assert tile.comm_text == "Out of service: burner repair"
    qtbot.waitUntil(lambda: devices.tag_cell("temp", "reason") == OUT_OF_SERVICE, timeout=3000)
    assert devices.cell(1, "connected") == "Out of service"
    assert "burner repair" in devices.detail_service.text()
    assert devices.service_button.text() == "Return to service"
    assert window.station.alarms.view("oven.@comm").state.annunciated is False

    devices.service_button.click()
    assert window.station.engine.out_of_service() == {}
    qtbot.waitUntil(lambda: tile.value_texts()["temp"] == "75", timeout=5000)
    qtbot.waitUntil(lambda: devices.tag_cell("temp", "quality") == "Good", timeout=3000)


def test_test_read_runs_off_the_gui_thread_and_shows_its_result(qtbot, open_window) -> None:
    calls: list[tuple[str, bool]] = []

    def recording(device: DeviceConfig) -> Driver:
        thread = threading.current_thread()
        calls.append((thread.name, thread is threading.main_thread()))
        return default_driver_factory(device)

    window = open_window(station_config(BLINKING_PRESS, HOT_OVEN), driver_factory=recording)
    devices = window.devices
    devices.select_device("oven")
    assert devices.detail_driver.text() == "simulated"
    devices.test_button.click()
    qtbot.waitUntil(lambda: "2 of 2 tags good" in devices.test_status.text(), timeout=5000)
    assert ("test-read-oven", False) in calls
    assert not any(on_main for _, on_main in calls)
    assert devices.tag_cell("temp", "test_read") == "75"
    assert devices.tag_cell("fan", "test_read") == "1,200.0"


def test_production_rate_counts_parts_and_ignores_counter_resets() -> None:
    t = np.arange(0.0, 601.0, 1.0)
    v = np.floor(t / 30.0)  # one part every 30 s: 120 per hour
    assert production_rate(t, v) == pytest.approx(120.0)
    reset = np.r_[v[:300], v[300:] - 100]  # the counter restarts at 300 s
    assert production_rate(t, reset) == pytest.approx(19 / 600 * 3600)
    assert production_rate(t[:200], v[:200]) is None  # a few parts: no rate yet


def test_window_opens_maximised_remembers_its_layout_and_fonts(
    qtbot, sqlite_url: str, private_qt_settings
) -> None:
    config = station_config(HOT_OVEN)

    def reopen() -> MainWindow:
        window = MainWindow(Station(config, db_url=sqlite_url))
        qtbot.addWidget(window)
        window.show_restored()
        return window

    first = reopen()
    screen = first.screen().availableGeometry()
    assert first.isMaximized()
    assert first.width() >= screen.width() * 0.9 and first.height() >= screen.height() * 0.8
    assert first.alarms.banner.sound.isChecked()  # sound on by default
    assert not first.large_fonts
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, style = app.font(), app.styleSheet()
    first.large_fonts_action.trigger()
    try:
        assert first.large_fonts and app.font().pointSize() == LARGE_POINT_SIZE
        assert "QLabel#tileValue { font-size: 22pt; }" in app.styleSheet()
        first.alarms.banner.sound.setChecked(False)
        first.close()
        second = reopen()
        assert second.large_fonts
        assert not second.alarms.banner.sound.isChecked()
        second.set_large_fonts(False)
        second.showNormal()
        second.setGeometry(40, 50, 700, 500)
        second.close()
        saved = QSettings().value("window/geometry")
        assert saved == second.saveGeometry()
        third = reopen()  # where it was left, not maximised (the offscreen screen is too
        assert not third.isMaximized()  # small to compare the exact rectangle)
        assert not third.large_fonts
        assert app.font().pointSize() == BASE_POINT_SIZE
        assert QSettings().fileName().startswith(str(private_qt_settings))
        third.close()
    finally:
        app.setFont(font)  # the other tests run without the theme
        app.setStyleSheet(style)


def test_a_failing_device_shows_its_last_error_in_full_and_a_failed_test_read(
    qtbot, open_window
) -> None:
    oven = {**HOT_OVEN, "connection": {"fail": True}}
    window = open_window(station_config(BLINKING_PRESS, oven))
    devices = window.devices
    devices.select_device("oven")
    qtbot.waitUntil(lambda: devices.detail_error.text() != "—", timeout=5000)
    diag = next(d for d in window.station.engine.diagnostics() if d.device == "oven")
    assert devices.detail_error.text() == diag.last_error  # the whole text, never cut
    devices.test_button.click()
    qtbot.waitUntil(lambda: "failed after" in devices.test_status.text(), timeout=5000)
    assert "refused" in devices.test_status.text()
    assert devices.test_button.isEnabled()


def test_an_active_alarm_outranks_one_that_only_waits_for_acknowledgement(qtbot) -> None:
    from app.alarms.model import AlarmState
    from widgets.alarms.model import AlarmRow
    from widgets.overview import alarms_by_device

    def row(alarm_id: str, priority: Priority, state: AlarmState) -> AlarmRow:
        device, tag, condition = alarm_id.split(".")
        made = AlarmRow(alarm_id, device, tag, condition, priority)
        made.state = state
        return made

    rows = [
        row("oven.temp.hh", Priority.CRITICAL, AlarmState.RTN_UNACK),  # back to normal
        row("oven.temp.h", Priority.HIGH, AlarmState.ACKED),  # holds now
        row("oven.fan.l", Priority.LOW, AlarmState.SHELVED),
        row("oven.door.on", Priority.LOW, AlarmState.NORMAL),
    ]

    class Rows:  # the two calls the overview makes of the summary model
        def rowCount(self) -> int:
            return len(rows)

        def row_at(self, position: int) -> AlarmRow:
            return rows[position]

    oven = alarms_by_device(Rows())["oven"]  # type: ignore[arg-type]
    assert (oven.total, oven.unacked, oven.top, oven.shelved) == (2, 1, Priority.CRITICAL, 1)
    assert oven.tags["temp"].priority is Priority.HIGH and oven.tags["temp"].active
    assert oven.tags["fan"].priority is None and oven.tags["fan"].shelved == 1
    assert "door" not in oven.tags
