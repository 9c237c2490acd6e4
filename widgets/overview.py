"""Overview: one tile per machine with its state, key values and communication status."""

from __future__ import annotations

import math
import re
import time

from PySide6.QtCore import Qt, QTimer, SignalInstance, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.alarms.model import Priority
from app.config import DeviceConfig
from app.engine import Engine
from app.model import Quality
from app.tags import TagInfo
from widgets.alarms.model import PRIORITY_COLOURS, AlarmTableModel, priority_text
from widgets.bridge import DataDigest, EngineBridge
from widgets.elided_label import ElidedLabel
from widgets.format import (
    StateClass,
    classify_state,
    format_clock,
    format_value,
    state_label,
)
from widgets.sparkline import Sparkline
from widgets.theme import STATE_COLOURS

MAX_FALLBACK_TAGS = 4
TILE_MIN_WIDTH = 320
SPARK_SPAN_S = 300.0
STALE_FACTOR = 3.0  # a value older than this many poll periods (plus the timeout) is stale


def tile_tags(engine: Engine, device: DeviceConfig) -> list[TagInfo]:
    """Tags shown on a tile: the ``key`` ones, else the first few that are not the state."""
    tags = engine.tags.of_device(device.name)
    keys = [t for t in tags if t.config.key]
    if keys:
        return keys
    others = [t for t in tags if t.name != device.state_tag]
    return others[:MAX_FALLBACK_TAGS]


def short_description(info: TagInfo) -> str:
    """The first clause of a tag's description (before a comma or bracket), else its name."""
    text = re.split(r",\s|\s\(", info.config.description, maxsplit=1)[0].strip()
    return text or info.name


class MachineTile(QFrame):
    """A machine at a glance. Grey while normal; colour only when it needs attention."""

    def __init__(self, engine: Engine, device: DeviceConfig, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tile")
        self.engine = engine
        self.device = device
        self.state_class = StateClass.UNKNOWN
        self._state_id = (
            engine.tags.by_name(f"{device.name}.{device.state_tag}").id
            if device.state_tag
            else None
        )
        self._all_ids = [t.id for t in engine.tags.of_device(device.name)]
        self._stale_after = (
            STALE_FACTOR * max(t.period_s for t in engine.tags.of_device(device.name))
            + device.timeout_s
        )
        # Tiles share the screen's height: the sparkline grows into a small trend per machine.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(TILE_MIN_WIDTH)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        self.title = ElidedLabel(device.display_name, objectName="tileTitle")
        self.title.setToolTip(f"{device.display_name} ({device.name})")
        layout.addWidget(self.title)

        self.state = QLabel(objectName="tileState")
        self.state.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.state)

        # The machine's active alarms, in the colour of the most urgent (hidden when none).
        self.alarms = QLabel(objectName="tileAlarms")
        self.alarms.setVisible(False)
        layout.addWidget(self.alarms)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self._rows: list[tuple[TagInfo, QLabel]] = []
        for row, info in enumerate(tile_tags(engine, device)):
            name = ElidedLabel(short_description(info), objectName="tileTagName")
            name.setToolTip(f"{info.config.description or info.name} ({info.full_name})")
            value = QLabel("—", objectName="tileValue")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            unit = QLabel(info.unit, objectName="tileUnit")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            grid.addWidget(unit, row, 2)
            self._rows.append((info, value))
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)

        numeric = [t for t, _ in self._rows if t.config.data_type not in ("string", "bool")]
        self.spark_tag: TagInfo | None = numeric[0] if numeric else None
        self.sparkline: Sparkline | None = None
        if self.spark_tag is not None:
            caption = ElidedLabel(
                self.tr("%1, last %2 min")
                .replace("%1", short_description(self.spark_tag))
                .replace("%2", str(int(SPARK_SPAN_S // 60))),
                objectName="tileSubtitle",
            )
            self.sparkline = Sparkline()
            layout.addWidget(caption)
            layout.addWidget(self.sparkline)

        # One line whatever the reason's length (tiles of a row stay aligned); full text on hover.
        self.comm = ElidedLabel(objectName="tileComm")
        layout.addWidget(self.comm)
        self.refresh()

    def show_alarms(self, total: int, unacked: int, top: Priority | None) -> None:
        """Show how many alarms of this machine are annunciated (0 hides the line)."""
        if total == 0 or top is None:
            self.alarms.setVisible(False)
            self.alarms.setText("")
            return
        text = self.tr("%n alarm(s)", "", total)
        if unacked:
            text += " – " + self.tr("%n unacknowledged", "", unacked)
        text += " – " + priority_text(top)
        background, foreground = PRIORITY_COLOURS[top]
        self.alarms.setText(text)
        self.alarms.setStyleSheet(
            f"background: {background}; color: {foreground}; padding: 2px 6px; font-weight: bold;"
        )
        self.alarms.setVisible(True)

    @property
    def alarms_text(self) -> str:
        """The alarm line (empty when none)."""
        return self.alarms.text()

    @property
    def state_text(self) -> str:
        """The text of the state strip (for tests and tooltips)."""
        return self.state.text()

    @property
    def comm_text(self) -> str:
        """The communication line."""
        return self.comm.text()

    def value_texts(self) -> dict[str, str]:
        """``tag name -> shown value`` (for tests)."""
        return {info.name: label.text() for info, label in self._rows}

    def refresh(self) -> None:
        """Read the live table and redraw the tile's texts."""
        live = self.engine.live
        now = time.time()
        newest = max(
            (live.get(i).timestamp for i in self._all_ids),
            key=lambda t: -math.inf if math.isnan(t) else t,
        )
        for info, label in self._rows:
            value = live.get(info.id)
            if value.quality == Quality.GOOD:
                label.setText(format_value(info.config, value.value, value.text))
                label.setToolTip("")
                label.setEnabled(True)
            else:
                label.setText("?" if value.quality != Quality.UNKNOWN else "—")
                label.setToolTip(value.reason)
                label.setEnabled(False)

        reasons = [live.get(i).reason for i in self._all_ids]
        bad = [r for r in reasons if r]
        all_bad = len(bad) == len(self._all_ids) and bad
        stale = not math.isnan(newest) and now - newest > self._stale_after
        if math.isnan(newest):
            self._set_state(StateClass.UNKNOWN, self.tr("Connecting…"))
            self.comm.setText(self.tr("Waiting for the first response"))
        elif all_bad:
            self._set_state(StateClass.COMM_LOSS, self.tr("COMMUNICATION LOST"))
            self.comm.setText(self.tr("No data: %1").replace("%1", bad[0]))
        elif stale:
            self._set_state(StateClass.COMM_LOSS, self.tr("NO DATA"))
            self.comm.setText(self.tr("No update for %1 s").replace("%1", str(int(now - newest))))
        else:
            self._set_state(*self._machine_state())
            if bad:
                self.comm.setText(
                    self.tr("Online – %1 bad tag(s): %2")
                    .replace("%1", str(len(bad)))
                    .replace("%2", bad[0])
                )
            else:
                self.comm.setText(
                    self.tr("Communication OK – updated %1").replace("%1", format_clock(newest))
                )

    def refresh_sparkline(self, now: float | None = None) -> None:
        """Reload the sparkline from history (a copy of a few minutes of one tag)."""
        if self.sparkline is None or self.spark_tag is None:
            return
        now = time.time() if now is None else now
        since = now - SPARK_SPAN_S
        t, v = self.engine.recent.window(self.spark_tag.id, since=since)
        config = self.spark_tag.config
        self.sparkline.set_series(t, v, since, now, config.display_min, config.display_max)

    def _machine_state(self) -> tuple[StateClass, str]:
        if self._state_id is None:
            return StateClass.NORMAL, self.tr("Online")
        value = self.engine.live.get(self._state_id)
        if value.quality != Quality.GOOD:
            return StateClass.UNKNOWN, self.tr("State unknown")
        state = self.device.state_of(value.value)
        return classify_state(state.category if state else None), state_label(
            self.device, value.value
        )

    def _set_state(self, state_class: StateClass, text: str) -> None:
        if text != self.state.text():
            self.state.setText(text)
        if state_class is not self.state_class:
            self.state_class = state_class
            background, foreground = STATE_COLOURS[state_class]
            self.state.setStyleSheet(f"background: {background}; color: {foreground};")
            # An abnormal machine also gets a border in its colour, visible from a distance.
            abnormal = state_class in (StateClass.FAULT, StateClass.WARNING, StateClass.COMM_LOSS)
            self.setStyleSheet(
                f"QFrame#tile {{ border: 3px solid {background}; }}" if abnormal else ""
            )


class OverviewView(QScrollArea):
    """All machines of the station as a grid of tiles that reflows with the window width."""

    def __init__(self, engine: Engine, bridge: EngineBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.engine = engine
        inner = QWidget(objectName="central")
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(12, 12, 12, 12)
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        outer.addLayout(self._grid, 1)
        self.tiles: dict[str, MachineTile] = {
            device.name: MachineTile(engine, device)
            for device in engine.config.devices
            if device.enabled
        }
        self._columns = 0
        self._reflow()
        self.setWidget(inner)
        bridge.dataChanged.connect(self._on_data)
        self._alarm_model: AlarmTableModel | None = None
        self._alarms_dirty = False
        # Staleness shows up without new data, so tiles also refresh on a slow clock.
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.refresh)
        self._clock.start(1000)

    def follow_alarms(self, model: AlarmTableModel, updated: SignalInstance) -> None:
        """Show each machine's annunciated alarms on its tile, refreshed at most once a second
        (a flood of transitions must not recount the summary per transition)."""
        self._alarm_model = model
        updated.connect(self._mark_alarms_dirty)
        self._alarms_dirty = True
        self._refresh_alarms()

    @Slot()
    def _mark_alarms_dirty(self) -> None:
        self._alarms_dirty = True

    def _refresh_alarms(self) -> None:
        if self._alarm_model is None or not self._alarms_dirty:
            return
        self._alarms_dirty = False
        summary = self._alarm_model.by_device()
        for name, tile in self.tiles.items():
            total, unacked, top = summary.get(name, (0, 0, None))
            tile.show_alarms(total, unacked, top)

    @Slot(object)
    def _on_data(self, digest: DataDigest) -> None:
        for name in digest.devices:
            tile = self.tiles.get(name)
            if tile is not None:
                tile.refresh()

    @Slot()
    def refresh(self) -> None:
        """Redraw every tile, sparklines included."""
        now = time.time()
        visible = self.isVisible()
        self._refresh_alarms()
        for tile in self.tiles.values():
            tile.refresh()
            if visible:  # 5 min over ~300 px: one refresh a second moves it by a pixel
                tile.refresh_sparkline(now)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        width = max(self.viewport().width(), TILE_MIN_WIDTH)
        columns = max(1, min(len(self.tiles), 4, width // (TILE_MIN_WIDTH + 12)))
        if columns == self._columns:
            return
        self._columns = columns
        for index, tile in enumerate(self.tiles.values()):
            self._grid.removeWidget(tile)
            self._grid.addWidget(tile, index // columns, index % columns)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
