"""Live trend: pick tags by device, choose a time span, watch them scroll.

The plot is redrawn from the engine's ring-buffer history on a timer (at most ``max_hz``) and
only when a shown tag received data or the span changed. Curves are created once per tag and
reused (hidden when unselected): PySide6 6.12 crashes when plot items are deleted repeatedly.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine import Engine
from app.tags import TagInfo
from widgets.bridge import DataDigest, EngineBridge
from widgets.theme import SURFACE, TEXT, TEXT_MUTED, TREND_COLOURS

SPANS_S = (60, 300, 900)
TAG_ROLE = Qt.ItemDataRole.UserRole + 1


class TrendPlot(pg.PlotWidget):
    """A time plot of several tags whose curves are kept for the life of the widget."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=SURFACE, axisItems={"bottom": pg.DateAxisItem()})
        self.engine = engine
        self.span_s = float(SPANS_S[0])
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setMenuEnabled(False)
        item.hideButtons()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(TEXT_MUTED))
            axis.setTextPen(pg.mkPen(TEXT))
        self.legend = item.addLegend(offset=(10, 10), labelTextColor=TEXT)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.shown: list[int] = []
        self.redraws = 0

    def curve(self, info: TagInfo) -> pg.PlotDataItem:
        """The curve of a tag, created on first use and kept afterwards."""
        curve = self.curves.get(info.id)
        if curve is None:
            colour = TREND_COLOURS[len(self.curves) % len(TREND_COLOURS)]
            label = f"{info.full_name} [{info.unit}]" if info.unit else info.full_name
            curve = self.plot([], [], pen=pg.mkPen(colour, width=1), name=label, connect="finite")
            curve.setVisible(False)
            self.legend.removeItem(curve)
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
                if visible:
                    self.legend.addItem(curve, curve.name())
                else:
                    self.legend.removeItem(curve)
                    curve.setData([], [])
        self.shown = [info.id for info in infos]

    def redraw(self, now: float | None = None) -> None:
        """Load the span of every shown tag from history and move the time window."""
        now = time.time() if now is None else now
        since = now - self.span_s
        history = self.engine.history
        for tag_id in self.shown:
            t, v = history.window(tag_id, since=since)
            self.curves[tag_id].setData(t, v, connect="finite")
        self.getPlotItem().setXRange(since, now, padding=0)
        self.redraws += 1

    def points(self, tag_id: int) -> int:
        """Points the curve of a tag currently holds."""
        curve = self.curves.get(tag_id)
        if curve is None or curve.xData is None:
            return 0
        return int(np.size(curve.xData))


class TrendView(QWidget):
    """Tag picker, span selector and the plot."""

    selectionChanged = Signal(list)  # list[str] full names

    def __init__(
        self,
        engine: Engine,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        max_hz: float = 10.0,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.plot = TrendPlot(engine)
        self._dirty = True
        self._last_redraw = 0.0

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Tag"), self.tr("Unit")])
        self.tree.setColumnWidth(0, 190)
        self._items: dict[int, QTreeWidgetItem] = {}
        for device in engine.config.devices:
            parent_item = QTreeWidgetItem(self.tree, [device.display_name, ""])
            parent_item.setFlags(parent_item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for info in engine.tags.of_device(device.name):
                item = QTreeWidgetItem(parent_item, [info.name, info.unit])
                item.setData(0, TAG_ROLE, info.id)
                item.setToolTip(0, info.config.description or info.full_name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                self._items[info.id] = item
            parent_item.setExpanded(True)

        self.span = QComboBox()
        for seconds in SPANS_S:
            self.span.addItem(self.tr("%n min").replace("%n", str(seconds // 60)), seconds)
        self.span.currentIndexChanged.connect(self._on_span)

        picker = QWidget()
        side = QVBoxLayout(picker)
        side.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Time span")))
        row.addWidget(self.span, 1)
        side.addLayout(row)
        side.addWidget(self.tree, 1)

        splitter = QSplitter()
        splitter.addWidget(picker)
        splitter.addWidget(self.plot)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.select(self._default_selection())
        self.tree.itemChanged.connect(self._on_item_changed)
        bridge.dataChanged.connect(self._on_data)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(max(1, int(1000 / max_hz)))

    # -- selection ----------------------------------------------------------------------------

    def _default_selection(self) -> list[str]:
        keys = [t.full_name for t in self.engine.tags if t.config.key]
        if keys:
            return keys
        return [t.full_name for t in list(self.engine.tags)[:1]]

    def select(self, full_names: list[str]) -> None:
        """Show exactly these tags (``device.tag``); unknown names are ignored."""
        known = self.engine.tags.ids()
        ids = {known[name] for name in full_names if name in known}
        self.tree.blockSignals(True)
        for tag_id, item in self._items.items():
            state = Qt.CheckState.Checked if tag_id in ids else Qt.CheckState.Unchecked
            item.setCheckState(0, state)
        self.tree.blockSignals(False)
        self._apply_selection()

    def selected(self) -> list[str]:
        """Full names of the shown tags."""
        return [self.engine.tags[i].full_name for i in self.plot.shown]

    def set_span(self, seconds: int) -> None:
        """Select one of :data:`SPANS_S`."""
        self.span.setCurrentIndex(SPANS_S.index(seconds))

    @Slot(QTreeWidgetItem, int)
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0 and item.data(0, TAG_ROLE) is not None:
            self._apply_selection()

    def _apply_selection(self) -> None:
        infos = [
            self.engine.tags[tag_id]
            for tag_id, item in self._items.items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]
        self.plot.set_shown(infos)
        self._dirty = True
        self.selectionChanged.emit([i.full_name for i in infos])

    @Slot(int)
    def _on_span(self, index: int) -> None:
        self.plot.span_s = float(self.span.itemData(index))
        self._dirty = True

    # -- redraw -------------------------------------------------------------------------------

    @Slot(object)
    def _on_data(self, digest: DataDigest) -> None:
        if not self._dirty and self.plot.shown:
            self._dirty = bool(np.isin(digest.tag_ids, self.plot.shown).any())

    @Slot()
    def _tick(self) -> None:
        # A hidden trend costs nothing; it catches up when shown. Without new data (a device
        # offline) the time window still scrolls, once a second.
        if not self.isVisible():
            return
        now = time.monotonic()
        if self._dirty or now - self._last_redraw >= 1.0:
            self._dirty = False
            self._last_redraw = now
            self.plot.redraw()
