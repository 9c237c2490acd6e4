"""The trend's plot: curves of several tags over a scrolling time window.

Curves are created once per tag and kept for the life of the widget (hidden when unselected):
PySide6 6.12 crashes when plot items are deleted and recreated repeatedly. Peak downsampling
and clip-to-view keep a redraw cheap however many points the history holds.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from app.engine import Engine
from app.model import FloatArray
from app.tags import TagInfo
from widgets import palette
from widgets.theme import TREND_COLOURS, on_theme_change

SCALE_MODES = ("auto", "units", "percent")
# Peak downsampling keeps the min and max of each bucket; one bucket per pixel column draws the
# same envelope as pyqtgraph's default of five, with a fifth of the path to paint.
PEAK_BUCKETS_PER_PIXEL = 1.0


class TrendPlot(pg.PlotWidget):
    """A time plot of the shown tags, read from the engine's ring-buffer history."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem()})
        self.engine = engine
        self.span_s = 60.0
        self.scale_mode = "auto"
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.shown: list[int] = []
        self.redraws = 0
        self._percent: bool | None = None  # what legend and axis show now (None: rebuild)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setMenuEnabled(False)
        item.hideButtons()
        self.legend = item.addLegend(offset=(10, 10))
        on_theme_change(self, self.restyle)

    def restyle(self) -> None:
        """Background, axes and legend in the current theme's greys."""
        theme = palette.current()
        self.setBackground(theme.plot)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setPen(pg.mkPen(theme.text_muted))
            axis.setTextPen(pg.mkPen(theme.text))
        self.legend.setLabelTextColor(theme.text)
        fill = pg.mkColor(theme.surface)
        fill.setAlpha(210)
        self.legend.setBrush(pg.mkBrush(fill))

    # -- what is shown ------------------------------------------------------------------------

    def curve(self, info: TagInfo) -> pg.PlotDataItem:
        """The curve of a tag, created on first use and kept afterwards."""
        curve = self.curves.get(info.id)
        if curve is None:
            colour = TREND_COLOURS[len(self.curves) % len(TREND_COLOURS)]
            curve = pg.PlotDataItem(
                pen=pg.mkPen(colour, width=1),
                connect="finite",
                autoDownsampleFactor=PEAK_BUCKETS_PER_PIXEL,
            )
            curve.setVisible(False)
            self.getPlotItem().addItem(curve)
            self.legend.removeItem(curve)  # the legend lists only the shown tags
            self.curves[info.id] = curve
        return curve

    def set_shown(self, infos: list[TagInfo]) -> None:
        """Show exactly these tags."""
        wanted = {info.id for info in infos}
        for info in infos:
            self.curve(info)
        for tag_id, curve in self.curves.items():
            visible = tag_id in wanted
            if visible != curve.isVisible():
                curve.setVisible(visible)
                if not visible:
                    curve.setData([], [])
        self.shown = [info.id for info in infos]
        self._percent = None

    def set_scale_mode(self, mode: str) -> None:
        """``units`` (one engineering axis), ``percent`` (of each tag's range) or ``auto``."""
        if mode not in SCALE_MODES:
            raise ValueError(f"unknown scale mode {mode!r} (known: {', '.join(SCALE_MODES)})")
        self.scale_mode = mode
        self._percent = None

    @property
    def percent(self) -> bool:
        """Whether values are drawn as percent of their range."""
        if self.scale_mode == "auto":
            return len({self.engine.tags[i].unit for i in self.shown}) > 1
        return self.scale_mode == "percent"

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self, now: float | None = None) -> None:
        """Load the span of every shown tag from history and move the time window."""
        now = time.time() if now is None else now
        since = now - self.span_s
        percent = self.percent
        if percent is not self._percent:
            self._relabel(percent)
        history = self.engine.recent
        for tag_id in self.shown:
            t, v = history.window(tag_id, since=since)
            if percent:
                v = self._to_percent(tag_id, v)
            self.curves[tag_id].setData(t, v, connect="finite")
        self.getPlotItem().setXRange(since, now, padding=0)
        self.redraws += 1

    def seconds_per_pixel(self) -> float:
        """How much time one pixel of the time axis covers now."""
        width = self.getPlotItem().getViewBox().width()
        return self.span_s / max(1.0, float(width))

    def points(self, tag_id: int) -> int:
        """Points the curve of a tag currently holds."""
        curve = self.curves.get(tag_id)
        if curve is None or curve.xData is None:
            return 0
        return int(np.size(curve.xData))

    def y_values(self, tag_id: int) -> FloatArray:
        """The values the curve of a tag currently draws (after scaling)."""
        curve = self.curves.get(tag_id)
        if curve is None or curve.yData is None:
            return np.empty(0)
        return np.asarray(curve.yData, dtype=np.float64)

    def retranslate(self) -> None:
        """The axis title in the current language."""
        if self._percent:
            self.setLabel("left", self.tr("% of range"))

    def _relabel(self, percent: bool) -> None:
        self.legend.clear()
        for tag_id in self.shown:
            info = self.engine.tags[tag_id]
            label = f"{info.full_name} [{info.unit}]" if info.unit else info.full_name
            low, high = info.config.display_min, info.config.display_max
            if percent and low is not None and high is not None:
                label += f"  {low:g}…{high:g}"
            self.legend.addItem(self.curves[tag_id], label)
        self.legend.setColumnCount(1 if len(self.shown) <= 6 else 2)
        units = {self.engine.tags[i].unit for i in self.shown}
        plot = self.getPlotItem()
        if percent:
            self.setLabel("left", self.tr("% of range"))
            # A fixed 0-100 band: where a value sits in its range is the information.
            plot.setYRange(-5, 105, padding=0)
            plot.disableAutoRange(axis="y")
        else:
            self.setLabel("left", units.pop() if len(units) == 1 else "")
            plot.enableAutoRange(axis="y")
        self._percent = percent

    def _to_percent(self, tag_id: int, values: FloatArray) -> FloatArray:
        config = self.engine.tags[tag_id].config
        low, high = config.display_min, config.display_max
        if low is None or high is None:
            # No configured range: the range of what is on screen.
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                return values
            low, high = float(finite.min()), float(finite.max())
        if high <= low:
            high = low + 1.0
        return (values - low) * (100.0 / (high - low))
