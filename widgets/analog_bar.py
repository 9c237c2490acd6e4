"""ISA-101 analog indicator and alarm mark for a value on a machine tile.

The bar shows where a value sits within its display range: the normal band light, the zones
beyond the alarm limits darker grey, a tick at each limit and a black pointer for the value.
Only an active alarm adds colour: its zone and the pointer take the priority colour, and a mark
of the priority's own shape (diamond, triangle, square, circle, with its number) stands beside
the value, so the alarm reads without colour too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.alarms.model import Priority
from app.config import TagConfig
from widgets import palette

LIMITS = ("ll", "l", "h", "hh")


@dataclass(frozen=True, slots=True)
class Scale:
    """The range of a bar and the tag's limit alarms within it."""

    low: float
    high: float
    limits: dict[str, float]
    """``hh``/``h``/``l``/``ll`` -> limit, only those configured."""

    def fraction(self, value: float) -> float:
        """Where ``value`` lies, 0 (low) to 1 (high), clipped."""
        return min(1.0, max(0.0, (value - self.low) / (self.high - self.low)))


def tag_scale(tag: TagConfig) -> Scale | None:
    """The bar scale of a tag: its display range, widened to show every limit; None when the
    tag has neither a display range nor limits (nothing to compare a value with)."""
    limits: dict[str, float] = {}
    if tag.alarms is not None:
        for name in LIMITS:
            alarm = getattr(tag.alarms, name)
            if alarm is not None and alarm.enabled:
                limits[name] = alarm.limit
    points = list(limits.values())
    low = tag.display_min if tag.display_min is not None else (min(points) if points else None)
    high = tag.display_max if tag.display_max is not None else (max(points) if points else None)
    if low is None or high is None:
        return None
    low, high = min([low, *points]), max([high, *points])
    if high <= low:
        span = abs(low) or 1.0
        low, high = low - span * 0.1, high + span * 0.1
    return Scale(low, high, limits)


class AnalogBar(QWidget):
    """A horizontal analog indicator (see the module docstring)."""

    HEIGHT = 16

    def __init__(self, scale: Scale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = scale
        self.value = math.nan
        self.alarm: tuple[str, Priority] | None = None
        """The active limit alarm (condition, priority), if any."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(50)
        self.setFixedHeight(self.HEIGHT)

    def sizeHint(self) -> QSize:
        return QSize(120, self.HEIGHT)

    def set_value(self, value: float, alarm: tuple[str, Priority] | None = None) -> None:
        """Move the pointer; ``alarm`` colours the zone of the active limit."""
        same = (value == self.value or (math.isnan(value) and math.isnan(self.value))) and (
            alarm == self.alarm
        )
        if same:
            return
        self.value, self.alarm = value, alarm
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        theme = palette.current()
        r = QRectF(self.rect()).adjusted(4, 4, -4, -3)
        s = self.scale

        def x(v: float) -> float:
            return r.left() + s.fraction(v) * r.width()

        painter.fillRect(r, QColor(theme.band))
        active = self.alarm[0] if self.alarm is not None else None
        colour = (
            QColor(palette.PRIORITY_COLOURS[self.alarm[1]][0]) if self.alarm is not None else None
        )
        # Zones beyond the limits: darker the further out; the active one in its priority colour.
        for zone in ("h", "hh", "l", "ll"):  # outer zones paint over inner ones
            if zone not in s.limits:
                continue
            if zone.startswith("h"):
                left, right = x(s.limits[zone]), r.right()
            else:
                left, right = r.left(), x(s.limits[zone])
            fill = QColor(theme.trip_zone if len(zone) == 2 else theme.alarm_zone)
            if zone == active and colour is not None:
                fill = colour
            painter.fillRect(QRectF(left, r.top(), right - left, r.height()), fill)
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(r)
        painter.setPen(QPen(QColor(theme.text_muted), 1))
        for limit in s.limits.values():
            painter.drawLine(QPointF(x(limit), r.top() - 3), QPointF(x(limit), r.bottom() + 2))
        if math.isnan(self.value):
            return
        px = x(self.value)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(theme.text_strong), 3))
        painter.drawLine(QPointF(px, r.top() - 2), QPointF(px, r.bottom() + 2))
        outside = self.value < s.low or self.value > s.high
        if outside:  # off the scale: an arrow at the end it left by
            tip = 1 if self.value > s.high else -1
            painter.setBrush(QColor(theme.text_strong))
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(px + 4 * tip, r.center().y()),
                        QPointF(px - 2 * tip, r.top()),
                        QPointF(px - 2 * tip, r.bottom()),
                    ]
                )
            )


class AlarmMark(QWidget):
    """The alarm indicator beside a value: the priority's shape and number, or ``S`` for a
    shelved alarm; empty (but keeping its place) when the tag has no alarm to show."""

    SHAPES = {
        Priority.CRITICAL: "diamond",
        Priority.HIGH: "triangle",
        Priority.MEDIUM: "square",
        Priority.LOW: "circle",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority: Priority | None = None
        self.shelved = False
        self.active = False
        self.setFixedSize(24, 24)

    @property
    def kind(self) -> str:
        """``""``, ``"shelved"`` or the shape of the priority shown (for tests)."""
        if self.priority is not None:
            return self.SHAPES[self.priority]
        return "shelved" if self.shelved else ""

    def set_mark(self, priority: Priority | None, shelved: bool, active: bool = True) -> None:
        """Show the most urgent alarm's priority (filled while active, hollow once back to
        normal but not yet acknowledged), else a shelved mark, else nothing."""
        if (priority, shelved, active) == (self.priority, self.shelved, self.active):
            return
        self.priority, self.shelved, self.active = priority, shelved, active
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.priority is None and not self.shelved:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        c = r.center()
        if self.priority is None:  # shelved: a dashed grey box with an S
            pen = QPen(QColor(palette.current().text_muted), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(r.adjusted(1, 1, -1, -1))
            painter.drawText(r, int(Qt.AlignmentFlag.AlignCenter), "S")
            return
        background, foreground = palette.PRIORITY_COLOURS[self.priority]
        if self.active:
            painter.setPen(QPen(QColor("#000000"), 1))
            painter.setBrush(QColor(background))
        else:  # returned to normal, waiting for acknowledgement: the outline only
            painter.setPen(QPen(QColor(background), 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            foreground = palette.current().text
        shape = self.SHAPES[self.priority]
        if shape == "diamond":
            points = [(c.x(), r.top()), (r.right(), c.y()), (c.x(), r.bottom()), (r.left(), c.y())]
            painter.drawPolygon(QPolygonF([QPointF(px, py) for px, py in points]))
        elif shape == "triangle":
            points = [(c.x(), r.top()), (r.right(), r.bottom()), (r.left(), r.bottom())]
            painter.drawPolygon(QPolygonF([QPointF(px, py) for px, py in points]))
        elif shape == "square":
            painter.drawRect(r.adjusted(2, 2, -2, -2))
        else:
            painter.drawEllipse(r.adjusted(1, 1, -1, -1))
        painter.setPen(QColor(foreground))
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        text_rect = r.adjusted(0, 4, 0, 0) if shape == "triangle" else r
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignCenter), str(int(self.priority)))
