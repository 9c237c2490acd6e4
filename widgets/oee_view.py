"""The OEE screen: each machine's availability, performance, quality and OEE over the last
closed interval, with the six big losses.

It reads :attr:`app.oee.tracker.OeeTracker.last` (results the dispatcher replaces whole, never
edits) once a second: no I/O, no waiting.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.oee.compute import OeeResult
from app.oee.tracker import OeeTracker


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


class OeeView(QWidget):
    """One row per machine; refreshed every second from memory."""

    def __init__(self, tracker: OeeTracker, parent: QWidget | None = None, refresh_ms: int = 1000):
        super().__init__(parent)
        self.tracker = tracker
        layout = QVBoxLayout(self)
        self.caption = QLabel()
        layout.addWidget(self.caption)
        self.columns = [
            self.tr("Machine"),
            self.tr("Availability"),
            self.tr("Performance"),
            self.tr("Quality"),
            self.tr("OEE"),
            self.tr("Good"),
            self.tr("Reject"),
            self.tr("Micro-stops"),
            self.tr("Breakdowns"),
            self.tr("Setup"),
            self.tr("Small stops"),
            self.tr("Other stops"),
            self.tr("Reduced speed"),
            self.tr("Quality loss"),
        ]
        self.table = QTableWidget(len(tracker.machines), len(self.columns))
        self.table.setHorizontalHeaderLabels(self.columns)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    @Slot()
    def refresh(self) -> None:
        results = dict(self.tracker.last)  # replaced whole by the dispatcher
        ends = [r.end for r in results.values()]
        if ends:
            end = datetime.fromtimestamp(max(ends)).strftime("%H:%M:%S")
            self.caption.setText(self.tr("Last interval, ending %1").replace("%1", end))
        else:
            self.caption.setText(self.tr("No interval closed yet"))
        for row, (name, machine) in enumerate(self.tracker.machines.items()):
            result = results.get(name)
            values = [machine.device.display_name, *self._figures(result)]
            for column, text in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    if column:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.table.setItem(row, column, item)
                item.setText(text)

    @staticmethod
    def _figures(result: OeeResult | None) -> list[str]:
        if result is None:
            return ["–"] * 13
        losses = result.losses
        return [
            percent(result.availability),
            percent(result.performance),
            percent(result.quality),
            percent(result.oee),
            f"{result.good:,}",
            f"{result.reject:,}",
            str(result.micro_stops),
            minutes(losses.get("breakdowns_s", 0.0)),
            minutes(losses.get("setup_s", 0.0)),
            minutes(losses.get("small_stops_s", 0.0)),
            minutes(losses.get("other_stops_s", 0.0)),
            minutes(losses.get("reduced_speed_s", 0.0)),
            minutes(losses.get("quality_loss_s", 0.0)),
        ]
