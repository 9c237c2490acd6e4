"""The OEE screen of the line: each machine's and the line's availability, performance,
quality and OEE, the six big losses as bars and the downtime Pareto by reason (bars and the
cumulative share), for the last interval (live), the current shift, or a shift or whole day.

It reads what the dispatcher replaces whole, never edits (:class:`app.oee.tracker.OeeTracker`'s
``last``, ``shift_live``, ``shift_done``; the downtime log's copy) once a second: no I/O, no
waiting. The days of the stored shifts (older than what the tracker keeps in memory) are asked
of the tracker's shift store on the db-reader thread; the answers are picked up by the next
refresh once they are there.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import StationConfig
from app.oee.calendar import shift_at, shift_instances, zone_of
from app.oee.compute import SIX_LOSSES, OeeResult, aggregate
from app.oee.downtime import DowntimeLog
from app.oee.pareto import UNEXPLAINED, downtime_pareto, micro_stops
from app.oee.shifts import MACHINE, ShiftRecord
from app.oee.tracker import OeeTracker
from widgets import palette
from widgets.downtime_dialog import DowntimePrompt, reason_name
from widgets.i18n import on_language_change
from widgets.theme import SURFACE, TEXT, TEXT_MUTED

log = logging.getLogger(__name__)

LIVE, SHIFT_NOW, BY_DAY = "live", "shift", "day"
WHOLE_DAY = ""
#: How often the list of stored days is read again while the screen is shown.
DAYS_EVERY_S = 60.0


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _chart(parent: QWidget) -> pg.PlotWidget:
    plot = pg.PlotWidget(parent, background=SURFACE)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    for name in ("left", "bottom", "right"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(TEXT_MUTED))
        axis.setTextPen(pg.mkPen(TEXT))
    return plot


class OeeView(QWidget):
    """One row per machine and one for the line; charts below; refreshed every second."""

    def __init__(
        self,
        tracker: OeeTracker,
        downtime: DowntimeLog | None = None,
        prompt: DowntimePrompt | None = None,
        parent: QWidget | None = None,
        refresh_ms: int = 1000,
    ):
        super().__init__(parent)
        self.tracker = tracker
        self.config: StationConfig = tracker.config
        self.downtime = downtime
        self.prompt = prompt
        # The stored shifts (tracker.store; None: this run's only), read on db-reader.
        self.stored_days: list[str] = []
        self.stored: dict[str, list[ShiftRecord]] = {}  # a day's machine rows, once read
        self._days_asked: Future[list[str]] | None = None
        self._days_at = -DAYS_EVERY_S
        self._day_asked: tuple[str, Future[list[ShiftRecord]]] | None = None
        self.period = QComboBox(self)
        self.day = QComboBox(self)
        self.shift = QComboBox(self)
        self.caption = QLabel(self)
        self.unexplained = QPushButton(self)
        self.unexplained.setVisible(prompt is not None)
        if prompt is not None:
            self.unexplained.clicked.connect(prompt.open)
        filters = QHBoxLayout()
        self.period_label, self.day_label, self.shift_label = QLabel(), QLabel(), QLabel()
        for label, combo in (
            (self.period_label, self.period),
            (self.day_label, self.day),
            (self.shift_label, self.shift),
        ):
            filters.addWidget(label)
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        filters.addStretch(1)
        filters.addWidget(self.unexplained)
        self.columns: list[str] = []
        self.table = QTableWidget(len(tracker.machines) + 1, 14, self)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.day.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.day.setMinimumContentsLength(10)
        self.losses_title, self.pareto_title = QLabel(self), QLabel(self)
        self.losses = _chart(self)
        self.loss_bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brush=palette.DATA_PEN)
        self.losses.addItem(self.loss_bars)
        self.losses.getAxis("left").setStyle(tickLength=0)
        self.pareto = _chart(self)
        self.pareto.showAxis("right")
        self.pareto.getAxis("bottom").setHeight(34)  # room for the reasons' names
        self.pareto_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=palette.DATA_PEN)
        self.pareto_line = pg.PlotDataItem(
            pen=pg.mkPen(palette.current().text, width=1), symbol="o", symbolSize=5
        )
        self.pareto.addItem(self.pareto_bars)
        self.pareto.addItem(self.pareto_line)
        self.pareto_items: list[tuple[str, float, float]] = []
        self.loss_values: list[float] = []
        charts = QHBoxLayout()
        for title, chart in ((self.losses_title, self.losses), (self.pareto_title, self.pareto)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(chart, 1)
            charts.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.caption)
        layout.addWidget(self.table)
        layout.addLayout(charts, 1)
        on_language_change(self, self.retranslate)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)

    def retranslate(self) -> None:
        self.period_label.setText(self.tr("Show"))
        self.day_label.setText(self.tr("Day"))
        self.shift_label.setText(self.tr("Shift"))
        for combo in (self.period, self.shift):
            combo.blockSignals(True)
        chosen = self.period.currentData()
        self.period.clear()
        self.period.addItem(self.tr("Last interval (live)"), LIVE)
        self.period.addItem(self.tr("Current shift"), SHIFT_NOW)
        self.period.addItem(self.tr("A shift or day"), BY_DAY)
        self.period.setCurrentIndex(max(0, self.period.findData(chosen)))
        chosen = self.shift.currentData()
        self.shift.clear()
        self.shift.addItem(self.tr("Whole day"), WHOLE_DAY)
        for shift in self.config.shift_calendar.shifts:
            self.shift.addItem(shift.name, shift.name)
        self.shift.setCurrentIndex(max(0, self.shift.findData(chosen)))
        for combo in (self.period, self.shift):
            combo.blockSignals(False)
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
        self.table.setHorizontalHeaderLabels(self.columns)
        self.losses_title.setText(self.tr("Six big losses of the line (minutes)"))
        self.pareto_title.setText(self.tr("Downtime by reason (minutes, cumulative %)"))
        self.loss_names = [
            self.tr("Breakdowns"),
            self.tr("Setup"),
            self.tr("Small stops"),
            self.tr("Other stops"),
            self.tr("Reduced speed"),
            self.tr("Quality loss"),
        ]
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._days_at = -DAYS_EVERY_S  # read the stored days again
        self.refresh()

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    # -- what is shown ------------------------------------------------------------------------

    def _memory_days(self) -> set[str]:
        keys = list(self.tracker.shift_done) + list(self.tracker.shift_live)
        return {key[2] for key in keys}

    def _days(self) -> list[str]:
        return sorted(self._memory_days() | set(self.stored_days), reverse=True)

    def _ask_stored(self, now: float) -> None:
        """Ask for the stored days now and then, take answers that are in (never waits)."""
        store = self.tracker.store
        if store is None:
            return
        asked = self._days_asked
        if asked is not None and asked.done():
            self._days_asked = None
            try:
                self.stored_days = asked.result()
                self.stored = {}  # read a chosen day again: it may have changed
            except Exception:
                log.exception("the stored OEE days could not be read")
        due = now - self._days_at >= DAYS_EVERY_S
        if self._days_asked is None and due and self.isVisible():
            self._days_at = now
            self._days_asked = store.days()
        if self._day_asked is not None and self._day_asked[1].done():
            day, future = self._day_asked
            self._day_asked = None
            try:
                self.stored[day] = [r for r in future.result() if r.scope == MACHINE]
            except Exception:  # shown as nothing recorded; read again with the next day list
                log.exception("the stored OEE shifts of %s could not be read", day)
                self.stored[day] = []

    def _stored_day(self, day: str) -> list[ShiftRecord] | None:
        """The stored machine rows of ``day``; None while they are being read."""
        if day in self.stored:
            return self.stored[day]
        if self._day_asked is None and self.tracker.store is not None:
            self._day_asked = (day, self.tracker.store.on_day(day))
        return None

    def _sync_days(self) -> None:
        days = self._days()
        if days == [self.day.itemData(i) for i in range(self.day.count())]:
            return
        chosen = self.day.currentData()
        self.day.blockSignals(True)
        self.day.clear()
        for day in days:
            self.day.addItem(day, day)
        self.day.setCurrentIndex(max(0, self.day.findData(chosen)))
        self.day.blockSignals(False)

    def selection(self, now: float) -> tuple[dict[str, OeeResult], tuple[float, float] | None, str]:
        """The results per machine, the time window (for the Pareto) and the caption."""
        mode = self.period.currentData()
        calendar = self.config.shift_calendar
        if mode == LIVE:
            results = dict(self.tracker.last)  # replaced whole by the dispatcher
            if not results:
                return {}, None, self.tr("No interval closed yet")
            start = min(r.start for r in results.values())
            end = max(r.end for r in results.values())
            text = self.tr("Last interval, ending %1").replace(
                "%1", datetime.fromtimestamp(end, zone_of(calendar)).strftime("%H:%M:%S")
            )
            return results, (start, end), text
        if mode == SHIFT_NOW:
            span = shift_at(calendar, now)
            if span is None:
                return {}, None, self.tr("No shift now")
            day = [
                d for s, d, (a, _), _ in shift_instances(calendar, now, now + 1) if a == span.start
            ]
            live = dict(self.tracker.shift_live)
            results = {m: r for (m, s, d), r in live.items() if s == span.name and d in
                       {x.isoformat() for x in day}}  # fmt: skip
            text = self.tr("Shift %1 since %2 (as of the last interval)")
            text = text.replace("%1", span.name).replace(
                "%2", datetime.fromtimestamp(span.start, zone_of(calendar)).strftime("%H:%M")
            )
            return results, (span.start, min(now, span.end)), text
        day = self.day.currentData()
        shift = self.shift.currentData()
        if day is None:
            return {}, None, self.tr("No shift recorded yet")
        found: dict[str, list[OeeResult]] = {}
        if day in self._memory_days():
            for source in (dict(self.tracker.shift_done), dict(self.tracker.shift_live)):
                for (m, s, d), result in source.items():
                    if d == day and (shift == WHOLE_DAY or s == shift):
                        found.setdefault(m, []).append(result)
        else:  # older than the tracker keeps: from the database
            records = self._stored_day(day)
            if records is None:
                return {}, None, self.tr("Reading the stored shifts...")
            for record in records:
                if shift == WHOLE_DAY or record.shift == shift:
                    found.setdefault(record.name, []).append(record.result)
        ideal = {name: m.ideal_cycle_s for name, m in self.tracker.machines.items()}
        results = {m: aggregate([(r, ideal.get(m)) for r in parts]) for m, parts in found.items()}
        if not results:
            return {}, None, self.tr("Nothing recorded for this choice")
        start = min(r.start for r in results.values())
        end = max(r.end for r in results.values())
        label = shift if shift else self.tr("Whole day")
        return results, (start, end), self.tr("%1, %2").replace("%1", day).replace("%2", label)

    @Slot()
    def refresh(self) -> None:
        if not self.columns:
            return
        now = time.time()
        self._ask_stored(now)
        self._sync_days()
        by_day = self.period.currentData() == BY_DAY
        self.day.setEnabled(by_day)
        self.shift.setEnabled(by_day)
        results, window, caption = self.selection(now)
        self.caption.setText(caption)
        stops = self.downtime.between(*window) if self.downtime and window else []
        micro = micro_stops(stops, *window) if window else {}
        machines = self.tracker.machines
        rows = []
        for name, machine in machines.items():
            rows.append((machine.device.display_name, results.get(name), micro.get(name)))
        line = (
            aggregate([(r, machines[m].ideal_cycle_s) for m, r in results.items() if m in machines])
            if results
            else None
        )
        line_micro = sum(micro.values()) if self.downtime and window else None
        rows.append((self.tr("Whole line"), line, line_micro))
        self.table.setRowCount(len(rows))
        for row, (title, result, count) in enumerate(rows):
            values = [title, *self._figures(result, count)]
            for column, text in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    if column:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    if row == len(rows) - 1:
                        font = QFont(item.font())
                        font.setBold(True)
                        item.setFont(font)
                    self.table.setItem(row, column, item)
                item.setText(text)
        if self.isVisible():  # charts only where someone looks (showEvent redraws them)
            self._show_losses(line)
            self._show_pareto(stops, window, now)
        if self.prompt is not None:
            waiting = self.prompt.count
            self.unexplained.setText(self.tr("Unexplained stops: %1").replace("%1", str(waiting)))

    def _show_losses(self, line: OeeResult | None) -> None:
        values = [line.losses.get(key, 0.0) / 60 if line else 0.0 for key in SIX_LOSSES]
        self.loss_values = values
        y = np.arange(len(values), dtype=float)[::-1]
        self.loss_bars.setOpts(x0=np.zeros(len(values)), y=y, width=np.array(values), height=0.6)
        self.losses.getAxis("left").setTicks([list(zip(y.tolist(), self.loss_names, strict=True))])
        self.losses.setXRange(0, max([*values, 1.0]) * 1.05, padding=0)
        self.losses.setYRange(-0.6, len(values) - 0.4, padding=0)

    def _show_pareto(self, stops: list, window: tuple[float, float] | None, now: float) -> None:
        items = downtime_pareto(stops, *window, now) if window else []
        self.pareto_items = items
        x = np.arange(len(items), dtype=float)
        heights = np.array([seconds / 60 for _, seconds, _ in items], dtype=float)
        self.pareto_bars.setOpts(x=x, height=heights, width=0.7)
        top = float(heights.max()) if len(items) else 1.0
        if items:
            self.pareto_line.setData(x, np.array([share for *_, share in items]) * top)
        else:
            self.pareto_line.setData([], [])
        names = [
            (i, self.tr("Unexplained") if key == UNEXPLAINED else self._short(key))
            for i, (key, _, _) in enumerate(items)
        ]
        self.pareto.getAxis("bottom").setTicks([names])
        self.pareto.getAxis("right").setTicks(
            [[(top * f, f"{f * 100:.0f} %") for f in (0.0, 0.25, 0.5, 0.75, 1.0)]]
        )
        self.pareto.setXRange(-0.6, max(len(items), 5) - 0.4, padding=0)
        self.pareto.setYRange(0, top * 1.08, padding=0)

    def _short(self, path: str) -> str:
        return reason_name(self.config.oee, path).split(" > ")[-1][:20]

    def _minutes(self, seconds: float) -> str:
        return self.tr("%1 min").replace("%1", f"{seconds / 60:.1f}")

    def _figures(self, result: OeeResult | None, micro: int | None) -> list[str]:
        if result is None:
            return ["–"] * 6 + [str(micro) if micro is not None else "–"] + ["–"] * 6
        losses = result.losses
        return [
            percent(result.availability),
            percent(result.performance),
            percent(result.quality),
            percent(result.oee),
            f"{result.good:,}",
            f"{result.reject:,}",
            str(result.micro_stops),  # within planned time, as the small-stop minutes
            *(self._minutes(losses.get(key, 0.0)) for key in SIX_LOSSES),
        ]
