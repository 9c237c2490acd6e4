"""Pareto of defects by type, machine or shift over a time window (a query on db-reader)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.config import StationConfig
from app.quality.queries import DefectFilter, defects_per_bucket, pareto
from widgets import palette
from widgets.quality.history import code_name
from widgets.quality.reader import Reader
from widgets.theme import SURFACE, TEXT, TEXT_MUTED

WINDOWS = ((8 * 3600, "Last 8 hours"), (86400, "Last 24 hours"), (7 * 86400, "Last 7 days"),
           (30 * 86400, "Last 30 days"), (90 * 86400, "Last 90 days"))  # fmt: skip


class ParetoView(QWidget):
    """Bars largest first, with the cumulative share as a line."""

    def __init__(self, config: StationConfig, reader: Reader, parent: QWidget | None = None):
        super().__init__(parent)
        self.config = config
        self.reader = reader
        self.by = QComboBox(self)
        self.by.addItem(self.tr("By defect type"), "code")
        self.by.addItem(self.tr("By machine"), "machine")
        self.by.addItem(self.tr("By shift"), "shift")
        self.window = QComboBox(self)
        for seconds, title in WINDOWS:
            self.window.addItem(self.tr(title), seconds)
        self.window.setCurrentIndex(2)
        for combo in (self.by, self.window):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status = QLabel(self)
        self.plot = pg.PlotWidget(self, background=SURFACE)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(TEXT_MUTED))
            axis.setTextPen(pg.mkPen(TEXT))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=palette.DATA_PEN)
        self.line = pg.PlotDataItem(
            pen=pg.mkPen(palette.current().text, width=1), symbol="o", symbolSize=5
        )
        self.plot.addItem(self.bars)
        self.plot.addItem(self.line)
        self.items: list[tuple[str, int]] = []
        self.rate = pg.PlotWidget(self, background=SURFACE, axisItems={"bottom": pg.DateAxisItem()})
        self.rate.setMenuEnabled(False)
        for name in ("left", "bottom"):
            axis = self.rate.getAxis(name)
            axis.setPen(pg.mkPen(TEXT_MUTED))
            axis.setTextPen(pg.mkPen(TEXT))
        self.rate_bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=palette.DATA_PEN)
        self.rate.addItem(self.rate_bars)
        self.rate_title = QLabel(self)
        self.buckets: list[tuple[float, int]] = []
        bar = QHBoxLayout()
        bar.addWidget(self.by)
        bar.addWidget(self.window)
        bar.addStretch(1)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.rate_title)
        layout.addWidget(self.rate, 2)

    def refresh(self) -> None:
        now = time.time()
        where = DefectFilter(start=now - float(self.window.currentData()), end=now + 60)
        by = str(self.by.currentData())
        self.reader.ask("pareto", lambda db: pareto(db, where, by), self._show)  # type: ignore[arg-type]
        seconds = float(self.window.currentData())
        bucket = 3600.0 if seconds <= 86400 else 8 * 3600.0 if seconds <= 7 * 86400 else 86400.0
        self.rate_title.setText(
            self.tr("Defects per hour")
            if bucket == 3600
            else self.tr("Defects per 8 hours")
            if bucket < 86400
            else self.tr("Defects per day")
        )
        self.reader.ask(
            "defect-rate",
            lambda db: (bucket, defects_per_bucket(db, where, bucket)),
            self._show_rate,
        )

    def _show_rate(self, result: Any, _ms: float) -> None:
        if isinstance(result, Exception):
            return
        bucket, self.buckets = result
        x = np.array([t + bucket / 2 for t, _ in self.buckets], dtype=float)
        heights = np.array([n for _, n in self.buckets], dtype=float)
        self.rate_bars.setOpts(x=x, height=heights, width=bucket * 0.8)

    def _show(self, result: Any, ms: float) -> None:
        if isinstance(result, Exception):
            self.status.setText(
                self.tr("The defects cannot be read: %1").replace("%1", str(result))
            )
            return
        self.items = list(result)
        counts = np.array([n for _, n in self.items], dtype=float)
        x = np.arange(len(counts), dtype=float)
        self.bars.setOpts(x=x, height=counts, width=0.7)
        total = counts.sum()
        if total > 0:
            self.line.setData(x, np.cumsum(counts) / total * counts.max())
        else:
            self.line.setData([], [])
        labels = [(i, self._label(key)) for i, (key, _) in enumerate(self.items)]
        self.plot.getAxis("bottom").setTicks([labels])
        self.status.setText(
            self.tr("%1 defects (%2 ms)")
            .replace("%1", f"{int(total):,}")
            .replace("%2", f"{ms:.0f}")
        )

    def _label(self, key: str) -> str:
        if self.by.currentData() == "code":
            return code_name(self.config.quality, key).split(" — ")[-1][:24]
        return key
