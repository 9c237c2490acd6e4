"""Table model of the alarm summary: one row per alarm, updated in batches on the GUI thread.

Built for 100,000 rows and floods of 10,000 transitions a second:

* rows are only appended (new alarms) or updated in place; a transition never moves a row, so
  a batch costs one ``rowsInserted`` and a few ``dataChanged`` ranges, never a reset;
* sorting is done here, in Python, with one key function over the row list
  (:meth:`AlarmTableModel.sort`), because ``QSortFilterProxyModel``'s own sort calls ``data()``
  from C++ for every comparison — seconds for 100,000 rows;
* :class:`AlarmFilterProxy` filters with plain attribute reads of the source rows and passes
  sort requests on to the source model, so the proxy never sorts by itself.

Counts per priority are kept incrementally for the banner.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from app.alarms.model import AlarmState, AlarmView, Priority, Transition

ModelIndex = QModelIndex | QPersistentModelIndex

#: ISA-101 style: colour means priority, nothing else.
PRIORITY_COLOURS: dict[Priority, tuple[str, str]] = {
    Priority.CRITICAL: ("#c8102e", "#ffffff"),
    Priority.HIGH: ("#e06c00", "#000000"),
    Priority.MEDIUM: ("#f2b700", "#000000"),
    Priority.LOW: ("#7f8fbf", "#000000"),
}
MUTED = "#5c5c5c"

#: Up to this many new alarms per batch are inserted at their sorted place, more on top.
FEW_NEW_ROWS = 32
#: More separate runs of changed rows than this are announced as one span.
MAX_RUNS = 32
ALARM_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def priority_text(priority: Priority) -> str:
    """Translated priority name."""
    return {
        Priority.CRITICAL: QCoreApplication.translate("AlarmTableModel", "Critical"),
        Priority.HIGH: QCoreApplication.translate("AlarmTableModel", "High"),
        Priority.MEDIUM: QCoreApplication.translate("AlarmTableModel", "Medium"),
        Priority.LOW: QCoreApplication.translate("AlarmTableModel", "Low"),
    }[priority]


def state_text(state: AlarmState) -> str:
    """Translated ISA-18.2 state name."""
    return {
        AlarmState.NORMAL: QCoreApplication.translate("AlarmTableModel", "Normal"),
        AlarmState.UNACK: QCoreApplication.translate("AlarmTableModel", "Unacknowledged"),
        AlarmState.ACKED: QCoreApplication.translate("AlarmTableModel", "Acknowledged"),
        AlarmState.RTN_UNACK: QCoreApplication.translate(
            "AlarmTableModel", "Returned, unacknowledged"
        ),
        AlarmState.LATCHED: QCoreApplication.translate("AlarmTableModel", "Latched"),
        AlarmState.SHELVED: QCoreApplication.translate("AlarmTableModel", "Shelved"),
        AlarmState.SUPPRESSED: QCoreApplication.translate("AlarmTableModel", "Suppressed"),
        AlarmState.OUT_OF_SERVICE: QCoreApplication.translate("AlarmTableModel", "Out of service"),
    }[state]


def format_time(t: float | None) -> str:
    """Local date and time to the second."""
    if t is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


class AlarmRow:
    """What the summary shows of one alarm."""

    __slots__ = (
        "acked_by",
        "active_since",
        "alarm_id",
        "comment",
        "condition",
        "last_change",
        "message",
        "priority",
        "response",
        "seq",
        "source",
        "state",
        "value",
    )

    def __init__(self, alarm_id: str, source: str, condition: str, priority: Priority) -> None:
        self.alarm_id = alarm_id
        self.source = source
        self.condition = condition
        self.priority = priority
        self.state = AlarmState.NORMAL
        self.message = ""
        self.response = ""
        self.value: float | None = None
        self.active_since: float | None = None
        self.last_change: float | None = None
        self.acked_by: str | None = None
        self.comment = ""
        self.seq = -1

    @classmethod
    def from_view(cls, view: AlarmView) -> AlarmRow:
        row = cls(view.alarm_id, _source(view.device, view.tag), view.condition, view.priority)
        row.state = view.state
        row.message = view.message
        row.response = view.response
        row.value = view.value
        row.active_since = view.active_since
        row.last_change = view.last_change
        row.acked_by = view.acked_by
        row.comment = view.ack_comment
        return row

    def update(self, t: Transition) -> None:
        self.state = t.state
        self.message = t.message
        self.priority = t.priority
        self.value = t.value
        self.last_change = t.timestamp
        self.active_since = t.flags.get("active_since", self.active_since)
        self.acked_by = t.flags.get("acked_by", self.acked_by)
        self.comment = t.comment or self.comment
        self.response = t.flags.get("response", self.response) or self.response
        self.seq = t.seq


def _source(device: str, tag: str | None) -> str:
    return f"{device}.{tag}" if tag else device


class Column:
    """Column numbers of the summary."""

    TIME = 0
    PRIORITY = 1
    STATE = 2
    SOURCE = 3
    MESSAGE = 4
    VALUE = 5
    ACKED_BY = 6
    COUNT = 7


def _headers() -> list[str]:
    return [
        QCoreApplication.translate("AlarmTableModel", "Time"),
        QCoreApplication.translate("AlarmTableModel", "Priority"),
        QCoreApplication.translate("AlarmTableModel", "State"),
        QCoreApplication.translate("AlarmTableModel", "Source"),
        QCoreApplication.translate("AlarmTableModel", "Message"),
        QCoreApplication.translate("AlarmTableModel", "Value"),
        QCoreApplication.translate("AlarmTableModel", "Acknowledged by"),
    ]


_SORT_KEYS = {
    Column.TIME: lambda r: r.last_change or 0.0,
    Column.PRIORITY: lambda r: (int(r.priority), -(r.last_change or 0.0)),
    Column.STATE: lambda r: (r.state.value, -(r.last_change or 0.0)),
    Column.SOURCE: lambda r: (r.source, r.condition),
    Column.MESSAGE: lambda r: r.message.casefold(),
    Column.VALUE: lambda r: (r.value is None, r.value or 0.0),
    Column.ACKED_BY: lambda r: (r.acked_by or "").casefold(),
}


class AlarmTableModel(QAbstractTableModel):
    """Every alarm seen, most urgent state first by default."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AlarmRow] = []
        self._index: dict[str, int] = {}
        self._headers = _headers()
        self._sort: tuple[int, Qt.SortOrder] | None = None
        # Incremental counts: priority -> [annunciated, waiting for acknowledgement]
        self._counts: dict[Priority, list[int]] = {p: [0, 0] for p in Priority}
        self._annunciated: dict[str, AlarmRow] = {}
        # Newest first per priority, with lazy deletion: (-last change, -seq, alarm id)
        self._newest: dict[Priority, list[tuple[float, int, str]]] = {p: [] for p in Priority}

    # -- Qt model interface -------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else Column.COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == ALARM_ID_ROLE:
            return row.alarm_id
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._colour(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.MESSAGE:
            return row.response or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(row: AlarmRow, column: int) -> str:
        if column == Column.TIME:
            return format_time(row.last_change)
        if column == Column.PRIORITY:
            return priority_text(row.priority)
        if column == Column.STATE:
            return state_text(row.state)
        if column == Column.SOURCE:
            return row.source
        if column == Column.MESSAGE:
            return row.message
        if column == Column.VALUE:
            return "" if row.value is None else f"{row.value:.6g}"
        if column == Column.ACKED_BY:
            return row.acked_by or ""
        return ""

    @staticmethod
    def _colour(row: AlarmRow, column: int, role: int) -> QBrush | None:
        if not row.state.annunciated:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(MUTED))
            return None
        if column != Column.PRIORITY:
            return None
        background, text = PRIORITY_COLOURS[row.priority]
        colour = background if role == Qt.ItemDataRole.BackgroundRole else text
        return QBrush(QColor(colour))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows in Python (one key per row), keeping selections valid."""
        key = _SORT_KEYS.get(column)
        if key is None:
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old_ids = [r.alarm_id for r in self._rows]
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._index = {r.alarm_id: i for i, r in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        if persistent:
            self.changePersistentIndexList(
                persistent,
                [self.index(self._index[old_ids[p.row()]], p.column()) for p in persistent],
            )
        self.layoutChanged.emit()

    # -- content ------------------------------------------------------------------------------

    def reset(self, views: Iterable[AlarmView]) -> None:
        """Replace every row with a snapshot of the manager."""
        self.beginResetModel()
        self._rows = [AlarmRow.from_view(v) for v in views]
        self._index = {r.alarm_id: i for i, r in enumerate(self._rows)}
        self._counts = {p: [0, 0] for p in Priority}
        self._annunciated = {}
        self._newest = {p: [] for p in Priority}
        for row in self._rows:
            self._count(row, +1)
        self.endResetModel()
        if self._sort is not None:
            self.sort(*self._sort)

    def apply(self, transitions: Sequence[Transition]) -> int:
        """Apply a batch of transitions (oldest first); returns the rows touched."""
        changed: set[int] = set()
        new_rows: list[AlarmRow] = []
        new_index: dict[str, AlarmRow] = {}
        for t in transitions:
            position = self._index.get(t.alarm_id)
            if position is not None:
                row = self._rows[position]
                if t.seq <= row.seq:
                    continue  # already in the snapshot
                self._count(row, -1)
                row.update(t)
                self._count(row, +1)
                changed.add(position)
                continue
            row = new_index.get(t.alarm_id)  # type: ignore[assignment]
            if row is None:
                row = AlarmRow(t.alarm_id, _source(t.device, t.tag), t.condition, t.priority)
                new_index[t.alarm_id] = row
                new_rows.append(row)
            else:
                self._count(row, -1)
            row.update(t)
            self._count(row, +1)
        # Changed rows first: their positions are valid until rows are inserted. Scattered
        # changes (a flood over tags with several alarms each) go as one span, not thousands.
        runs = _runs(sorted(changed))
        if len(runs) > MAX_RUNS:
            runs = [(runs[0][0], runs[-1][1])]
        for start, end in runs:
            self.dataChanged.emit(self.index(start, 0), self.index(end, Column.COUNT - 1), [])
        if new_rows:
            self._insert(new_rows)
        return len(changed) + len(new_rows)

    def _insert(self, rows: list[AlarmRow]) -> None:
        """New alarms go where the current sort puts them (a few), or as a block on top (a
        flood: one insertion instead of thousands). Existing rows never move on their own."""
        if self._sort is None:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            for offset, row in enumerate(rows):
                self._index[row.alarm_id] = first + offset
            self.endInsertRows()
            return
        column, order = self._sort
        key = _SORT_KEYS[column]
        descending = order == Qt.SortOrder.DescendingOrder
        rows = sorted(rows, key=key, reverse=descending)
        if len(rows) > FEW_NEW_ROWS:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows[0:0] = rows
            self.endInsertRows()
        else:
            for row in rows:
                position = _position(self._rows, key(row), key, descending)
                self.beginInsertRows(QModelIndex(), position, position)
                self._rows.insert(position, row)
                self.endInsertRows()
        self._index = {r.alarm_id: i for i, r in enumerate(self._rows)}

    def _count(self, row: AlarmRow, step: int) -> None:
        if not row.state.annunciated:
            if step < 0:
                self._annunciated.pop(row.alarm_id, None)
            return
        counts = self._counts[row.priority]
        counts[0] += step
        if row.state.needs_ack:
            counts[1] += step
        if step > 0:
            self._annunciated[row.alarm_id] = row
            heap = self._newest[row.priority]
            heapq.heappush(heap, (-(row.last_change or 0.0), -row.seq, row.alarm_id))
            if len(heap) > 2 * len(self._annunciated) + 1000:  # too many stale entries
                self._rebuild_newest()
        else:
            self._annunciated.pop(row.alarm_id, None)

    def _rebuild_newest(self) -> None:
        self._newest = {p: [] for p in Priority}
        for row in self._annunciated.values():
            self._newest[row.priority].append((-(row.last_change or 0.0), -row.seq, row.alarm_id))
        for heap in self._newest.values():
            heapq.heapify(heap)

    # -- queries ------------------------------------------------------------------------------

    def by_device(self) -> dict[str, tuple[int, int, Priority]]:
        """``device -> (annunciated, waiting for acknowledgement, most urgent priority)``."""
        summary: dict[str, tuple[int, int, Priority]] = {}
        for row in self._rows:
            if not row.state.annunciated:
                continue
            device = row.source.partition(".")[0]
            total, unacked, top = summary.get(device, (0, 0, Priority.LOW))
            summary[device] = (
                total + 1,
                unacked + (1 if row.state.needs_ack else 0),
                min(top, row.priority),
            )
        return summary

    def row_at(self, position: int) -> AlarmRow:
        """The row object at a source row number."""
        return self._rows[position]

    def row_of(self, alarm_id: str) -> AlarmRow | None:
        """The row of an alarm, if shown."""
        position = self._index.get(alarm_id)
        return None if position is None else self._rows[position]

    def counts(self) -> dict[Priority, tuple[int, int]]:
        """Per priority: (annunciated, of which waiting for acknowledgement)."""
        return {p: (c[0], c[1]) for p, c in self._counts.items()}

    def most_urgent(self) -> AlarmRow | None:
        """The newest alarm of the highest priority that is annunciated (amortised O(log n))."""
        for priority in Priority:
            heap = self._newest[priority]
            while heap:
                _, neg_seq, alarm_id = heap[0]
                row = self._annunciated.get(alarm_id)
                if row is not None and row.priority == priority and row.seq == -neg_seq:
                    return row
                heapq.heappop(heap)  # stale: the row changed or left the banner
        return None

    def unacknowledged_ids(self) -> list[str]:
        """Ids of every alarm waiting for acknowledgement."""
        return [a for a, r in self._annunciated.items() if r.state.needs_ack]


def _position(rows: list[AlarmRow], value: Any, key: Any, descending: bool) -> int:
    """Where a row with sort key ``value`` goes: before the first row that sorts after it."""
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        k = key(rows[mid])
        if (k > value) if descending else (k < value):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


class AlarmFilterProxy(QSortFilterProxyModel):
    """Filters by state group, priority and text; sorting is delegated to the source model."""

    ACTIVE = "active"
    """Annunciated alarms only (the summary's default)."""
    HIDDEN = "hidden"
    """Shelved, suppressed and out of service."""
    ALL = "all"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._group = self.ACTIVE
        self._priorities: frozenset[Priority] = frozenset(Priority)
        self._text = ""
        # Re-filter rows whose state changed; the proxy never sorts (see sort()).
        self.setDynamicSortFilter(True)

    def set_group(self, group: str) -> None:
        """``active``, ``hidden`` or ``all``."""
        with self._filter_change():
            self._group = group

    def set_priorities(self, priorities: Iterable[Priority]) -> None:
        """Show only these priorities."""
        with self._filter_change():
            self._priorities = frozenset(priorities)

    def set_text(self, text: str) -> None:
        """Show only rows whose source or message contains ``text`` (any case)."""
        with self._filter_change():
            self._text = text.strip().casefold()

    @contextmanager
    def _filter_change(self) -> Iterator[None]:
        # Qt 6.9+ wants begin/endFilterChange around the change; invalidateFilter before it.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            yield
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            yield
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AlarmTableModel)
        row = model.row_at(source_row)
        if row.priority not in self._priorities:
            return False
        state = row.state
        if self._group == self.ACTIVE and not state.annunciated:
            return False
        if self._group == self.HIDDEN and state not in _HIDDEN:
            return False
        if self._text:
            return self._text in row.source.casefold() or self._text in row.message.casefold()
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, AlarmTableModel):
            model.sort(column, order)


_HIDDEN = frozenset({AlarmState.SHELVED, AlarmState.SUPPRESSED, AlarmState.OUT_OF_SERVICE})
