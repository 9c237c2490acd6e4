"""Alarm history: journaled transitions between two times, searchable by text.

The search runs on the database gateway's reader thread (``AlarmManager.query_history`` gives a
Future); its result comes back through a queued signal while the view shows it is searching.
No SQL runs on the GUI thread.

A communication loss suppresses every other alarm of its machine, and its end re-enables them:
those rows are folded into the comm-loss alarm's own row ("7 alarms of this machine
suppressed"), unless "Show each suppressed alarm" is ticked. Values are rounded and carry their
unit; times are local, as everywhere in the window.
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
    QCheckBox,
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

from app.alarms.definitions import comm_alarm_id
from app.alarms.manager import AlarmManager
from app.alarms.model import AlarmState, Transition, TransitionKind
from widgets.alarms.model import Sources, format_time, priority_text, state_text
from widgets.i18n import on_language_change, translate_message

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


_FOLDED = (TransitionKind.SUPPRESS, TransitionKind.UNSUPPRESS)


def fold_comm(rows: Sequence[Transition]) -> tuple[list[Transition], dict[int, list[Transition]]]:
    """Rows without the suppress / re-enable rows one cause made for many alarms of a machine
    at one instant, and those rows per row they are folded into (by ``seq``): a comm loss's (or
    its end's) into the comm alarm's raise or clear at that instant; others (suppression by
    design when the machine stops) into the first of them."""
    comm: dict[tuple[str, float], Transition] = {}
    for t in rows:
        if t.alarm_id == comm_alarm_id(t.device) and t.event in (
            TransitionKind.RAISE,
            TransitionKind.CLEAR,
        ):
            comm[(t.device, t.timestamp)] = t
    groups: dict[tuple[str, float, str], list[Transition]] = {}
    for t in rows:
        if t.event in _FOLDED:
            groups.setdefault((t.device, t.timestamp, t.event.value), []).append(t)
    kept: list[Transition] = []
    folded: dict[int, list[Transition]] = {}
    for t in rows:
        if t.event not in _FOLDED:
            kept.append(t)
            continue
        parent = comm.get((t.device, t.timestamp))
        group = groups[(t.device, t.timestamp, t.event.value)]
        if parent is None and (len(group) == 1 or group[0] is t):
            kept.append(t)  # alone, or the first of a group: it stands for the group
        else:
            folded.setdefault((parent or group[0]).seq, []).append(t)
    return kept, folded


HISTORY_COLUMNS = 9


def _comment_text(comment: str) -> str:
    """A person's comment as written; the one the alarm manager writes itself (a suppression
    by machine state, ``by design``) in the reader's language."""
    if comment == "by design":
        return QCoreApplication.translate("AlarmHistory", "by design")
    return comment


class HistoryModel(QAbstractTableModel):
    """Transitions, newest first."""

    def __init__(self, parent: QObject | None = None, sources: Sources | None = None) -> None:
        super().__init__(parent)
        self.sources = sources or Sources()
        self.rows: list[Transition] = []
        self.folded: dict[int, list[Transition]] = {}
        """Rows folded into each comm-loss row, by its ``seq``."""

    @property
    def headers(self) -> list[str]:
        """Column titles in the current language."""
        return [
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

    def set_rows(self, rows: Sequence[Transition], fold: bool = True) -> None:
        """Replace the content; ``fold`` groups what a comm loss did under its row."""
        self.beginResetModel()
        if fold:
            self.rows, self.folded = fold_comm(rows)
        else:
            self.rows, self.folded = list(rows), {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else HISTORY_COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        t = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return t.alarm_id
            if column == 8 and t.seq in self.folded:
                return "\n".join(
                    f"{_event_text(f.event)}: {self.sources.title(f.device, f.tag)}"
                    for f in self.folded[t.seq]
                )
            if column == 5:
                return t.flags.get("detail") or None
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return format_time(t.timestamp)
        if column == 1:
            return _event_text(t.event)
        if column == 2:
            return state_text(t.state)
        if column == 3:
            return priority_text(t.priority)
        if column == 4:
            return self.sources.title(t.device, t.tag)
        if column == 5:
            return t.message.render(translate_message)
        if column == 6:
            return self.sources.value(t.device, t.tag, t.condition, t.value)
        if column == 7:
            return t.actor or ""
        folded = self.folded.get(t.seq)
        if folded:
            if t.event == TransitionKind.RAISE:
                what = QCoreApplication.translate(
                    "AlarmHistory", "%1 alarms of this machine suppressed"
                )
            elif t.event == TransitionKind.CLEAR:
                what = QCoreApplication.translate(
                    "AlarmHistory", "%1 alarms of this machine re-enabled"
                )
            else:
                what = QCoreApplication.translate("AlarmHistory", "and %1 more of this machine")
            what = what.replace("%1", str(len(folded)))
            comment = _comment_text(t.comment)
            return f"{comment}  ({what})" if comment else what
        return _comment_text(t.comment)


class AlarmHistoryView(QWidget):
    """Search the alarm journal between two times."""

    _arrived = Signal(object)
    """(search number, Future, start time): emitted on the reader thread, received queued."""
    searched = Signal()
    """A search's result (or its error) is shown."""

    def __init__(self, manager: AlarmManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.model = HistoryModel(self, Sources(manager.config))
        self.busy = False
        self._search = 0  # only the newest search's answer is shown
        self._arrived.connect(self._show, Qt.ConnectionType.QueuedConnection)
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-1), self)
        self.end = QDateTimeEdit(now, self)
        self.end_is_now = True
        """The "to" time follows the clock at each search until someone changes it."""
        self.end.dateTimeChanged.connect(self._end_edited)
        self._setting_end = False
        self.each = QCheckBox(self)
        self.each.toggled.connect(lambda _on: self._refold())
        self._last: list[Transition] = []
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.refresh)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.refresh)
        self.status = QLabel(self)
        self.spinner = QProgressBar(self)
        self.spinner.setRange(0, 0)  # busy indicator: no percentage to show
        self.spinner.setMaximumWidth(120)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        bar = QHBoxLayout()
        self._from_label = QLabel(self)
        self._to_label = QLabel(self)
        bar.addWidget(self._from_label)
        bar.addWidget(self.start)
        bar.addWidget(self._to_label)
        bar.addWidget(self.end)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.each)
        bar.addWidget(self.button)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)  # the comment
        metrics = self.table.fontMetrics()
        for column, sample in (
            (0, format_time(1_767_225_599.0)),
            (1, _event_text(TransitionKind.CLEAR)),
            (2, state_text(AlarmState.RTN_UNACK)),
            (3, "Critical"),
            (4, "Conveyor washer · Spray pump"),
            (5, "Peak pressure of the last shot high: above 950 bar"),
            (6, "1,086 bar"),
            (7, "Operator"),
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 20)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.spinner)
        layout.addLayout(footer)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language (rows repaint)."""
        self.each.setText(self.tr("Show each suppressed alarm"))
        self.each.setToolTip(
            self.tr("A communication loss suppresses every other alarm of its machine")
        )
        self.search.setPlaceholderText(self.tr("Search alarm, message, user or comment"))
        self.button.setText(self.tr("Search"))
        self._from_label.setText(self.tr("From"))
        self._to_label.setText(self.tr("to"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, HISTORY_COLUMNS - 1)
        self.table.viewport().update()

    def _end_edited(self, _when: QDateTime) -> None:
        if not self._setting_end:
            self.end_is_now = False

    def _refold(self) -> None:
        self.model.set_rows(self._last, fold=not self.each.isChecked())

    def refresh(self) -> None:
        """Run the search (newest first, at most 5,000 rows)."""
        if self.end_is_now:
            self._setting_end = True
            self.end.setDateTime(QDateTime.currentDateTime().addSecs(60))
            self._setting_end = False
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
        self._last = rows
        self.model.set_rows(rows, fold=not self.each.isChecked())
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
