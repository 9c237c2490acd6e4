"""Render every main screen of the window, in English and in Korean, into docs/screenshots/.

    .venv/bin/python tools/screenshots.py                 # offscreen (no display needed)
    xvfb-run -a .venv/bin/python tools/screenshots.py     # or a real X server under Xvfb

The demo line runs in-process (the plant simulator on a free local port, scenario ``default``
sped up so that its faults and alarms show within seconds), with a temporary database and
temporary window settings (the user's own are not touched). English pictures keep the names the
README and docs/ALARMS.md use (``main_window.png``, ``alarms.png``, ...); Korean ones go to
``docs/screenshots/ko/`` under the same names; ``main_window_night.png`` shows the night theme,
``first_run.png`` and ``setup_wizard.png`` the first minute.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from app.config import StationConfig  # noqa: E402

#: Tab widget class -> picture name.
SCREENS = {
    "OverviewView": "main_window",
    "AlarmSummary": "alarms",
    "TrendView": "trend",
    "EventsView": "events",
    "AlarmHistoryView": "alarm_history",
    "AlarmPerformanceView": "alarm_performance",
    "DevicesView": "devices",
    "LineLayoutView": "line",
    "OrdersView": "orders",
    "QualityScreen": "quality",
    "AuditView": "audit",
    "SharingView": "sharing",
    "OeeView": "oee",
    "SyncView": "sync",
}
SIZE = (1600, 900)


def pump(seconds: float, until: Callable[[], bool] | None = None) -> None:
    """Run the event loop for ``seconds`` (or until ``until()`` holds)."""
    end = time.monotonic() + seconds
    loop = QEventLoop()
    while time.monotonic() < end:
        if until is not None and until():
            return
        QTimer.singleShot(50, loop.quit)
        loop.exec()


def save(widget: QWidget, path: Path) -> Path:
    """Grab ``widget`` into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def at_plant_speed(config: StationConfig, speed: float) -> StationConfig:
    """The demo config for a plant simulated ``speed`` times faster than the clock: its
    machines' ideal cycle times and hourly targets in wall-clock time (else the OEE screen
    would show a performance of ``speed`` x 100 %)."""
    devices = []
    for device in config.devices:
        production = device.production
        if production is not None:
            production = production.model_copy(
                update={
                    "ideal_cycle_s": production.ideal_cycle_s and production.ideal_cycle_s / speed,
                    "target_per_hour": production.target_per_hour
                    and production.target_per_hour * speed,
                }
            )
        devices.append(device.model_copy(update={"production": production}))
    return config.model_copy(update={"devices": devices})


def shoot(out: Path, wait_s: float, scenario: str, speed: float) -> list[Path]:
    """Run the demo line and save every screen in both languages; the files written."""
    from app.commands.demo import DEMO_CONFIG, point_at, seed_demo_orders
    from app.config_loader import load_config
    from app.station import Station
    from drivers.simulator import PlantSimulator

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
        from widgets.app import application
        from widgets.first_run import FirstRunDialog
        from widgets.main_window import MainWindow
        from widgets.setup_wizard import StationSetup

        app = application()
        sim = PlantSimulator(seed=1, scenario=scenario, speed=speed).start()
        try:
            server = sim.serve_modbus_tcp("127.0.0.1", 0)
            config = at_plant_speed(
                point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port), speed
            )
            seed_demo_orders(config, f"sqlite:///{folder}/screens.db")  # the Orders screen
            station = Station(config, db_url=f"sqlite:///{folder}/screens.db")
            window = MainWindow(station)
            window.resize(*SIZE)
            window.show()
            station.start()
            pump(wait_s)
            for language in ("en", "ko"):
                window.set_language(language)
                pump(0.5)
                target = out if language == "en" else out / language
                for index in range(window.tabs.count()):
                    window.tabs.setCurrentIndex(index)  # builds a screen not shown yet
                    screen = window.tabs.currentWidget()
                    name = SCREENS.get(type(screen).__name__, type(screen).__name__.lower())
                    refresh = getattr(screen, "refresh", None)
                    if callable(refresh):
                        refresh()
                    pump(3.0, until=lambda s=screen: not getattr(s, "busy", False))
                    pump(0.6)
                    written.append(save(window, target / f"{name}.png"))
                window.tabs.setCurrentIndex(0)
                pump(0.3)
                dialog = FirstRunDialog(window)
                dialog.show()
                pump(0.3)
                written.append(save(dialog, target / "first_run.png"))
                dialog.close()
                wizard = StationSetup(window)
                wizard.resize(900, 620)
                wizard.show()
                wizard.next()
                pump(0.3)
                written.append(save(wizard, target / "setup_wizard.png"))
                wizard.close()
            window.set_language("en")
            window.set_theme("night")
            pump(0.8)
            written.append(save(window, out / "main_window_night.png"))
            window.set_theme("day")
            window.set_large_fonts(True)
            pump(0.8)
            written.append(save(window, out / "main_window_large_fonts.png"))
            window.set_large_fonts(False)
            window.close()
        finally:
            sim.stop()
        QCoreApplication.processEvents()
        del app
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds of demo first")
    parser.add_argument("--scenario", default="default", help="demo fault scenario")
    parser.add_argument("--speed", type=float, default=15.0, help="simulated s per real s")
    args = parser.parse_args(argv)
    for path in shoot(args.out, args.wait, args.scenario, args.speed):
        sys.stdout.write(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
