"""The cluster lead's screen: one row per partner station, and one station's recent messages.

Shown when the station config names the cluster receiver's database (``[cluster] lead_db``).
Every ``refresh_s`` while the screen is visible, :func:`app.cluster.view.cluster_overview` runs
on the reader thread of a gateway over that database (never on the GUI thread) and the rows
come back through a queued signal. A partner not heard from for ``stale_after_s`` is greyed
and says when it was last seen; selecting a row lists that station's newest messages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.alarms.model import Priority
from app.cluster.view import PartnerStatus, StationMessage, cluster_overview, station_messages
from app.config.cluster import ClusterConfig
from app.storage.database import Database, open_database
from app.storage.gateway import DatabaseGateway
from widgets import palette
from widgets.alarms.model import priority_text
from widgets.format import format_age, format_clock, format_datetime
from widgets.i18n import on_language_change

COLUMNS = (
    QT_TRANSLATE_NOOP("ClusterView", "Partner"),
    QT_TRANSLATE_NOOP("ClusterView", "State"),
    QT_TRANSLATE_NOOP("ClusterView", "Last seen"),
    QT_TRANSLATE_NOOP("ClusterView", "Devices"),
    QT_TRANSLATE_NOOP("ClusterView", "OEE"),
    QT_TRANSLATE_NOOP("ClusterView", "Defect rate"),
    QT_TRANSLATE_NOOP("ClusterView", "Open alarms"),
    QT_TRANSLATE_NOOP("ClusterView", "Orders"),
    QT_TRANSLATE_NOOP("ClusterView", "Delivery"),
)
DETAIL_COLUMNS = (
    "#",
    QT_TRANSLATE_NOOP("ClusterView", "Created"),
    QT_TRANSLATE_NOOP("ClusterView", "Kind"),
    QT_TRANSLATE_NOOP("ClusterView", "Content"),
)
RISKS = {
    "late": QT_TRANSLATE_NOOP("ClusterView", "Late"),
    "at_risk": QT_TRANSLATE_NOOP("ClusterView", "At risk"),
    "unknown": QT_TRANSLATE_NOOP("ClusterView", "Unknown"),
    "on_time": QT_TRANSLATE_NOOP("ClusterView", "On time"),
}
KINDS = {
    "summary": QT_TRANSLATE_NOOP("ClusterView", "Tag summary"),
    "status": QT_TRANSLATE_NOOP("ClusterView", "Status"),
    "alarm": QT_TRANSLATE_NOOP("ClusterView", "Alarm"),
    "oee": QT_TRANSLATE_NOOP("ClusterView", "OEE"),
    "defect": QT_TRANSLATE_NOOP("ClusterView", "Defect"),
    "order_progress": QT_TRANSLATE_NOOP("ClusterView", "Order progress"),
    "audit": QT_TRANSLATE_NOOP("ClusterView", "Audit"),
}
#: Messages listed in the drill-down.
DETAIL_LIMIT = 200


def _percent(value: float | None, decimals: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{decimals}f} %"


#: Fields that hold a Unix time: shown as a local time.
TIME_FIELDS = frozenset({"ts", "start", "end", "due", "eta", "last_ts", "last_good", "issued"})


def _content(message: StationMessage) -> str:
    """One line of a message's data: its fields as ``name=value``, numbers rounded."""
    parts = []
    for name, value in message.data.items():
        if name in TIME_FIELDS and isinstance(value, int | float) and value > 1e9:
            text = time.strftime("%m-%d %H:%M:%S", time.localtime(value))
        elif isinstance(value, float):
            text = f"{value:.4g}"
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False)[:80]
        parts.append(f"{name}={text}")
    return "  ".join(parts)[:400]


class ClusterView(QWidget):
    """The partners of this lead station, from the cluster receiver's database."""

    _loaded = Signal(object, object)

    def __init__(
        self,
        config: ClusterConfig,
        parent: QWidget | None = None,
        database: Database | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        if database is None:
            assert config.lead_db is not None
            database = open_database(config.lead_db)  # no connection until the first query
        self.gateway = DatabaseGateway(database)  # used for its reader thread only
        self.partners: list[PartnerStatus] = []
        self.messages: list[StationMessage] = []
        self.selected: str | None = None
        self.read_at: float | None = None
        self.error = ""
        self._busy = False

        self.summary = QLabel(objectName="clusterSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("clusterPartners")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.detail_title = QLabel(objectName="clusterDetailTitle")
        self.detail = QTableWidget(0, len(DETAIL_COLUMNS))
        self.detail.setObjectName("clusterMessages")
        self.detail.verticalHeader().setVisible(False)
        self.detail.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        detail_header = self.detail.horizontalHeader()
        detail_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        detail_header.setStretchLastSection(True)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail_title)
        lower_layout.addWidget(self.detail, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

        self._loaded.connect(self._finish, Qt.ConnectionType.QueuedConnection)
        self.timer = QTimer(self)
        self.timer.setInterval(int(config.refresh_s * 1000))
        self.timer.timeout.connect(self.refresh)
        on_language_change(self, self.retranslate)

    # -- visibility: read only while shown ---------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def close(self) -> bool:
        self.timer.stop()
        self.gateway.stop(timeout=1.0)
        return super().close()

    # -- reader-thread jobs ------------------------------------------------------------------

    def _read(self, job: Callable[[Database], Any], then: Callable[[Any], None]) -> None:
        future = self.gateway.read(job)
        future.add_done_callback(
            lambda f: self._loaded.emit(then, f.exception() if f.exception() else f.result())
        )

    @Slot(object, object)
    def _finish(self, then: Callable[[Any], None], result: Any) -> None:
        if isinstance(result, BaseException):
            text = str(result).splitlines()[0] if str(result) else type(result).__name__
            self.error = text
            self._busy = False
            self.retranslate()
            return
        self.error = ""
        then(result)

    @Slot()
    def refresh(self) -> None:
        """Read the partners again (skipped while a read is still running)."""
        if self._busy:
            return
        self._busy = True
        stale_after = self.config.stale_after_s
        self._read(lambda db: cluster_overview(db, time.time(), stale_after), self._show)
        if self.selected is not None:
            self._read_detail(self.selected)

    def _read_detail(self, station: str) -> None:
        self._read(lambda db: station_messages(db, station, DETAIL_LIMIT), self._show_detail)

    # -- showing -----------------------------------------------------------------------------

    def _show(self, partners: list[PartnerStatus]) -> None:
        self._busy = False
        self.partners = partners
        self.read_at = time.time()
        self.table.blockSignals(True)
        self.table.setRowCount(len(partners))
        for row, partner in enumerate(partners):
            self._fill_row(row, partner)
            if partner.station == self.selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._show_summary()

    def _fill_row(self, row: int, p: PartnerStatus) -> None:
        now = self.read_at or time.time()
        if p.stale:
            state = self.tr("Stale")
        else:
            # No birth message seen (None), but heard from lately: it reports.
            state = {
                True: self.tr("Online"),
                False: self.tr("Offline"),
                None: self.tr("Reporting"),
            }[p.online]
        seen = "—"
        if p.last_seen is not None:
            seen = f"{format_clock(p.last_seen)} ({format_age(now - p.last_seen)})"
        devices = "—"
        if p.devices_total is not None:
            devices = (
                self.tr("%1 of %2 connected")
                .replace("%1", str(p.devices_connected or 0))
                .replace("%2", str(p.devices_total))
            )
        known = [(Priority(k), n) for k, n in p.open_alarms.items() if k in set(Priority)]
        alarms = "  ".join(f"{priority_text(k)} {n}" for k, n in known) or self.tr("None")
        orders = "—"
        if p.orders:
            done = [o.progress for o in p.orders if o.progress is not None]
            mean = sum(done) / len(done) if done else None
            orders = self.tr("%1 open, %2 done").replace("%1", str(len(p.orders)))
            orders = orders.replace("%2", _percent(mean))
        risk = self.tr(RISKS[p.risk]) if p.risk is not None else "—"
        cells = [
            p.station,
            state,
            seen,
            devices,
            _percent(p.oee),
            _percent(p.defect_rate, 1),
            alarms,
            orders,
            risk,
        ]
        muted = QBrush(QColor(palette.current().text_muted))
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p.station)
            if p.stale:
                item.setForeground(muted)
                font = QFont(item.font())
                font.setItalic(True)
                item.setFont(font)
            elif column == 8 and p.risk in ("late", "at_risk"):
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if p.orders and column == 7:
                item.setToolTip(
                    "\n".join(
                        f"{o.order_id} {o.part_number}: {o.good}/{o.quantity}, "
                        f"{self.tr(RISKS[o.risk])}"
                        for o in p.orders
                    )
                )
            self.table.setItem(row, column, item)

    def _show_summary(self) -> None:
        if self.error:
            self.summary.setText(
                self.tr("The cluster database cannot be read: %1").replace("%1", self.error)
            )
            return
        if self.read_at is None:
            self.summary.setText(self.tr("Reading the cluster database…"))
            return
        if not self.partners:
            self.summary.setText(self.tr("No partner station has reported yet."))
            return
        stale = sum(1 for p in self.partners if p.stale)
        risky = sum(1 for p in self.partners if p.risk in ("late", "at_risk"))
        text = self.tr("%1 partners, %2 stale, %3 with orders at risk or late; read at %4")
        for index, value in enumerate(
            (len(self.partners), stale, risky, format_clock(self.read_at)), start=1
        ):
            text = text.replace(f"%{index}", str(value))
        self.summary.setText(text)

    @Slot()
    def _selection_changed(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        station = items[0].data(Qt.ItemDataRole.UserRole)
        if station != self.selected:
            self.selected = station
            self.messages = []
            self.detail.setRowCount(0)
            self._show_detail_title()
            self._read_detail(station)

    def select_station(self, station: str) -> None:
        """Drill down to one partner (as a click on its row does)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == station:
                self.table.selectRow(row)
                return

    def _show_detail(self, messages: list[StationMessage]) -> None:
        self.messages = messages
        self.detail.setRowCount(len(messages))
        for row, m in enumerate(messages):
            kind = self.tr(KINDS[m.kind]) if m.kind in KINDS else m.kind
            if m.historical:
                kind = self.tr("%1 (replayed)").replace("%1", kind)
            cells = [str(m.seq), format_datetime(m.created), kind, _content(m)]
            for column, text in enumerate(cells):
                self.detail.setItem(row, column, QTableWidgetItem(text))
        self._show_detail_title()

    def _show_detail_title(self) -> None:
        if self.selected is None:
            self.detail_title.setText(self.tr("Select a partner to see its recent messages."))
        else:
            self.detail_title.setText(
                self.tr("Recent messages of %1 (newest first)").replace("%1", self.selected)
            )

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.detail.setHorizontalHeaderLabels([self.tr(c) for c in DETAIL_COLUMNS])
        for row, partner in enumerate(self.partners):
            self._fill_row(row, partner)
        self._show_summary()
        self._show_detail(self.messages)
