"""The station window on real stations (in-process simulated driver, real SQLite)."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app.config import StationConfig
from app.config_loader import parse_config
from app.model import Event, EventKind, Severity
from app.station import Station
from tests.conftest import CONFIGS
from widgets.app import run_gui
from widgets.format import StateClass
from widgets.main_window import MainWindow

SIM_LINE = CONFIGS / "sim_line.toml"


def sim_line(**oven: Any) -> StationConfig:
    """The test line, optionally with extra settings for the oven device."""
    data = tomllib.loads(SIM_LINE.read_text(encoding="utf-8"))
    data["devices"][1].update(oven)
    return parse_config(data, str(SIM_LINE))


def test_window_shows_live_values_trend_and_devices(qtbot, open_window) -> None:
    window = open_window(sim_line())
    press = window.overview.tiles["press"]
    oven = window.overview.tiles["oven"]

    qtbot.waitUntil(lambda: press.value_texts()["force"] not in ("—", "?"), timeout=5000)
    force = float(press.value_texts()["force"].replace(",", ""))
    assert 80.0 <= force <= 120.0  # sine 100 ± 20
    assert press.state_text == "Running"
    assert press.state_class is StateClass.NORMAL
    qtbot.waitUntil(lambda: oven.value_texts()["temp"] not in ("—", "?"), timeout=5000)
    assert "Communication OK" in oven.comm_text

    qtbot.waitUntil(
        lambda: press.sparkline is not None and press.sparkline.points > 3, timeout=5000
    )

    window.tabs.setCurrentWidget(window.trend)
    assert window.trend.selected() == ["press.force"]  # the key tags by default
    force_id = window.station.engine.tags.by_name("press.force").id
    qtbot.waitUntil(lambda: window.trend.plot.points(force_id) >= 5, timeout=5000)

    window.tabs.setCurrentWidget(window.devices)
    qtbot.waitUntil(
        lambda: [window.devices.cell(r, "connected") for r in range(2)] == ["Yes", "Yes"],
        timeout=3000,
    )
    assert window.devices.cell(0, "device") == "Press"
    assert int(window.devices.cell(0, "requests").replace(",", "")) > 0
    qtbot.waitUntil(lambda: "Devices online 2/2" in window.status.devices.text(), timeout=3000)
    assert "OK" in window.status.database.text()


def test_comm_loss_shows_on_the_tile_devices_and_events(qtbot, open_window) -> None:
    window = open_window(sim_line(connection={"fail": True}))
    oven = window.overview.tiles["oven"]

    qtbot.waitUntil(lambda: oven.state_class is StateClass.COMM_LOSS, timeout=3000)
    assert oven.state_text == "COMMUNICATION LOST"
    # A short human sentence on the tile; the driver's own words on hover.
    assert oven.comm_text == "No data: connection refused"
    assert "refuses connections" in oven.comm.toolTip()
    assert oven.value_texts()["temp"] == "?"
    # The healthy machine is unaffected.
    press = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: press.state_text == "Running", timeout=3000)

    qtbot.waitUntil(lambda: window.events.model.rowCount() >= 1, timeout=3000)
    event = window.events.model.event_at(0)
    assert event.kind == "comm_loss" and event.source == "oven"
    qtbot.waitUntil(lambda: "refused" in window.devices.cell(1, "errors"), timeout=3000)
    assert window.devices.cell(1, "connected") == "No"
    qtbot.waitUntil(lambda: "Devices online 1/2" in window.status.devices.text(), timeout=3000)


def test_closing_the_window_stops_the_station_within_two_seconds(qtbot, open_window) -> None:
    window = open_window(sim_line())
    station = window.station
    qtbot.waitUntil(lambda: station.engine.samples_total > 20, timeout=5000)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 2.0
    assert window.stop_seconds is not None and window.stop_seconds < 2.0
    assert not station.engine.running
    assert station.storage.pending == 0
    assert station.storage.rows_written >= station.engine.samples_total


def test_banner_and_extra_tabs(qtbot, open_window) -> None:
    window = open_window(sim_line())
    first, second = QLabel("banner one"), QLabel("banner two")
    window.set_banner(first)
    window.set_banner(second)
    assert second.isVisible() and not first.isVisible()
    index = window.add_tab(QLabel("alarms"), "Alarms")
    assert window.tabs.tabText(index) == "Alarms"
    window.tabs.setCurrentIndex(index)
    assert second.isVisible()  # the banner stays visible on every tab


def test_events_newest_first_merges_history_and_caps(qtbot, open_window) -> None:
    window = open_window(sim_line())
    model = window.events.model
    model.limit = 5
    now = time.time()

    def scan(t: float, serial: str) -> Event:
        return Event(t, EventKind.PART_SCANNED, "press", {"serial": serial}, source_title="Press")

    live = [scan(now + i, f"P{i}") for i in range(4)]
    model.add(live)
    serials = [model.event_at(r).data["serial"] for r in range(4)]
    assert serials == ["P3", "P2", "P1", "P0"]
    assert model.data(model.index(0, 3)) == "Press: part P3 scanned"
    older = [Event(now - 10, EventKind.COMM_LOSS, "oven", {"fault": "timeout"}, Severity.ERROR)]
    model.add(older + live[:1])  # a duplicate is ignored, the old one sorts to the bottom
    assert model.rowCount() == 5
    assert model.event_at(4).kind is EventKind.COMM_LOSS
    assert model.data(model.index(4, 3)) == "oven: communication lost (no answer)"
    model.add([scan(now + 10, "P10")])
    assert model.rowCount() == 5
    assert model.event_at(0).data["serial"] == "P10"
    assert model.data(model.index(0, 2)) == "Press"  # device display name


def test_trend_picker_span_and_curve_reuse(qtbot, open_window) -> None:
    window = open_window(sim_line())
    window.tabs.setCurrentWidget(window.trend)
    trend = window.trend
    trend.select(["press.force", "oven.temp", "no.such"])
    assert trend.selected() == ["press.force", "oven.temp"]
    temp_id = window.station.engine.tags.by_name("oven.temp").id
    curve = trend.plot.curves[temp_id]
    qtbot.waitUntil(lambda: trend.plot.points(temp_id) >= 3, timeout=5000)
    trend.select(["press.force"])
    assert not curve.isVisible()
    trend.select(["press.force", "oven.temp"])
    assert trend.plot.curves[temp_id] is curve and curve.isVisible()

    # Different units: auto scale draws percent of range (no display range: the data's range).
    assert trend.plot.percent
    qtbot.waitUntil(lambda: trend.plot.y_values(temp_id).size >= 3, timeout=3000)
    qtbot.waitUntil(lambda: float(np.nanmax(trend.plot.y_values(temp_id))) == 100.0, timeout=3000)
    assert float(np.nanmin(trend.plot.y_values(temp_id))) == 0.0
    trend.set_scale("units")
    qtbot.waitUntil(lambda: float(np.nanmax(trend.plot.y_values(temp_id))) > 150, timeout=3000)
    assert not trend.plot.percent

    trend.set_span(300)
    qtbot.waitUntil(lambda: _x_span(trend) == pytest.approx(300, abs=1), timeout=3000)
    trend.set_span(60)
    qtbot.waitUntil(lambda: _x_span(trend) == pytest.approx(60, abs=1), timeout=3000)


def _x_span(trend) -> float:  # type: ignore[no-untyped-def]
    low, high = trend.plot.getPlotItem().viewRange()[0]
    return float(high - low)


def test_run_gui_saves_a_screenshot_and_quits(qtbot, tmp_path: Path, sqlite_url: str) -> None:
    target = tmp_path / "shots" / "window.png"
    started = time.monotonic()
    code = run_gui(sim_line(), db_url=sqlite_url, screenshot=str(target), quit_after=2.0)
    assert code == 0
    assert time.monotonic() - started < 6.0
    assert target.stat().st_size > 10_000
    assert [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
    ] == []


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("nosuchdialect://user@host/db", "nosuchdialect"),
        ("sqlite:////proc/no-such-dir/station.db", "no-such-dir"),
    ],
)
def test_unusable_database_shows_a_message_box(qtbot, url: str, detail: str) -> None:
    seen: list[str] = []

    def capture() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(f"{box.text()} | {box.informativeText()}")

    from PySide6.QtCore import QTimer

    QTimer.singleShot(300, capture)
    assert run_gui(sim_line(), db_url=url, quit_after=0.8) == 1
    assert len(seen) == 1
    assert "cannot be used" in seen[0]
    assert url in seen[0] or detail in seen[0]


def test_demo_line_shows_four_machines_with_live_values(qtbot, sqlite_url: str) -> None:
    from app.commands.demo import point_at
    from app.config_loader import load_config
    from drivers.simulator import PlantSimulator
    from resources import DEMO_CONFIG

    sim = PlantSimulator(seed=1, scenario="none").start()
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
        config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port)
        window = MainWindow(Station(config, db_url=sqlite_url))
        qtbot.addWidget(window)
        window.show()
        window.station.start()
        tiles = window.overview.tiles
        assert len(tiles) == 4

        def all_live() -> bool:
            return all(
                text not in ("—", "?")
                for tile in tiles.values()
                for text in tile.value_texts().values()
            )

        qtbot.waitUntil(all_live, timeout=10_000)
        for name, tile in tiles.items():
            labels = [s.label for s in config.device(name).states.values()]
            assert tile.state_text in labels, tile.state_text
            assert tile.state_class is not StateClass.COMM_LOSS
        window.close()
        assert window.stop_seconds is not None and window.stop_seconds < 2.0
    finally:
        sim.stop()


def test_status_bar_shows_a_failing_database_and_its_recovery(
    qtbot, open_window, sqlite_url: str
) -> None:
    import sqlite3

    window = open_window(sim_line())
    qtbot.waitUntil(lambda: window.station.storage.rows_written > 0, timeout=5000)
    assert "OK" in window.status.database.text()
    # Another process holding the write lock longer than the busy timeout (5 s): commits fail.
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        qtbot.waitUntil(lambda: "WRITE FAILING" in window.status.database.text(), timeout=12_000)
        assert "locked" in window.status.database.text()
    finally:
        blocker.rollback()
        blocker.close()
    qtbot.waitUntil(lambda: "OK" in window.status.database.text(), timeout=12_000)
    assert window.station.storage.pending < 1000  # the backlog was written


def test_config_problems_are_shown_in_a_message_box(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from app.config import ConfigError
    from app.config_loader import load_config
    from widgets.app import show_config_problems

    broken = tmp_path / "broken.toml"
    text = SIM_LINE.read_text(encoding="utf-8").replace("poll_period_s = 0.1", "poll_period_s = -1")
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(broken)
    seen: list[str] = []

    def capture() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(f"{box.text()} | {box.informativeText()}")

    QTimer.singleShot(300, capture)
    assert show_config_problems(caught.value.report(), quit_after=0.8) == 2
    assert len(seen) == 1
    assert "broken.toml: 1 problem" in seen[0]
    assert "devices[0].poll_period_s:" in seen[0]


def test_demo_comm_loss_reaches_the_banner_and_the_alarm_summary(qtbot, sqlite_url: str) -> None:
    """The washer goes silent (scenario 'silent'): one high alarm in the banner and the summary."""
    from app.alarms.model import AlarmState
    from app.commands.demo import point_at
    from app.config_loader import load_config
    from app.security import Actor
    from drivers.simulator import PlantSimulator
    from resources import DEMO_CONFIG

    sim = PlantSimulator(seed=2, scenario="silent", speed=10).start()  # silent 3..9 s
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
        config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port)
        window = MainWindow(Station(config, db_url=sqlite_url))
        qtbot.addWidget(window)
        window.show()
        window.station.start()
        model = window.alarms.bridge.model

        def comm_alarm_shown() -> bool:
            row = model.row_of("washer.@comm")
            return row is not None and row.state is AlarmState.UNACK

        qtbot.waitUntil(comm_alarm_shown, timeout=15_000)
        washer = window.overview.tiles["washer"]
        qtbot.waitUntil(
            lambda: washer.alarms_text == "1 alarm(s) – 1 unacknowledged – High", timeout=3_000
        )
        assert window.overview.tiles["cnc"].alarms_text == ""
        assert "washer" in window.alarms.banner.newest.text().lower()
        assert window.alarms.banner.isVisible()
        window.alarms.banner.summary_button.click()
        assert window.tabs.currentWidget() is window.alarms.summary
        window.station.alarms.acknowledge(["washer.@comm"], Actor("kim.mj"), "checked cable")
        qtbot.waitUntil(
            lambda: model.row_of("washer.@comm").state is not AlarmState.UNACK, timeout=3_000
        )
        assert model.row_of("washer.@comm").acked_by == "kim.mj"
        qtbot.waitUntil(lambda: washer.alarms_text == "1 alarm(s) – High", timeout=3_000)
        window.close()
    finally:
        sim.stop()


def test_gui_command_with_a_broken_config_reports_on_stderr_and_in_a_box(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PySide6.QtCore import QTimer

    from app.cli import main

    broken = tmp_path / "broken.toml"
    text = SIM_LINE.read_text(encoding="utf-8").replace(
        'name = "force"', 'name = "force"\nadress = 3'
    )
    broken.write_text(text, encoding="utf-8")
    seen: list[str] = []

    def capture() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.informativeText())

    QTimer.singleShot(300, capture)
    assert main(["gui", "--config", str(broken), "--quit-after", "0.8"]) == 2
    assert "devices[0].tags[0].adress: unknown key (is it misspelt?)" in capsys.readouterr().err
    assert seen == ["devices[0].tags[0].adress: unknown key (is it misspelt?)"]


def test_a_korean_state_label_on_a_faulted_machine_colours_its_tile_as_a_fault(
    qtbot, open_window
) -> None:
    # The category in the config, not the label's words, makes the tile a fault tile.
    data = tomllib.loads(SIM_LINE.read_text(encoding="utf-8"))
    press = data["devices"][0]
    press["states"] = {
        "1": {"label": "가동", "category": "running"},
        "3": {"label": "고장", "category": "fault"},
    }
    next(t for t in press["tags"] if t["name"] == "state")["signal"] = "constant:mean=3"
    window = open_window(parse_config(data, str(SIM_LINE)))
    tile = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: tile.state_text == "고장", timeout=5000)
    assert tile.state_class is StateClass.FAULT
    oven = window.overview.tiles["oven"]
    assert oven.state_class is not StateClass.FAULT


def test_trend_tag_search_filters_the_tree(qtbot, open_window) -> None:
    trend = open_window(sim_line()).trend
    tree = trend.tree

    def shown() -> list[str]:
        names = []
        for i in range(tree.topLevelItemCount()):
            device = tree.topLevelItem(i)
            for j in range(device.childCount()):
                if not device.child(j).isHidden():
                    names.append(f"{device.text(0)}/{device.child(j).text(0)}")
        return names

    everything = shown()
    trend.search.setText("oven temp")
    assert shown() == [n for n in everything if n.lower().startswith("oven") and "temp" in n]
    assert shown()  # the oven's temperature is there
    trend.search.setText("no such tag")
    assert shown() == [] and all(
        tree.topLevelItem(i).isHidden() for i in range(tree.topLevelItemCount())
    )
    trend.search.clear()
    assert shown() == everything


def test_trend_crosshair_reads_each_shown_tag_at_a_time(qtbot, open_window) -> None:
    window = open_window(sim_line())
    window.tabs.setCurrentWidget(window.trend)
    trend = window.trend
    trend.select(["press.force", "oven.temp"])
    temp_id = window.station.engine.tags.by_name("oven.temp").id
    qtbot.waitUntil(lambda: trend.plot.points(temp_id) >= 3, timeout=5000)
    curve = trend.plot.curves[temp_id]
    t = float(curve.xData[1])
    text = trend.plot.show_cursor(t + 0.01, 0.0)
    assert f"oven.temp: {float(curve.yData[1]):.4g}" in text
    assert "press.force: " in text
    assert trend.plot.cursor.isVisible() and trend.plot.cursor.value() == t + 0.01


def test_trend_exports_the_visible_range(qtbot, open_window, tmp_path) -> None:
    import csv

    window = open_window(sim_line())
    window.tabs.setCurrentWidget(window.trend)
    trend = window.trend
    trend.select(["oven.temp"])
    temp_id = window.station.engine.tags.by_name("oven.temp").id
    qtbot.waitUntil(lambda: trend.plot.points(temp_id) >= 5, timeout=5000)
    target = tmp_path / "visible.csv"
    rows = trend.export_to(target).result(timeout=10)
    assert rows >= 5
    table = list(csv.reader(target.open(encoding="utf-8")))
    assert table[0] == ["time_utc", "tag", "value", "unit"]
    assert len(table) == rows + 1 and {r[1] for r in table[1:]} == {"oven.temp"}
    assert (tmp_path / "visible.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
