"""Entry point of the window: ``run_gui(config, ...)`` as the CLI calls it."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget, QWidget
from sqlalchemy.exc import SQLAlchemyError

from app.config import StationConfig
from app.station import Station
from widgets.collector import GuiThreadCollector
from widgets.i18n import LANGUAGE_KEY, set_language, system_language
from widgets.main_window import MainWindow
from widgets.theme import THEME_KEY, apply_theme

log = logging.getLogger(__name__)

APP_NAME = "ShopFloor Monitor"
ORGANISATION = "ShopFloor"
DEFAULT_SCREENSHOT_AFTER_S = 8.0
SCREENSHOT_LEAD_S = 0.5  # grab this long before quitting, while everything is still live

_prepared: dict[QApplication, list[QTranslator]] = {}
_collectors: dict[QApplication, GuiThreadCollector] = {}


def application() -> QApplication:
    """The process's QApplication, created and themed on first call."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    if app not in _prepared:
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        app.setOrganizationName(ORGANISATION)
        # Kept here, not as Qt properties: PySide6 6.12 miscounts references of Python
        # objects stored in QVariants (a fatal error at interpreter exit).
        saved = QSettings().value(LANGUAGE_KEY)
        set_language(str(saved) if saved else system_language())
        _prepared[app] = []
        # Python's cyclic garbage collector runs on whichever thread allocates: on a worker it
        # may delete Qt objects there and deadlock with the GUI thread. Collect on this thread.
        _collectors[app] = GuiThreadCollector(interval=1.0)
        apply_theme(app, str(QSettings().value(THEME_KEY, "day")))
    return app


def show_error(title: str, text: str, detail: str = "", quit_after: float | None = None) -> None:
    """A modal error box (closed by itself after ``quit_after`` seconds, for unattended runs)."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    if detail:
        box.setInformativeText(detail)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), box.accept)
    box.exec()


def show_config_problems(report: str, quit_after: float | None = None) -> int:
    """Show why a station config cannot be used (``ConfigError.report()``); exit code 2.

    For a window started from a desktop shortcut, where nobody reads stderr.
    """
    app = application()
    lines = report.splitlines()
    show_error(
        app.translate("app", "The station configuration has problems"),
        lines[0] if lines else report,
        "\n".join(line.strip() for line in lines[1:]),
        quit_after,
    )
    return 2


def save_screenshot(window: QWidget, path: str | Path) -> bool:
    """Grab the window into a PNG; False (and a log line) when it cannot be written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if window.grab().save(str(target), "PNG"):
        log.info("screenshot saved to %s", target)
        return True
    log.error("could not save the screenshot to %s", target)
    return False


def open_station(config: StationConfig, db_url: str | None) -> Station:
    """Build the station; raises with a readable message when its database cannot be used."""
    return Station(config, db_url=db_url)


def run_gui(
    config: StationConfig,
    *,
    db_url: str | None = None,
    screenshot: str | None = None,
    quit_after: float | None = None,
    config_path: str | Path | None = None,
) -> int:
    """Run the station with its window until the window is closed; the process exit code.

    ``config_path``: the station config file, where an edited line layout is saved."""
    app = application()
    try:
        station = open_station(config, db_url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        log.debug("database could not be opened", exc_info=True)
        message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        url = db_url or config.storage.url or app.translate("app", "the default database")
        show_error(
            app.translate("app", "Cannot open the station database"),
            app.translate("app", "The station database %1 cannot be used.").replace("%1", url),
            message,
            quit_after,
        )
        return 1

    window = MainWindow(station, config_path=Path(config_path) if config_path else None)
    if os.environ.get(STARTUP_MARK_ENV):
        after_first_frame(window, _write_startup_mark)
    window.show_restored()
    station.start()

    if screenshot is not None:
        quit_after = quit_after or DEFAULT_SCREENSHOT_AFTER_S
        shot_ms = int(max(0.0, quit_after - SCREENSHOT_LEAD_S) * 1000)
        QTimer.singleShot(shot_ms, lambda: save_screenshot(window, screenshot))
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close_for_system)

    if quit_after is None and window.session.first_run:
        # No users and no default password: ask for the first admin (Cancel keeps the
        # station open to any name until one is created), over the window once it is drawn.
        after_first_frame(window, window.sign_in.button.click, at_latest_s=FIRST_FRAME_WAIT_S)
    restore = _close_on_signals(window)
    try:
        app.exec()
    finally:
        restore()
        window.shutdown()  # also when the loop ended some other way than closing the window
    return 0


#: Set this environment variable to have the first drawn frame written to stderr as
#: ``first-frame <seconds since the process started> cpu <CPU seconds of the process>``
#: (tests/bench/bench_startup.py).
STARTUP_MARK_ENV = "SHOPFLOOR_STARTUP_MARK"
FIRST_FRAME_MARK = "first-frame"
#: What waits for the first frame runs after this long anyway (a window that is not drawn).
FIRST_FRAME_WAIT_S = 3.0


class _AfterFirstFrame(QObject):
    """Calls ``callback`` once, on the event loop turn after the window's first paint (the
    whole frame is drawn then), or after ``at_latest_s`` if given and nothing was drawn."""

    def __init__(
        self, window: QWidget, callback: Callable[[], object], at_latest_s: float | None
    ) -> None:
        super().__init__(window)
        self._window, self._callback, self._done = window, callback, False
        window.installEventFilter(self)
        if at_latest_s is not None:
            QTimer.singleShot(int(at_latest_s * 1000), self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        if not self._done:
            self._done = True
            self._window.removeEventFilter(self)
            self._callback()


def after_first_frame(
    window: QWidget, callback: Callable[[], object], at_latest_s: float | None = None
) -> None:
    """Run ``callback`` once the window has drawn its first frame: work that need not delay
    what the user sees first (a dialog over the window, a start-up mark)."""
    _AfterFirstFrame(window, callback, at_latest_s)


def _write_startup_mark() -> None:
    elapsed = time.time() - _process_started()
    sys.stderr.write(f"{FIRST_FRAME_MARK} {elapsed:.3f} cpu {time.process_time():.3f}\n")
    sys.stderr.flush()


def _process_started() -> float:
    """Wall-clock time this process was created (Linux /proc; elsewhere: the module import)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED


_IMPORTED = time.time()


def _close_on_signals(window: MainWindow):  # type: ignore[no-untyped-def]
    """Ctrl-C and SIGTERM close the window (and so stop the station) instead of killing it."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close_for_system)

    for sig in previous:
        signal.signal(sig, handler)
    # Python runs signal handlers only between bytecodes; a idle timer lets it in regularly.
    pulse = QTimer(window)
    pulse.timeout.connect(lambda: None)
    pulse.start(200)

    def restore() -> None:
        pulse.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


#: The tab is shown this long before the window closes (the screenshot is taken 0.5 s before).
TAB_LEAD_S = 4.0


def show_tab_later(name: str, quit_after: float) -> None:
    """Switch the main window to the tab titled ``name`` and refresh it, shortly before the
    screenshot; an unknown name is reported with the titles there are."""
    application()

    def show() -> None:
        for widget in QApplication.topLevelWidgets():
            tabs = widget.findChild(QTabWidget)
            if tabs is None:
                continue
            titles = [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]
            wanted = [i for i, t in enumerate(titles) if t.casefold() == name.casefold()]
            if not wanted:
                sys.stderr.write(f"shopfloor: no tab {name!r} (tabs: {', '.join(titles)})\n")
                return
            tabs.setCurrentIndex(wanted[0])
            refresh = getattr(tabs.currentWidget(), "refresh", None)
            if callable(refresh):
                refresh()
            return

    QTimer.singleShot(int(max(0.0, quit_after - TAB_LEAD_S) * 1000), show)
