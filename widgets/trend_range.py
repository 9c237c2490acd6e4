"""The trend's custom range: a start and an end picked in local time, checked before it is
taken (the end after the start, the start not in the future, at most a year)."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from widgets import palette

MAX_SPAN_S = 366 * 86_400.0
FORMAT = "yyyy-MM-dd HH:mm:ss"


class CustomRangeDialog(QDialog):
    """Two date-time pickers (local time); OK only while the range is valid."""

    def __init__(self, t0: float, t1: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Custom range"))
        self.start = self._picker(t0)
        self.end = self._picker(t1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {palette.FAULT};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("From"), self.start)
        form.addRow(self.tr("To"), self.end)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.start.dateTimeChanged.connect(self.check)
        self.end.dateTimeChanged.connect(self.check)
        self.check()

    @staticmethod
    def _picker(t: float) -> QDateTimeEdit:
        picker = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(t)))
        picker.setDisplayFormat(FORMAT)
        picker.setCalendarPopup(True)
        return picker

    def set_range(self, t0: float, t1: float) -> None:
        self.start.setDateTime(QDateTime.fromSecsSinceEpoch(int(t0)))
        self.end.setDateTime(QDateTime.fromSecsSinceEpoch(int(t1)))

    def range(self) -> tuple[float, float]:
        """The chosen range in Unix time (the pickers show local time)."""
        return (
            float(self.start.dateTime().toSecsSinceEpoch()),
            float(self.end.dateTime().toSecsSinceEpoch()),
        )

    def error(self, now: float | None = None) -> str:
        """What is wrong with the range ("" when it can be taken)."""
        t0, t1 = self.range()
        now = time.time() if now is None else now
        if t1 <= t0:
            return self.tr("The end must be after the start.")
        if t0 > now:
            return self.tr("The start is in the future: there is nothing to show yet.")
        if t1 - t0 > MAX_SPAN_S:
            return self.tr("The range can be at most one year.")
        return ""

    def check(self) -> bool:
        """Show the problem (if any) and allow OK only without one."""
        problem = self.error()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem
