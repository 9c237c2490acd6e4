"""Pareto of defects by type, machine or shift over a time window (a query on db-reader)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.config import StationConfig
from app.quality.queries import DefectFilter, pareto
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
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#4a78b0")
        self.line = pg.PlotDataItem(pen=pg.mkPen("#c05000", width=1), symbol="o", symbolSize=5)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.line)
        self.items: list[tuple[str, int]] = []
        bar = QHBoxLayout()
        bar.addWidget(self.by)
        bar.addWidget(self.window)
        bar.addStretch(1)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)

    def refresh(self) -> None:
        now = time.time()
        where = DefectFilter(start=now - float(self.window.currentData()), end=now + 60)
        by = str(self.by.currentData())
        self.reader.ask("pareto", lambda db: pareto(db, where, by), self._show)  # type: ignore[arg-type]

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
