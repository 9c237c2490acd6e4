"""The station window: header, an always-visible banner slot, the screens, the status bar."""

from __future__ import annotations

import logging
import time

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from app.station import Station
from widgets.alarms import AlarmWidgets
from widgets.bridge import EngineBridge
from widgets.devices_view import DevicesView
from widgets.events_view import EventsView
from widgets.header import StationHeader
from widgets.overview import OverviewView
from widgets.status import StationStatusBar
from widgets.trend import TrendView

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Shows one running :class:`Station`; closing the window stops the station."""

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        layout.addWidget(self.header)
        self._banner_slot = QVBoxLayout()
        self._banner_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._banner_slot)
        self._banner: QWidget | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.overview = OverviewView(station.engine, self.bridge)
        self.trend = TrendView(station.engine, self.bridge)
        self.events = EventsView(station.config, self.bridge, station.storage.events)
        self.devices = DevicesView(station.engine, relearn=station.relearn)
        self.alarms = AlarmWidgets.create(
            station.alarms,
            history=lambda tag_id, t0, _t1: station.engine.recent.window(tag_id, since=t0),
            parent=self,
        )
        self.tabs.addTab(self.overview, self.tr("Overview"))
        self.tabs.addTab(self.alarms.summary, AlarmWidgets.summary_title())
        self.tabs.addTab(self.trend, self.tr("Trend"))
        self.tabs.addTab(self.events, self.tr("Events"))
        self.tabs.addTab(self.alarms.history, AlarmWidgets.history_title())
        self.tabs.addTab(self.alarms.performance, AlarmWidgets.performance_title())
        self.tabs.addTab(self.devices, self.tr("Devices"))
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.overview.follow_alarms(self.alarms.bridge.model, self.alarms.bridge.updated)
        # The alarm banner is always visible; clicking it opens the alarm summary.
        self.set_banner(self.alarms.banner)
        self.alarms.banner.summaryRequested.connect(
            lambda: self.tabs.setCurrentWidget(self.alarms.summary)
        )

        self.status = StationStatusBar(station)
        self.setStatusBar(self.status)
        self.resize(1400, 860)
        self.stop_seconds: float | None = None

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

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the station (workers, dispatcher, storage flush) before the window goes."""
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop forwarding and stop the station; idempotent."""
        if self.stop_seconds is not None:
            return
        started = time.monotonic()
        self.bridge.close()
        self.alarms.bridge.close()
        self.station.stop(2.0)
        self.stop_seconds = time.monotonic() - started
        log.info("station stopped in %.2f s", self.stop_seconds)
