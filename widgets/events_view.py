"""Event list: communication lost/restored, parts scanned, limit events; newest first."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView, QVBoxLayout, QWidget

from app.config import StationConfig
from app.model import Event, Severity
from app.storage.events import EventStore
from widgets.bridge import EngineBridge
from widgets.format import format_datetime
from widgets.i18n import translate_message
from widgets.tables import setup_read_only_table
from widgets.theme import FAULT

log = logging.getLogger(__name__)

MAX_EVENTS = 2000
STARTUP_EVENTS = 200
_Index = QModelIndex | QPersistentModelIndex


class EventModel(QAbstractTableModel):
    """Events newest first, capped at ``limit`` rows."""

    COLUMNS = ("time", "severity", "source", "message")

    def __init__(
        self, config: StationConfig, limit: int = MAX_EVENTS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.limit = limit
        self._events: list[Event] = []
        self._names = {d.name: d.display_name for d in config.devices}
        self._headers = [
            self.tr("Time"),
            self.tr("Severity"),
            self.tr("Source"),
            self.tr("Message"),
        ]
        self._severity = {
            Severity.INFO: self.tr("Info"),
            Severity.WARNING: self.tr("Warning"),
            Severity.ERROR: self.tr("Error"),
        }

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def event_at(self, row: int) -> Event:
        """The event shown in ``row``."""
        return self._events[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self._events[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "time":
                return format_datetime(event.timestamp)
            if column == "severity":
                return self._severity.get(event.severity, str(event.severity))
            if column == "source":
                return self._names.get(event.source, event.source)
            return event.message.render(translate_message)
        if role == Qt.ItemDataRole.ForegroundRole and event.severity >= Severity.ERROR:
            return QColor(FAULT)
        if role == Qt.ItemDataRole.ToolTipRole:
            detail = event.data.get("detail")
            return f"{event.kind} – {event.source}" + (f"\n{detail}" if detail else "")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def add(self, events: list[Event]) -> None:
        """Add events (any order); they are kept newest first and the oldest beyond the cap go."""
        if not events:
            return
        known = {(e.timestamp, e.kind, e.source) for e in self._events}
        fresh = [e for e in events if (e.timestamp, e.kind, e.source) not in known]
        if not fresh:
            return
        newest = self._events[0].timestamp if self._events else float("-inf")
        if all(e.timestamp >= newest for e in fresh):
            # Live events: insert at the top without resetting the view.
            fresh.sort(key=lambda e: e.timestamp, reverse=True)
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._events[:0] = fresh
            self.endInsertRows()
        else:
            self.beginResetModel()
            self._events = sorted(self._events + fresh, key=lambda e: e.timestamp, reverse=True)
            self.endResetModel()
        if len(self._events) > self.limit:
            self.beginRemoveRows(QModelIndex(), self.limit, len(self._events) - 1)
            del self._events[self.limit :]
            self.endRemoveRows()


class EventsView(QWidget):
    """The event table, fed by the bridge and seeded from the database at start-up."""

    _loaded = Signal(list)

    def __init__(
        self,
        config: StationConfig,
        bridge: EngineBridge,
        store: EventStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = EventModel(config, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_read_only_table(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.table)
        bridge.eventsArrived.connect(self.model.add)
        self._loaded.connect(self.model.add, Qt.ConnectionType.QueuedConnection)
        if store is not None:
            # The database is read on a worker thread: no I/O on the GUI thread.
            threading.Thread(
                target=self._load, args=(store,), name="events-load", daemon=True
            ).start()

    def _load(self, store: EventStore) -> None:
        try:
            events = store.recent(STARTUP_EVENTS)
        except Exception as exc:  # the list starts empty; live events still arrive
            log.warning("could not read past events: %s", exc)
            return
        # RuntimeError: the view was closed before the database answered.
        with contextlib.suppress(RuntimeError):
            self._loaded.emit(events)
