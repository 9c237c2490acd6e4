"""A tiny trend line for a machine tile: grey, no axes, the last few minutes of one tag.

Painted with QPainter from a min/max envelope per pixel column (numpy), so a tile costs a few
hundred points to draw however much history there is, and no plot widget has to be created.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.model import FloatArray
from widgets import palette


def envelope(
    t: FloatArray, v: FloatArray, t0: float, t1: float, columns: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(column, min, max) for every pixel column between ``t0`` and ``t1`` that has data."""
    keep = np.isfinite(v) & (t >= t0) & (t <= t1)
    t, v = t[keep], v[keep]
    if t.size == 0 or columns < 1 or t1 <= t0:
        empty = np.empty(0)
        return empty, empty, empty
    col = np.minimum(((t - t0) / (t1 - t0) * columns).astype(np.int64), columns - 1)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])  # t is ordered: runs of columns
    low = np.minimum.reduceat(v, starts)
    high = np.maximum.reduceat(v, starts)
    return col[starts].astype(np.float64), low, high


class Sparkline(QWidget):
    """Draws what :meth:`set_series` was last given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(48)
        self._t = np.empty(0)
        self._v = np.empty(0)
        self._window = (0.0, 1.0)
        self._range: tuple[float | None, float | None] = (None, None)

    def sizeHint(self) -> QSize:
        return QSize(200, 90)

    @property
    def points(self) -> int:
        """Samples currently held."""
        return int(self._t.size)

    def set_series(
        self,
        t: FloatArray,
        v: FloatArray,
        t0: float,
        t1: float,
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        """Show ``v`` over ``t`` in the window ``t0..t1``; ``low``/``high`` fix the y range."""
        self._t, self._v, self._window, self._range = t, v, (t0, t1), (low, high)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(1, 3, -1, -3)
        painter.setPen(QPen(QColor(palette.current().border), 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        columns = int(rect.width())
        col, low, high = envelope(self._t, self._v, *self._window, columns)
        if col.size == 0:
            return
        y_low, y_high = self._range
        y_low = float(low.min()) if y_low is None else y_low
        y_high = float(high.max()) if y_high is None else y_high
        if y_high <= y_low:
            y_low, y_high = y_low - 1.0, y_high + 1.0
        scale = rect.height() / (y_high - y_low)

        def y(value: float) -> float:
            clipped = min(max(value, y_low), y_high)
            return rect.bottom() - (clipped - y_low) * scale

        polygon = QPolygonF()
        for c, lo, hi in zip(col.tolist(), low.tolist(), high.tolist(), strict=True):
            x = rect.left() + c
            polygon.append(QPointF(x, y(lo)))
            if hi != lo:
                polygon.append(QPointF(x, y(hi)))
        painter.setPen(QPen(QColor(palette.current().text_muted), 1))
        if rect.height() >= 60:  # tall enough to be read as a trend: say what the axis spans
            metrics = painter.fontMetrics()
            painter.drawText(rect.topLeft() + QPointF(2, metrics.ascent()), f"{y_high:.4g}")
            painter.drawText(rect.bottomLeft() + QPointF(2, -metrics.descent() - 2), f"{y_low:.4g}")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if polygon.size() == 1:
            painter.drawPoint(polygon.at(0))
        else:
            painter.drawPolyline(polygon)
