"""Event list: communication lost/restored, machine states, parts scanned; newest first, with
filters by kind and device and a text search."""

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
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.config import StationConfig
from app.model import Event, EventKind, Severity
from app.storage.events import EventStore
from widgets.bridge import EngineBridge
from widgets.format import format_datetime
from widgets.i18n import on_language_change, translate_message
from widgets.tables import setup_read_only_table
from widgets.theme import FAULT

log = logging.getLogger(__name__)

MAX_EVENTS = 2000
#: The event kinds the filter offers, in its order (after "All kinds").
KIND_FILTERS = (
    EventKind.STATE_CHANGED,
    EventKind.COMM_LOSS,
    EventKind.COMM_RESTORED,
    EventKind.PART_SCANNED,
    EventKind.DEVICE_WRITE,
)
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
        self.retranslate()

    def retranslate(self) -> None:
        """Headers and severities in the current language; the view repaints every row."""
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
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)
        if self._events:  # messages are rendered when shown: a repaint re-renders them
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._events) - 1, len(self._headers) - 1)
            )

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


class EventFilter(QSortFilterProxyModel):
    """Shows the events of one kind and one device (or all) whose text contains a search."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind: EventKind | None = None
        self.device: str | None = None
        self.text = ""

    def set_filter(
        self, kind: EventKind | None = None, device: str | None = None, text: str = ""
    ) -> None:
        """Show only events of ``kind`` from ``device`` containing ``text`` (None: any)."""
        self.beginFilterChange()
        self.kind, self.device, self.text = kind, device, text.strip().casefold()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, EventModel)
        event = model.event_at(source_row)
        if self.kind is not None and event.kind != self.kind:
            return False
        if self.device is not None and event.source != self.device:
            return False
        if not self.text:
            return True
        haystack = " ".join(
            str(model.data(model.index(source_row, column)) or "")
            for column in range(model.columnCount())
        )
        return self.text in haystack.casefold()


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
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        setup_read_only_table(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.kind_box = QComboBox()
        self.kind_box.addItem("", None)
        for kind in KIND_FILTERS:
            self.kind_box.addItem("", str(kind))
        self.device_box = QComboBox()
        self.device_box.addItem("", None)
        for device in config.devices:
            self.device_box.addItem(device.display_name, device.name)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self._show_label = QLabel()
        self._from_label = QLabel()
        bar.addWidget(self._show_label)
        bar.addWidget(self.kind_box)
        bar.addWidget(self._from_label)
        bar.addWidget(self.device_box)
        bar.addWidget(self.search, 1)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.kind_box.currentIndexChanged.connect(self._apply_filter)
        self.device_box.currentIndexChanged.connect(self._apply_filter)
        self.search.textChanged.connect(self._apply_filter)
        on_language_change(self, self.retranslate)
        bridge.eventsArrived.connect(self.model.add)
        self._loaded.connect(self.model.add, Qt.ConnectionType.QueuedConnection)
        if store is not None:
            # The database is read on a worker thread: no I/O on the GUI thread.
            threading.Thread(
                target=self._load, args=(store,), name="events-load", daemon=True
            ).start()

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language."""
        titles = [
            self.tr("All kinds"),
            self.tr("Machine state changes"),
            self.tr("Communication lost"),
            self.tr("Communication restored"),
            self.tr("Parts scanned"),
            self.tr("Values written"),
        ]
        for index, title in enumerate(titles):
            self.kind_box.setItemText(index, title)
        self.device_box.setItemText(0, self.tr("All devices"))
        self.search.setPlaceholderText(self.tr("Search events…"))
        self._show_label.setText(self.tr("Show"))
        self._from_label.setText(self.tr("from"))
        self.model.retranslate()

    def set_filter(
        self, kind: EventKind | None = None, device: str | None = None, text: str = ""
    ) -> None:
        """Set the filter controls (and so the filter)."""
        self.kind_box.setCurrentIndex(self.kind_box.findData(str(kind)) if kind else 0)
        self.device_box.setCurrentIndex(self.device_box.findData(device) if device else 0)
        self.search.setText(text)
        self._apply_filter()

    def shown(self) -> list[Event]:
        """The events the table shows, top to bottom (for tests)."""
        return [
            self.model.event_at(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            for row in range(self.proxy.rowCount())
        ]

    @Slot()
    def _apply_filter(self) -> None:
        kind = self.kind_box.currentData()
        device = self.device_box.currentData()
        self.proxy.set_filter(EventKind(kind) if kind else None, device or None, self.search.text())

    def _load(self, store: EventStore) -> None:
        try:
            events = store.recent(STARTUP_EVENTS)
        except Exception as exc:  # the list starts empty; live events still arrive
            log.warning("could not read past events: %s", exc)
            return
        # RuntimeError: the view was closed before the database answered.
        with contextlib.suppress(RuntimeError):
            self._loaded.emit(events)
