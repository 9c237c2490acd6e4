"""The alarm summary: a sortable, filterable table of alarms with the operator actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.alarms.model import AlarmState, Priority
from widgets.alarms.actions import (
    AcknowledgeDialog,
    RecentUsers,
    ShelveDialog,
    UnshelveDialog,
)
from widgets.alarms.bridge import AlarmBridge
from widgets.alarms.model import (
    ALARM_ID_ROLE,
    AlarmFilterProxy,
    Column,
    format_time,
    priority_text,
    state_text,
)
from widgets.i18n import on_language_change

if TYPE_CHECKING:  # the detail dialog (pyqtgraph) is imported when first opened
    from widgets.alarms.detail import HistoryFunc

#: Room for the sort arrow and the cell margins beside a column's widest text.
COLUMN_PADDING = 34


class AlarmSummary(QWidget):
    """Alarms in a table; acknowledge, shelve and open details from here."""

    def __init__(
        self,
        bridge: AlarmBridge,
        users: RecentUsers | None = None,
        history: HistoryFunc | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.manager = bridge.manager
        self.users = users or RecentUsers()
        self.history = history
        self.proxy = AlarmFilterProxy(self)
        self.proxy.setSourceModel(bridge.model)
        #: Replaced in tests to drive dialogs without a modal loop.
        self.exec_dialog: Callable[[object], int] = lambda dialog: dialog.exec()  # type: ignore[attr-defined]

        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.group = QComboBox(self)
        for group in (AlarmFilterProxy.ACTIVE, AlarmFilterProxy.HIDDEN, AlarmFilterProxy.ALL):
            self.group.addItem("", group)
        self.group.currentIndexChanged.connect(self._group_changed)
        self.priority_boxes: dict[Priority, QCheckBox] = {}
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.group, 1)
        for priority in Priority:
            box = QCheckBox(self)
            box.setChecked(True)
            box.toggled.connect(self._priorities_changed)
            self.priority_boxes[priority] = box
            filters.addWidget(box)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights: no per-row size hints, so 100,000 rows scroll smoothly.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.MESSAGE, QHeaderView.ResizeMode.Stretch)
        self._size_columns()
        self._group_changed()
        self.table.doubleClicked.connect(self._open_detail)

        self.ack_button = QPushButton(self)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_all_button = QPushButton(self)
        self.ack_all_button.clicked.connect(self.acknowledge_shown)
        self.shelve_button = QPushButton(self)
        self.shelve_button.clicked.connect(self.shelve_selected)
        self.unshelve_button = QPushButton(self)
        self.unshelve_button.clicked.connect(self.unshelve_selected)
        self.detail_button = QPushButton(self)
        self.detail_button.clicked.connect(lambda: self._open_detail(self.table.currentIndex()))
        buttons = QHBoxLayout()
        for button in (
            self.ack_button,
            self.ack_all_button,
            self.shelve_button,
            self.unshelve_button,
            self.detail_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._translated = False
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language (rows repaint)."""
        self.search.setPlaceholderText(self.tr("Filter by source or message"))
        for index, text in enumerate(
            (
                self.tr("Active alarms"),
                self.tr("Shelved, suppressed, out of service"),
                self.tr("All alarms"),
            )
        ):
            self.group.setItemText(index, text)
        for priority, box in self.priority_boxes.items():
            box.setText(priority_text(priority))
        self.ack_button.setText(self.tr("Acknowledge selected…"))
        self.ack_all_button.setText(self.tr("Acknowledge all shown…"))
        self.shelve_button.setText(self.tr("Shelve…"))
        self.unshelve_button.setText(self.tr("Unshelve…"))
        self.detail_button.setText(self.tr("Details…"))
        self.bridge.model.retranslate()
        if self._translated:  # the first time, the constructor has sized the columns
            self.bridge.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, Column.COUNT - 1)
            self._size_columns()
            self.table.viewport().update()
        self._translated = True

    def _size_columns(self) -> None:
        """Widths from the texts they must hold (headers with their sort arrow, every state
        name, a full date), so nothing is cut off in any language."""
        metrics = self.table.fontMetrics()
        header_metrics = self.table.horizontalHeader().fontMetrics()
        model = self.bridge.model

        def width(*texts: str) -> int:
            return max(metrics.horizontalAdvance(t) for t in texts) + COLUMN_PADDING

        for column in range(Column.COUNT):
            if column == Column.MESSAGE:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            needed = header_metrics.horizontalAdvance(title) + COLUMN_PADDING
            if column in (Column.TIME, Column.UNTIL):
                needed = max(needed, width(format_time(1_767_225_599.0)))
            elif column == Column.PRIORITY:
                needed = max(needed, width(*(priority_text(p) for p in Priority)))
            elif column == Column.STATE:
                needed = max(needed, width(*(state_text(s) for s in AlarmState)))
            elif column == Column.SOURCE:  # the longest title, within reason
                titles = model.sources.titles()
                needed = max(needed, min(width(*titles) if titles else 0, 330), 220)
            elif column == Column.REASON:
                needed = max(needed, 200)
            else:
                needed = max(needed, 90)
            self.table.setColumnWidth(column, needed)

    def _group_changed(self, _index: int = 0) -> None:
        group = str(self.group.currentData())
        self.proxy.set_group(group)
        # Who shelved, until when and why: shown with the shelved / suppressed alarms.
        for column in Column.HIDDEN_ONLY:
            self.table.setColumnHidden(column, group == AlarmFilterProxy.ACTIVE)
        self.table.setColumnHidden(Column.ACKED_BY, group == AlarmFilterProxy.HIDDEN)

    # -- selection ----------------------------------------------------------------------------

    def selected_ids(self) -> list[str]:
        """Alarm ids of the selected rows, in view order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [str(self.proxy.index(r, 0).data(ALARM_ID_ROLE)) for r in rows]

    def shown_ids(self) -> list[str]:
        """Alarm ids of every row passing the filter."""
        return [
            str(self.proxy.index(r, 0).data(ALARM_ID_ROLE)) for r in range(self.proxy.rowCount())
        ]

    def _priorities_changed(self) -> None:
        self.proxy.set_priorities(p for p, box in self.priority_boxes.items() if box.isChecked())

    # -- actions ------------------------------------------------------------------------------

    def acknowledge_selected(self) -> list[str]:
        """Ask who acknowledges the selected alarms (with the anomalies shown as their early
        warnings), with a comment."""
        ids = self.selected_ids()
        return self._run(AcknowledgeDialog, ids + self._early_waiting(ids))

    def _early_waiting(self, alarm_ids: list[str]) -> list[str]:
        model = self.bridge.model
        return [
            a
            for a in model.early_warnings(alarm_ids)
            if a not in alarm_ids and (row := model.row_of(a)) and row.state.needs_ack
        ]

    def acknowledge_shown(self) -> list[str]:
        """Acknowledge every alarm the filter shows that waits for it."""
        model = self.bridge.model
        waiting = [a for a in self.shown_ids() if (row := model.row_of(a)) and row.state.needs_ack]
        return self._run(AcknowledgeDialog, waiting + self._early_waiting(waiting))

    def acknowledge_all_waiting(self) -> list[str]:
        """Acknowledge every alarm that waits for it, whatever the filter (the banner's button)."""
        return self._run(AcknowledgeDialog, sorted(self.bridge.model.unacknowledged_ids()))

    def shelve_selected(self) -> list[str]:
        """Ask who shelves the selected alarms, why and for how long."""
        return self._run(ShelveDialog, self.selected_ids())

    def unshelve_selected(self) -> list[str]:
        """Return the selected shelved alarms to annunciation."""
        return self._run(UnshelveDialog, self.selected_ids())

    def _run(self, dialog_class: type, alarm_ids: list[str]) -> list[str]:
        if not alarm_ids:
            return []
        dialog = dialog_class(self.manager, alarm_ids, self.users, self)
        self.exec_dialog(dialog)
        done = list(dialog.done_ids)
        dialog.deleteLater()
        return done

    def _open_detail(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        alarm_id = str(index.siblingAtColumn(0).data(ALARM_ID_ROLE))
        from widgets.alarms.detail import AlarmDetailDialog

        dialog = AlarmDetailDialog(self.manager, alarm_id, self.history, self.users, self)
        self.exec_dialog(dialog)
        dialog.deleteLater()
