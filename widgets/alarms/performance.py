"""Alarm performance screen: the ISA-18.2 / EEMUA 191 figures for a chosen period."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from app.alarms.manager import AlarmManager
from app.alarms.model import Priority
from app.alarms.performance import PerformanceReport, analyse
from app.storage.database import Database
from widgets.alarms.model import format_time, priority_text


class AlarmPerformanceView(QWidget):
    """Alarm rate, floods, standing, chattering and fleeting alarms, bad actors."""

    calculated = Signal()
    """A report is shown."""
    _finished = Signal(object)

    def __init__(self, manager: AlarmManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.report: PerformanceReport | None = None
        self.busy = False
        self._finished.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.period = QComboBox(self)
        for label, seconds in (
            (self.tr("Last 8 hours"), 8 * 3600),
            (self.tr("Last 24 hours"), 24 * 3600),
            (self.tr("Last 7 days"), 7 * 86400),
            (self.tr("Last 30 days"), 30 * 86400),
        ):
            self.period.addItem(label, seconds)
        self.period.setCurrentIndex(1)
        self.button = QPushButton(self.tr("Calculate"), self)
        self.button.clicked.connect(self.refresh)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        bar = QHBoxLayout()
        bar.addWidget(self.period)
        bar.addWidget(self.button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.text, 1)

    def refresh(self) -> None:
        """Calculate the figures for the chosen period on the database gateway's reader thread
        (a month of journal takes seconds); the result arrives through a queued signal."""
        if self.busy:
            return
        end = time.time()
        start = end - float(self.period.currentData())
        self.busy = True
        self.button.setEnabled(False)
        self.summary.setText(self.tr("Calculating…"))
        journal = self.manager.journal

        def report(db: Database) -> PerformanceReport:
            # Reader thread: let the transitions just shown land first (bounded: a locked
            # database delays the report, never the window).
            journal.wait_journaled(2.0)
            return analyse(db, start, end)

        future = journal.gateway.read(report)
        future.add_done_callback(self._computed)

    def _computed(self, future: Future[PerformanceReport]) -> None:
        # The gateway's reader thread: no widget is touched here.
        try:
            result: PerformanceReport | str = future.result()
        except SQLAlchemyError as exc:
            result = str(exc).splitlines()[0]
        with contextlib.suppress(RuntimeError):  # the view was closed meanwhile
            self._finished.emit(result)

    @Slot(object)
    def _show(self, result: PerformanceReport | str) -> None:
        self.busy = False
        self.button.setEnabled(True)
        if isinstance(result, str):
            self.summary.setText(
                self.tr("The alarm journal cannot be read: %1").replace("%1", result)
            )
            return
        self.report = r = result
        verdict = (
            self.tr("very likely acceptable")
            if r.average_per_10min <= 1
            else self.tr("manageable")
            if r.average_per_10min <= 2
            else self.tr("over the EEMUA 191 guideline")
        )
        self.summary.setText(
            self.tr("%1 alarms, %2 per 10 minutes on average (%3), %4 flood periods.")
            .replace("%1", str(r.alarms))
            .replace("%2", f"{r.average_per_10min:.2f}")
            .replace("%3", verdict)
            .replace("%4", str(len(r.floods)))
        )
        self.text.setPlainText(self.render(r))
        self.calculated.emit()

    def render(self, r: PerformanceReport) -> str:
        """The report as translated text, one figure per line."""

        def line(label: str, value: str) -> str:
            return f"  {label:<34} {value}"

        lines = [
            self.tr("From %1 to %2")
            .replace("%1", format_time(r.start))
            .replace("%2", format_time(r.end)),
            line(self.tr("Annunciated alarms"), str(r.alarms)),
            line(self.tr("Average per 10 minutes"), f"{r.average_per_10min:.2f}"),
            line(self.tr("Peak per 10 minutes"), str(r.peak_per_10min)),
            line(self.tr("Time in flood"), f"{r.pct_time_in_flood:.1f} %"),
            line(self.tr("Acknowledged"), str(r.acknowledged)),
            line(
                self.tr("Median time to acknowledge"),
                "" if r.median_ack_s is None else f"{r.median_ack_s:.0f} s",
            ),
            line(self.tr("Shelve actions"), str(r.shelved)),
        ]
        for priority in Priority:
            lines.append(line(priority_text(priority), str(r.priorities.get(priority.label, 0))))
        if r.floods:
            lines.append(self.tr("Flood periods"))
            lines += [
                line(
                    f"{format_time(f.start)} – {format_time(f.end)}",
                    self.tr("%1 alarms").replace("%1", str(f.alarms)),
                )
                for f in r.floods
            ]
        if r.bad_actors:
            lines.append(
                self.tr("Top 10 bad actors (%1 % of all alarms)").replace(
                    "%1", f"{r.top10_share_pct:.0f}"
                )
            )
            lines += [
                f"  {a.count:6d}  {a.share_pct:5.1f} %  {a.alarm_id}  {a.message}"
                for a in r.bad_actors
            ]
        for title, items in (
            (self.tr("Chattering alarms"), r.chattering),
            (self.tr("Fleeting alarms"), r.fleeting),
        ):
            if items:
                lines.append(title)
                lines += [f"  {a.count:6d}  {a.alarm_id}  {a.message}" for a in items]
        if r.standing:
            lines.append(self.tr("Standing alarms"))
            lines += [
                f"  {s.hours:7.1f} h  {s.alarm_id}  {format_time(s.since)}  {s.message}"
                for s in r.standing
            ]
        return "\n".join(lines)
