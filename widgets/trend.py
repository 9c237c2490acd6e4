"""Trend screen: pick tags by device, choose a time span and a scale, watch them scroll live,
or drag and zoom back into the historian (the "Live" button returns to now).

The plot is redrawn from the engine's history on a timer (at most ``max_hz``, and no more often
than the time axis moves by one pixel), only while the screen is visible and only when a shown
tag received data, the span changed, or a second passed (so the time axis keeps moving when a
device is silent).
"""

from __future__ import annotations

import csv
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine import Engine
from app.shift_window import shift_window
from app.trends.sets import TrendRange, TrendSet, TrendSets
from widgets.bridge import DataDigest, EngineBridge
from widgets.i18n import on_language_change
from widgets.trend_marks import MarksFetch
from widgets.trend_plot import HistoryFetch, TrendPlot
from widgets.trend_range import CustomRangeDialog
from widgets.trend_sets import TrendSetBar

SPANS_S = (60, 300, 900, 3600, 86_400, 7 * 86_400)
SHIFT, CUSTOM = "shift", "custom"
#: The range presets in the order the list shows them: the last N seconds, this shift, custom.
PRESETS: tuple[int | str, ...] = (60, 300, 900, 3600, SHIFT, 86_400, 7 * 86_400, CUSTOM)
HOUR_S, DAY_S = 3600, 86_400
TAG_ROLE = Qt.ItemDataRole.UserRole + 1
IDLE_REDRAW_S = 1.0


class TrendView(QWidget):
    """Tag picker, span and scale selectors, and the plot."""

    selectionChanged = Signal(list)  # list[str] full names

    def __init__(
        self,
        engine: Engine,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        max_hz: float = 10.0,
        history: HistoryFetch | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.plot = TrendPlot(engine, history=history)
        self.range_kind = "span"
        """``span`` (the last N seconds), ``shift`` (this shift) or ``custom``."""
        self.shift: tuple[float, float] | None = None
        self.custom: tuple[float, float] | None = None
        self._dirty = True
        self._now = False  # the user changed what is shown: redraw at the next tick
        self._last_redraw = 0.0

        self.tree = QTreeWidget()
        self.tree.setColumnWidth(0, 190)
        self._items: dict[int, QTreeWidgetItem] = {}
        for device in engine.config.devices:
            parent_item = QTreeWidgetItem(self.tree, [device.display_name, ""])
            parent_item.setToolTip(0, device.display_name)
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
        for preset in PRESETS:
            self.span.addItem("", preset)
        self.span.setCurrentIndex(PRESETS.index(60))
        self._span_index = self.span.currentIndex()
        self.span.currentIndexChanged.connect(self._on_span)
        self.span.activated.connect(self._on_span_activated)
        self.sets = TrendSetBar(self.current_set)
        self.sets.loadRequested.connect(self.apply_set)
        self.live = QPushButton()
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.toggled.connect(self._on_live)
        self.plot.followChanged.connect(self._on_follow_changed)
        self.scale = QComboBox()
        for mode in ("auto", "units", "percent"):
            self.scale.addItem("", mode)
        self.scale.currentIndexChanged.connect(self._on_scale)

        picker = QWidget()
        side = QVBoxLayout(picker)
        side.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self._span_label = QLabel()
        self._scale_label = QLabel()
        form.addRow(self._span_label, self.span)
        self._sets_label = QLabel()
        form.addRow(self._sets_label, self.sets)
        form.addRow("", self.live)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self.ask_export)
        form.addRow("", self.export_button)
        form.addRow(self._scale_label, self.scale)
        side.addLayout(form)
        # Find a tag by its machine, name, unit or description (a line has hundreds).
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter_tags)
        side.addWidget(self.search)
        side.addWidget(self.tree, 1)

        splitter = QSplitter()
        splitter.addWidget(picker)
        splitter.addWidget(self.plot)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trend-export")
        on_language_change(self, self.retranslate)
        self.select(self._default_selection())
        self.tree.itemChanged.connect(self._on_item_changed)
        bridge.dataChanged.connect(self._on_data)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(max(1, int(1000 / max_hz)))

    def attach(self, marks: MarksFetch, sets: TrendSets) -> None:
        """Read alarm and defect markers through ``marks`` and keep trend sets in ``sets``
        (the station's; without them the trend shows neither)."""
        self.plot.mark_layer.fetch = marks
        self.sets.attach(sets)
        self._now = True

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language."""
        self.tree.setHeaderLabels([self.tr("Tag"), self.tr("Unit")])
        for index, preset in enumerate(PRESETS):
            if preset == SHIFT:
                self.span.setItemText(index, self.tr("This shift"))
                continue
            if preset == CUSTOM:
                self.span.setItemText(index, self.tr("Custom range…"))
                continue
            seconds = int(preset)
            if seconds >= DAY_S:
                label = self.tr("%n day(s)", None, seconds // DAY_S)
            elif seconds >= HOUR_S:
                label = self.tr("%n h", None, seconds // HOUR_S)
            else:
                label = self.tr("%n min", None, seconds // 60)
            self.span.setItemText(index, label)
        self.live.setText(self.tr("Live"))
        self.export_button.setText(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("The visible range as CSV and PNG"))
        self.live.setToolTip(
            self.tr("Follow the newest values (drag or zoom the plot to look back)")
        )
        for index, text in enumerate(
            (self.tr("Auto"), self.tr("Engineering units"), self.tr("Percent of range"))
        ):
            self.scale.setItemText(index, text)
        self.scale.setToolTip(
            self.tr("Auto: percent of range when the shown tags have different units")
        )
        self.search.setPlaceholderText(self.tr("Find a tag"))
        self._span_label.setText(self.tr("Time span"))
        self._sets_label.setText(self.tr("Trend set"))
        self._scale_label.setText(self.tr("Scale"))
        self.plot.retranslate()

    @Slot(str)
    def filter_tags(self, text: str) -> None:
        """Show only the tags whose machine, name, unit or description hold every word."""
        words = text.casefold().split()
        for index in range(self.tree.topLevelItemCount()):
            device = self.tree.topLevelItem(index)
            shown = 0
            for child_index in range(device.childCount()):
                item = device.child(child_index)
                haystack = " ".join(
                    (device.text(0), item.text(0), item.text(1), item.toolTip(0))
                ).casefold()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
            device.setHidden(shown == 0)

    @Slot()
    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the visible range"), "trend.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, csv_path: Path) -> Future[int]:
        """Write the shown tags' points in the visible time range to ``csv_path`` and the plot
        as a PNG beside it (same name, ``.png``), on a worker thread; the rows written."""
        t0, t1 = self.plot.getPlotItem().getViewBox().viewRange()[0]
        columns = []
        for tag_id in self.plot.shown:
            if tag_id not in self.plot.data:
                continue
            x, y = self.plot.series(tag_id)
            inside = (x >= t0) & (x <= t1)
            columns.append((self.engine.tags[tag_id], x[inside], y[inside]))
        image = self.plot.grab().toImage()  # rendering stays on the GUI thread

        def write() -> int:
            rows = 0
            with csv_path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["time_utc", "tag", "value", "unit"])
                for info, xs, ys in columns:
                    for t, v in zip(xs.tolist(), ys.tolist(), strict=True):
                        stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
                        writer.writerow([stamp, info.full_name, repr(v), info.unit])
                        rows += 1
            image.save(str(csv_path.with_suffix(".png")), "PNG")
            return rows

        return self._io.submit(write)

    # -- selection ----------------------------------------------------------------------------

    def _default_selection(self) -> list[str]:
        """The key tags of the first machine that has some, else the first tag."""
        for device in self.engine.config.devices:
            keys = [t.full_name for t in self.engine.tags.of_device(device.name) if t.config.key]
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
        """Select one of :data:`SPANS_S`: follow the last ``seconds`` live."""
        self.span.setCurrentIndex(PRESETS.index(seconds))

    def show_shift(self, now: float | None = None) -> tuple[float, float] | None:
        """Show this shift, start to end (the curves grow as it runs), by the station's shift
        calendar; None (the view unchanged) when the calendar has no shift lately."""
        window = shift_window(self.engine.config, time.time() if now is None else now)
        if window is None:
            self.span.setToolTip(self.tr("The shift calendar has no shift in the last days"))
            self._show_preset(self.range_kind)  # the list back to what is shown
            return None
        self.span.setToolTip("")
        self.range_kind, self.shift = SHIFT, window
        self._show_preset(SHIFT)
        self.plot.show_range(*window)
        self._now = True
        return window

    def set_custom_range(self, t0: float, t1: float) -> None:
        """Show ``[t0, t1]`` (Unix time) as the custom range."""
        if t1 <= t0:
            raise ValueError("the end of a range must be after its start")
        self.range_kind, self.custom = CUSTOM, (t0, t1)
        self._show_preset(CUSTOM)
        self.plot.show_range(t0, t1)
        self._now = True

    def ask_custom_range(self) -> None:
        """The custom range dialog, starting from what is shown now."""
        t0, t1 = self.plot.visible_range(time.time())
        dialog = CustomRangeDialog(t0, t1, self)
        if dialog.exec() == CustomRangeDialog.DialogCode.Accepted:
            self.set_custom_range(*dialog.range())
        else:
            self._show_preset(self.range_kind)

    def _show_preset(self, kind: str) -> None:
        """Point the list at ``kind`` without acting on it."""
        index = self._span_index if kind == "span" else PRESETS.index(kind)
        self.span.blockSignals(True)
        self.span.setCurrentIndex(index)
        self.span.blockSignals(False)

    # -- trend sets ---------------------------------------------------------------------------

    def current_range(self) -> TrendRange:
        if self.range_kind == SHIFT:
            return TrendRange(SHIFT)
        if self.range_kind == CUSTOM and self.custom is not None:
            return TrendRange(CUSTOM, t0=self.custom[0], t1=self.custom[1])
        return TrendRange("span", seconds=self.plot.span_s)

    def current_set(self, name: str) -> TrendSet:
        """What the view shows now, as a trend set named ``name``."""
        return TrendSet(name, self.selected(), self.plot.scale_mode, self.current_range())

    @Slot(object)
    def apply_set(self, trend_set: TrendSet) -> None:
        """Show a saved set: its tags, scale and range."""
        self.select(trend_set.tags)
        self.set_scale(trend_set.scale)
        shown = trend_set.range
        if shown.kind == SHIFT:
            self.show_shift()
        elif shown.kind == CUSTOM:
            self.set_custom_range(shown.t0, shown.t1)
        elif int(shown.seconds) in SPANS_S:
            self.set_span(int(shown.seconds))
            self.plot.set_follow(True)
        else:  # a span the list does not offer: follow it all the same
            self.range_kind = "span"
            self.plot.span_s = shown.seconds
            self.plot.set_follow(True)
        self._now = True

    def set_scale(self, mode: str) -> None:
        """Select ``auto``, ``units`` or ``percent``."""
        self.scale.setCurrentIndex(self.scale.findData(mode))

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
        self._now = True
        self.selectionChanged.emit([i.full_name for i in infos])

    @Slot(int)
    def _on_span(self, index: int) -> None:
        preset = self.span.itemData(index)
        if preset == SHIFT:
            self.show_shift()
            return
        if preset == CUSTOM:
            return  # the dialog (on activation) or set_custom_range sets it
        self.range_kind = "span"
        self._span_index = index
        self.plot.span_s = float(preset)
        self.plot.set_follow(True)  # a preset is "the last ..."
        self._now = True

    @Slot(int)
    def _on_span_activated(self, index: int) -> None:
        if self.span.itemData(index) == CUSTOM:
            # After the list has closed, so the dialog does not open inside its popup.
            QTimer.singleShot(0, self.ask_custom_range)

    @Slot(bool)
    def _on_live(self, on: bool) -> None:
        if on and self.range_kind != "span":
            self.span.setCurrentIndex(self._span_index)  # back to "the last ...", following
            return
        self.plot.set_follow(on)
        self._now = True

    @Slot(bool)
    def _on_follow_changed(self, follow: bool) -> None:
        self.live.blockSignals(True)
        self.live.setChecked(follow)
        self.live.blockSignals(False)

    @Slot(int)
    def _on_scale(self, index: int) -> None:
        self.plot.set_scale_mode(str(self.scale.itemData(index)))
        self._now = True

    # -- redraw -------------------------------------------------------------------------------

    @Slot(object)
    def _on_data(self, digest: DataDigest) -> None:
        if not self._dirty and self.plot.shown:
            self._dirty = bool(np.isin(digest.tag_ids, self.plot.shown).any())

    @Slot()
    def _tick(self) -> None:
        if not self.isVisible():
            return  # a hidden trend costs nothing; it catches up when shown
        if (
            self.range_kind == SHIFT
            and self.shift is not None
            and self.plot.window == self.shift
            and time.time() >= self.shift[1]
        ):
            self.show_shift()  # the shift is over: on to the next one
        now = time.monotonic()
        if self._now:
            self._now = self._dirty = False
            self._last_redraw = now
            self.plot.redraw()
            return
        # Redrawing faster than the time axis moves by a pixel shows nothing new (a 15 min span
        # on 1200 px moves a pixel every 0.75 s).
        if now - self._last_redraw < self.plot.seconds_per_pixel():
            return
        if self._dirty or now - self._last_redraw >= IDLE_REDRAW_S:
            self._dirty = False
            self._last_redraw = now
            self.plot.redraw()
