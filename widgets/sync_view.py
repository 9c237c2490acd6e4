"""The sync screen: per sink (MQTT, Sparkplug B, HTTPS) whether it is connected, what waits
(how many, since when), the last delivery, the last problem in words, the delivered and failed
counters, and a button that sends the failed messages again.

Everything shown is the sinks' status snapshots in memory (read once a second, no I/O on the
GUI thread). The retry goes through the station, which checks the ``sync.retry`` permission of
the user signed in and audits it; the sink's own thread sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTimer, Slot
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.security import SYNC_RETRY, AccessDenied, Actor
from app.station import STATION_USER, Station
from app.sync.publisher import SyncStatus
from app.sync.sinks import Sink
from widgets.format import format_age, format_clock
from widgets.i18n import on_language_change, translate_message
from widgets.users import SessionController

#: One row per figure, one column per sink (a narrow window keeps every sink in view).
ROWS = (
    QT_TRANSLATE_NOOP("SyncView", "Sends to"),
    QT_TRANSLATE_NOOP("SyncView", "Connection"),
    QT_TRANSLATE_NOOP("SyncView", "Waiting"),
    QT_TRANSLATE_NOOP("SyncView", "Oldest waiting"),
    QT_TRANSLATE_NOOP("SyncView", "Last delivered"),
    QT_TRANSLATE_NOOP("SyncView", "Delivered"),
    QT_TRANSLATE_NOOP("SyncView", "Failed"),
    QT_TRANSLATE_NOOP("SyncView", "Last problem"),
    QT_TRANSLATE_NOOP("SyncView", "Failed messages"),
)
SINK_NAMES = {
    "mqtt": QT_TRANSLATE_NOOP("SyncView", "MQTT (JSON)"),
    "sparkplug": QT_TRANSLATE_NOOP("SyncView", "Sparkplug B"),
    "https": QT_TRANSLATE_NOOP("SyncView", "HTTPS"),
}
RETRY_ROW = len(ROWS) - 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncView", text)


class SyncView(QWidget):
    """One row per sink; refreshed from memory once a second."""

    def __init__(
        self,
        station: Station,
        session: SessionController,
        parent: QWidget | None = None,
        refresh_ms: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.session = session
        self.clock = clock
        self._allowed = False
        self.sinks: list[Sink] = station.sync.sinks if station.sync is not None else []
        self.summary = QLabel(objectName="syncSummary")
        self.summary.setWordWrap(True)
        self.message = QLabel(objectName="syncMessage")
        self.message.setWordWrap(True)
        self.table = QTableWidget(len(ROWS), len(self.sinks))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.retry_buttons: list[QPushButton] = []
        for column, sink in enumerate(self.sinks):
            button = QPushButton(objectName="syncRetry")
            button.clicked.connect(lambda _=False, name=sink.name: self.retry(name))
            self.table.setCellWidget(RETRY_ROW, column, button)
            self.retry_buttons.append(button)
        self.table.setVisible(bool(self.sinks))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)
        session.changed.connect(self._show_permissions)
        on_language_change(self, self.retranslate)
        self._show_permissions()

    def retranslate(self) -> None:
        self.table.setVerticalHeaderLabels([_tr(r) for r in ROWS])
        self.table.setHorizontalHeaderLabels(
            [_tr(SINK_NAMES.get(sink.name, sink.name)) for sink in self.sinks]
        )
        for button in self.retry_buttons:
            button.setText(self.tr("Send again"))
        if not self.sinks:
            self.summary.setText(
                self.tr("Sync is off: the station config has no [sync] table (docs/SYNC.md).")
            )
        else:
            self.summary.setText(
                self.tr(
                    "Every message goes to each sink in order; a sink that is away catches up "
                    "when it is back. Failed messages were refused for good and are not sent "
                    "again unless you say so."
                )
            )
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        now = self.clock()
        for column, sink in enumerate(self.sinks):
            status = sink.status
            cells = [
                sink.target,
                self._connection(status),
                f"{status.backlog:,}",
                format_age(now - status.oldest) if status.oldest and status.backlog else "–",
                format_clock(status.last_delivered) if status.last_delivered else self.tr("never"),
                f"{status.delivered:,}",
                f"{status.rejected:,}",
                status.last_error.render(translate_message) if status.last_error else "–",
            ]
            for row, text in enumerate(cells):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                    item.setToolTip(text)
            if column < len(self.retry_buttons):
                button = self.retry_buttons[column]
                button.setEnabled(self._allowed and status.rejected > 0)
                button.setToolTip(
                    self.tr("Needs the permission to retry sync")
                    if not self._allowed
                    else self.tr("Nothing failed")
                    if not status.rejected
                    else ""
                )

    def _connection(self, status: SyncStatus) -> str:
        if not self.station.config.sync or not self.station.config.sync.enabled:
            return self.tr("off")
        if status.connected:
            return self.tr("connected")
        return status.message.render(translate_message)

    def _show_permissions(self) -> None:
        self._allowed = self.session.may(SYNC_RETRY)
        self.refresh()

    def retry(self, sink: str) -> None:
        """Ask the station to send the sink's failed messages again (checked and audited)."""
        actor = self.session.actor or Actor.named(STATION_USER)
        try:
            self.station.retry_sync(sink, actor)
        except AccessDenied as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(
            self.tr("The failed messages of %1 are sent again.").replace(
                "%1", _tr(SINK_NAMES.get(sink, sink))
            )
        )
