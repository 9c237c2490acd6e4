"""The state strip of a machine tile: text, an icon shape and a fill pattern per state.

ISA-101: grey for every normal state, colour only for the abnormal (fault, no communication).
Running, waiting, planned stops and off must still be told apart at a glance, so each has its
own icon (triangle, square, two bars, ...) and pattern (solid, outline, hatched) as well.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets import palette
from widgets.theme import StateLook, state_look


class StateStrip(QWidget):
    """Draws a :class:`StateLook` with a text; one line, elided, full text on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileState")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._text = ""
        self.look_name = "unknown"

    def text(self) -> str:
        """The state as written on the strip."""
        return self._text

    @property
    def look(self) -> StateLook:
        """How the strip is drawn now (in the current theme)."""
        return state_look(self.look_name)

    def set_state(self, look_name: str, text: str) -> None:
        """Show ``text`` in the look called ``look_name`` (a key of ``STATE_LOOKS``)."""
        if text == self._text and look_name == self.look_name:
            return
        self._text, self.look_name = text, look_name
        self.setToolTip(text)
        self.update()

    def sizeHint(self) -> QSize:
        height = self.fontMetrics().height() + 12
        return QSize(200, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        look = self.look
        theme = palette.current()
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(rect, QColor(look.background))
        if look.pattern == "hatched":
            painter.fillRect(rect, QBrush(QColor(theme.hatch), Qt.BrushStyle.BDiagPattern))
        if look.pattern in ("outline", "hatched"):
            pen = QPen(QColor(theme.border if look.pattern == "hatched" else theme.text_muted), 2)
            if look.pattern == "outline":
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        size = rect.height() - 10
        icon = QRectF(rect.left() + 8, rect.top() + 5, size, size)
        fg = QColor(look.foreground)
        draw_icon(painter, look.icon, icon, fg, QColor(look.background))
        text_rect = rect.adjusted(icon.width() + 18, 0, -6, 0)
        if look.pattern == "hatched":  # keep the text readable over the hatching
            width = min(text_rect.width(), painter.fontMetrics().horizontalAdvance(self._text) + 8)
            painter.fillRect(
                QRectF(text_rect.left() - 4, rect.top() + 4, width, rect.height() - 8),
                QColor(look.background),
            )
        painter.setPen(fg)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        elided = painter.fontMetrics().elidedText(
            self._text, Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), elided)


def draw_icon(painter: QPainter, icon: str, r: QRectF, fg: QColor, bg: QColor) -> None:
    """One state icon in ``r`` (a square), drawn with shapes so no font glyph is needed."""
    painter.save()
    painter.setPen(QPen(fg, max(2.0, r.width() / 8)))
    painter.setBrush(fg)
    c = r.center()
    if icon == "run":  # play triangle
        painter.drawPolygon(QPolygonF([r.topLeft(), QPointF(r.right(), c.y()), r.bottomLeft()]))
    elif icon == "stop":  # square
        painter.drawRect(r.adjusted(2, 2, -2, -2))
    elif icon == "pause":  # two bars
        w = r.width() / 3
        painter.drawRect(QRectF(r.left() + 1, r.top(), w - 1, r.height()))
        painter.drawRect(QRectF(r.right() - w, r.top(), w - 1, r.height()))
    elif icon == "setup":  # diamond: a changeover
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(c.x(), r.top()),
                    QPointF(r.right(), c.y()),
                    QPointF(c.x(), r.bottom()),
                    QPointF(r.left(), c.y()),
                ]
            )
        )
    elif icon == "maintenance":  # service cross
        w = r.width() / 3
        painter.drawRect(QRectF(c.x() - w / 2, r.top(), w, r.height()))
        painter.drawRect(QRectF(r.left(), c.y() - w / 2, r.width(), w))
    elif icon == "fault":  # warning triangle with an exclamation mark
        painter.drawPolygon(QPolygonF([QPointF(c.x(), r.top()), r.bottomRight(), r.bottomLeft()]))
        painter.setPen(QPen(bg, max(2.0, r.width() / 7)))
        painter.drawLine(
            QPointF(c.x(), r.top() + r.height() * 0.35),
            QPointF(c.x(), r.bottom() - r.height() * 0.3),
        )
        painter.drawPoint(QPointF(c.x(), r.bottom() - r.height() * 0.14))
    elif icon == "off":  # power symbol
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawArc(r.adjusted(1, 2, -1, 0), 120 * 16, -300 * 16)
        painter.drawLine(QPointF(c.x(), r.top()), QPointF(c.x(), c.y()))
    elif icon == "comm":  # a cross: the line is cut
        painter.drawLine(r.topLeft(), r.bottomRight())
        painter.drawLine(r.topRight(), r.bottomLeft())
    elif icon == "out_of_service":  # no-entry circle
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(r.adjusted(1, 1, -1, -1))
        d = r.width() / 2 * math.cos(math.pi / 4)
        painter.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))
    else:  # unknown: hollow circle
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(r.adjusted(2, 2, -2, -2))
    painter.restore()


class AlarmStrip(QWidget):
    """A machine's alarm line: one elided line (full text on hover) that always keeps its
    height, so that nothing below it moves when it fills or empties."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileAlarms")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._text = ""
        self._colours: tuple[str, str] | None = None
        self._dashed = False

    def text(self) -> str:
        """What the line says (empty when nothing)."""
        return self._text

    @property
    def colours(self) -> tuple[str, str] | None:
        """(background, foreground) of the line; None when it has no colour."""
        return self._colours

    def set_line(
        self, text: str, colours: tuple[str, str] | None = None, dashed: bool = False
    ) -> None:
        """Show ``text`` on ``colours`` (background, text), or muted in a dashed box."""
        if (text, colours, dashed) == (self._text, self._colours, self._dashed):
            return
        self._text, self._colours, self._dashed = text, colours, dashed
        self.setToolTip(text)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, self.fontMetrics().height() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        if self._colours is not None:
            background, foreground = self._colours
            painter.fillRect(rect, QColor(background))
            painter.setPen(QPen(QColor("#000000"), 1))
        else:
            foreground = palette.current().text_muted
            painter.setPen(QPen(QColor(foreground), 1, Qt.PenStyle.DashLine))
        painter.drawRect(rect)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(foreground))
        inner = rect.adjusted(6, 0, -6, 0)
        elided = painter.fontMetrics().elidedText(
            self._text, Qt.TextElideMode.ElideRight, int(inner.width())
        )
        painter.drawText(inner, int(Qt.AlignmentFlag.AlignVCenter), elided)
