"""Defect history: filters as database queries, rows loaded a page at a time as you scroll.

The model never holds more than what was scrolled to: the first page (200 rows) comes with the
filter, ``fetchMore`` asks for the next when the view reaches the end. Every query (page, count)
runs on the gateway's ``db-reader`` thread; the GUI thread only appends rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.config import StationConfig
from app.config.quality import QualityConfig
from app.quality.model import Defect, Disposition
from app.quality.queries import SORTABLE, DefectFilter, count_defects, defect_page
from widgets import palette
from widgets.i18n import korean, on_language_change
from widgets.quality.reader import Reader

PAGE = 200

COLUMNS = (
    ("ts", QT_TRANSLATE_NOOP("Quality", "Time")),
    ("shift", QT_TRANSLATE_NOOP("Quality", "Shift")),
    ("machine", QT_TRANSLATE_NOOP("Quality", "Machine")),
    ("part_number", QT_TRANSLATE_NOOP("Quality", "Part number")),
    ("serial", QT_TRANSLATE_NOOP("Quality", "Serial")),
    ("code", QT_TRANSLATE_NOOP("Quality", "Defect")),
    ("severity", QT_TRANSLATE_NOOP("Quality", "Severity")),
    ("disposition", QT_TRANSLATE_NOOP("Quality", "Disposition")),
    (None, QT_TRANSLATE_NOOP("Quality", "Inspector")),
    (None, QT_TRANSLATE_NOOP("Quality", "Measured")),
    (None, QT_TRANSLATE_NOOP("Quality", "Notes")),
)


def code_name(quality: QualityConfig, code: str) -> str:
    entry = quality.code(code)
    if entry is None:
        return code
    return f"{code} — {entry.ko if korean() else entry.en}"


def disposition_text(value: str) -> str:
    texts = {
        Disposition.PENDING.value: QCoreApplication.translate("Quality", "Pending"),
        Disposition.SCRAP.value: QCoreApplication.translate("Quality", "Scrap"),
        Disposition.REWORK.value: QCoreApplication.translate("Quality", "Rework"),
        Disposition.USE_AS_IS.value: QCoreApplication.translate("Quality", "Use as is"),
    }
    return texts.get(value, value)


class DefectModel(QAbstractTableModel):
    """Defects of the current filter, newest first, loaded page by page."""

    loaded = Signal()
    """A page arrived (or failed)."""
    failed = Signal(str)

    def __init__(self, reader: Reader, quality: QualityConfig, parent: QObject | None = None):
        super().__init__(parent)
        self.reader = reader
        self.quality = quality
        self.rows: list[Defect] = []
        self.filter = DefectFilter()
        self.sort_key = "ts"
        self.descending = True
        self.exhausted = True
        self.loading = False
        self.last_ms = 0.0
        self.headers = [title for _, title in COLUMNS]
        self.retranslate()

    def retranslate(self) -> None:
        """Column titles in the current language."""
        self.headers = [QCoreApplication.translate("Quality", title) for _, title in COLUMNS]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    # -- loading ---------------------------------------------------------------------------

    def set_filter(self, where: DefectFilter) -> None:
        """Show the defects of ``where`` (the first page is asked for now)."""
        self.beginResetModel()
        self.filter = where
        self.rows = []
        self.exhausted = False
        self.loading = False
        self.endResetModel()
        self._ask()

    def _ask(self) -> None:
        self.loading = True
        where, offset, key, desc = self.filter, len(self.rows), self.sort_key, self.descending
        self.reader.ask(
            "defect-page",
            lambda db: defect_page(db, where, offset, PAGE, key, desc),
            self._arrived,
        )

    def _arrived(self, result: Any, ms: float) -> None:
        self.loading = False
        self.last_ms = ms
        if isinstance(result, Exception):
            self.exhausted = True
            self.failed.emit((str(result).splitlines() or [type(result).__name__])[0])
            self.loaded.emit()
            return
        if result:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(result) - 1)
            self.rows.extend(result)
            self.endInsertRows()
        self.exhausted = len(result) < PAGE
        self.loaded.emit()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted and not self.loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._ask()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]
        if key is None or key not in SORTABLE:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.set_filter(self.filter)

    # -- table ---------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def defect(self, row: int) -> Defect:
        return self.rows[row]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        d = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(d, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and d.voided:
            return QCoreApplication.translate("Quality", "Voided: %1").replace("%1", d.void_reason)
        if role == Qt.ItemDataRole.ForegroundRole and d.voided:
            return QBrush(QColor(palette.current().text_muted))
        if role == Qt.ItemDataRole.FontRole and d.voided:
            font = QFont()
            font.setStrikeOut(True)
            return font
        return None

    def _text(self, d: Defect, column: int) -> str:
        key = COLUMNS[column][0]
        if key == "ts":
            return datetime.fromtimestamp(d.ts).strftime("%Y-%m-%d %H:%M:%S")
        if key == "code":
            return code_name(self.quality, d.code)
        if key == "disposition":
            return disposition_text(d.disposition)
        if key is not None:
            return str(getattr(d, key))
        if column == 8:
            return d.inspector
        if column == 9:
            return ", ".join(f"{k} {v:g}" for k, v in d.measured.items())
        return d.notes


class DefectHistoryView(QWidget):
    """Filter bar, the lazily loaded table and a status line."""

    searched = Signal()
    """The first page and the count of a filter are shown."""

    def __init__(
        self,
        config: StationConfig,
        reader: Reader,
        parent: QWidget | None = None,
        detail: QWidget | None = None,
    ):
        super().__init__(parent)
        self.config = config
        self.reader = reader
        self.model = DefectModel(reader, config.quality, self)
        self.count: int | None = None
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-7), self)
        self.end = QDateTimeEdit(now.addSecs(3600), self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.machine = self._combo([(d.name, d.display_name) for d in config.devices])
        self.code = self._combo(
            [(c.code, code_name(config.quality, c.code)) for c in config.quality.defect_codes]
        )
        self.shift = self._combo([(s.name, s.name) for s in config.shift_calendar.shifts])
        self.disposition = self._combo([(d.value, disposition_text(d.value)) for d in Disposition])
        self.serial = QLineEdit(self)
        self.text = QLineEdit(self)
        for edit in (self.serial, self.text):
            edit.setClearButtonEnabled(True)
            edit.returnPressed.connect(self.refresh)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.refresh)
        self.new_button = QPushButton(self)
        self.disposition_button = QPushButton(self)
        self.void_button = QPushButton(self)
        self._from_label, self._to_label = QLabel(self), QLabel(self)
        for button in (self.disposition_button, self.void_button):
            button.setEnabled(False)
        # Two rows: in one, the filters and actions made the window at least 1,900 px wide.
        bar, actions = QHBoxLayout(), QHBoxLayout()
        for widget in (
            self._from_label,
            self.start,
            self._to_label,
            self.end,
            self.machine,
            self.code,
            self.shift,
            self.disposition,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.serial, self.text, self.button):
            actions.addWidget(widget)
        actions.addStretch(1)
        for widget in (self.new_button, self.disposition_button, self.void_button):
            actions.addWidget(widget)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(
            (
                "2026-12-31 23:59:59",
                "A",
                "leaktest",
                "EVH-220",
                "EVH220-2611-000123",
                "UNDERWEIGHT — Underweight (short shot)",
                "critical",
                "Use as is",
                "inspector",
                "leak_decay 123.4",
            )
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        for edit in (self.serial, self.text):
            edit.setMinimumWidth(metrics.horizontalAdvance("EVH220-2611-000123") + 30)
        for combo in (self.machine, self.code):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMaximumWidth(260)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(actions)
        # The selected defect's detail (the machine's signals around it) below the rows.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        if detail is not None:
            self.splitter.addWidget(detail)
            self.splitter.setSizes([500, 300])
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        on_language_change(self, self.retranslate)
        self.model.loaded.connect(self._show_status)
        self.model.failed.connect(
            lambda text: self.status.setText(
                self.tr("The defects cannot be read: %1").replace("%1", text)
            )
        )

    def retranslate(self) -> None:
        self.serial.setPlaceholderText(self.tr("Serial (start)"))
        self.text.setPlaceholderText(self.tr("Words in the notes"))
        self.button.setText(self.tr("Search"))
        self.new_button.setText(self.tr("New defect…"))
        self.disposition_button.setText(self.tr("Disposition…"))
        self.void_button.setText(self.tr("Void…"))
        self._from_label.setText(self.tr("From"))
        self._to_label.setText(self.tr("to"))
        for combo in (self.machine, self.code, self.shift, self.disposition):
            combo.setItemText(0, self.tr("All"))
        for index, value in enumerate(d.value for d in Disposition):
            self.disposition.setItemText(index + 1, disposition_text(value))
        self.model.retranslate()

    def selected(self) -> Defect | None:
        """The defect of the selected row (None: no row selected)."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.defect(rows[0].row()) if rows else None

    def _selected(self) -> None:
        defect = self.selected()
        editable = defect is not None and not defect.voided
        self.disposition_button.setEnabled(editable)
        self.void_button.setEnabled(editable)

    def _combo(self, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(self.tr("All"), None)
        for value, text in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _i: self.refresh())
        return combo

    def current_filter(self) -> DefectFilter:
        """The filter the bar shows."""

        def chosen(combo: QComboBox) -> tuple[str, ...]:
            value = combo.currentData()
            return () if value is None else (str(value),)

        return DefectFilter(
            start=float(self.start.dateTime().toSecsSinceEpoch()),
            end=float(self.end.dateTime().toSecsSinceEpoch()),
            machines=chosen(self.machine),
            codes=chosen(self.code),
            shifts=chosen(self.shift),
            dispositions=chosen(self.disposition),
            serial=self.serial.text().strip(),
            text=self.text.text().strip(),
        )

    def refresh(self) -> None:
        """Query the first page and the count of the filter (on the reader thread)."""
        where = self.current_filter()
        self.count = None
        self.status.setText(self.tr("Searching…"))
        self.model.set_filter(where)
        self.reader.ask("defect-count", lambda db: count_defects(db, where), self._counted)

    def _counted(self, result: Any, _ms: float) -> None:
        self.count = None if isinstance(result, Exception) else int(result)
        self._show_status()

    def _show_status(self) -> None:
        if self.model.loading:
            return
        shown = len(self.model.rows)
        total = "…" if self.count is None else f"{self.count:,}"
        self.status.setText(
            self.tr("%1 defects match; %2 loaded (%3 ms)")
            .replace("%1", total)
            .replace("%2", f"{shown:,}")
            .replace("%3", f"{self.model.last_ms:.0f}")
        )
        if self.count is not None:
            self.searched.emit()
