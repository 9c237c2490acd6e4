"""Alarm and defect markers on a trend's time axis, with a tooltip saying what each was.

Alarms sit in a lane along the bottom of the plot (a raise: a filled triangle up; a clear: a
hollow triangle down, both in the priority's colour), defects along the top (a diamond in the
colour of their severity). Where there are too many to draw one by one the core clusters them
(``app.trends.marks``): a circle per time bucket, in the most urgent colour, its tooltip
counting them. The marks of the visible range (plus a margin either side, so a small pan needs
no new query) are read on the ``db-reader`` thread; the answer comes back through a queued
signal. They are read again when the range leaves what was read or the zoom changes, and every
few seconds while following live.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.alarms.model import Priority, TransitionKind
from app.trends.marks import AlarmMark, Cluster, DefectMark, Marks
from widgets import palette
from widgets.alarms.model import priority_text
from widgets.i18n import translate_message

#: ``(t0, t1, buckets)`` to a Future of the marks there (Station.marks).
MarksFetch = Callable[[float, float, int], "Future[Marks]"]

PIXELS_PER_BUCKET = 12  # room for one marker and a gap
MARGIN = 0.25  # of the span, read beyond either edge
REFRESH_S = 2.0  # while following live: new alarms and defects show within this
LANE = 0.025  # a lane's distance from the plot's edge, as a fraction of its height
#: The plot keeps this much of its height free above and below the curves, for the lanes.
Y_PADDING = 0.07
SEVERITY_PRIORITY = {"critical": Priority.CRITICAL, "major": Priority.HIGH, "minor": Priority.LOW}


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _colour(priority: Priority) -> str:
    return palette.PRIORITY_COLOURS[priority][0]


def alarm_tip(mark: AlarmMark) -> str:
    if mark.event == TransitionKind.RAISE:
        what = QCoreApplication.translate("TrendMarks", "Alarm raised")
    else:
        what = QCoreApplication.translate("TrendMarks", "Alarm cleared")
    lines = [f"{_stamp(mark.t)}  {what} ({priority_text(mark.priority)})", mark.alarm_id]
    said = mark.message.render(translate_message)
    if said:
        lines.append(said)
    if mark.value is not None:
        value = QCoreApplication.translate("TrendMarks", "Value: %1")
        lines.append(value.replace("%1", f"{mark.value:.4g}"))
    return "\n".join(lines)


def defect_tip(mark: DefectMark) -> str:
    what = QCoreApplication.translate("TrendMarks", "Defect %1 (%2)")
    what = what.replace("%1", mark.code).replace("%2", severity_text(mark.severity))
    disposition = QCoreApplication.translate("TrendMarks", "Disposition: %1")
    return "\n".join(
        [
            f"{_stamp(mark.t)}  {what}",
            f"{mark.machine}  {mark.part_number} {mark.serial}".rstrip(),
            disposition.replace("%1", mark.disposition),
        ]
    )


def severity_text(severity: str) -> str:
    return {
        "critical": QCoreApplication.translate("TrendMarks", "critical"),
        "major": QCoreApplication.translate("TrendMarks", "major"),
        "minor": QCoreApplication.translate("TrendMarks", "minor"),
    }.get(severity, severity)


def cluster_tip(cluster: Cluster, alarms: bool) -> str:
    span = f"{_stamp(cluster.t_first)} – {_stamp(cluster.t_last)[11:]}"
    if alarms:
        head = QCoreApplication.translate(
            "TrendMarks", "%1 alarm transitions: %2 raised, %3 cleared"
        )
        head = head.replace("%1", str(cluster.count)).replace("%2", str(cluster.raised))
        head = head.replace("%3", str(cluster.count - cluster.raised))
        worst = QCoreApplication.translate("TrendMarks", "Highest priority: %1")
        worst = worst.replace("%1", priority_text(Priority[cluster.worst.upper()]))
    else:
        head = QCoreApplication.translate("TrendMarks", "%1 defects")
        head = head.replace("%1", str(cluster.count))
        worst = QCoreApplication.translate("TrendMarks", "Worst severity: %1")
        worst = worst.replace("%1", severity_text(cluster.worst))
    most = QCoreApplication.translate("TrendMarks", "Most: %1 (%2)")
    most = most.replace("%1", cluster.top).replace("%2", str(cluster.top_count))
    return "\n".join([span, head, worst, most])


class MarkLayer(QObject):
    """The two lanes of markers of one plot and the queries that fill them."""

    arrived = Signal(object)  # ((t0, t1, buckets), Future), queued from the db-reader

    def __init__(self, plot: pg.PlotItem, fetch: MarksFetch | None) -> None:
        super().__init__()
        self.plot = plot
        self.fetch = fetch
        self.marks: Marks | None = None
        self.requests = 0
        self._asked: tuple[float, float, int] | None = None
        self._asked_at = 0.0
        self._range = (0.0, 1.0)
        self._buckets = 1
        self._following = False
        self.alarms = self._lane()
        self.defects = self._lane()
        self.arrived.connect(self._on_arrived)
        plot.getViewBox().setDefaultPadding(Y_PADDING)
        plot.getViewBox().sigYRangeChanged.connect(self._place)

    def _lane(self) -> pg.ScatterPlotItem:
        lane = pg.ScatterPlotItem(hoverable=True, tip=lambda x, y, data: data, pxMode=True)
        lane.setZValue(20)
        self.plot.addItem(lane, ignoreBounds=True)
        return lane

    # -- asking --------------------------------------------------------------------------------

    def update(self, x0: float, x1: float, width_px: float, following: bool) -> None:
        """The plot now shows ``[x0, x1]`` on ``width_px`` pixels: read again if needed."""
        self._range = (x0, x1)
        self._following = following
        self._buckets = max(10, int(width_px / PIXELS_PER_BUCKET))
        if self.fetch is None or x1 <= x0 or self._asked is not None:
            return
        have = self.marks
        span = x1 - x0
        stale = (
            have is None
            or have.t0 > x0
            or have.t1 < x1
            or not 0.66 < (have.t1 - have.t0) / ((1 + 2 * MARGIN) * span) < 1.5
            or (following and time.monotonic() - self._asked_at >= REFRESH_S)
        )
        if stale:
            self._ask(x0 - MARGIN * span, x1 + MARGIN * span)

    def _ask(self, t0: float, t1: float) -> None:
        assert self.fetch is not None
        buckets = int(self._buckets * (1 + 2 * MARGIN))
        key = (t0, t1, buckets)
        self._asked = key
        self._asked_at = time.monotonic()
        self.requests += 1
        arrived = self.arrived

        def done(future: Future[Marks]) -> None:  # on the db-reader thread
            with contextlib.suppress(RuntimeError):  # the widget is gone
                arrived.emit((key, future))

        self.fetch(t0, t1, buckets).add_done_callback(done)

    def _on_arrived(self, message: tuple[tuple[float, float, int], Future[Marks]]) -> None:
        key, future = message
        if key == self._asked:
            self._asked = None
        try:
            self.marks = future.result()
        except Exception:  # the database refused: no markers rather than a broken trend
            self.marks = Marks(key[0], key[1])
        self.draw()
        x0, x1 = self._range
        if self.marks.t0 > x0 or self.marks.t1 < x1:  # the range moved on meanwhile
            self.update(x0, x1, self._buckets * PIXELS_PER_BUCKET, self._following)

    # -- drawing -------------------------------------------------------------------------------

    def draw(self) -> None:
        marks = self.marks
        if marks is None:
            return
        outline = pg.mkPen(palette.current().text, width=1)
        spots: list[dict[str, Any]] = []
        for a in marks.alarms:
            colour = _colour(a.priority)
            raised = a.event == TransitionKind.RAISE
            spots.append(
                {
                    "pos": (a.t, 0.0),
                    "symbol": "t1" if raised else "t",
                    "size": 11,
                    "brush": pg.mkBrush(colour) if raised else pg.mkBrush(None),
                    "pen": outline if raised else pg.mkPen(colour, width=2),
                    "data": alarm_tip(a),
                }
            )
        for c in marks.alarm_clusters:
            spots.append(self._cluster_spot(c, Priority[c.worst.upper()], outline, True))
        self.alarms.setData(spots)
        spots = []
        for d in marks.defects:
            colour = _colour(SEVERITY_PRIORITY.get(d.severity, Priority.LOW))
            spots.append(
                {
                    "pos": (d.t, 0.0),
                    "symbol": "d",
                    "size": 11,
                    "brush": pg.mkBrush(colour),
                    "pen": outline,
                    "data": defect_tip(d),
                }
            )
        for c in marks.defect_clusters:
            priority = SEVERITY_PRIORITY.get(c.worst, Priority.LOW)
            spots.append(self._cluster_spot(c, priority, outline, False))
        self.defects.setData(spots)
        self._place()

    @staticmethod
    def _cluster_spot(c: Cluster, priority: Priority, outline: Any, alarms: bool) -> dict[str, Any]:
        size = 7 + min(4, len(str(c.count)))  # a little bigger for more
        return {
            "pos": ((c.t_first + c.t_last) / 2, 0.0),
            "symbol": "o",
            "size": size,
            "brush": pg.mkBrush(_colour(priority)),
            "pen": outline,
            "data": cluster_tip(c, alarms),
        }

    def _place(self, *_: object) -> None:
        """Keep each lane at its edge of the plot whatever the y range (the spots sit at y 0;
        moving the item moves them all, without touching their data)."""
        low, high = self.plot.getViewBox().viewRange()[1]
        pad = (high - low) * LANE
        self.alarms.setPos(0.0, low + pad)
        self.defects.setPos(0.0, high - pad)

    def count(self) -> int:
        """Markers drawn now."""
        return int(self.alarms.data.size + self.defects.data.size)

    def tips(self) -> list[str]:
        """The tooltip texts of every marker drawn (alarms, then defects)."""
        return [str(d) for lane in (self.alarms, self.defects) for d in lane.data["data"]]
