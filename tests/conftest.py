"""Shared fixtures. Qt runs offscreen so the suite needs no display."""

from __future__ import annotations

import gc
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).resolve().parent / "configs"


def free_tcp_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A real SQLite file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'station.db'}"


@pytest.fixture(autouse=True)
def _close_gateways():  # type: ignore[no-untyped-def]
    """Stop every database gateway a test opened (tests/alarm_support.py), after the test."""
    yield
    from tests.alarm_support import close_gateways

    close_gateways()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """In a Qt test, Python's cyclic collector runs only here, on the GUI thread.

    Left automatic, it runs on whichever thread allocates: on a worker (db-reader, dispatcher)
    it may delete Qt objects there and deadlock with the GUI thread (the window does the same
    with pyqtgraph's GarbageCollector, see widgets/app.py). Set up before qtbot, so this runs
    after every window of the test is closed."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture(autouse=True)
def private_qt_settings(tmp_path: Path) -> Path:
    """Window settings (QSettings) go to the test's own directory, never the user's."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    return folder


@pytest.fixture
def open_window(qtbot, sqlite_url: str):  # type: ignore[no-untyped-def]
    """Build, show and start station windows; each is closed (its station stopped) afterwards.

    ``open_window(config, **station_options)`` returns the started :class:`MainWindow`.
    """
    from app.station import Station
    from widgets.main_window import MainWindow

    windows: list[MainWindow] = []

    def factory(config, *, config_path=None, **station):  # type: ignore[no-untyped-def]
        window = MainWindow(Station(config, db_url=sqlite_url, **station), config_path=config_path)
        qtbot.addWidget(window)
        window.resize(1400, 860)
        window.show()
        window.station.start()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close_for_system()
