"""The line screen: the machines where they stand, parts flowing between them, live.

Made from the station config (``[layout]``, :mod:`app.line_layout`), not drawn by hand. Each
machine shows what its overview tile shows, in the same look (ISA-101: grey while normal, the
state's colour and a heavy frame only when abnormal; the alarm line in the colour of its
priority), so an operator reads both screens the same way. The machine tiles are the one
source of those texts; this screen mirrors them once a second.

An engineer (``config.edit``) can drag the machines on the grid and save: the layout is
written into the station config file off the GUI thread, audited with before and after.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from app.config.layout import LayoutConfig, LayoutLink, LinkKind, MachinePlace
from app.line_layout import effective_layout
from app.security import CONFIG_EDIT
from app.station import Station
from widgets import palette
from widgets.i18n import on_language_change
from widgets.overview import MachineTile
from widgets.state_strip import draw_icon
from widgets.theme import StateLook
from widgets.users import SessionController

#: Pixels per grid cell (at scale 1); a machine is three cells wide and two high.
CELL = 64
MACHINE_W = 3 * CELL - 12
MACHINE_H = 2 * CELL + 36
#: The drawing grows with the window up to this zoom (touch screens at a distance).
MAX_ZOOM = 2.0
REFRESH_MS = 1000
#: How the tile joins good, reject and rate on its one line; here each gets its own.
PRODUCTION_SEPARATOR = "  ·  "


@dataclass(slots=True)
class MachineStatus:
    """What a machine box shows (mirrored from the machine's overview tile)."""

    title: str
    state: str
    look: StateLook
    production: str
    alarms: str
    alarm_colours: tuple[str, str] | None


def status_of(tile: MachineTile) -> MachineStatus:
    production = tile.production_label.text() if tile.production_label is not None else ""
    return MachineStatus(
        title=tile.device.display_name,
        state=tile.state_text,
        look=tile.state.look,
        production=production,
        alarms=tile.alarms_text,
        alarm_colours=tile.alarms.colours,
    )


class MachineItem(QGraphicsObject):
    """One machine: name, state (icon and text), part counts, its alarm line."""

    moved = Signal()

    def __init__(self, device: str, status: MachineStatus) -> None:
        super().__init__()
        self.device = device
        self.status = status
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setToolTip(device)

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, MACHINE_W + 4, MACHINE_H + 4)

    def cell(self) -> tuple[int, int]:
        return round(self.pos().x() / CELL), round(self.pos().y() / CELL)

    def set_status(self, status: MachineStatus) -> None:
        if status != self.status:
            self.status = status
            self.update()

    def set_editable(self, editable: bool) -> None:
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, editable)
        self.setCursor(Qt.CursorShape.OpenHandCursor if editable else Qt.CursorShape.ArrowCursor)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            # Snap to the grid, never off its top-left corner.
            x = max(0, round(value.x() / CELL)) * CELL
            y = max(0, round(value.y() / CELL)) * CELL
            return QPointF(x, y)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.moved.emit()
        return super().itemChange(change, value)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = self.status
        look = s.look
        theme = palette.current()
        box = QRectF(0, 0, MACHINE_W, MACHINE_H)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        frame = QPen(
            QColor(look.background if look.abnormal else theme.border), 4 if look.abnormal else 1
        )
        painter.setPen(frame)
        painter.setBrush(QColor(theme.surface))
        painter.drawRect(box)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height() + 2
        inner = box.adjusted(8, 6, -8, -6)
        painter.setPen(QColor(theme.text))
        title = metrics.elidedText(s.title, Qt.TextElideMode.ElideRight, int(inner.width()))
        painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), title)
        # The state strip, as on the tile.
        strip = QRectF(inner.left(), inner.top() + line + 2, inner.width(), line + 4)
        painter.fillRect(strip, QColor(look.background))
        icon = QRectF(strip.left() + 4, strip.top() + 3, strip.height() - 6, strip.height() - 6)
        draw_icon(painter, look.icon, icon, QColor(look.foreground), QColor(look.background))
        painter.setPen(QColor(look.foreground))
        text_rect = strip.adjusted(icon.width() + 10, 0, -4, 0)
        state = metrics.elidedText(s.state, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), state)
        font.setBold(False)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        y = strip.bottom() + 3
        if s.alarms:
            alarm_rect = QRectF(inner.left(), y, inner.width(), line)
            background, foreground = s.alarm_colours or (theme.surface, theme.text)
            painter.fillRect(alarm_rect, QColor(background))
            painter.setPen(QColor(foreground))
            text = metrics.elidedText(s.alarms, Qt.TextElideMode.ElideRight, int(inner.width()) - 6)
            painter.drawText(
                alarm_rect.adjusted(3, 0, -3, 0), int(Qt.AlignmentFlag.AlignVCenter), text
            )
        y += line + 1
        painter.setPen(QColor(theme.text_muted))
        for part in s.production.split(PRODUCTION_SEPARATOR) if s.production else []:
            text = metrics.elidedText(part, Qt.TextElideMode.ElideRight, int(inner.width()))
            painter.drawText(QRectF(inner.left(), y, inner.width(), line), text)
            y += line


class LinkItem(QGraphicsPathItem):
    """A conveyor (an arrow) or a buffer (a box on the arrow) from one machine to another."""

    def __init__(self, link: LayoutLink, source: MachineItem, target: MachineItem) -> None:
        super().__init__()
        self.link = link
        self.source = source
        self.target = target
        self.setZValue(-1)  # under the machines
        self.setPen(QPen(QColor(palette.current().text_muted), 2))
        self.setBrush(QBrush(QColor(palette.current().text_muted)))
        self.reroute()

    def reroute(self) -> None:
        src, dst = self.source.pos(), self.target.pos()
        path = QPainterPath()
        if abs(dst.x() - src.x()) < MACHINE_W:  # one above the other: bottom to top
            down = dst.y() >= src.y()
            a = src + QPointF(MACHINE_W / 2, MACHINE_H if down else 0)
            b = dst + QPointF(MACHINE_W / 2, 0 if down else MACHINE_H)
            middle = (a.y() + b.y()) / 2
            path.moveTo(a)
            path.lineTo(a.x(), middle)
            path.lineTo(b.x(), middle)
        else:  # side by side; flowing backwards (a U-shaped line) leaves from the other side
            right = dst.x() >= src.x()
            a = src + QPointF(MACHINE_W if right else 0, MACHINE_H / 2)
            b = dst + QPointF(0 if right else MACHINE_W, MACHINE_H / 2)
            middle = (a.x() + b.x()) / 2
            path.moveTo(a)
            path.lineTo(middle, a.y())
            path.lineTo(middle, b.y())
        path.lineTo(b)
        self.setPath(path)
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        # The arrow head points along the last segment.
        end = self.path().currentPosition()
        last = self.path().elementAt(self.path().elementCount() - 2)
        dx, dy = end.x() - last.x, end.y() - last.y
        length = max(1e-6, (dx * dx + dy * dy) ** 0.5)
        ux, uy = dx / length, dy / length
        back = QPointF(end.x() - 12 * ux, end.y() - 12 * uy)
        head = QPolygonF([end, back + QPointF(-6 * uy, 6 * ux), back + QPointF(6 * uy, -6 * ux)])
        painter.setBrush(self.brush())
        painter.drawPolygon(head)
        if self.link.kind is LinkKind.BUFFER or self.link.label:
            centre = self.path().pointAtPercent(0.5)
            text = self.link.label or "buffer"
            if self.link.capacity is not None:
                text += f" ({self.link.capacity})"
            metrics = painter.fontMetrics()
            width = metrics.horizontalAdvance(text) + 12
            box = QRectF(centre.x() - width / 2, centre.y() - 12, width, 24)
            theme = palette.current()
            painter.setPen(QPen(QColor(theme.border), 1))
            painter.setBrush(QColor(theme.surface))
            painter.drawRect(box)
            painter.setPen(QColor(theme.text))
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


class LineLayoutView(QWidget):
    """The line as a drawing; editable by engineers, saved into the station config."""

    saved = Signal(object)
    """Emitted with None when a save is done, or with the sentence that says why not."""
    _finished = Signal(object)

    def __init__(
        self,
        station: Station,
        tiles: dict[str, MachineTile],
        session: SessionController,
        config_path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.tiles = tiles
        self.session = session
        self.config_path = config_path
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="layout-save")
        self._finished.connect(self._show_saved, Qt.ConnectionType.QueuedConnection)

        self.edit_button = QPushButton()
        self.edit_button.setCheckable(True)
        self.save_button = QPushButton()
        self.cancel_button = QPushButton()
        self.message = QLabel(objectName="layoutMessage")
        bar = QHBoxLayout()
        bar.addWidget(self.edit_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.message, 1)
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self.machines: dict[str, MachineItem] = {}
        self.links: list[LinkItem] = []
        self._build(effective_layout(station.config))
        self.edit_button.toggled.connect(self.set_editing)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancel)
        session.changed.connect(self._show_permissions)
        self.set_editing(False)
        on_language_change(self, self.retranslate)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self.refresh()

    def retranslate(self) -> None:
        self.edit_button.setText(self.tr("Edit layout"))
        self.save_button.setText(self.tr("Save"))
        self.cancel_button.setText(self.tr("Cancel"))

    # -- building ------------------------------------------------------------------------------

    def _build(self, layout: LayoutConfig) -> None:
        self.scene.clear()
        self.machines = {}
        self.links = []
        for place in layout.machines:
            tile = self.tiles.get(place.device)
            if tile is None:
                continue
            item = MachineItem(place.device, status_of(tile))
            item.setPos(place.x * CELL, place.y * CELL)
            item.moved.connect(self._reroute)
            self.scene.addItem(item)
            self.machines[place.device] = item
        for link in layout.links:
            source, target = self.machines.get(link.source), self.machines.get(link.target)
            if source is not None and target is not None:
                item = LinkItem(link, source, target)
                self.scene.addItem(item)
                self.links.append(item)
        self._layout = layout

    @Slot()
    def _reroute(self) -> None:
        for link in self.links:
            link.reroute()

    def current_layout(self) -> LayoutConfig:
        """The layout as it is on screen now (after any dragging)."""
        machines = [
            MachinePlace(device=name, x=item.cell()[0], y=item.cell()[1])
            for name, item in self.machines.items()
        ]
        return LayoutConfig(machines=machines, links=[link.link for link in self.links])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()
        self.refresh()

    def fit(self) -> None:
        """Zoom the drawing to the view's size (never below 1, never above MAX_ZOOM)."""
        bounds = self.scene.itemsBoundingRect().adjusted(-CELL / 4, -CELL / 4, CELL / 4, CELL / 4)
        if bounds.isEmpty():
            return
        viewport = self.view.viewport().size()
        zoom = min(viewport.width() / bounds.width(), viewport.height() / bounds.height())
        zoom = max(1.0, min(MAX_ZOOM, zoom))
        self.view.resetTransform()
        self.view.scale(zoom, zoom)
        self.view.setSceneRect(bounds)

    # -- live ----------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        if not self.isVisible():
            return
        for name, item in self.machines.items():
            item.set_status(status_of(self.tiles[name]))

    # -- editing -------------------------------------------------------------------------------

    def _show_permissions(self) -> None:
        allowed = self.session.may(CONFIG_EDIT)
        self.edit_button.setEnabled(allowed or self.edit_button.isChecked())
        if not allowed and not self.edit_button.isChecked():
            self.edit_button.setToolTip(self.tr("Engineers and admins, signed in"))
        else:
            self.edit_button.setToolTip("")

    @Slot(bool)
    def set_editing(self, editing: bool) -> None:
        for item in self.machines.values():
            item.set_editable(editing)
        self.save_button.setVisible(editing)
        self.cancel_button.setVisible(editing)
        self.save_button.setEnabled(editing and self.config_path is not None)
        if editing and self.config_path is None:
            self.message.setText(
                self.tr(
                    "This station was started without a config file: the layout cannot be saved."
                )
            )
        elif editing:
            self.message.setText(self.tr("Drag the machines; Save writes the station config."))
        self._show_permissions()

    @Slot()
    def cancel(self) -> None:
        self._build(self._layout)
        self.edit_button.setChecked(False)
        self.message.setText("")

    @Slot()
    def save(self) -> None:
        """Write the layout on screen into the config file (on a worker thread)."""
        if self.config_path is None:
            return
        layout = self.current_layout()
        actor = self.session.actor
        path = self.config_path
        self.save_button.setEnabled(False)
        self.message.setText(self.tr("Saving…"))
        future = self._io.submit(self.station.save_layout, layout, path, actor)
        future.add_done_callback(lambda f: self._hand_over(f, layout))

    def _hand_over(self, future: Future[None], layout: LayoutConfig) -> None:
        # The worker thread: only a queued signal (RuntimeError: the view is gone).
        error = future.exception()
        with contextlib.suppress(RuntimeError):
            self._finished.emit((layout, error))

    @Slot(object)
    def _show_saved(self, outcome: tuple[LayoutConfig, BaseException | None]) -> None:
        layout, error = outcome
        self.save_button.setEnabled(True)
        if error is None:
            self._layout = layout
            self.edit_button.setChecked(False)
            self.message.setText(self.tr("Layout saved in %1").replace("%1", str(self.config_path)))
            self.saved.emit(None)
            return
        first = (str(error).splitlines() or [type(error).__name__])[0]
        self.message.setText(self.tr("Not saved: %1").replace("%1", first))
        self.saved.emit(first)

    def close_io(self) -> None:
        """Let a save in progress finish (the window is closing)."""
        self._io.shutdown(wait=True)
