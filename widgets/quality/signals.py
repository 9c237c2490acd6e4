"""The machine's signals in the minutes around a defect, from the historian, the defect marked.

An inspector picks a defect in the history; this pane asks the station's historian for the
machine's analog signals from five minutes before to two minutes after it (on the gateway's
reader thread) and draws one small plot per signal with a line at the defect's time, so what
the machine was doing when the part went wrong is one click away.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.config import StationConfig
from app.config.checks import NON_NUMERIC_TYPES
from app.quality.model import Defect
from app.storage.history import HistorySeries
from widgets import palette
from widgets.i18n import on_language_change

#: The window around a defect: more before it (the cause) than after.
BEFORE_S = 300.0
AFTER_S = 120.0
#: Most signals drawn (the machine's first analog tags, counters and the state left out).
MOST_SIGNALS = 4
POINTS = 600

History = Callable[[str, float, float, int], Future[HistorySeries]]


def signal_tags(config: StationConfig, machine: str) -> list[str]:
    """``device.tag`` of the machine's analog signals worth showing (not counters, not state)."""
    try:
        device = config.device(machine)
    except KeyError:
        return []
    skip = {device.state_tag}
    if device.production is not None:
        skip |= {device.production.good, device.production.reject}
    names = [
        f"{device.name}.{t.name}"
        for t in device.tags
        if t.name not in skip and t.data_type not in NON_NUMERIC_TYPES
    ]
    return names[:MOST_SIGNALS]


class DefectSignals(QWidget):
    """Plots of one defect's machine signals; ``show_defect(defect)`` asks for them."""

    loaded = Signal(object)
    """Emitted (with the defect) once its signals are drawn."""
    _arrived = Signal(object)

    def __init__(
        self, config: StationConfig, history: History | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.history = history
        self.defect: Defect | None = None
        self.series: dict[str, HistorySeries] = {}
        self._arrived.connect(self._draw, Qt.ConnectionType.QueuedConnection)
        self.title = QLabel(objectName="defectSignalsTitle")
        self.plots = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plots, 1)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        if self.defect is None:
            self.title.setText(self.tr("Pick a defect to see its machine's signals around it."))
        else:
            self._name(self.defect)

    def _name(self, defect: Defect) -> None:
        self.title.setText(
            self.tr("%1 around defect %2 (%3): 5 min before, 2 min after")
            .replace("%1", defect.machine)
            .replace("%2", defect.code)
            .replace("%3", defect.serial)
        )

    def show_defect(self, defect: Defect | None) -> None:
        """Ask the historian for the signals around ``defect`` (None: clear)."""
        self.defect = defect
        self.series = {}
        self.plots.clear()
        if defect is None or self.history is None:
            self.retranslate()
            return
        self._name(defect)
        tags = signal_tags(self.config, defect.machine)
        futures = [
            (tag, self.history(tag, defect.ts - BEFORE_S, defect.ts + AFTER_S, POINTS))
            for tag in tags
        ]

        def arrived(_done: Future[HistorySeries]) -> None:
            # The reader thread: hand over once every query is done (a queued signal).
            if all(f.done() for _, f in futures):
                with contextlib.suppress(RuntimeError):  # the pane is gone
                    self._arrived.emit((defect, futures))

        for _, future in futures:
            future.add_done_callback(arrived)

    @Slot(object)
    def _draw(self, answer: tuple[Defect, list[tuple[str, Future[HistorySeries]]]]) -> None:
        defect, futures = answer
        if defect is not self.defect or self.series:
            return  # another defect was picked meanwhile, or this one is drawn already
        theme = palette.current()
        self.plots.setBackground(theme.plot)
        for row, (tag, future) in enumerate(futures):
            try:
                series = future.result()
            except Exception:  # the database cannot be read: leave this plot out
                continue
            self.series[tag] = series
            plot = self.plots.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem()})
            plot.setLabel("left", tag.split(".", 1)[1])
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.plot(series.t, series.values, pen=pg.mkPen(palette.DATA_PEN, width=1))
            plot.addItem(pg.InfiniteLine(defect.ts, pen=pg.mkPen(palette.FAULT, width=2)))
            plot.setXRange(defect.ts - BEFORE_S, defect.ts + AFTER_S, padding=0)
        self.loaded.emit(defect)
