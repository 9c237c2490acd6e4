"""Status bar: database and its health, devices online, samples per second."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.station import Station
from widgets.i18n import on_language_change, translate_message

MAX_URL_CHARS = 60


def short_url(url: str) -> str:
    """A database URL shortened in the middle so the status bar stays readable."""
    if len(url) <= MAX_URL_CHARS:
        return url
    half = (MAX_URL_CHARS - 1) // 2
    return f"{url[:half]}…{url[-half:]}"


class StationStatusBar(QStatusBar):
    """Permanent station health indicators, refreshed every second."""

    def __init__(self, station: Station, parent: QWidget | None = None, refresh_ms: int = 1000):
        super().__init__(parent)
        self.station = station
        self.database = QLabel()
        self.database.setToolTip(station.database_url)
        self.devices = QLabel()
        self.rate = QLabel()
        self.addPermanentWidget(self.database, 1)
        self.addPermanentWidget(self.devices)
        self.addPermanentWidget(self.rate)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)
        on_language_change(self, self.refresh)

    def _problem(self) -> str:
        """Why the database refuses writes, in the window's language where the core says it
        as a message (a full disk); the database's own words otherwise."""
        storage = self.station.storage
        warning = storage.warning
        return warning.render(translate_message) if warning is not None else storage.last_error

    @Slot()
    def refresh(self) -> None:
        """Re-read the counters (all in memory)."""
        storage = self.station.storage
        url = short_url(self.station.database_url)
        if storage.healthy:
            self.database.setText(self.tr("Database: %1 – OK").replace("%1", url))
            self.database.setObjectName("")
        else:
            self.database.setText(
                self.tr("Database: %1 – WRITE FAILING (%2 rows waiting): %3")
                .replace("%1", url)
                .replace("%2", f"{storage.pending:,}")
                .replace("%3", self._problem())
            )
            self.database.setObjectName("statusBad")
        self.database.style().polish(self.database)
        diagnostics = self.station.engine.diagnostics()
        online = sum(1 for d in diagnostics if d.connected)
        self.devices.setText(
            self.tr("Devices online %1/%2")
            .replace("%1", str(online))
            .replace("%2", str(len(diagnostics)))
        )
        self.devices.setObjectName("statusBad" if online < len(diagnostics) else "")
        self.devices.style().polish(self.devices)
        rate = self.station.engine.samples_per_second()
        self.rate.setText(self.tr("%1 samples/s").replace("%1", f"{rate:,.0f}"))
