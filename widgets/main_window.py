"""The station window: header, an always-visible banner slot, the screens, the status bar."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.security import BASELINE_RELEARN, AccessDenied
from app.station import Station
from widgets.alarms import AlarmWidgets
from widgets.alarms.actions import RecentUsers
from widgets.bridge import EngineBridge
from widgets.downtime_dialog import DowntimePrompt
from widgets.events_view import EventsView
from widgets.header import StationHeader
from widgets.i18n import LANGUAGE_KEY, LANGUAGES, current_language, on_language_change, set_language
from widgets.kiosk import Kiosk
from widgets.overview import OverviewView
from widgets.status import StationStatusBar
from widgets.sync_status import SyncStatusLabel
from widgets.theme import THEME_KEY, set_large_fonts, set_theme
from widgets.users import SessionController, SignInStrip

if TYPE_CHECKING:  # the hidden screens are imported when first shown (pyqtgraph among them)
    from widgets.audit_view import AuditView
    from widgets.cluster_view import ClusterView
    from widgets.devices_view import DevicesView
    from widgets.line_layout import LineLayoutView
    from widgets.oee_view import OeeView
    from widgets.orders_view import OrdersView
    from widgets.quality import QualityScreen
    from widgets.sharing_view import SharingView
    from widgets.sync_view import SyncView
    from widgets.trend import TrendView

log = logging.getLogger(__name__)


GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SCREEN_KEY = "window/screen"
SPLITTER_KEY = "window/splitters/"
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
        self._config_path = config_path
        info = station.config.station
        self.bridge = EngineBridge(station.engine, parent=self)

        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = StationHeader(info)
        self.header.languageRequested.connect(self.set_language)
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
        # Tab titles are functions: they are asked again when the language changes.
        self._tab_titles: dict[QWidget, Callable[[], str]] = {}
        # A hidden screen is built when first shown (or asked for: ``window.trend``), which
        # keeps it, and pyqtgraph, off the way to the first frame.
        self._pages: dict[str, QWidget] = {}
        self.tabs.currentChanged.connect(self._build_tab)
        self.overview = OverviewView(station.engine, self.bridge)
        # Built now: it lists the live events from the start (seeded from the database).
        self.events = EventsView(station.config, self.bridge, station.storage.events)
        self.alarms = AlarmWidgets.create(
            station.alarms,
            history=lambda tag_id, t0, _t1: station.engine.recent.window(tag_id, since=t0),
            users=RecentUsers(
                signed_in=lambda: self.session.actor,
                requires_sign_in=lambda: station.policy.enforcing,
            ),
            parent=self,
        )
        self.add_tab(self.overview, lambda: self.tr("Overview"))
        self._add_screen("line", "LineLayoutView", self._line_view, lambda: self.tr("Line"))
        self.add_tab(self.alarms.summary, AlarmWidgets.summary_title)
        self._add_screen("trend", "TrendView", self._trend_view, lambda: self.tr("Trend"))
        self.add_tab(self.events, lambda: self.tr("Events"))
        self._add_screen(
            "alarm_history",
            "AlarmHistoryView",
            lambda: self.alarms.history,
            AlarmWidgets.history_title,
        )
        self._add_screen(
            "alarm_performance",
            "AlarmPerformanceView",
            lambda: self.alarms.performance,
            AlarmWidgets.performance_title,
        )
        self._add_screen("orders", "OrdersView", self._orders_view, lambda: self.tr("Orders"))
        self._add_screen("devices", "DevicesView", self._devices_view, lambda: self.tr("Devices"))
        self._add_screen("audit", "AuditView", self._audit_view, lambda: self.tr("Audit trail"))
        self._add_screen("sharing", "SharingView", self._sharing_view, lambda: self.tr("Sharing"))
        self._add_screen("quality", "QualityScreen", self._quality_view, lambda: self.tr("Quality"))
        # A stop that needs a reason opens a non-modal list (never blocks monitoring).
        names = {d.name: d.display_name for d in station.config.devices}
        self.downtime = DowntimePrompt(station.downtime, names, lambda: self.session.actor, self)
        if station.oee is not None:
            self._add_screen("oee", "OeeView", self._oee_view, lambda: self.tr("OEE"))
        if station.config.cluster.lead_db is not None:  # the lead: its partners' status
            self._add_screen(
                "cluster", "ClusterView", self._cluster_view, lambda: self.tr("Cluster")
            )
        self._add_screen("sync", "SyncView", self._sync_view, lambda: self.tr("Sync"))
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
        on_language_change(self, self.retranslate)

    # -- the screens, built on first show ---------------------------------------------------

    def _line_view(self) -> LineLayoutView:
        from widgets.line_layout import LineLayoutView

        station = self.station
        return LineLayoutView(station, self.overview.tiles, self.session, self._config_path)

    def _trend_view(self) -> TrendView:
        from widgets.trend import TrendView

        station = self.station
        view = TrendView(station.engine, self.bridge, history=station.history)
        view.attach(station.marks, station.trend_sets)
        return view

    def _orders_view(self) -> OrdersView:
        from widgets.orders_view import OrdersView

        return OrdersView(self.station, self.session)

    def _devices_view(self) -> DevicesView:
        from widgets.devices_view import DevicesView

        return DevicesView(self.station.engine, relearn=self._relearn)

    def _audit_view(self) -> AuditView:
        from widgets.audit_view import AuditView

        return AuditView(self.session)

    def _sharing_view(self) -> SharingView:
        from widgets.sharing_view import SharingView

        return SharingView(self.station.config)

    def _quality_view(self) -> QualityScreen:
        from widgets.quality import QualityScreen

        station = self.station
        return QualityScreen(station.quality, station.gateway, history=station.history)

    def _oee_view(self) -> OeeView:
        from widgets.oee_view import OeeView

        assert self.station.oee is not None
        return OeeView(self.station.oee, self.station.downtime, self.downtime)

    def _cluster_view(self) -> ClusterView:
        from widgets.cluster_view import ClusterView

        return ClusterView(self.station.config.cluster, self)

    def _sync_view(self) -> SyncView:
        from widgets.sync_view import SyncView

        return SyncView(self.station, self.session)

    @property
    def sync_view(self) -> SyncView:
        return cast("SyncView", self._screen("sync"))

    @property
    def oee(self) -> OeeView:
        return cast("OeeView", self._screen("oee"))

    @property
    def line(self) -> LineLayoutView:
        """The line layout screen (built now if it was not shown yet); likewise below."""
        return cast("LineLayoutView", self._screen("line"))

    @property
    def trend(self) -> TrendView:
        return cast("TrendView", self._screen("trend"))

    @property
    def orders(self) -> OrdersView:
        return cast("OrdersView", self._screen("orders"))

    @property
    def devices(self) -> DevicesView:
        return cast("DevicesView", self._screen("devices"))

    @property
    def audit(self) -> AuditView:
        return cast("AuditView", self._screen("audit"))

    @property
    def sharing(self) -> SharingView:
        return cast("SharingView", self._screen("sharing"))

    @property
    def quality(self) -> QualityScreen:
        return cast("QualityScreen", self._screen("quality"))

    def _add_screen(
        self, key: str, name: str, factory: Callable[[], QWidget], title: Callable[[], str]
    ) -> None:
        index = self.add_tab(factory, title, name=name)
        self._pages[key] = self.tabs.widget(index)

    def _screen(self, key: str) -> QWidget:
        page = self._pages[key]
        return self._build_tab(self.tabs.indexOf(page)) if isinstance(page, _Pending) else page

    def _built(self, key: str) -> QWidget | None:
        """The screen ``key`` if it has been built, else None (nothing is built)."""
        page = self._pages.get(key)
        return None if page is None or isinstance(page, _Pending) else page

    def _build_tab(self, index: int) -> QWidget:
        """The screen of tab ``index``, built in place of its placeholder if need be."""
        page = self.tabs.widget(index)
        if not isinstance(page, _Pending):
            return page
        started = time.perf_counter()
        screen = page.factory()
        current, text = self.tabs.currentIndex(), self.tabs.tabText(index)
        blocked = self.tabs.blockSignals(True)  # the tab stays where it was, and current
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, screen, text)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(blocked)
        if page in self._tab_titles:
            self._tab_titles[screen] = self._tab_titles.pop(page)
        for key, value in self._pages.items():
            if value is page:
                self._pages[key] = screen
        page.deleteLater()
        self._restore_splitters(screen)
        if hasattr(self, "status"):  # after __init__: the screen shows what the user may do
            self._show_permissions()
        log.debug("screen %s built in %.3f s", page.name, time.perf_counter() - started)
        return screen

    def _show_permissions(self) -> None:
        devices = cast("DevicesView | None", self._built("devices"))
        if devices is not None:
            devices.relearn_button.setEnabled(self.session.may(BASELINE_RELEARN))
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
        self.view_menu = self.menuBar().addMenu("")
        view = self.view_menu
        self.large_fonts_action = QAction(self)
        self.large_fonts_action.setCheckable(True)
        self.large_fonts_action.setShortcut(QKeySequence("Ctrl+L"))
        self.large_fonts_action.toggled.connect(self.set_large_fonts)
        view.addAction(self.large_fonts_action)
        self.full_screen_action = QAction(self)
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.setShortcut(QKeySequence("F11"))
        self.full_screen_action.toggled.connect(self._full_screen)
        view.addAction(self.full_screen_action)
        self.leave_kiosk_action = QAction(self)
        self.leave_kiosk_action.setVisible(self.kiosk is not None)
        self.leave_kiosk_action.triggered.connect(self._leave_kiosk)
        view.addAction(self.leave_kiosk_action)
        self.large_fonts_action.setChecked(_flag(self.settings, LARGE_FONTS_KEY, False))
        self.night_action = QAction(self)
        self.night_action.setCheckable(True)
        self.night_action.setShortcut(QKeySequence("Ctrl+N"))
        self.night_action.setChecked(self.settings.value(THEME_KEY, "day") == "night")
        self.night_action.toggled.connect(lambda on: self.set_theme("night" if on else "day"))
        view.addAction(self.night_action)
        # Each language is named in its own script, so anyone can find theirs.
        self.language_menu = view.addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True)
            action.setChecked(code == current_language())
            action.triggered.connect(lambda _on=False, c=code: self.set_language(c))
            group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action

    def retranslate(self) -> None:
        """Every text the window sets itself, in the current language."""
        info = self.station.config.station
        self.setWindowTitle(
            self.tr("ShopFloor Monitor — %1 (%2)")
            .replace("%1", info.station)
            .replace("%2", info.line)
        )
        for widget, title in self._tab_titles.items():
            self.tabs.setTabText(self.tabs.indexOf(widget), title())
        self.view_menu.setTitle(self.tr("&View"))
        self.large_fonts_action.setText(self.tr("&Large fonts"))
        self.large_fonts_action.setToolTip(self.tr("Bigger texts, for reading from a distance"))
        self.full_screen_action.setText(self.tr("&Full screen"))
        self.leave_kiosk_action.setText(self.tr("Leave &kiosk mode"))
        self.leave_kiosk_action.setToolTip(self.tr("Engineers and admins, signed in"))
        self.language_menu.setTitle(self.tr("Language"))
        self.night_action.setText(self.tr("&Night theme"))
        self.night_action.setToolTip(self.tr("Dim greys for a dark room; alarm colours stay"))

    def set_language(self, language: str) -> None:
        """Show every screen in ``language`` now (remembered for the next start)."""
        language = set_language(language)
        self.settings.setValue(LANGUAGE_KEY, language)
        self.language_actions[language].setChecked(True)

    def set_theme(self, name: str) -> None:
        """Switch to the ``day`` or ``night`` theme now (remembered for the next start)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            name = set_theme(app, name)
        self.settings.setValue(THEME_KEY, name)
        if self.night_action.isChecked() != (name == "night"):
            self.night_action.setChecked(name == "night")

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

    def _splitters(self) -> dict[str, QSplitter]:
        """Every splitter of every screen, keyed by its screen's class and its place in it (a
        screen added or moved by another change keeps its own sizes)."""
        found: dict[str, QSplitter] = {}
        for index in range(self.tabs.count()):
            found.update(_screen_splitters(self.tabs.widget(index)))
        return found

    def _restore_splitters(self, screen: QWidget) -> None:
        for key, splitter in _screen_splitters(screen).items():
            state = self.settings.value(SPLITTER_KEY + key)
            if state is not None:
                splitter.restoreState(state)  # type: ignore[arg-type]

    def _restore_screens(self) -> None:
        for index in range(self.tabs.count()):
            self._restore_splitters(self.tabs.widget(index))  # the ones built (others: later)
        screen = self.settings.value(SCREEN_KEY)
        for index in range(self.tabs.count()):
            if _screen_name(self.tabs.widget(index)) == screen:
                self.tabs.setCurrentIndex(index)  # built now if it was not
                break

    def show_restored(self) -> None:
        """Show the window where the user left it (size, place, splitters, the screen it
        showed); maximised the first time; in kiosk mode full screen."""
        self._restore_screens()
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
        """Remember size, place, toolbars, splitters and the screen shown for the next start."""
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.setValue(SCREEN_KEY, _screen_name(self.tabs.currentWidget()))
        for key, splitter in self._splitters().items():
            self.settings.setValue(SPLITTER_KEY + key, splitter.saveState())
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

    def add_tab(
        self,
        screen: QWidget | Callable[[], QWidget],
        title: str | Callable[[], str],
        name: str | None = None,
    ) -> int:
        """Add a screen as a tab; returns its index. A function as ``title`` (e.g. ``lambda:
        view.tr("Quality")``) is asked again when the language changes.

        ``screen`` is the screen, or a function that builds it (a class, a lambda): it is
        called when the tab is first shown, so that a screen nobody opens costs nothing at
        start. ``name`` is what the window remembers as the screen shown (default: the
        screen's class name, when it is known before it is built).
        """
        if isinstance(screen, QWidget):
            page = screen
        else:
            if name is None and isinstance(screen, type):
                name = screen.__name__
            page = _Pending(screen, name)
        if callable(title):
            self._tab_titles[page] = title
            return self.tabs.addTab(page, title())
        return self.tabs.addTab(page, title)

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
        for key in ("line", "orders"):  # screens not built have nothing open
            screen = self._built(key)
            if screen is not None:
                screen.close_io()  # type: ignore[attr-defined]
        self.bridge.close()
        self.alarms.bridge.close()
        self.station.stop(2.0)
        self.stop_seconds = time.monotonic() - started
        log.info("station stopped in %.2f s", self.stop_seconds)


class _Pending(QWidget):
    """A tab's place until its screen is first shown; ``factory()`` builds the screen."""

    def __init__(self, factory: Callable[[], QWidget], name: str | None) -> None:
        super().__init__()
        self.factory = factory
        self.name = name


def _screen_name(page: QWidget) -> str:
    """The name the window remembers a screen by: its class's (known before it is built)."""
    if isinstance(page, _Pending):
        return page.name or ""
    return type(page).__name__


def _screen_splitters(screen: QWidget) -> dict[str, QSplitter]:
    """The splitters of one screen, keyed by its class and their place in it."""
    return {
        f"{type(screen).__name__}/{number}": splitter
        for number, splitter in enumerate(screen.findChildren(QSplitter))
    }
