"""Table model of the alarm summary: one row per alarm, updated in batches on the GUI thread.

Built for 100,000 rows and floods of 10,000 transitions a second:

* the rows stay in the order the sort arrow claims after every batch: the sort key of each row
  is cached beside it, and a batch re-places only the rows it changed (binary search among the
  cached keys, then one list rebuild with C-level slices and one ``layoutChanged``);
* sorting is done here, in Python, with one key function over the row list
  (:meth:`AlarmTableModel.sort`), because ``QSortFilterProxyModel``'s own sort calls ``data()``
  from C++ for every comparison — seconds for 100,000 rows;
* :meth:`AlarmTableModel.update` and :meth:`AlarmTableModel.settle` split a batch so the bridge
  can bound the GUI thread's work per timer tick;
* :class:`AlarmFilterProxy` is not a ``QSortFilterProxyModel`` (which re-filters every row in
  Python at each layout change): it keeps its own filtered list in the model's order and
  follows each re-placement the same way; sort requests go to the source model;
* painting asks for all roles of a cell in one ``multiData`` call instead of seven ``data``
  calls.

Counts per priority are kept incrementally for the banner.

Messages are :class:`app.messages.Message` objects rendered in the reader's language
(:func:`widgets.i18n.translate_message`); the Source column shows machine titles and tag
descriptions, not ids. An anomaly alarm of a tag whose limit alarm rose while the anomaly was
active is shown as that limit alarm's early warning ("early warning: anomaly 42 s before"),
not as a row of its own; it stays its own alarm in the manager and the journal.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from app.alarms.model import AlarmState, AlarmView, Priority, ShelveInfo, Transition
from app.messages import Message
from widgets import palette
from widgets.format import format_number, format_value
from widgets.i18n import current_language, translate_message

ModelIndex = QModelIndex | QPersistentModelIndex

#: ISA-101 style: colour means priority, nothing else.
PRIORITY_COLOURS = palette.PRIORITY_COLOURS  # one palette for every screen

ALARM_ID_ROLE = Qt.ItemDataRole.UserRole + 2

#: ``(device, tag) -> text`` for the Source column: machine title and tag description.
Titles = Callable[[str, str | None], str]


class _Said:
    """Renders messages in the reader's language, once per message object (a flood repeats
    the same few objects: each alarm keeps its message until it changes)."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Message, str]] = {}

    def __call__(self, message: Message) -> str:
        hit = self._cache.get(id(message))
        if hit is not None and hit[0] is message:
            return hit[1]
        if len(self._cache) > 50_000:
            self._cache.clear()
        text = message.render(translate_message)
        self._cache[id(message)] = (message, text)
        return text


def is_anomaly(condition: str) -> bool:
    """An anomaly alarm (condition ``anomaly.<detector>``)."""
    return condition.startswith("anomaly.")


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
        "detail",
        "device",
        "early",
        "key",
        "last_change",
        "message",
        "priority",
        "related_to",
        "response",
        "seq",
        "shelve",
        "source",
        "state",
        "suppressed_by",
        "tag",
        "text",
        "title",
        "value",
    )

    def __init__(
        self,
        alarm_id: str,
        device: str,
        tag: str | None,
        condition: str,
        priority: Priority,
        title: str = "",
    ) -> None:
        self.alarm_id = alarm_id
        self.device = device
        self.tag = tag
        self.source = _source(device, tag)
        """Ids (``washer.pressure``): filters and per-device counts."""
        self.title = title or self.source
        """What the Source column shows: the machine's title and the tag's description."""
        self.condition = condition
        self.priority = priority
        self.state = AlarmState.NORMAL
        self.message: Message = Message("alarm.custom", {"text": ""})
        self.text = ""
        """The message rendered in the reader's language."""
        self.detail = ""
        self.shelve: ShelveInfo | None = None
        self.suppressed_by = ""
        self.key: Any = None
        """Sort key under the model's current sort (None until placed)."""
        self.early: tuple[str, float] | None = None
        """(anomaly alarm id, seconds it rose before this limit alarm)."""
        self.related_to: str | None = None
        """For an anomaly shown as a limit alarm's early warning: that alarm's id."""
        self.response = ""
        self.value: float | None = None
        self.active_since: float | None = None
        self.last_change: float | None = None
        self.acked_by: str | None = None
        self.comment = ""
        self.seq = -1

    @classmethod
    def from_view(cls, view: AlarmView, titles: Titles, said: _Said) -> AlarmRow:
        row = cls(
            view.alarm_id,
            view.device,
            view.tag,
            view.condition,
            view.priority,
            titles(view.device, view.tag),
        )
        row.state = view.state
        row.message = view.message
        row.text = said(view.message)
        row.detail = view.detail
        row.shelve = view.shelve
        row.suppressed_by = view.suppressed_by
        row.response = view.response
        row.value = view.value
        row.active_since = view.active_since
        row.last_change = view.last_change
        row.acked_by = view.acked_by
        row.comment = view.ack_comment
        return row

    def update(self, t: Transition, said: _Said) -> None:
        self.state = t.state
        if t.message is not self.message:
            self.message = t.message
            self.text = said(t.message)
        flags = t.flags
        shelve = flags.get("shelve")
        self.shelve = ShelveInfo(**shelve) if isinstance(shelve, dict) else None
        self.suppressed_by = (
            "comm" if flags.get("comm") else ("design" if flags.get("design") else "")
        )
        self.detail = flags.get("detail") or ""
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


class Sources:
    """Titles and units of the station's machines and tags, for people (not ids)."""

    def __init__(self, config: Any = None) -> None:
        self._devices: dict[str, str] = {}
        self._tags: dict[tuple[str, str], Any] = {}
        for device in getattr(config, "devices", ()):
            self._devices[device.name] = device.display_name
            for tag in device.tags:
                self._tags[(device.name, tag.name)] = tag

    def title(self, device: str, tag: str | None) -> str:
        """``Conveyor washer · Spray pressure`` (ids where the config has no title)."""
        machine = self._devices.get(device, device)
        if tag is None:
            return machine
        config = self._tags.get((device, tag))
        return f"{machine} · {(config.description if config else '') or tag}"

    def titles(self) -> list[str]:
        """Every title the Source column can show (to size it)."""
        machines = [self.title(d, None) for d in self._devices]
        return machines + [self.title(d, t) for d, t in self._tags]

    def value(self, device: str, tag: str | None, condition: str, value: float | None) -> str:
        """A rounded value with its unit; an anomaly's value is its score."""
        if value is None:
            return ""
        if is_anomaly(condition):
            return QCoreApplication.translate("AlarmTableModel", "score %1").replace(
                "%1", format_number(value)
            )
        config = self._tags.get((device, tag)) if tag else None
        if config is None:
            return format_number(value)
        text = format_value(config, value)
        return f"{text} {config.unit}" if config.unit else text


class Column:
    """Column numbers of the summary."""

    TIME = 0
    PRIORITY = 1
    STATE = 2
    SOURCE = 3
    MESSAGE = 4
    VALUE = 5
    ACKED_BY = 6
    SHELVED_BY = 7
    UNTIL = 8
    REASON = 9
    COUNT = 10
    HIDDEN_ONLY = (SHELVED_BY, UNTIL, REASON)
    """Shown with the shelved / suppressed / out-of-service alarms."""


def _headers() -> list[str]:
    return [
        QCoreApplication.translate("AlarmTableModel", "Time"),
        QCoreApplication.translate("AlarmTableModel", "Priority"),
        QCoreApplication.translate("AlarmTableModel", "State"),
        QCoreApplication.translate("AlarmTableModel", "Source"),
        QCoreApplication.translate("AlarmTableModel", "Message"),
        QCoreApplication.translate("AlarmTableModel", "Value"),
        QCoreApplication.translate("AlarmTableModel", "Acknowledged by"),
        QCoreApplication.translate("AlarmTableModel", "Shelved by"),
        QCoreApplication.translate("AlarmTableModel", "Until"),
        QCoreApplication.translate("AlarmTableModel", "Reason"),
    ]


def _reason(row: AlarmRow) -> str:
    if row.shelve is not None:
        return row.shelve.reason
    if row.suppressed_by == "comm":
        return QCoreApplication.translate("AlarmTableModel", "Suppressed: communication lost")
    if row.suppressed_by == "design":
        return QCoreApplication.translate("AlarmTableModel", "Suppressed by design")
    return row.comment if row.state == AlarmState.OUT_OF_SERVICE else ""


_SORT_KEYS: dict[int, Callable[[AlarmRow], Any]] = {
    Column.TIME: lambda r: (r.last_change or 0.0, r.alarm_id),
    Column.PRIORITY: lambda r: (int(r.priority), -(r.last_change or 0.0), r.alarm_id),
    Column.STATE: lambda r: (r.state.value, -(r.last_change or 0.0), r.alarm_id),
    Column.SOURCE: lambda r: (r.title.casefold(), r.condition, r.alarm_id),
    Column.MESSAGE: lambda r: (r.text.casefold(), r.alarm_id),
    Column.VALUE: lambda r: (r.value is None, r.value or 0.0, r.alarm_id),
    Column.ACKED_BY: lambda r: ((r.acked_by or "").casefold(), r.alarm_id),
    Column.SHELVED_BY: lambda r: ((r.shelve.actor if r.shelve else "").casefold(), r.alarm_id),
    Column.UNTIL: lambda r: (r.shelve.until if r.shelve else 0.0, r.alarm_id),
    Column.REASON: lambda r: (_reason(r).casefold(), r.alarm_id),
}
"""Every key ends with the alarm id: no ties, so the order is one and the same however the
rows got there (a full sort or re-placing changed rows)."""

#: Descending orders that have an ascending key (numbers negated): kept ascending, so the
#: binary searches run in C (``bisect`` with a key); ties then go by ascending alarm id.
_DESCENDING_KEYS: dict[int, Callable[[AlarmRow], Any]] = {
    Column.TIME: lambda r: (-(r.last_change or 0.0), r.alarm_id),
    Column.PRIORITY: lambda r: (-int(r.priority), r.last_change or 0.0, r.alarm_id),
    Column.VALUE: lambda r: (r.value is not None, -(r.value or 0.0), r.alarm_id),
    Column.UNTIL: lambda r: (-(r.shelve.until if r.shelve else 0.0), r.alarm_id),
}


def sort_key(column: int, order: Qt.SortOrder) -> tuple[Callable[[AlarmRow], Any], bool]:
    """(key function, whether the rows are in descending order of that key)."""
    if order == Qt.SortOrder.DescendingOrder:
        ascending = _DESCENDING_KEYS.get(column)
        if ascending is not None:
            return ascending, False
        return _SORT_KEYS[column], True
    return _SORT_KEYS[column], False


class _RowTable(QAbstractTableModel):
    """What the source model and its filtered view share: the columns and how a row looks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def _rows_shown(self) -> list[AlarmRow]:
        raise NotImplementedError

    def _source(self) -> AlarmTableModel:
        raise NotImplementedError

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows_shown())

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else Column.COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _headers()[section]  # asked again after a language change
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every painted cell: unused roles leave at once.
        if role not in _ROLES:
            return None
        position = index.row()
        rows = self._rows_shown()
        if not 0 <= position < len(rows):
            return None
        row = rows[position]
        column = index.column()
        if role == _DISPLAY:
            return self._display(row, column)
        if role == ALARM_ID_ROLE:
            return row.alarm_id
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == _ALIGN:
            return _RIGHT if column == Column.VALUE else None
        return _colour(row, column, role)

    def multiData(self, index: ModelIndex, roleDataSpan: Any) -> None:
        # The item delegate asks for its seven roles of a cell in one call (Qt 6): one Python
        # call per painted cell instead of seven, so painting stays cheap during a flood.
        position = index.row()
        rows = self._rows_shown()
        if not 0 <= position < len(rows):
            return
        row = rows[position]
        column = index.column()
        for data in roleDataSpan:  # every role gets a value: the span is not cleared for us
            role = data.role()
            if role == _DISPLAY:
                data.setData(self._display(row, column))
            elif role in (_BACKGROUND, _FOREGROUND):
                data.setData(_colour(row, column, role))
            elif role == _ALIGN and column == Column.VALUE:
                data.setData(_RIGHT)
            else:
                data.clearData()

    def _display(self, row: AlarmRow, column: int) -> str:
        if column == Column.TIME:
            return format_time(row.last_change)
        if column == Column.PRIORITY:
            return priority_text(row.priority)
        if column == Column.STATE:
            return state_text(row.state)
        if column == Column.SOURCE:
            return row.title
        if column == Column.MESSAGE:
            return self._source().message_text(row)
        if column == Column.VALUE:
            return self._source().sources.value(row.device, row.tag, row.condition, row.value)
        if column == Column.ACKED_BY:
            return row.acked_by or ""
        if column == Column.SHELVED_BY:
            return row.shelve.actor if row.shelve else ""
        if column == Column.UNTIL:
            return format_time(row.shelve.until) if row.shelve else ""
        if column == Column.REASON:
            return _reason(row)
        return ""

    def _tooltip(self, row: AlarmRow, column: int) -> str | None:
        if column == Column.MESSAGE:
            parts = [row.response] if row.response else []
            if row.early is not None:
                anomaly = self._source().row_of(row.early[0])
                if anomaly is not None:
                    parts.append(
                        QCoreApplication.translate("AlarmTableModel", "Early warning: %1").replace(
                            "%1", anomaly.text
                        )
                    )
            if row.detail:
                parts.append(row.detail)
            return "\n".join(parts) or None
        if column == Column.SOURCE:
            return row.source
        if column == Column.REASON:
            return _reason(row) or None
        return None

    def _announce_order(self, old: list[AlarmRow]) -> None:
        # After layoutAboutToBeChanged: move persistent indexes (selection, current) to where
        # their rows went, then announce the new layout.
        persistent = self.persistentIndexList()
        if persistent:
            rows = self._rows_shown()
            descending = self._source().descending
            moved = []
            for p in persistent:
                row = old[p.row()] if 0 <= p.row() < len(old) else None
                at = -1 if row is None else _bisect(rows, row.key, descending)
                found = 0 <= at < len(rows) and rows[at] is row
                moved.append(self.index(at, p.column()) if found else QModelIndex())
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ROLES = frozenset({_DISPLAY, ALARM_ID_ROLE, _TOOLTIP, _ALIGN, _BACKGROUND, _FOREGROUND})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_BRUSHES: dict[str, QBrush] = {}


def _brush(colour: str) -> QBrush:
    brush = _BRUSHES.get(colour)
    if brush is None:
        brush = _BRUSHES[colour] = QBrush(QColor(colour))
    return brush


def _colour(row: AlarmRow, column: int, role: int) -> QBrush | None:
    if not row.state.annunciated:
        return _brush(palette.current().text_muted) if role == _FOREGROUND else None
    if column != Column.PRIORITY:
        return None
    background, text = PRIORITY_COLOURS[row.priority]
    return _brush(background if role == _BACKGROUND else text)


#: ``(row, its key before the change or None for a new row)`` handed to the filtered views.
Moves = list[tuple[AlarmRow, Any]]


class AlarmTableModel(_RowTable):
    """Every alarm seen, in the order of the current sort (newest first by default), always.

    No view shows this model directly: :class:`AlarmFilterProxy` does, keeping its own filtered
    list in the same order, told of each re-sort by :meth:`settle` (a Qt proxy would re-filter
    every row in Python at each layout change).
    """

    def __init__(self, parent: QObject | None = None, sources: Sources | None = None) -> None:
        super().__init__(parent)
        self.sources = sources or Sources()
        self._said = _Said()
        self._language = current_language()
        self._rows: list[AlarmRow] = []
        """Every row, in sort order; each row caches its sort key (``row.key``)."""
        self._index: dict[str, AlarmRow] = {}
        self._sort: tuple[int, Qt.SortOrder] = (Column.TIME, Qt.SortOrder.DescendingOrder)
        self._dirty: dict[int, AlarmRow] = {}
        """Rows changed by :meth:`update` and not yet re-placed by :meth:`settle` (by id)."""
        self._new: list[AlarmRow] = []
        """Rows added by :meth:`update`, placed by :meth:`settle`."""
        self._views: list[AlarmFilterProxy] = []
        # Incremental counts: priority -> [annunciated, waiting for acknowledgement]
        self._counts: dict[Priority, list[int]] = {p: [0, 0] for p in Priority}
        self._annunciated: dict[str, AlarmRow] = {}
        # Newest first per priority, with lazy deletion: (-last change, -seq, alarm id)
        self._newest: dict[Priority, list[tuple[float, int, str]]] = {p: [] for p in Priority}
        # Active anomaly rows per (device, tag), to relate them to a rising limit alarm.
        self._anomalies: dict[tuple[str, str], AlarmRow] = {}

    def _rows_shown(self) -> list[AlarmRow]:
        return self._rows

    def _source(self) -> AlarmTableModel:
        return self

    def retranslate(self) -> None:
        """Render every alarm's message again after a language switch (once per switch,
        whichever view asks first)."""
        if self._language == current_language():
            return
        self._language = current_language()
        self._said = _Said()
        for row in self._rows:
            row.text = self._said(row.message)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, Column.COUNT - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, Column.COUNT - 1)
            )

    def message_text(self, row: AlarmRow) -> str:
        """The message, with the early warning that preceded it when there was one."""
        if row.early is None:
            return row.text
        _, lead = row.early
        return (
            row.text
            + "  ⟵ "
            + QCoreApplication.translate(
                "AlarmTableModel", "early warning: anomaly %1 s before"
            ).replace("%1", f"{lead:.0f}")
        )

    # -- order --------------------------------------------------------------------------------

    @property
    def sort_order(self) -> tuple[int, Qt.SortOrder]:
        """(column, order) the rows are in."""
        return self._sort

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every row in Python (one key per row); the filtered views follow."""
        if column not in _SORT_KEYS:
            return
        self._sort = (column, order)
        key, reverse = sort_key(column, order)
        self._place_new()
        self._dirty.clear()
        self.layoutAboutToBeChanged.emit()
        old = self._rows
        for row in old:
            row.key = key(row)
        self._rows = sorted(old, key=_row_key, reverse=reverse)
        self._announce_order(old)
        for view in self._views:
            view.rebuild()

    def is_sorted(self, rows: Sequence[AlarmRow] | None = None) -> bool:
        """The rows (default: all) are in the order the sort claims, by fresh keys."""
        column, order = self._sort
        # The primary key only: ties may go either way.
        keys = [_SORT_KEYS[column](r)[:-1] for r in (self._rows if rows is None else rows)]
        if order == Qt.SortOrder.DescendingOrder:
            return all(a >= b for a, b in itertools.pairwise(keys))
        return all(a <= b for a, b in itertools.pairwise(keys))

    @property
    def descending(self) -> bool:
        """The rows are in descending order of their keys (``row.key``)."""
        return sort_key(*self._sort)[1]

    # -- content ------------------------------------------------------------------------------

    def reset(self, views: Iterable[AlarmView]) -> None:
        """Replace every row with a snapshot of the manager."""
        self.beginResetModel()
        title = self.sources.title
        self._rows = [AlarmRow.from_view(v, title, self._said) for v in views]
        self._index = {r.alarm_id: r for r in self._rows}
        self._counts = {p: [0, 0] for p in Priority}
        self._annunciated = {}
        self._newest = {p: [] for p in Priority}
        self._anomalies = {}
        self._dirty.clear()
        self._new = []
        for row in self._rows:
            self._count(row, +1)
            self._relate(row)
        key = sort_key(*self._sort)[0]
        for row in self._rows:
            row.key = key(row)
        self._rows.sort(key=_row_key, reverse=self.descending)
        self.endResetModel()
        for view in self._views:
            view.rebuild()

    def apply(self, transitions: Sequence[Transition]) -> int:
        """Apply a batch of transitions (oldest first) and re-sort; returns the rows touched."""
        touched = self.update(transitions)
        self.settle()
        return touched

    def update(self, transitions: Sequence[Transition]) -> int:
        """Apply transitions to the rows; :meth:`settle` then re-places the changed rows in the
        sort order and tells the views (the bridge calls it once per timer tick)."""
        said = self._said
        dirty = self._dirty
        touched = 0
        for t in transitions:
            row = self._index.get(t.alarm_id)
            if row is None:
                row = AlarmRow(
                    t.alarm_id,
                    t.device,
                    t.tag,
                    t.condition,
                    t.priority,
                    self.sources.title(t.device, t.tag),
                )
                self._index[t.alarm_id] = row
                self._new.append(row)
            elif t.seq <= row.seq:
                continue  # already in the snapshot
            else:
                self._count(row, -1)
                if row.key is not None:
                    dirty[id(row)] = row
            row.update(t, said)
            self._count(row, +1)
            self._relate(row, t)
            touched += 1
        return touched

    def settle(self) -> None:
        """Re-place the rows changed since the last call where the sort puts them (binary
        search by their cached keys, one list rebuild with C-level slices), insert the new
        ones, announce one layout change, and let the filtered views do the same."""
        if not self._dirty and not self._new:
            return
        key = sort_key(*self._sort)[0]
        descending = self.descending
        moves: Moves = [(row, row.key) for row in self._dirty.values()]
        moved = [row for row, _ in moves] + self._new
        self._dirty = {}
        self._new = []
        # Find every changed row by its old key while all keys are still the old ones.
        gone = _positions(self._rows, moves, descending)
        views = [(view, view.locate(moves, descending)) for view in self._views]
        for row in moved:
            row.key = key(row)
        self.layoutAboutToBeChanged.emit()
        old = self._rows
        self._rows = _replace(old, gone, moved, descending)
        self._announce_order(old)
        for view, positions in views:
            view.follow(positions, moved, descending)

    def _place_new(self) -> None:
        if self._new:
            self._rows.extend(self._new)
            self._new = []

    def _relate(self, row: AlarmRow, t: Transition | None = None) -> None:
        """Keep track of active anomalies per tag; a limit alarm of that tag rising while one
        is active takes it as its early warning (the anomaly row then hides behind it)."""
        if row.tag is None:
            return
        key = (row.device, row.tag)
        if is_anomaly(row.condition):
            if row.state.annunciated:
                self._anomalies[key] = row
            elif self._anomalies.get(key) is row:
                del self._anomalies[key]
            return
        raised = row.state.annunciated and (t is None or t.event.value == "raise")
        if not raised:
            if not row.state.annunciated and row.early is not None:
                self._touch(self.row_of(row.early[0]))  # the anomaly shows on its own again
                row.early = None
            return
        anomaly = self._anomalies.get(key)
        if anomaly is None or anomaly.active_since is None or row.active_since is None:
            return
        lead = row.active_since - anomaly.active_since
        if lead < 0:
            return
        row.early = (anomaly.alarm_id, lead)
        if anomaly.related_to is None or self._hidden_parent(anomaly) is None:
            anomaly.related_to = row.alarm_id
            self._touch(anomaly)

    def _touch(self, row: AlarmRow | None) -> None:
        """Have :meth:`settle` look at ``row`` again (its place or its filter may change)."""
        if row is not None and row.key is not None:
            self._dirty[id(row)] = row

    def _hidden_parent(self, anomaly: AlarmRow) -> AlarmRow | None:
        """The annunciated limit alarm an anomaly row is shown under, if any."""
        if anomaly.related_to is None:
            return None
        parent = self.row_of(anomaly.related_to)
        if parent is None or not parent.state.annunciated or parent.early is None:
            return None
        return parent if parent.early[0] == anomaly.alarm_id else None

    def shown_under(self, row: AlarmRow) -> AlarmRow | None:
        """For an anomaly shown as a limit alarm's early warning: that limit alarm's row."""
        return self._hidden_parent(row) if is_anomaly(row.condition) else None

    def early_warnings(self, alarm_ids: Iterable[str]) -> list[str]:
        """The anomaly alarms shown as early warnings of these alarms (acknowledged with
        them)."""
        found = []
        for alarm_id in alarm_ids:
            row = self.row_of(alarm_id)
            if row is not None and row.early is not None and row.early[0] not in found:
                found.append(row.early[0])
        return found

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
        for row in self._annunciated.values():
            device = row.device
            total, unacked, top = summary.get(device, (0, 0, Priority.LOW))
            summary[device] = (
                total + 1,
                unacked + (1 if row.state.needs_ack else 0),
                min(top, row.priority),
            )
        return summary

    def row_at(self, position: int) -> AlarmRow:
        """The row object at a row number of this model."""
        return self._rows[position]

    def row_of(self, alarm_id: str) -> AlarmRow | None:
        """The row of an alarm, if known."""
        return self._index.get(alarm_id)

    def rows(self) -> list[AlarmRow]:
        """Every row in sort order (do not change the list)."""
        return self._rows

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


_row_key = operator.attrgetter("key")


def _bisect(rows: list[AlarmRow], value: Any, descending: bool, lo: int = 0) -> int:
    """Where a row with sort key ``value`` goes among ``rows`` (sorted by ``row.key``)."""
    if not descending:
        return bisect.bisect_left(rows, value, lo, key=_row_key)
    hi = len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        k = rows[mid].key
        if (k > value) if descending else (k < value):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _positions(rows: list[AlarmRow], moves: Moves, descending: bool) -> list[int]:
    """Where the rows of ``moves`` are in ``rows``, found by their (old, unique) keys; rows not
    in ``rows`` are skipped. Call it before any key changes."""
    found: list[int] = []
    for row, old in moves:
        if old is None:
            continue
        at = _bisect(rows, old, descending)
        if at < len(rows) and rows[at] is row:
            found.append(at)
    found.sort()
    return found


def _replace(
    rows: list[AlarmRow], gone: list[int], place: list[AlarmRow], descending: bool
) -> list[AlarmRow]:
    """``rows`` without the rows at the sorted positions ``gone``, with ``place`` inserted where
    their keys put them; built with slices (C speed) and one binary search per placed row."""
    kept: list[AlarmRow] = []
    previous = 0
    for p in gone:
        kept.extend(rows[previous:p])
        previous = p + 1
    kept.extend(rows[previous:])
    result: list[AlarmRow] = []
    start = 0
    for row in sorted(place, key=_row_key, reverse=descending):
        at = _bisect(kept, row.key, descending, start)
        result.extend(kept[start:at])
        result.append(row)
        start = at
    result.extend(kept[start:])
    return result


class AlarmFilterProxy(_RowTable):
    """The rows of an :class:`AlarmTableModel` that pass a filter (state group, priorities,
    text), in the model's sort order. It keeps its own list and follows each re-sort of the
    model with the same binary-search re-placement, so a flood costs milliseconds; changing
    the filter re-filters every row once."""

    ACTIVE = "active"
    """Annunciated alarms only (the summary's default)."""
    HIDDEN = "hidden"
    """Shelved, suppressed and out of service."""
    ALL = "all"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model: AlarmTableModel | None = None
        self._group = self.ACTIVE
        self._priorities: frozenset[Priority] = frozenset(Priority)
        self._text = ""
        self._visible: list[AlarmRow] = []

    def _rows_shown(self) -> list[AlarmRow]:
        return self._visible

    def _source(self) -> AlarmTableModel:
        assert self._model is not None
        return self._model

    def setSourceModel(self, model: AlarmTableModel) -> None:
        """Show the rows of ``model``."""
        if self._model is not None:
            self._model._views.remove(self)
        self._model = model
        model._views.append(self)
        self.rebuild()

    def sourceModel(self) -> AlarmTableModel | None:
        return self._model

    def set_group(self, group: str) -> None:
        """``active``, ``hidden`` or ``all``."""
        self._group = group
        self.rebuild()

    def set_priorities(self, priorities: Iterable[Priority]) -> None:
        """Show only these priorities."""
        self._priorities = frozenset(priorities)
        self.rebuild()

    def set_text(self, text: str) -> None:
        """Show only rows whose source (id or title) or message contains ``text`` (any case)."""
        self._text = text.strip().casefold()
        self.rebuild()

    def accepts(self, row: AlarmRow) -> bool:
        """The row passes the filter."""
        if row.priority not in self._priorities:
            return False
        state = row.state
        if self._group == self.ACTIVE and (
            not state.annunciated or self._source().shown_under(row) is not None
        ):
            return False  # an early warning is shown on its limit alarm's row
        if self._group == self.HIDDEN and state not in _HIDDEN:
            return False
        if self._text:
            return any(self._text in text.casefold() for text in (row.source, row.title, row.text))
        return True

    def rebuild(self) -> None:
        """Filter every row of the model again (a filter or the sort changed)."""
        if self._model is None:
            return
        self.layoutAboutToBeChanged.emit()
        old = self._visible
        accepts = self.accepts
        self._visible = [r for r in self._model.rows() if accepts(r)]
        self._announce_order(old)

    def locate(self, moves: Moves, descending: bool) -> list[int]:
        """Where the model's changed rows are shown here (before their keys change)."""
        return _positions(self._visible, moves, descending)

    def follow(self, gone: list[int], moved: list[AlarmRow], descending: bool) -> None:
        """The model re-placed ``moved``: take them out of here (at ``gone``), put back those
        that pass the filter where the order puts them."""
        accepts = self.accepts
        back = [r for r in moved if accepts(r)]
        if not gone and not back:
            return
        self.layoutAboutToBeChanged.emit()
        old = self._visible
        self._visible = _replace(old, gone, back, descending)
        self._announce_order(old)  # the view repaints what it shows: no dataChanged needed

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._model is not None:
            self._model.sort(column, order)


_HIDDEN = frozenset({AlarmState.SHELVED, AlarmState.SUPPRESSED, AlarmState.OUT_OF_SERVICE})
