"""Alarm history: journaled transitions between two times, searchable by text.

The search runs on the database gateway's reader thread (``AlarmManager.query_history`` gives a
Future); its result comes back through a queued signal while the view shows it is searching.
No SQL runs on the GUI thread.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.alarms.manager import AlarmManager
from app.alarms.model import Transition, TransitionKind
from widgets.alarms.model import format_time, priority_text, state_text

LIMIT = 5000


def _event_text(event: TransitionKind) -> str:
    return {
        TransitionKind.RAISE: QCoreApplication.translate("AlarmHistory", "Raised"),
        TransitionKind.CLEAR: QCoreApplication.translate("AlarmHistory", "Returned to normal"),
        TransitionKind.ACK: QCoreApplication.translate("AlarmHistory", "Acknowledged"),
        TransitionKind.SHELVE: QCoreApplication.translate("AlarmHistory", "Shelved"),
        TransitionKind.UNSHELVE: QCoreApplication.translate("AlarmHistory", "Unshelved"),
        TransitionKind.SUPPRESS: QCoreApplication.translate("AlarmHistory", "Suppressed"),
        TransitionKind.UNSUPPRESS: QCoreApplication.translate("AlarmHistory", "Re-enabled"),
        TransitionKind.OUT_OF_SERVICE: QCoreApplication.translate("AlarmHistory", "Out of service"),
        TransitionKind.IN_SERVICE: QCoreApplication.translate("AlarmHistory", "Back in service"),
    }[event]


class HistoryModel(QAbstractTableModel):
    """Transitions, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Transition] = []
        self.headers = [
            QCoreApplication.translate("AlarmHistory", "Time"),
            QCoreApplication.translate("AlarmHistory", "Event"),
            QCoreApplication.translate("AlarmHistory", "State"),
            QCoreApplication.translate("AlarmHistory", "Priority"),
            QCoreApplication.translate("AlarmHistory", "Alarm"),
            QCoreApplication.translate("AlarmHistory", "Message"),
            QCoreApplication.translate("AlarmHistory", "Value"),
            QCoreApplication.translate("AlarmHistory", "User"),
            QCoreApplication.translate("AlarmHistory", "Comment"),
        ]

    def set_rows(self, rows: Sequence[Transition]) -> None:
        """Replace the content."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        t = self.rows[index.row()]
        return [
            format_time(t.timestamp),
            _event_text(t.event),
            state_text(t.state),
            priority_text(t.priority),
            t.alarm_id,
            t.message,
            "" if t.value is None else f"{t.value:.6g}",
            t.actor or "",
            t.comment,
        ][index.column()]


class AlarmHistoryView(QWidget):
    """Search the alarm journal between two times."""

    _arrived = Signal(object)
    """(search number, Future, start time): emitted on the reader thread, received queued."""
    searched = Signal()
    """A search's result (or its error) is shown."""

    def __init__(self, manager: AlarmManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.model = HistoryModel(self)
        self.busy = False
        self._search = 0  # only the newest search's answer is shown
        self._arrived.connect(self._show, Qt.ConnectionType.QueuedConnection)
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-1), self)
        self.end = QDateTimeEdit(now.addSecs(3600), self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search alarm, message, user or comment"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.refresh)
        self.button = QPushButton(self.tr("Search"), self)
        self.button.clicked.connect(self.refresh)
        self.status = QLabel(self)
        self.spinner = QProgressBar(self)
        self.spinner.setRange(0, 0)  # busy indicator: no percentage to show
        self.spinner.setMaximumWidth(120)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("From"), self))
        bar.addWidget(self.start)
        bar.addWidget(QLabel(self.tr("to"), self))
        bar.addWidget(self.end)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.button)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(4, 200)
        self.table.setColumnWidth(5, 280)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.spinner)
        layout.addLayout(footer)

    def refresh(self) -> None:
        """Run the search (newest first, at most 5,000 rows)."""
        start = self.start.dateTime().toSecsSinceEpoch()
        end = self.end.dateTime().toSecsSinceEpoch()
        if end <= start:
            self.status.setText(self.tr("The end must be after the start."))
            return
        self._search += 1
        search = self._search
        self.busy = True
        self.spinner.show()
        self.status.setText(self.tr("Searching…"))
        started = time.perf_counter()
        future = self.manager.query_history(
            float(start), float(end), self.search.text().strip(), LIMIT
        )
        future.add_done_callback(lambda done: self._hand_over(search, done, started))

    def _hand_over(self, search: int, future: Future[list[Transition]], started: float) -> None:
        # Reader thread: only a queued signal; RuntimeError: the view was closed meanwhile.
        with contextlib.suppress(RuntimeError):
            self._arrived.emit((search, future, started))

    @Slot(object)
    def _show(self, answer: tuple[int, Future[list[Transition]], float]) -> None:
        search, future, started = answer
        if search != self._search:
            return  # an older search; a newer one is running
        self.busy = False
        self.spinner.hide()
        try:
            rows = future.result()
        except Exception as exc:  # the database cannot be read: say so, keep the old rows
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            self.status.setText(
                self.tr("The alarm journal cannot be read: %1").replace("%1", first)
            )
            self.searched.emit()
            return
        self.model.set_rows(rows)
        text = (
            self.tr("%1 entries (%2 ms)")
            .replace("%1", str(len(rows)))
            .replace("%2", f"{(time.perf_counter() - started) * 1000:.0f}")
        )
        if len(rows) >= LIMIT:
            text += " — " + self.tr("only the newest are shown; narrow the search")
        status = self.manager.journal_status
        if not status.ok:
            text += " — " + self.tr("journal error: %1").replace("%1", status.error)
        self.status.setText(text)
        self.searched.emit()
