"""The station window: header, an always-visible banner slot, the screens, the status bar."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.security import BASELINE_RELEARN, AccessDenied
from app.station import Station
from widgets.alarms import AlarmWidgets
from widgets.alarms.actions import RecentUsers
from widgets.audit_view import AuditView
from widgets.bridge import EngineBridge
from widgets.devices_view import DevicesView
from widgets.events_view import EventsView
from widgets.header import StationHeader
from widgets.kiosk import Kiosk
from widgets.line_layout import LineLayoutView
from widgets.oee_view import OeeView
from widgets.orders_view import OrdersView
from widgets.overview import OverviewView
from widgets.quality import QualityScreen
from widgets.sharing_view import SharingView
from widgets.status import StationStatusBar
from widgets.sync_status import SyncStatusLabel
from widgets.theme import set_large_fonts
from widgets.trend import TrendView
from widgets.users import SessionController, SignInStrip

log = logging.getLogger(__name__)


GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
LARGE_FONTS_KEY = "view/large_fonts"
SOUND_KEY = "alarms/sound"


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    return value in (True, "true", "1", 1) if not isinstance(value, bool) else value


class MainWindow(QMainWindow):
    """Shows one running :class:`Station`; closing the window stops the station.

    The window's size and place, the large-font mode, and the alarm sound
    are remembered per user (``QSettings``; tests point it at a temporary directory).
    """

    def __init__(
        self,
        station: Station,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.station = station
        info = station.config.station
        self.setWindowTitle(
            self.tr("ShopFloor Monitor — %1 (%2)")
            .replace("%1", info.station)
            .replace("%2", info.line)
        )
        self.bridge = EngineBridge(station.engine, parent=self)

        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = StationHeader(info)
        # Who is signed in (nobody: view-only); the core enforces what each user may do.
        self.session = SessionController(station, self)
        self.sign_in = SignInStrip(self.session)
        self.header.layout().insertWidget(1, self.sign_in)
        layout.addWidget(self.header)
        self._banner_slot = QVBoxLayout()
        self._banner_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._banner_slot)
        self._banner: QWidget | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.overview = OverviewView(station.engine, self.bridge)
        self.trend = TrendView(station.engine, self.bridge, history=station.history)
        self.events = EventsView(station.config, self.bridge, station.storage.events)
        self.devices = DevicesView(station.engine, relearn=self._relearn)
        self.audit = AuditView(self.session)
        self.alarms = AlarmWidgets.create(
            station.alarms,
            history=lambda tag_id, t0, _t1: station.engine.recent.window(tag_id, since=t0),
            users=RecentUsers(
                signed_in=lambda: self.session.actor,
                requires_sign_in=lambda: station.policy.enforcing,
            ),
            parent=self,
        )
        self.line = LineLayoutView(station, self.overview.tiles, self.session, config_path)
        self.tabs.addTab(self.overview, self.tr("Overview"))
        self.tabs.addTab(self.line, self.tr("Line"))
        self.orders = OrdersView(station, self.session)
        self.tabs.addTab(self.alarms.summary, AlarmWidgets.summary_title())
        self.tabs.addTab(self.trend, self.tr("Trend"))
        self.tabs.addTab(self.events, self.tr("Events"))
        self.tabs.addTab(self.alarms.history, AlarmWidgets.history_title())
        self.tabs.addTab(self.alarms.performance, AlarmWidgets.performance_title())
        self.tabs.addTab(self.orders, self.tr("Orders"))
        self.tabs.addTab(self.devices, self.tr("Devices"))
        self.tabs.addTab(self.audit, self.tr("Audit trail"))
        self.sharing = SharingView(station.config)
        self.tabs.addTab(self.sharing, self.tr("Sharing"))
        self.quality = QualityScreen(station.quality, station.gateway)
        self.tabs.addTab(self.quality, self.tr("Quality"))
        if station.sync is not None and station.sync.recorder.oee is not None:
            self.oee = OeeView(station.sync.recorder.oee)
            self.tabs.addTab(self.oee, self.tr("OEE"))
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.overview.follow_alarms(self.alarms.bridge.model, self.alarms.bridge.updated)
        # The alarm banner is always visible; clicking it opens the alarm summary.
        self.set_banner(self.alarms.banner)
        self.alarms.banner.summaryRequested.connect(
            lambda: self.tabs.setCurrentWidget(self.alarms.summary)
        )

        # The screens show what the signed-in user may do (the core enforces it anyway).
        self.session.changed.connect(self._show_permissions)
        self._show_permissions()

        self.status = StationStatusBar(station)
        self.setStatusBar(self.status)
        if station.sync is not None:  # cluster sync: connected, backlog, last delivery
            self.sync_status = SyncStatusLabel(station.sync)
            self.status.addPermanentWidget(self.sync_status)
        self.stop_seconds: float | None = None

        # Alarm sound on unless this user turned it off.
        sound = self.alarms.banner.sound
        sound.setChecked(_flag(self.settings, SOUND_KEY, True))
        sound.toggled.connect(lambda on: self.settings.setValue(SOUND_KEY, on))
        # An operator station's kiosk: full screen until an engineer or admin leaves it.
        self.kiosk = Kiosk(self, station, self.session) if station.config.security.kiosk else None
        self._system_close = False
        self._build_menu()

    def _show_permissions(self) -> None:
        self.devices.relearn_button.setEnabled(self.session.may(BASELINE_RELEARN))
        if hasattr(self, "leave_kiosk_action"):
            self.leave_kiosk_action.setEnabled(self.kiosk is not None and self.kiosk.active)

    def _leave_kiosk(self) -> None:
        if self.kiosk is not None and self.kiosk.leave():
            self.full_screen_action.setChecked(False)
            self._show_permissions()

    def _full_screen(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        elif self.kiosk is not None and self.kiosk.active:
            if not self.kiosk.leave():  # refused: stay full screen, the reason is shown
                self.full_screen_action.setChecked(True)
        else:
            self.showMaximized()

    def _relearn(self, device: str) -> None:
        """Relearn as the signed-in user; a refusal is shown, not raised into Qt."""
        try:
            self.station.relearn(device, actor=self.session.actor)
        except AccessDenied as exc:
            QMessageBox.warning(self, self.tr("Relearn baselines"), str(exc))

    def _build_menu(self) -> None:
        view = self.menuBar().addMenu(self.tr("&View"))
        self.large_fonts_action = QAction(self.tr("&Large fonts"), self)
        self.large_fonts_action.setCheckable(True)
        self.large_fonts_action.setShortcut(QKeySequence("Ctrl+L"))
        self.large_fonts_action.setToolTip(self.tr("Bigger texts, for reading from a distance"))
        self.large_fonts_action.toggled.connect(self.set_large_fonts)
        view.addAction(self.large_fonts_action)
        self.full_screen_action = QAction(self.tr("&Full screen"), self)
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.setShortcut(QKeySequence("F11"))
        self.full_screen_action.toggled.connect(self._full_screen)
        view.addAction(self.full_screen_action)
        self.leave_kiosk_action = QAction(self.tr("Leave &kiosk mode"), self)
        self.leave_kiosk_action.setToolTip(self.tr("Engineers and admins, signed in"))
        self.leave_kiosk_action.setVisible(self.kiosk is not None)
        self.leave_kiosk_action.triggered.connect(self._leave_kiosk)
        view.addAction(self.leave_kiosk_action)
        self.large_fonts_action.setChecked(_flag(self.settings, LARGE_FONTS_KEY, False))

    def set_large_fonts(self, large: bool) -> None:
        """Switch the large-font mode (remembered for the next start)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            set_large_fonts(app, large)
        self.settings.setValue(LARGE_FONTS_KEY, large)
        if self.large_fonts_action.isChecked() != large:
            self.large_fonts_action.setChecked(large)

    @property
    def large_fonts(self) -> bool:
        """True in large-font mode."""
        return self.large_fonts_action.isChecked()

    def show_restored(self) -> None:
        """Show the window where the user left it; maximised the first time; in kiosk mode
        full screen."""
        if self.kiosk is not None:
            self.kiosk.enter()
            self.full_screen_action.setChecked(True)
            return
        geometry = self.settings.value(GEOMETRY_KEY)
        if geometry is not None and self.restoreGeometry(geometry):  # type: ignore[arg-type]
            state = self.settings.value(STATE_KEY)
            if state is not None:
                self.restoreState(state)  # type: ignore[arg-type]
            self.show()
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:  # also without a window manager (a kiosk X session, xvfb)
            self.setGeometry(screen.availableGeometry())
        self.showMaximized()

    def save_layout(self) -> None:
        """Remember size, place and toolbars for the next start."""
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.sync()

    # -- hooks for other screens (alarms) ----------------------------------------------------

    def set_banner(self, widget: QWidget | None) -> None:
        """Put ``widget`` above the tabs, always visible (replaces any previous banner)."""
        if self._banner is not None:
            self._banner_slot.removeWidget(self._banner)
            self._banner.setParent(None)
        self._banner = widget
        if widget is not None:
            self._banner_slot.addWidget(widget)
            widget.show()

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a screen as a tab; returns its index."""
        return self.tabs.addTab(widget, title)

    # -- lifecycle -----------------------------------------------------------------------------

    def close_for_system(self) -> None:
        """Close on the system's behalf (SIGTERM, an unattended run's timer): also a kiosk."""
        self._system_close = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the station (workers, dispatcher, storage flush) before the window goes; in
        kiosk mode only when the signed-in user may leave it."""
        kiosk = None if self._system_close else self.kiosk
        if kiosk is not None and kiosk.active and not kiosk.leave():
            event.ignore()
            return
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop forwarding and stop the station; idempotent."""
        if self.stop_seconds is not None:
            return
        started = time.monotonic()
        self.line.close_io()
        self.orders.close_io()
        self.bridge.close()
        self.alarms.bridge.close()
        self.station.stop(2.0)
        self.stop_seconds = time.monotonic() - started
        log.info("station stopped in %.2f s", self.stop_seconds)
