"""The first minute: the start choice, the guided setup against a real Modbus TCP server, the
register-map import with progress and cancel, and the window remembering its layout."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QSplitter

from app.config_loader import load_config
from tests.conftest import REPO
from tests.servers.modbus_server import ModbusTcpServer
from tests.test_gui_window import sim_line
from widgets.first_run import (
    DEMO,
    FirstRunDialog,
    choose_station,
    remember_station,
    remembered_station,
)
from widgets.progress import run_with_progress
from widgets.setup_wizard import StationSetup

MAP = """name,address,type,table,unit,description,scale
temp,0,int16,holding,°C,Oven temperature,0.1
speed,1,uint16,holding,rpm,Fan speed,
broken,x,uint16,holding,,,
"""


def test_long_work_reports_progress_and_can_be_cancelled(qapp) -> None:
    started = threading.Event()

    def endless(progress) -> int:  # type: ignore[no-untyped-def]
        done = 0
        started.set()
        while progress.report(done, 1000):
            done += 1
            threading.Event().wait(0.001)
        return done

    def press_cancel(dialog, progress) -> None:  # type: ignore[no-untyped-def]
        started.wait(5)
        button = dialog.findChild(QPushButton)  # the dialog's Cancel button, as a person would
        QTimer.singleShot(200, button.click)

    outcome = run_with_progress(None, "Working…", endless, dialog_hook=press_cancel)
    assert outcome.cancelled
    assert outcome.error is None

    finished = run_with_progress(None, "Working…", lambda p: p.report(5, 5) and 42)
    assert finished.value == 42 and not finished.cancelled

    def failing(progress) -> None:  # type: ignore[no-untyped-def]
        raise ValueError("disk full")

    failed = run_with_progress(None, "Working…", failing)
    assert isinstance(failed.error, ValueError) and str(failed.error) == "disk full"


def test_setup_wizard_tests_the_connection_imports_a_map_and_writes_a_station(
    qtbot, tmp_path: Path
) -> None:
    with ModbusTcpServer() as server:
        server.memory.set_value("holding", 0, 215, "int16")
        server.memory.set_value("holding", 1, 1450, "uint16")
        wizard = StationSetup()
        qtbot.addWidget(wizard)
        wizard.company.setText("Hanbit EV Parts")
        wizard.site.setText("Ulsan")
        wizard.line.setText("Line 3")
        wizard.station.setText("WS-09")
        wizard.device_name.setText("oven")
        wizard.driver.setCurrentIndex(wizard.driver.findData("modbus-tcp"))
        wizard.set_setting("host", "127.0.0.1")
        wizard.set_setting("port", server.port)

        register_map = tmp_path / "oven.csv"
        register_map.write_text(MAP, encoding="utf-8")
        result = wizard.import_map(register_map)
        assert result is not None
        assert [t["name"] for t in wizard.tag_rows()] == ["temp", "speed"]
        assert [(p.line, p.column) for p in result.problems] == [(4, "address")]
        assert "2 tags imported, 1 rows skipped" in wizard.test_status.text()

        wizard.start_test()  # on a worker thread: the GUI stays responsive
        assert not wizard.test_button.isEnabled()
        qtbot.waitUntil(lambda: wizard.last_test is not None, timeout=10_000)
        assert wizard.last_test.error == ""
        assert wizard.last_test.good_count == 2
        assert "Connected: 2 of 2 tags" in wizard.test_status.text()
        values = {r.tag: r.value for r in wizard.last_test.readings}
        assert values == {"temp": 21.5, "speed": 1450}

    wizard.path.setText(str(tmp_path / "bad" / "station.toml"))
    wizard.device_name.setText("bad name!")
    assert not wizard.save()
    assert "devices[0].name" in wizard.problems.toPlainText()
    assert not (tmp_path / "bad" / "station.toml").exists()

    wizard.device_name.setText("oven")
    target = tmp_path / "ws09.toml"
    wizard.path.setText(str(target))
    assert wizard.save()
    config = load_config(target)
    assert config.station.station == "WS-09"
    assert [t.name for t in config.devices[0].tags] == ["temp", "speed"]
    assert config.devices[0].connection["port"] == server.port


def test_a_cancelled_import_adds_nothing(qtbot, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text(
        "name,address,type,table\n" + "\n".join(f"t{i},{i},uint16,holding" for i in range(5000))
    )
    wizard = StationSetup()
    qtbot.addWidget(wizard)

    def cancel_at_once(dialog, progress) -> None:  # type: ignore[no-untyped-def]
        progress.cancel()

    assert wizard.import_map(big, dialog_hook=cancel_at_once) is None
    assert wizard.tag_rows() == []
    assert "cancelled" in wizard.test_status.text()


def test_first_start_offers_the_demo_line(qtbot) -> None:
    assert remembered_station() is None  # private settings: nothing remembered

    def pick_demo() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FirstRunDialog)
        assert "demo" in dialog.buttons[DEMO].text()
        dialog.buttons[DEMO].click()

    QTimer.singleShot(300, pick_demo)
    choice = choose_station()
    assert choice is not None and choice.kind == DEMO


def test_the_station_opened_last_is_remembered(tmp_path: Path) -> None:
    station = tmp_path / "line.toml"
    station.write_text((REPO / "resources" / "demo" / "line.toml").read_text(encoding="utf-8"))
    remember_station(station)
    assert remembered_station() == station.resolve()
    station.unlink()
    assert remembered_station() is None  # a file that went away is not offered


def test_gui_without_config_or_display_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "app", "gui"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no --config" in done.stderr


def test_the_window_remembers_its_screen_and_splitters(qtbot, open_window) -> None:
    window = open_window(sim_line())
    window.tabs.setCurrentWidget(window.devices)
    splitter = window.devices.findChild(QSplitter)
    assert splitter is not None
    splitter.setSizes([120, 500])
    sizes = splitter.sizes()
    window.close()  # saves the layout

    again = open_window(sim_line())
    again.show_restored()
    assert again.tabs.currentWidget() is again.devices
    restored = again.devices.findChild(QSplitter).sizes()
    # The same split (sizes scale with the window's size when it is laid out again).
    assert abs(restored[0] / sum(restored) - sizes[0] / sum(sizes)) < 0.03
    assert restored[0] < restored[1]
    assert QSettings().value("window/screen") == "DevicesView"
