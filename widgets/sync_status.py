"""The sync indicator of the status bar: connected or why not, backlog, last delivery.

Reads :attr:`app.sync.service.SyncService.status` (a snapshot in memory) once a second; the
publisher's own words are message ids rendered in the reader's language.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel, QWidget

from app.sync.service import SyncService
from widgets.i18n import translate_message


class SyncStatusLabel(QLabel):
    """``Sync: connected · 0 waiting · last 10:42:05``, red while a warning stands."""

    def __init__(self, sync: SyncService, parent: QWidget | None = None, refresh_ms: int = 1000):
        super().__init__(parent)
        self.sync = sync
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)

    @Slot()
    def refresh(self) -> None:
        status = self.sync.status
        if not self.sync.config.enabled:
            self.setText(self.tr("Sync: off"))
            return
        state = (
            self.tr("connected") if status.connected else status.message.render(translate_message)
        )
        last = (
            datetime.fromtimestamp(status.last_delivered).strftime("%H:%M:%S")
            if status.last_delivered
            else self.tr("never")
        )
        self.setText(
            self.tr("Sync: %1 · %2 waiting · last delivered %3")
            .replace("%1", state)
            .replace("%2", f"{status.backlog:,}")
            .replace("%3", last)
        )
        error = status.last_error.render(translate_message) if status.last_error else ""
        self.setToolTip(self.tr("Last problem: %1").replace("%1", error) if error else "")
        bad = status.backlog_warning or not status.connected
        self.setObjectName("statusBad" if bad else "")
        self.style().polish(self)
