"""Alarm performance screen: the ISA-18.2 / EEMUA 191 figures for a chosen period, with charts.

Every figure is shown (a figure that cannot be computed says why, never a blank), beside three
charts: the alarm rate per 10 minutes against the EEMUA 191 bands (up to 1 very likely
acceptable, up to 2 manageable, over 10 a flood), the top-10 bad actors, and the floods (the
red bars of the rate chart, listed below with the other alarm lists).
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from app.alarms.manager import AlarmManager
from app.alarms.model import Priority
from app.alarms.performance import PERIOD_S, PerformanceReport, analyse
from app.storage.database import Database
from widgets import palette
from widgets.alarms.model import Sources, format_time, priority_text
from widgets.i18n import on_language_change, translate_message
from widgets.theme import on_theme_change

#: EEMUA 191 bands of alarms per 10 minutes: (upper bound, colour).
BANDS = (
    (1.0, palette.RATE_ACCEPTABLE),
    (2.0, palette.RATE_MANAGEABLE),
    (10.0, palette.RATE_DEMANDING),
    (float("inf"), palette.RATE_FLOOD),
)
FLOOD = 10


def band_colour(rate: float, flood: int = FLOOD) -> str:
    """Colour of a 10-minute bar: green, yellow, orange, red (a flood)."""
    if rate > flood:
        return BANDS[-1][1]
    return next(colour for limit, colour in BANDS if rate <= limit)


#: The periods offered, in the order of the combo box.
PERIODS_S = (8 * 3600, 24 * 3600, 7 * 86400, 30 * 86400)


class AlarmPerformanceView(QWidget):
    """Alarm rate, floods, standing, chattering and fleeting alarms, bad actors."""

    calculated = Signal()
    """A report is shown."""
    _finished = Signal(object)

    def __init__(self, manager: AlarmManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.sources = Sources(manager.config)
        self.report: PerformanceReport | None = None
        self.busy = False
        self._finished.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.period = QComboBox(self)
        for seconds in PERIODS_S:
            self.period.addItem("", seconds)
        self.period.setCurrentIndex(1)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.refresh)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        bar = QHBoxLayout()
        bar.addWidget(self.period)
        bar.addWidget(self.button)
        bar.addWidget(self.summary, 1)

        # Figures: two columns of label / value pairs.
        self.figures: dict[str, QLabel] = {}
        self._figure_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        for i, (key, title) in enumerate(self._figure_titles()):
            value = QLabel("—", self)
            value.setObjectName(f"figure_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.figures[key] = value
            row, pair = divmod(i, 3)
            self._figure_labels[key] = QLabel(title, self)
            grid.addWidget(self._figure_labels[key], row, pair * 2)
            grid.addWidget(value, row, pair * 2 + 1)
        for pair in range(3):
            grid.setColumnStretch(pair * 2 + 1, 1)

        self.rate_plot = self._plot()
        self.rate_plot.setObjectName("alarmRateChart")
        self.actors_plot = self._plot()
        self.actors_plot.setObjectName("alarmBadActorsChart")
        self.rate_bars: pg.BarGraphItem | None = None
        self.actor_bars: pg.BarGraphItem | None = None

        self.lists = QTableWidget(0, 4, self)
        self.lists.setObjectName("alarmPerformanceLists")
        self.lists.verticalHeader().hide()
        self.lists.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lists.horizontalHeader().setStretchLastSection(True)
        self.lists.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.lists.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        charts = QSplitter(Qt.Orientation.Horizontal, self)
        charts.addWidget(self.rate_plot)
        charts.addWidget(self.actors_plot)
        charts.setSizes([600, 500])
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(charts)
        body.addWidget(self.lists)
        body.setSizes([330, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid)
        layout.addWidget(body, 1)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language (a shown report is drawn
        again in it)."""
        for index, text in enumerate(
            (
                self.tr("Last 8 hours"),
                self.tr("Last 24 hours"),
                self.tr("Last 7 days"),
                self.tr("Last 30 days"),
            )
        ):
            self.period.setItemText(index, text)
        self.button.setText(self.tr("Calculate"))
        for key, title in self._figure_titles():
            self._figure_labels[key].setText(title)
        self.rate_plot.setTitle(self.tr("Alarms per 10 minutes"), color=palette.current().text)
        self.rate_plot.setLabel("bottom", self.tr("hours before now"))
        self.actors_plot.setTitle(self.tr("Top 10 bad actors"), color=palette.current().text)
        self.actors_plot.setLabel("bottom", self.tr("alarms"))
        self.lists.setHorizontalHeaderLabels(
            [self.tr("What"), self.tr("Alarm"), self.tr("Count / time"), self.tr("Message")]
        )
        if self.report is not None and not self.busy:
            self._show(self.report)

    def _figure_titles(self) -> list[tuple[str, str]]:
        return [
            ("alarms", self.tr("Annunciated alarms")),
            ("average", self.tr("Average per 10 minutes")),
            ("peak", self.tr("Peak per 10 minutes")),
            ("over", self.tr("10-minute periods in flood")),
            ("flood_time", self.tr("Time in flood")),
            ("floods", self.tr("Flood periods")),
            ("acknowledged", self.tr("Acknowledged")),
            ("median_ack", self.tr("Median time to acknowledge")),
            ("shelved", self.tr("Shelve actions")),
            ("standing", self.tr("Standing alarms")),
            ("chattering", self.tr("Chattering alarms")),
            ("fleeting", self.tr("Fleeting alarms")),
            ("top10", self.tr("Share of the top 10")),
            ("priorities", self.tr("Priorities")),
            ("window", self.tr("Period")),
        ]

    def _plot(self) -> pg.PlotWidget:
        plot = pg.PlotWidget(self)
        on_theme_change(plot, lambda: plot.setBackground(palette.current().plot))
        plot.showGrid(x=False, y=True, alpha=0.3)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMinimumHeight(200)
        return plot

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
            return analyse(db, start, end, flood_threshold=FLOOD)

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
        for key, text in self.figure_texts(r).items():
            self.figures[key].setText(text)
        self._draw_rate(r)
        self._draw_actors(r)
        self._fill_lists(r)
        self.calculated.emit()

    def figure_texts(self, r: PerformanceReport) -> dict[str, str]:
        """Every figure as shown; none is left blank."""
        if r.median_ack_s is not None:
            median = _duration(r.median_ack_s)
        elif r.alarms:
            median = self.tr("none acknowledged yet")
        else:
            median = self.tr("no alarms to acknowledge")
        return {
            "alarms": str(r.alarms),
            "average": f"{r.average_per_10min:.2f}",
            "peak": str(r.peak_per_10min),
            "over": f"{r.pct_periods_over_threshold:.1f} %",
            "flood_time": self.tr("%1 % (target under 1 %)").replace(
                "%1", f"{r.pct_time_in_flood:.1f}"
            ),
            "floods": str(len(r.floods)),
            "acknowledged": self.tr("%1 of %2")
            .replace("%1", str(r.acknowledged))
            .replace("%2", str(r.alarms)),
            "median_ack": median,
            "shelved": str(r.shelved),
            "standing": str(len(r.standing)),
            "chattering": str(len(r.chattering)),
            "fleeting": str(len(r.fleeting)),
            "top10": f"{r.top10_share_pct:.0f} %",
            "priorities": ", ".join(
                f"{priority_text(p)} {r.priorities.get(p.label, 0)}" for p in Priority
            ),
            "window": f"{format_time(r.start)} – {format_time(r.end)}",
        }

    def _draw_rate(self, r: PerformanceReport) -> None:
        plot = self.rate_plot
        plot.clear()
        counts = np.asarray(r.per_period, dtype=float)
        if counts.size == 0:
            return
        starts = r.start + np.arange(counts.size) * PERIOD_S
        x = (starts + PERIOD_S / 2 - r.end) / 3600.0
        brushes = [pg.mkBrush(band_colour(c)) for c in counts]
        self.rate_bars = pg.BarGraphItem(
            x=x, height=counts, width=PERIOD_S / 3600.0 * 0.9, brushes=brushes, pen=None
        )
        plot.addItem(self.rate_bars)
        for level, text in ((1, self.tr("1: acceptable")), (2, self.tr("2: manageable"))):
            line = pg.InfiniteLine(
                level,
                angle=0,
                pen=pg.mkPen(
                    palette.RATE_ACCEPTABLE if level == 1 else palette.RATE_MANAGEABLE, width=1
                ),
            )
            plot.addItem(line)
            label = pg.TextItem(text, color=palette.current().text_muted, anchor=(0, 1))
            label.setPos(float(x[0]), level)
            plot.addItem(label)
        flood = pg.InfiniteLine(
            FLOOD, angle=0, pen=pg.mkPen(palette.RATE_FLOOD, width=1, style=Qt.PenStyle.DashLine)
        )
        plot.addItem(flood)
        label = pg.TextItem(self.tr("10: flood"), color=palette.RATE_FLOOD, anchor=(0, 1))
        label.setPos(float(x[0]), FLOOD)
        plot.addItem(label)
        plot.setYRange(0, max(FLOOD + 2, float(counts.max()) * 1.1))

    def _draw_actors(self, r: PerformanceReport) -> None:
        plot = self.actors_plot
        plot.clear()
        actors = r.bad_actors[:10]
        axis = plot.getAxis("left")
        if not actors:
            axis.setTicks([[]])
            return
        y = np.arange(len(actors))[::-1].astype(float)
        counts = np.array([a.count for a in actors], dtype=float)
        self.actor_bars = pg.BarGraphItem(
            x0=0, y=y, width=counts, height=0.7, brush=pg.mkBrush(palette.DATA_PEN), pen=None
        )
        plot.addItem(self.actor_bars)
        axis.setTicks(
            [[(float(yy), self._actor_label(a.alarm_id)) for yy, a in zip(y, actors, strict=True)]]
        )
        plot.setYRange(-0.6, len(actors) - 0.4)
        plot.setXRange(0, float(counts.max()) * 1.05)

    def _actor_label(self, alarm_id: str) -> str:
        """``Washer · Spray pressure h`` from ``washer.pressure.h``."""
        device, _, rest = alarm_id.partition(".")
        tag, _, condition = rest.partition(".")
        if tag.startswith("@"):
            return f"{self.sources.title(device, None)} {tag[1:]}"
        title = self.sources.title(device, tag)
        return f"{title} {condition}" if condition else title

    def _fill_lists(self, r: PerformanceReport) -> None:
        rows: list[tuple[str, str, str, str]] = []
        for f in r.floods:
            rows.append(
                (
                    self.tr("Flood"),
                    f"{format_time(f.start)} – {format_time(f.end)}",
                    str(f.alarms),
                    "",
                )
            )
        for title, items in (
            (self.tr("Bad actor"), r.bad_actors),
            (self.tr("Chattering"), r.chattering),
            (self.tr("Fleeting"), r.fleeting),
        ):
            for a in items:
                count = f"{a.count}" + (f"  ({a.share_pct:.0f} %)" if a.share_pct else "")
                rows.append(
                    (
                        title,
                        self._actor_label(a.alarm_id),
                        count,
                        a.message.render(translate_message),
                    )
                )
        for s in r.standing:
            rows.append(
                (
                    self.tr("Standing"),
                    self._actor_label(s.alarm_id),
                    f"{s.hours:.1f} h",
                    s.message.render(translate_message),
                )
            )
        self.lists.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.lists.setItem(i, j, QTableWidgetItem(text))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
