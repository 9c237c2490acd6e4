"""Hidden screens are built when first shown (start-up time, issue 13): the tab is there with
its title from the start, the screen appears in its place when opened or asked for, and the
first frame is drawn without pyqtgraph (a real station window, real SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QWidget

from app.security import BASELINE_RELEARN
from tests.conftest import CONFIGS
from tests.test_gui_window import sim_line
from widgets.devices_view import DevicesView
from widgets.i18n import set_language
from widgets.quality import QualityScreen
from widgets.trend import TrendView

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def english_after() -> Iterator[None]:
    yield
    set_language("en")


def _tab(window, title: str) -> int:  # type: ignore[no-untyped-def]
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    return titles.index(title)


def test_a_hidden_screen_is_built_in_its_tab_when_first_shown(qtbot, open_window) -> None:
    window = open_window(sim_line())
    count = window.tabs.count()
    index = _tab(window, "Trend")
    assert not isinstance(window.tabs.widget(index), TrendView)  # not built yet
    assert not isinstance(window.tabs.widget(_tab(window, "Quality")), QualityScreen)

    window.tabs.setCurrentIndex(index)
    screen = window.tabs.currentWidget()
    assert isinstance(screen, TrendView)
    assert window.tabs.currentIndex() == index and window.tabs.count() == count
    assert window.tabs.tabText(index) == "Trend"
    assert window.trend is screen  # built once; the attribute is the screen in the tab
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentIndex(index)
    assert window.tabs.currentWidget() is screen


def test_asking_for_a_screen_builds_it_in_place_without_switching(qtbot, open_window) -> None:
    window = open_window(sim_line())
    index = _tab(window, "Devices")
    devices = window.devices
    assert isinstance(devices, DevicesView)
    assert window.tabs.indexOf(devices) == index
    assert window.tabs.currentIndex() == 0  # still the overview
    # Built late, it still shows what the user may do (a station without users: relearn open).
    assert devices.relearn_button.isEnabled() == window.session.may(BASELINE_RELEARN)


def test_unbuilt_and_built_tabs_follow_the_language(qtbot, open_window, english_after) -> None:
    window = open_window(sim_line())
    window.tabs.setCurrentIndex(_tab(window, "Trend"))  # built; Quality is not
    quality = window.tabs.widget(_tab(window, "Quality"))
    window.language_actions["ko"].trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "개요", timeout=3000)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Trend" not in titles and "Quality" not in titles
    index = window.tabs.indexOf(quality)
    korean_title = window.tabs.tabText(index)
    assert korean_title not in ("", "Quality")
    window.tabs.setCurrentIndex(index)
    assert isinstance(window.tabs.currentWidget(), QualityScreen)
    assert window.tabs.tabText(index) == korean_title
    window.language_actions["en"].trigger()  # a screen built late follows the next switch too
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == "Quality", timeout=3000)


def test_another_screen_added_as_a_class_is_built_on_show_and_remembered(
    qtbot, open_window
) -> None:
    class ClusterView(QWidget):
        built = 0

        def __init__(self) -> None:
            super().__init__()
            ClusterView.built += 1
            QLabel("cluster", self)

    window = open_window(sim_line())
    index = window.add_tab(ClusterView, lambda: window.tr("Cluster"))
    assert ClusterView.built == 0 and window.tabs.tabText(index) == "Cluster"
    window.tabs.setCurrentIndex(index)
    assert ClusterView.built == 1 and isinstance(window.tabs.currentWidget(), ClusterView)
    window.close()  # saves the layout
    assert QSettings().value("window/screen") == "ClusterView"


def test_the_first_frame_is_drawn_without_pyqtgraph(tmp_path: Path) -> None:
    """A fresh process builds and paints the window; pyqtgraph (about a second to import) is
    loaded only when a screen with a plot is opened."""
    script = """
import json, sys
from app.config_loader import load_config
from app.station import Station
from widgets.app import application
from widgets.main_window import MainWindow

app = application()
window = MainWindow(Station(load_config(sys.argv[1]), db_url=sys.argv[2]))
window.show_restored()
window.repaint()
app.processEvents()
first = "pyqtgraph" in sys.modules
window.tabs.setCurrentWidget(window.trend)
app.processEvents()
print(json.dumps([first, "pyqtgraph" in sys.modules]))
window.shutdown()
"""
    config, db_url = str(CONFIGS / "sim_line.toml"), f"sqlite:///{tmp_path / 'w.db'}"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "c"))
    done = subprocess.run(
        [sys.executable, "-c", script, config, db_url],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True]


def test_work_after_the_first_frame_runs_once_the_window_is_drawn(qtbot) -> None:
    """What need not delay the first frame (the first-admin dialog, the start-up mark) runs on
    the event-loop turn after the window's first paint; a window never drawn still gets it
    after the wait given."""
    from PySide6.QtCore import QEvent, QObject

    from widgets.app import after_first_frame

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    window = QWidget()
    qtbot.addWidget(window)
    paints = Paints()
    window.installEventFilter(paints)
    calls: list[int] = []
    after_first_frame(window, lambda: calls.append(Paints.count))
    window.show()
    qtbot.waitUntil(lambda: calls != [], timeout=3000)
    assert calls[0] >= 1  # drawn before
    window.update()
    qtbot.waitUntil(lambda: Paints.count > calls[0], timeout=3000)
    assert len(calls) == 1  # once

    hidden = QWidget()
    qtbot.addWidget(hidden)
    late: list[bool] = []
    after_first_frame(hidden, lambda: late.append(True), at_latest_s=0.2)
    qtbot.waitUntil(lambda: late == [True], timeout=3000)
