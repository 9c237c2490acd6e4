"""Devices screen: live communication diagnostics of every device, refreshed every second."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine import Engine
from app.model import DeviceDiagnostics
from widgets.format import format_age, format_clock, format_number
from widgets.tables import setup_read_only_table
from widgets.theme import COMM_LOSS

COLUMNS = (
    "device",
    "driver",
    "connected",
    "last_good",
    "requests",
    "errors",
    "mean_ms",
    "p99_ms",
    "backoff",
    "last_error",
)


class DevicesView(QWidget):
    """One row per device with connection state, traffic, errors and response times."""

    def __init__(
        self,
        engine: Engine,
        parent: QWidget | None = None,
        refresh_ms: int = 1000,
        relearn: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self._relearn = relearn
        self._names = {d.name: d.display_name for d in engine.config.devices}
        # Python-side, not in item data: PySide6 6.12 miscounts references of bools in QVariants.
        self._abnormal: dict[tuple[int, int], bool] = {}
        headers = [
            self.tr("Device"),
            self.tr("Driver"),
            self.tr("Connected"),
            self.tr("Last good response"),
            self.tr("Requests"),
            self.tr("Errors"),
            self.tr("Mean ms"),
            self.tr("p99 ms"),
            self.tr("Backoff s"),
            self.tr("Last error"),
        ]
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(headers)
        setup_read_only_table(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.relearn_button = QPushButton(self.tr("Relearn baselines of the selected machine…"))
        self.relearn_button.setToolTip(
            self.tr(
                "After maintenance: the anomaly detectors forget what they learned and learn anew"
            )
        )
        self.relearn_button.setEnabled(relearn is not None)
        self.relearn_button.clicked.connect(self._ask_relearn)
        buttons.addWidget(self.relearn_button)
        layout.addLayout(buttons)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)

    def selected_device(self) -> str | None:
        """Name of the device in the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        diagnostics = self.engine.diagnostics()
        row = rows[0].row()
        return diagnostics[row].device if row < len(diagnostics) else None

    @Slot()
    def _ask_relearn(self) -> None:
        device = self.selected_device()
        if device is None or self._relearn is None:
            QMessageBox.information(
                self, self.tr("Relearn baselines"), self.tr("Select a machine in the table first.")
            )
            return
        name = self._names.get(device, device)
        answer = QMessageBox.question(
            self,
            self.tr("Relearn baselines"),
            self.tr("Forget the learned baselines of %1 and learn them anew?").replace("%1", name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._relearn(device)

    def cell(self, row: int, column: str) -> str:
        """The text of one cell (for tests)."""
        item = self.table.item(row, COLUMNS.index(column))
        return item.text() if item is not None else ""

    @Slot()
    def refresh(self) -> None:
        """Re-read the diagnostics (in-memory copies, no I/O)."""
        rows = self.engine.diagnostics()
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
        now = time.time()
        for row, diag in enumerate(rows):
            for column, (text, abnormal) in enumerate(self._texts(diag, now)):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    align = Qt.AlignmentFlag.AlignVCenter
                    if COLUMNS[column] in ("requests", "mean_ms", "p99_ms", "backoff"):
                        align |= Qt.AlignmentFlag.AlignRight
                    item.setTextAlignment(align)
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                    if COLUMNS[column] == "last_error":
                        item.setToolTip(text)
                if self._abnormal.get((row, column)) != abnormal:
                    self._abnormal[(row, column)] = abnormal
                    # Default brushes (None) give back the table's alternating grey.
                    item.setData(
                        Qt.ItemDataRole.BackgroundRole, QColor(COMM_LOSS) if abnormal else None
                    )
                    item.setData(
                        Qt.ItemDataRole.ForegroundRole, QColor("#ffffff") if abnormal else None
                    )

    def _texts(self, diag: DeviceDiagnostics, now: float) -> list[tuple[str, bool]]:
        mean, p99 = diag.response_stats()
        if diag.last_good is None:
            last_good = "—"
        else:
            last_good = f"{format_clock(diag.last_good)} ({format_age(now - diag.last_good)})"
        errors = ", ".join(f"{kind}: {count}" for kind, count in sorted(diag.errors.items()))
        total = f"{diag.error_count}" + (f" ({errors})" if errors else "")
        return [
            (self._names.get(diag.device, diag.device), False),
            (diag.driver, False),
            (self.tr("Yes") if diag.connected else self.tr("No"), not diag.connected),
            (last_good, False),
            (f"{diag.requests:,}", False),
            (total, False),
            (format_number(mean) if diag.response_times_ms else "—", False),
            (format_number(p99) if diag.response_times_ms else "—", False),
            (f"{diag.backoff_s:.2f}" if diag.backoff_s else "0", False),
            (diag.last_error, False),
        ]
