"""The work orders screen: every order with its progress, ETA and delivery risk.

Reads the station's order book and tracker in memory once a second (no I/O here); importing a
file is read on a worker thread. Starting, completing, adding and cancelling are done as the
signed-in user; the core decides (``order.run``, ``order.edit``) and audits. Colour only where
something is wrong (ISA-101): an order at risk or late.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.orders import OrderError, Risk, WorkOrder
from app.orders.importer import OrderFileError, read_orders
from app.orders.tracker import OrderProgress
from app.security import ORDER_EDIT, ORDER_RUN, AccessDenied, Actor
from app.station import STATION_USER, Station
from widgets.i18n import on_language_change, translate_message
from widgets.theme import FAULT, WARNING
from widgets.users import SessionController

REFRESH_MS = 1000
COLUMNS = (
    QT_TRANSLATE_NOOP("OrdersModel", "Order"),
    QT_TRANSLATE_NOOP("OrdersModel", "Part number"),
    QT_TRANSLATE_NOOP("OrdersModel", "Customer"),
    QT_TRANSLATE_NOOP("OrdersModel", "Machine"),
    QT_TRANSLATE_NOOP("OrdersModel", "Status"),
    QT_TRANSLATE_NOOP("OrdersModel", "Good / quantity"),
    QT_TRANSLATE_NOOP("OrdersModel", "Reject"),
    QT_TRANSLATE_NOOP("OrdersModel", "Rate /h"),
    QT_TRANSLATE_NOOP("OrdersModel", "ETA"),
    QT_TRANSLATE_NOOP("OrdersModel", "Due"),
    QT_TRANSLATE_NOOP("OrdersModel", "Delivery"),
)
STATUS_TEXTS = {
    "planned": QT_TRANSLATE_NOOP("OrdersModel", "Planned"),
    "running": QT_TRANSLATE_NOOP("OrdersModel", "Running"),
    "done": QT_TRANSLATE_NOOP("OrdersModel", "Done"),
    "cancelled": QT_TRANSLATE_NOOP("OrdersModel", "Cancelled"),
}
RISK_COLOURS = {Risk.AT_RISK: WARNING, Risk.LATE: FAULT}
_Index = QModelIndex | QPersistentModelIndex


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


class OrdersModel(QAbstractTableModel):
    """Rows of :class:`OrderProgress`, replaced whole each refresh (tens of orders)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        revision_of: Callable[[str], int | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows: list[OrderProgress] = []
        self.revision_of = revision_of
        """The lead's revision of an order (orders from the cluster's lead)."""

    def set_rows(self, rows: list[OrderProgress]) -> None:
        if [r.order.order_id for r in rows] == [r.order.order_id for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == len(COLUMNS) - 1:
            colour = RISK_COLOURS.get(row.risk)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == len(COLUMNS) - 1:
            return QColor("#ffffff") if row.risk is Risk.LATE else None
        if role == Qt.ItemDataRole.TextAlignmentRole and 5 <= index.column() <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: OrderProgress, column: int) -> str:
        o = row.order
        match column:
            case 0:
                revision = self.revision_of(o.order_id) if self.revision_of else None
                if revision is None:
                    return o.order_id
                named = self.tr("%1 (rev. %2)").replace("%1", o.order_id)
                return named.replace("%2", str(revision))
            case 1:
                return o.part_number
            case 2:
                return o.customer
            case 3:
                return o.machine or "—"
            case 4:
                return self.tr(STATUS_TEXTS[str(o.status)])
            case 5:
                return f"{o.good} / {o.quantity}  ({o.progress:.0%})"
            case 6:
                return str(o.reject)
            case 7:
                return "—" if row.rate_per_hour is None else f"{row.rate_per_hour:.0f}"
            case 8:
                return _when(row.eta)
            case 9:
                return _when(o.due)
        return {
            Risk.ON_TIME: self.tr("On time"),
            Risk.AT_RISK: self.tr("At risk"),
            Risk.LATE: self.tr("Late"),
            Risk.UNKNOWN: "—",
        }[row.risk]


class OrdersView(QWidget):
    """Orders of the station, with the actions a signed-in user may take."""

    imported = Signal(str)
    """The sentence shown after an import (done or refused)."""
    _read = Signal(object)

    def __init__(
        self, station: Station, session: SessionController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.book = station.orders
        self.tracker = station.order_tracker
        self.session = session
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders-import")
        self._read.connect(self._import_read, Qt.ConnectionType.QueuedConnection)

        self.import_button = QPushButton()
        self.machine = QComboBox()
        self.machine.addItems(self.tracker.machines)
        self.start_button = QPushButton()
        self.complete_button = QPushButton()
        self.cancel_button = QPushButton()
        self.message = QLabel(objectName="ordersMessage")
        self.message.setWordWrap(True)
        # Orders from the cluster's lead: what arrived, and the last message refused.
        self.feed_status = QLabel(objectName="ordersFeed")
        self.feed_status.setWordWrap(True)
        self.feed_status.setVisible(station.order_feed is not None)
        bar = QHBoxLayout()
        for widget in (
            self.import_button,
            self.start_button,
            self.machine,
            self.complete_button,
            self.cancel_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        feed = station.order_feed
        self.model = OrdersModel(self, feed.revision if feed is not None else None)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Stock per item, with its low-stock warning (only a low item is coloured).
        self.stock = QTableWidget(0, 4)
        self.stock.verticalHeader().setVisible(False)
        self.stock.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.stock.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.stock.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.receive_button = QPushButton()
        self.ship_button = QPushButton()
        stock_bar = QHBoxLayout()
        stock_bar.addWidget(self.receive_button)
        stock_bar.addWidget(self.ship_button)
        stock_bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.feed_status)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 3)
        if station.stock.items:
            layout.addLayout(stock_bar)
            layout.addWidget(self.stock, 1)
        else:
            for widget in (self.stock, self.receive_button, self.ship_button):
                widget.hide()
        self.receive_button.clicked.connect(lambda: self.ask_move(receive=True))
        self.ship_button.clicked.connect(lambda: self.ask_move(receive=False))

        self.import_button.clicked.connect(self.ask_import)
        self.start_button.clicked.connect(self.start_selected)
        self.complete_button.clicked.connect(self.complete_selected)
        self.cancel_button.clicked.connect(self.ask_cancel)
        session.changed.connect(self._show_permissions)
        self._show_permissions()
        on_language_change(self, self.retranslate)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self.refresh()

    def retranslate(self) -> None:
        self.import_button.setText(self.tr("Import orders…"))
        self.start_button.setText(self.tr("Start on"))
        self.complete_button.setText(self.tr("Complete"))
        self.cancel_button.setText(self.tr("Cancel order…"))
        self.receive_button.setText(self.tr("Receive…"))
        self.ship_button.setText(self.tr("Ship…"))
        self.stock.setHorizontalHeaderLabels(
            [self.tr("Stock item"), self.tr("Level"), self.tr("Warn below"), self.tr("Status")]
        )
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._show_feed()

    # -- reading ------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        selected = self.selected()
        self.model.set_rows(self.tracker.progress(time.time()))
        if selected is not None:
            self.select(selected.order_id)
        self._show_stock()
        self._show_feed()

    def _show_feed(self) -> None:
        feed = self.station.order_feed
        if feed is None:
            return
        counts = feed.counts
        text = (
            self.tr("Orders from the lead: %1 received, %2 applied, %3 repeated, %4 invalid")
            .replace("%1", str(counts.received))
            .replace("%2", str(counts.applied))
            .replace("%3", str(counts.duplicates))
            .replace("%4", str(counts.invalid))
        )
        problem = feed.problems[-1] if feed.problems else None
        if problem is not None:
            said = problem.render(translate_message)
            text += "\n" + self.tr("Last problem: %1").replace("%1", said)
        self.feed_status.setText(text)

    def _show_stock(self) -> None:
        levels = self.station.stock.levels()
        if self.stock.rowCount() != len(levels):
            self.stock.setRowCount(len(levels))
        for row, level in enumerate(levels):
            status = self.tr("Low") if level.is_low else self.tr("OK")
            cells = (
                level.item,
                f"{level.quantity:,.1f} {level.unit}",
                f"{level.low:,.0f} {level.unit}",
                status,
            )
            for column, text in enumerate(cells):
                item = self.stock.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.stock.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
            status_item = self.stock.item(row, 3)
            status_item.setBackground(QColor(WARNING) if level.is_low else QBrush())

    @Slot()
    def ask_move(self, receive: bool) -> None:
        rows = self.stock.selectionModel().selectedRows()
        if not rows:
            self.message.setText(self.tr("Pick a stock item first."))
            return
        item = self.stock.item(rows[0].row(), 0).text()
        title = self.tr("Receive %1") if receive else self.tr("Ship %1")
        quantity, ok = QInputDialog.getDouble(
            self, title.replace("%1", item), self.tr("Quantity"), 1.0, 0.0, 1e9, 1
        )
        if ok:
            move = self.station.stock.receive if receive else self.station.stock.ship
            self._do(move, item, quantity)

    def selected(self) -> WorkOrder | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].order if rows else None

    def select(self, order_id: str) -> None:
        for index, row in enumerate(self.model.rows):
            if row.order.order_id == order_id:
                self.table.selectRow(index)
                return

    # -- acting -------------------------------------------------------------------------------

    def _actor(self) -> Actor:
        return self.session.actor or Actor.named(STATION_USER)

    def _show_permissions(self) -> None:
        run, edit = self.session.may(ORDER_RUN), self.session.may(ORDER_EDIT)
        for button in (
            self.start_button,
            self.complete_button,
            self.receive_button,
            self.ship_button,
        ):
            button.setEnabled(run)
        for button in (self.import_button, self.cancel_button):
            button.setEnabled(edit)

    def _do(self, action: Any, *args: Any) -> bool:
        try:
            action(self._actor(), *args)
        except (AccessDenied, OrderError) as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("")
        self.refresh()
        return True

    @Slot()
    def start_selected(self) -> None:
        order = self.selected()
        if order is None:
            self.message.setText(self.tr("Pick an order first."))
            return
        self._do(self.book.start, order.order_id, self.machine.currentText())

    @Slot()
    def complete_selected(self) -> None:
        order = self.selected()
        if order is not None:
            self._do(self.book.complete, order.order_id)

    @Slot()
    def ask_cancel(self) -> None:
        order = self.selected()
        if order is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("Cancel order"),
            self.tr("Why is %1 cancelled?").replace("%1", order.order_id),
        )
        if ok:
            self._do(self.book.cancel, order.order_id, reason)

    @Slot()
    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import work orders"), "", self.tr("Orders (*.csv *.xlsx)")
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Read ``path`` on a worker thread, then import it as the signed-in user."""
        self.message.setText(self.tr("Reading %1…").replace("%1", path.name))
        future = self._io.submit(read_orders, path)
        future.add_done_callback(self._hand_over)

    def _hand_over(self, future: Future[list[WorkOrder]]) -> None:
        with contextlib.suppress(RuntimeError):  # the view is gone
            self._read.emit(future)

    @Slot(object)
    def _import_read(self, future: Future[list[WorkOrder]]) -> None:
        try:
            orders = future.result()
            result = self.book.import_orders(self._actor(), orders)
        except OrderFileError as exc:
            text = self.tr("Nothing imported: %1").replace("%1", "; ".join(exc.problems[:3]))
        except (AccessDenied, OrderError) as exc:
            text = str(exc)
        else:
            text = (
                self.tr("%1 added, %2 updated, %3 kept as they run here")
                .replace("%1", str(len(result.added)))
                .replace("%2", str(len(result.updated)))
                .replace("%3", str(len(result.skipped)))
            )
            self.refresh()
        self.message.setText(text)
        self.imported.emit(text)

    def close_io(self) -> None:
        self._io.shutdown(wait=True)
