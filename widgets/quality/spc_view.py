"""SPC charts: I-MR of a measured characteristic and the p chart of an inspecting machine's
rejects, each point that breaks a Nelson rule marked in red; capability below."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.config import StationConfig
from app.quality import spc
from app.quality.queries import AttributeCounts, Series, measurement_series, reject_counts
from widgets import palette
from widgets.quality.reader import Reader
from widgets.theme import SURFACE, TEXT, TEXT_MUTED

POINTS = 200
RED = palette.FAULT


def _plot(parent: QWidget, title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(parent, background=SURFACE, title=title)
    plot.setMenuEnabled(False)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(TEXT_MUTED))
        axis.setTextPen(pg.mkPen(TEXT))
    return plot


class ChartPlot:
    """One control chart on a plot: the points, centre, limits and violations."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.points = plot.plot(
            pen=pg.mkPen(palette.current().text, width=1), symbol="o", symbolSize=4
        )
        self.center = plot.plot(pen=pg.mkPen(palette.DATA_PEN, width=1))
        dash = pg.mkPen(palette.current().text_muted, width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.ucl = plot.plot(pen=dash)
        self.lcl = plot.plot(pen=dash)
        self.bad = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(RED), pen=pg.mkPen(RED))
        plot.addItem(self.bad)
        self.violations = 0

    def show(self, chart: spc.Chart) -> None:
        x = np.arange(chart.values.size, dtype=float)
        finite = np.isfinite(chart.values)
        self.points.setData(x[finite], chart.values[finite])
        self.center.setData(x, chart.center)
        self.ucl.setData(x, chart.ucl)
        self.lcl.setData(x, chart.lcl)
        flagged = chart.out_of_control & finite
        self.violations = int(flagged.sum())
        self.bad.setData(x[flagged], chart.values[flagged])

    def clear(self) -> None:
        for item in (self.points, self.center, self.ucl, self.lcl):
            item.setData([], [])
        self.bad.setData([], [])
        self.violations = 0


class SpcView(QWidget):
    """Variables (I-MR) and attributes (p) charts from the quality records."""

    def __init__(self, config: StationConfig, reader: Reader, parent: QWidget | None = None):
        super().__init__(parent)
        self.config = config
        self.reader = reader
        self.characteristic = QComboBox(self)
        for char in config.quality.characteristics:
            self.characteristic.addItem(
                f"{char.name} ({char.unit})" if char.unit else char.name, char.name
            )
        self.machine = QComboBox(self)
        for inspection in config.quality.inspections:
            self.machine.addItem(inspection.device, inspection.device)
        self.subgroup = QSpinBox(self)
        self.subgroup.setRange(2, 200)
        self.subgroup.setValue(10)
        self.subgroup.setSuffix(self.tr(" parts per point"))
        for combo in (self.characteristic, self.machine):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.subgroup.valueChanged.connect(lambda _v: self.refresh())
        self.capability = QLabel(self)
        self.status = QLabel(self)
        self.i_chart = ChartPlot(_plot(self, self.tr("Individuals")))
        self.mr_chart = ChartPlot(_plot(self, self.tr("Moving range")))
        self.p_chart = ChartPlot(_plot(self, self.tr("Reject rate (p chart)")))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Characteristic"), self))
        bar.addWidget(self.characteristic)
        bar.addWidget(QLabel(self.tr("Rejects of"), self))
        bar.addWidget(self.machine)
        bar.addWidget(self.subgroup)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.i_chart.plot, 2)
        layout.addWidget(self.mr_chart.plot, 1)
        layout.addWidget(self.capability)
        layout.addWidget(self.p_chart.plot, 2)
        layout.addWidget(self.status)

    def refresh(self) -> None:
        name = self.characteristic.currentData()
        if name is not None:
            self.reader.ask(
                "spc-variables",
                lambda db: measurement_series(db, str(name), limit=POINTS),
                self._show_variables,
            )
        machine = self.machine.currentData()
        size = self.subgroup.value()
        if machine is not None:
            self.reader.ask(
                "spc-attributes",
                lambda db: reject_counts(db, str(machine), bucket_s=None, parts_per_subgroup=size),
                self._show_attributes,
            )

    def _show_variables(self, result: Any, _ms: float) -> None:
        if isinstance(result, Exception) or not isinstance(result, Series):
            self.status.setText(
                self.tr("The measurements cannot be read: %1").replace("%1", str(result))
            )
            return
        if result.values.size < 2:
            self.i_chart.clear()
            self.mr_chart.clear()
            self.capability.setText(self.tr("Not enough measurements yet."))
            return
        # Limits from the first half (the baseline), judged over everything after it.
        baseline = slice(0, max(2, result.values.size // 2))
        chart = spc.individuals(result.values, baseline=baseline)
        self.i_chart.show(chart.location)
        self.mr_chart.show(chart.dispersion)
        cap = spc.capability(result.values, result.lsl, result.usl, chart.sigma_within)
        self.capability.setText(self._capability_text(cap))

    def _capability_text(self, cap: spc.Capability) -> str:
        def index(name: str, value: spc.Index) -> str:
            if math.isnan(value.value):
                return f"{name} –"
            return f"{name} {value.value:.2f} [{value.low:.2f}, {value.high:.2f}]"

        parts = [
            index("Cp", cap.cp),
            index("Cpk", cap.cpk),
            index("Pp", cap.pp),
            index("Ppk", cap.ppk),
        ]
        return self.tr("n = %1; %2 % confidence: ").replace("%1", str(cap.n)).replace(
            "%2", f"{cap.confidence * 100:.0f}"
        ) + ",  ".join(parts)

    def _show_attributes(self, result: Any, _ms: float) -> None:
        if isinstance(result, Exception) or not isinstance(result, AttributeCounts):
            self.status.setText(
                self.tr("The inspections cannot be read: %1").replace("%1", str(result))
            )
            return
        if result.inspected.size < 2:
            self.p_chart.clear()
            return
        baseline = slice(0, max(1, result.inspected.size // 2))
        chart = spc.p_chart(result.rejected, result.inspected, baseline=baseline)
        self.p_chart.show(chart)
        self.status.setText(
            self.tr("%1 points beyond a rule on the p chart; %2 on the individuals chart")
            .replace("%1", str(self.p_chart.violations))
            .replace("%2", str(self.i_chart.violations))
        )
