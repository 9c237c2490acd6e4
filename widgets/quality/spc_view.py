"""SPC charts: I-MR of a measured characteristic and the p chart of an inspecting machine's
rejects, each point that breaks a Nelson rule marked in red; capability below."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.config import StationConfig
from app.quality import spc
from app.quality.queries import AttributeCounts, Series, measurement_series, reject_counts
from widgets import palette
from widgets.quality.reader import Reader
from widgets.theme import SURFACE, TEXT, TEXT_MUTED

POINTS = 200
RED = palette.FAULT
#: Variables charts: key -> (location title, dispersion title).
VARIABLES = {
    "imr": (
        QT_TRANSLATE_NOOP("SpcView", "Individuals"),
        QT_TRANSLATE_NOOP("SpcView", "Moving range"),
    ),
    "xbar_r": (
        QT_TRANSLATE_NOOP("SpcView", "Subgroup means (X̄)"),
        QT_TRANSLATE_NOOP("SpcView", "Subgroup ranges (R)"),
    ),
    "xbar_s": (
        QT_TRANSLATE_NOOP("SpcView", "Subgroup means (X̄)"),
        QT_TRANSLATE_NOOP("SpcView", "Subgroup standard deviations (S)"),
    ),
}
#: Attributes charts: key -> title.
ATTRIBUTES = {
    "p": QT_TRANSLATE_NOOP("SpcView", "Reject rate (p chart)"),
    "np": QT_TRANSLATE_NOOP("SpcView", "Rejects per subgroup (np chart)"),
    "u": QT_TRANSLATE_NOOP("SpcView", "Rejects per part (u chart)"),
    "c": QT_TRANSLATE_NOOP("SpcView", "Rejects per subgroup (c chart)"),
}
CHART_NAMES = {
    "imr": "I-MR",
    "xbar_r": "X̄-R",
    "xbar_s": "X̄-S",
    "p": "p",
    "np": "np",
    "u": "u",
    "c": "c",
}


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
        # Which charts: I-MR or X̄-R / X̄-S of consecutive measurements; p, np, u or c.
        self.variables_kind = QComboBox(self)
        for key in VARIABLES:
            self.variables_kind.addItem(CHART_NAMES[key], key)
        self.variables_size = QSpinBox(self)
        self.variables_size.setRange(2, 25)
        self.variables_size.setValue(5)
        self.attributes_kind = QComboBox(self)
        for key in ATTRIBUTES:
            self.attributes_kind.addItem(CHART_NAMES[key], key)
        for combo in (self.variables_kind, self.attributes_kind):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.variables_size.valueChanged.connect(lambda _v: self.refresh())
        self.capability = QLabel(self)
        self.status = QLabel(self)
        self.i_chart = ChartPlot(_plot(self, self.tr("Individuals")))
        self.mr_chart = ChartPlot(_plot(self, self.tr("Moving range")))
        self.p_chart = ChartPlot(_plot(self, self.tr("Reject rate (p chart)")))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Characteristic"), self))
        bar.addWidget(self.characteristic)
        bar.addWidget(self.variables_kind)
        bar.addWidget(self.variables_size)
        bar.addWidget(QLabel(self.tr("Rejects of"), self))
        bar.addWidget(self.machine)
        bar.addWidget(self.attributes_kind)
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
        kind = str(self.variables_kind.currentData() or "imr")
        location, dispersion = VARIABLES[kind]
        self.i_chart.plot.setTitle(self.tr(location))
        self.mr_chart.plot.setTitle(self.tr(dispersion))
        if kind == "imr":
            # Limits from the first half (the baseline), judged over everything after it.
            baseline = slice(0, max(2, result.values.size // 2))
            chart = spc.individuals(result.values, baseline=baseline)
        else:
            size = self.variables_size.value()
            groups = result.values.size // size
            if groups < 2:
                self.i_chart.clear()
                self.mr_chart.clear()
                self.capability.setText(self.tr("Not enough measurements yet."))
                return
            rows = result.values[: groups * size].reshape(groups, size)
            build = spc.xbar_r if kind == "xbar_r" else spc.xbar_s
            chart = build(rows, baseline=slice(0, max(1, groups // 2)))
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
        kind = str(self.attributes_kind.currentData() or "p")
        self.p_chart.plot.setTitle(self.tr(ATTRIBUTES[kind]))
        if kind == "p":
            chart = spc.p_chart(result.rejected, result.inspected, baseline=baseline)
        elif kind == "np":
            chart = spc.np_chart(result.rejected, self.subgroup.value(), baseline=baseline)
        elif kind == "u":
            chart = spc.u_chart(result.rejected, result.inspected, baseline=baseline)
        else:
            chart = spc.c_chart(result.rejected, baseline=baseline)
        self.p_chart.show(chart)
        self.status.setText(
            self.tr("%1 points beyond a rule on the %3 chart; %2 on the %4 chart")
            .replace("%1", str(self.p_chart.violations))
            .replace("%2", str(self.i_chart.violations))
            .replace("%3", CHART_NAMES[kind])
            .replace("%4", CHART_NAMES[str(self.variables_kind.currentData() or "imr")])
        )
