"""The trend's plot: curves of several tags over a scrolling time window.

Curves are created once per tag and kept for the life of the widget (hidden when unselected):
PySide6 6.12 crashes when plot items are deleted and recreated repeatedly. A redraw hands each
curve only the visible range cut to its min/max envelope, two points per pixel column
(``widgets.trend_envelope``), so it costs the same however many points the range holds;
pyqtgraph's own downsampling and clipping, which would redo that on every range change, are off.
The full-resolution points stay in :attr:`TrendPlot.data` for the crosshair and the export.
A curve whose points did not change is not handed them again.

The newest minutes come from the engine's ring buffers; whatever of the visible range lies
before a tag's oldest ring-buffer sample comes from the historian, asked for on the gateway's
``db-reader`` thread (a Future whose result comes back through a queued signal, never a query
on the GUI thread), decimated to about two points per pixel, and joined to the ring-buffer part
at that oldest sample, so there is no seam. Panning or zooming with the mouse leaves live
follow; :meth:`TrendPlot.set_follow` returns to it. While the range keeps moving (a drag), the
history is asked for coarse (from the roll-ups) and far ahead in the direction of motion, so
the curves stay on screen; when it comes to rest, the view asks again at full resolution.

Per frame, the cost is the painting: a tag whose ring buffer has not changed is not copied
again (:meth:`app.recent.RecentSamples.version`), and the value axis is fitted from bounds kept
per curve rather than by pyqtgraph's auto-range asking every curve on every frame.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.engine import Engine
from app.model import FloatArray
from app.storage.history import RAW_BELOW_S, HistorySeries
from app.tags import TagInfo
from widgets import palette
from widgets.theme import TREND_COLOURS, on_theme_change
from widgets.trend_envelope import FollowEnvelope, envelope
from widgets.trend_marks import MarkLayer, MarksFetch

log = logging.getLogger(__name__)

#: ``(tag, t0, t1, max_points)`` to a Future of the decimated history (Station.history).
HistoryFetch = Callable[[str, float, float, int], "Future[HistorySeries]"]


@dataclass(frozen=True, slots=True)
class HistoryPiece:
    """What the historian answered for one tag: the range asked and the points."""

    t0: float
    t1: float
    max_points: int
    t: FloatArray
    values: FloatArray


SCALE_MODES = ("auto", "units", "percent")
# The envelope keeps the min and max of each bucket; one bucket per pixel column draws the
# same picture as pyqtgraph's default of five, with a fifth of the path to paint.
PEAK_BUCKETS_PER_PIXEL = 1.0
#: Room above and below the curves, as a share of their value range.
Y_MARGIN = 0.02
#: History is asked for this much of the span beyond either edge, so a drag of up to that is
#: drawn from what is there without a new query.
HISTORY_MARGIN = 0.5
#: While the range keeps moving (moves less than this apart), history is asked for coarse:
#: from the 1-minute roll-ups, three spans ahead in the direction of motion, so a fast drag
#: shows curves instead of waiting for full-resolution answers it has already left behind.
#: Once it rests this long, the view asks again at full resolution.
MOVING_S = 0.25
MOVING_AHEAD = 3.0
#: A coarse answer has at least this many points (short spans are read raw: they are cheap).
COARSE_MIN_POINTS = 300


class TrendCurve(pg.PlotCurveItem):
    """A curve that keeps its data bounds when the view moves.

    pyqtgraph forgets them on every view change (``invalidateBounds``) although only the pixel
    padding of the bounding rectangle depends on the view: following live, that was a nanmin
    and nanmax over every curve's points on every frame. The data bounds are still forgotten
    by ``setData``.
    """

    def viewTransformChanged(self) -> None:
        self._boundingRect = None  # the padding is in pixels: the rectangle follows the view
        self.prepareGeometryChange()


class TrendPlot(pg.PlotWidget):
    """A time plot of the shown tags, from the ring buffers and, further back, the historian."""

    historyArrived = Signal(object)  # (tag id, (t0, t1, max points), Future), queued
    followChanged = Signal(bool)

    def __init__(
        self,
        engine: Engine,
        parent: QWidget | None = None,
        history: HistoryFetch | None = None,
        marks: MarksFetch | None = None,
    ) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem()})
        self.engine = engine
        self.history = history
        self.follow = True
        self.window: tuple[float, float] | None = None
        """The shown time range when not following live."""
        self.pieces: dict[int, HistoryPiece] = {}
        self.moving = False
        """The range is being dragged or zoomed: history comes coarse until it rests."""
        self._moved_at = -np.inf
        self._heading = 1  # the direction of the last move: +1 later, -1 earlier
        self._rest = QTimer(self, singleShot=True, interval=int(MOVING_S * 1000))
        self._rest.timeout.connect(self._at_rest)
        self._asked: dict[int, tuple[float, float, int]] = {}
        self.history_requests = 0
        self.historyArrived.connect(self._on_history)
        self.span_s = 60.0
        self.scale_mode = "auto"
        self.curves: dict[int, TrendCurve] = {}
        self.data: dict[int, tuple[FloatArray, FloatArray]] = {}
        """Each shown tag's points in the visible range, full resolution (before scaling)."""
        self._drawn: dict[int, tuple[object, ...]] = {}  # what each curve was handed last
        self._follow: dict[int, FollowEnvelope] = {}
        self._rings: dict[int, tuple[int, FloatArray, FloatArray]] = {}  # (version, t, v)
        self._bounds: dict[int, tuple[float, float]] = {}  # each curve's drawn value range
        self._y_range: tuple[float, float] | None = None
        self._redraw_soon = False
        self.shown: list[int] = []
        self.redraws = 0
        self._percent: bool | None = None  # what legend and axis show now (None: rebuild)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        # Major and first minor ticks only: pyqtgraph's finer grid lines (50 on the value axis,
        # nearly invisible) cost more to paint than the rest of an empty plot.
        for name in ("left", "bottom"):
            item.getAxis(name).setStyle(maxTickLevel=1)
        item.setClipToView(False)  # the envelope is of the visible range already
        item.setDownsampling(ds=1, auto=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=True, y=False)  # drag pans time, the wheel zooms time
        item.getViewBox().sigRangeChangedManually.connect(self._on_user_range)
        self.legend = item.addLegend(offset=(10, 10))
        # A crosshair: the time under the mouse and each shown tag's value there.
        self.cursor = pg.InfiniteLine(angle=90, movable=False)
        self.cursor.setVisible(False)
        self.readout = pg.TextItem(anchor=(0, 1))
        self.readout.setVisible(False)
        item.addItem(self.cursor, ignoreBounds=True)
        item.addItem(self.readout, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        # Alarm and defect markers along the time axis, read on the db-reader thread.
        self.mark_layer = MarkLayer(item, marks)
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
        self.mark_layer.draw()

    def retranslate(self) -> None:
        """The axis title in the current language."""
        if self._percent:
            self.setLabel("left", self.tr("% of range"))

    # -- what is shown ------------------------------------------------------------------------

    def values_at(self, t: float) -> list[tuple[str, float]]:
        """Each shown tag's value at time ``t`` (its nearest drawn point at or before ``t``)."""
        found = []
        for tag_id in self.shown:
            xs, ys = self.series(tag_id)
            index = int(np.searchsorted(xs, t, side="right")) - 1
            if index >= 0:
                found.append((self.engine.tags[tag_id].full_name, float(ys[index])))
        return found

    def _on_mouse_moved(self, position: Any) -> None:
        item = self.getPlotItem()
        if not item.sceneBoundingRect().contains(position):
            self.cursor.setVisible(False)
            self.readout.setVisible(False)
            return
        point = item.getViewBox().mapSceneToView(position)
        self.show_cursor(point.x(), point.y())

    def show_cursor(self, t: float, y: float) -> str:
        """Put the crosshair at time ``t`` (the readout at height ``y``); its text."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
        lines = [stamp] + [f"{name}: {value:.4g}" for name, value in self.values_at(t)]
        text = "\n".join(lines)
        self.cursor.setPos(t)
        self.readout.setText(text, color=palette.current().text)
        self.readout.setPos(t, y)
        self.cursor.setVisible(True)
        self.readout.setVisible(True)
        return text

    def curve(self, info: TagInfo) -> TrendCurve:
        """The curve of a tag, created on first use and kept afterwards."""
        curve = self.curves.get(info.id)
        if curve is None:
            colour = TREND_COLOURS[len(self.curves) % len(TREND_COLOURS)]
            curve = TrendCurve(pen=pg.mkPen(colour, width=1), connect="finite")
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
                    self.data.pop(tag_id, None)
                    self._drawn.pop(tag_id, None)
                    self._follow.pop(tag_id, None)
                    self._rings.pop(tag_id, None)
                    self._bounds.pop(tag_id, None)
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

    def set_follow(self, follow: bool) -> None:
        """Follow live (the last ``span_s`` up to now) or stay on :attr:`window`."""
        if follow == self.follow:
            return
        self.follow = follow
        if follow:
            self.window = None
        else:
            low, high = self.getPlotItem().viewRange()[0]
            self.window = (float(low), float(high))
        self.followChanged.emit(follow)

    def show_range(self, t0: float, t1: float) -> None:
        """Stop following and show ``[t0, t1]`` (what a pan or zoom of the user does)."""
        self._move_to(t0, t1)
        self.redraw()

    def _move_to(self, t0: float, t1: float) -> None:
        now = time.monotonic()
        if self.window is not None and t0 + t1 != sum(self.window):
            self._heading = 1 if t0 + t1 > sum(self.window) else -1
        # One jump (a preset, a chosen shift) is not a motion; a second one soon after is.
        self.moving = now - self._moved_at < MOVING_S
        self._moved_at = now
        if self.moving:
            self._rest.start()
        self.set_follow(False)
        self.window = (t0, t1)

    @property
    def busy(self) -> bool:
        """History is asked for and not drawn yet, or a motion has not come to rest."""
        return bool(self._asked) or self._rest.isActive()

    def _at_rest(self) -> None:
        """The range stopped moving: history at full resolution where it came coarse."""
        self.moving = False
        if not self.follow:
            self.redraw()

    def _on_user_range(self, *_: object) -> None:
        # pyqtgraph has moved the view already; the curves are redrawn once for all the mouse
        # events handled in this pass of the event loop, not once per event.
        low, high = self.getPlotItem().viewRange()[0]
        self._move_to(float(low), float(high))
        self._redraw_later()

    def visible_range(self, now: float) -> tuple[float, float]:
        if self.follow or self.window is None:
            return now - self.span_s, now
        return self.window

    def redraw(self, now: float | None = None) -> None:
        """Draw the visible range of every shown tag: ring buffer, and history before it."""
        now = time.time() if now is None else now
        x0, x1 = self.visible_range(now)
        percent = self.percent
        if percent is not self._percent:
            self._relabel(percent)
        buckets = max(50, int(self.getPlotItem().getViewBox().width() * PEAK_BUCKETS_PER_PIXEL))
        width = (x1 - x0) / buckets
        for tag_id in self.shown:
            t, v = self._ring(tag_id)
            ring_from = float(t[0]) if t.size else np.inf
            lo, hi = np.searchsorted(t, x0, "left"), np.searchsorted(t, x1, "right")
            t, v = t[lo:hi], v[lo:hi]
            ring_t, ring_v = t, v
            ht = hv = None
            if self.history is not None and ring_from > x0:
                ht, hv = self._history_part(tag_id, x0, min(x1, ring_from), x1 - x0, ring_from)
                keep = ht < ring_from  # the seam: history up to the ring's oldest sample
                ht, hv = ht[keep], hv[keep]
                t = np.concatenate([ht, t])
                v = np.concatenate([hv, v])
            self.data[tag_id] = (t, v)
            last = float(t[-1]) if t.size else None
            piece = id(self.pieces.get(tag_id))
            if self.follow:
                # Following, the curve changes only when a sample arrives: between two, the
                # time axis moves and what scrolled out is clipped by the view anyway.
                drawn: tuple[object, ...] = ("follow", buckets, x1 - x0, last, percent, piece)
            else:
                drawn = (x0, x1, buckets, t.size, last, percent, piece)
            if self._drawn.get(tag_id) == drawn:
                continue  # setData only when the picture changed
            self._drawn[tag_id] = drawn
            if not self.follow:
                et, ev = envelope(t, v, x0, x1, buckets)
            else:  # only the samples that arrived since the last frame are new
                follow = self._follow.setdefault(tag_id, FollowEnvelope())
                et, ev = follow.of(ring_t, ring_v, width)
                if ht is not None and hv is not None:  # history pieces come decimated already
                    et, ev = np.concatenate([ht, et]), np.concatenate([hv, ev])
            if percent:
                ev = self._to_percent(tag_id, ev)  # the envelope keeps min and max
            self.curves[tag_id].setData(et, ev, connect="finite")
            self._bounds[tag_id] = value_bounds(ev)
        # Time and value ranges in one call: each range change moves every item once.
        y_range = None if percent else self._fit_values()
        self.getPlotItem().getViewBox().setRange(xRange=(x0, x1), yRange=y_range, padding=0)
        # Markers are read again now and then while the range reaches the present.
        live = x1 >= now - 1.0
        self.mark_layer.update(x0, x1, self.getPlotItem().getViewBox().width(), live)
        self.redraws += 1

    def _ring(self, tag_id: int) -> tuple[FloatArray, FloatArray]:
        """The tag's ring buffer, copied only when it changed since the last frame (at 30
        frames/s and 10 Hz, two frames in three see no new sample)."""
        version = self.engine.recent.version(tag_id)  # read before copying: never newer
        kept = self._rings.get(tag_id)
        if kept is not None and kept[0] == version:
            return kept[1], kept[2]
        t, v = self.engine.recent.window(tag_id)
        self._rings[tag_id] = (version, t, v)
        return t, v

    def _fit_values(self) -> tuple[float, float] | None:
        """The value range spanning the drawn curves, with a margin (what pyqtgraph's
        auto-range shows, from bounds kept per curve instead of asked of every curve on every
        frame); None when it has not changed."""
        found = [self._bounds[i] for i in self.shown if i in self._bounds]
        found = [b for b in found if np.isfinite(b[0])]
        if not found:
            return None
        low, high = min(b[0] for b in found), max(b[1] for b in found)
        if (low, high) == self._y_range:
            return None
        self._y_range = (low, high)
        margin = (high - low) * Y_MARGIN if high > low else 1.0  # a flat line: ±1 unit
        return low - margin, high + margin

    def series(self, tag_id: int) -> tuple[FloatArray, FloatArray]:
        """A tag's points in the visible range at full resolution, as drawn (after scaling)."""
        t, v = self.data.get(tag_id, (np.zeros(0), np.zeros(0)))
        return t, (self._to_percent(tag_id, v) if self._percent else v)

    def max_points(self) -> int:
        """Points worth asking the historian for: two per pixel column."""
        return max(200, 2 * int(self.getPlotItem().getViewBox().width()))

    def _history_part(
        self, tag_id: int, t0: float, t1: float, span: float, ring_from: float = np.inf
    ) -> tuple[FloatArray, FloatArray]:
        """What the historian gave for ``[t0, t1]`` so far; asks again when that falls short
        (by more than a pixel) or is too coarse for the zoom."""
        points = self.max_points()
        pixel = span / max(1.0, points / 2)
        if self.moving:  # coarse will do: buckets of a minute or more, the roll-ups' grain
            points = min(points, max(COARSE_MIN_POINTS, int(2 * span / RAW_BELOW_S)))
        piece = self.pieces.get(tag_id)
        fits = (
            piece is not None
            and piece.t0 <= t0 + pixel
            and piece.t1 >= t1 - pixel
            and (piece.t1 - piece.t0) / piece.max_points <= 2 * (t1 - t0) / points + 1e-9
        )
        if not fits and tag_id not in self._asked and t1 > t0:
            # With a margin either side (not past the ring buffer's start), so a drag is drawn
            # from this piece for a while; as many points per second as the view needs.
            before = after = HISTORY_MARGIN * span
            if self.moving:
                before, after = (
                    (before, MOVING_AHEAD * span)
                    if self._heading > 0
                    else (MOVING_AHEAD * span, after)
                )
            a0, a1 = t0 - before, min(t1 + after, ring_from)
            self._ask(tag_id, a0, a1, int(points * (a1 - a0) / max(1e-9, t1 - t0)))
        if piece is None:
            return np.zeros(0), np.zeros(0)
        lo, hi = np.searchsorted(piece.t, t0, "left"), np.searchsorted(piece.t, t1, "right")
        return piece.t[lo:hi], piece.values[lo:hi]

    def _ask(self, tag_id: int, t0: float, t1: float, points: int) -> None:
        assert self.history is not None
        key = (t0, t1, points)
        self._asked[tag_id] = key
        self.history_requests += 1
        future = self.history(self.engine.tags[tag_id].full_name, t0, t1, points)
        arrived = self.historyArrived

        def done(f: Future[HistorySeries]) -> None:  # on the db-reader thread
            with contextlib.suppress(RuntimeError):  # RuntimeError: the widget is gone
                arrived.emit((tag_id, key, f))

        future.add_done_callback(done)

    def _on_history(self, message: tuple[int, tuple[float, float, int], Future]) -> None:  # type: ignore[type-arg]
        tag_id, (t0, t1, points), future = message
        if self._asked.get(tag_id) == (t0, t1, points):
            del self._asked[tag_id]
        try:
            series = future.result()
        except Exception as exc:  # the database refused: draw what there is, say why in the log
            log.warning("trend history of %s not read: %s", self.engine.tags[tag_id].full_name, exc)
            series = HistorySeries("", np.zeros(0), np.zeros(0), "raw")
        self.pieces[tag_id] = HistoryPiece(t0, t1, points, series.t, series.values)
        if tag_id not in self.shown:
            return
        if not self._asked:  # the last answer awaited: draw them all now
            self.redraw()
        else:  # answers arrive together (one per tag): drawn once, not once each
            self._redraw_later()

    def _redraw_later(self) -> None:
        """Redraw once the events waiting now are handled (many calls, one redraw)."""
        if not self._redraw_soon:
            self._redraw_soon = True
            QTimer.singleShot(0, self._redraw_due)

    def _redraw_due(self) -> None:
        self._redraw_soon = False
        self.redraw()

    def seconds_per_pixel(self) -> float:
        """How much time one pixel of the time axis covers now."""
        width = self.getPlotItem().getViewBox().width()
        x0, x1 = self.visible_range(0.0)
        span = self.span_s if self.follow else x1 - x0
        return span / max(1.0, float(width))

    def points(self, tag_id: int) -> int:
        """Points of a tag in the visible range (full resolution)."""
        return int(self.data.get(tag_id, (np.zeros(0),))[0].shape[0])

    def y_values(self, tag_id: int) -> FloatArray:
        """The values of a tag's points in the visible range (after scaling)."""
        return np.asarray(self.series(tag_id)[1], dtype=np.float64)

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
            plot.disableAutoRange(axis="y")  # set from the curves' bounds (_fit_values)
            self._y_range = None
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


def value_bounds(values: FloatArray) -> tuple[float, float]:
    """The smallest and largest finite value (NaN, NaN when there is none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.nan, np.nan
    return float(finite.min()), float(finite.max())
