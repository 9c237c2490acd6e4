"""Overview: one tile per machine with its state, key values and communication status."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt, QTimer, SignalInstance, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from app.alarms.model import AlarmState, Priority
from app.config import DeviceConfig, StateCategory
from app.engine import Engine
from app.messages import FAULTS
from app.model import FloatArray, Quality
from app.tags import TagInfo
from widgets.alarms.model import PRIORITY_COLOURS, AlarmTableModel, priority_text
from widgets.analog_bar import AlarmMark, AnalogBar, tag_scale
from widgets.bridge import DataDigest, EngineBridge
from widgets.elided_label import ElidedLabel
from widgets.format import (
    StateClass,
    classify_state,
    format_clock,
    format_fixed,
    format_value,
    state_label,
)
from widgets.i18n import on_language_change, translate_message
from widgets.sparkline import Sparkline
from widgets.state_strip import AlarmStrip, StateStrip

MAX_FALLBACK_TAGS = 4
TILE_MIN_WIDTH = 320
SPARK_SPAN_S = 300.0
STALE_FACTOR = 3.0  # a value older than this many poll periods (plus the timeout) is stale
RATE_WINDOW_S = 600.0  # production rate over the last 10 minutes
MIN_RATE_SPAN_S = 300.0  # before: a few parts, too coarse to compare with a target
_NOT_ANALOG = ("string", "bool")
_CATEGORY_LOOKS = frozenset(category.value for category in StateCategory)


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


@dataclass(frozen=True, slots=True)
class TagAlarm:
    """What the alarm manager says about one tag right now (for its value and bar)."""

    priority: Priority | None = None
    """Most urgent annunciated alarm, if any."""
    condition: str = ""
    """Its condition (``hh``, ``h``, ``l``, ``ll``, ...)."""
    shelved: int = 0
    """Alarms of this tag an operator shelved."""
    active: bool = False
    """The condition holds now (not only waiting for acknowledgement after it cleared)."""


_NO_ALARM = TagAlarm()
_ACTIVE = (AlarmState.UNACK, AlarmState.ACKED)


@dataclass(slots=True)
class ValueRow:
    """One key value on a tile: its label, bar and alarm mark."""

    info: TagInfo
    value: QLabel
    bar: AnalogBar | None
    mark: AlarmMark
    alarm: TagAlarm = field(default_factory=TagAlarm)
    styled: Priority | None = None


def fault_sentence(reason: str) -> str:
    """``"timeout: no answer to holding 0+4 ..."`` -> ``"no answer"`` in the reader's language
    (the driver's own words go to the tooltip)."""
    kind, _, _detail = reason.partition(": ")
    if kind in FAULTS:
        return translate_message(FAULTS[kind])
    return reason


def production_rate(t: FloatArray, v: FloatArray) -> float | None:
    """Parts per hour from a counter's samples; counter resets are not counted as parts; None
    while less than ``MIN_RATE_SPAN_S`` of samples is known."""
    keep = np.isfinite(v)
    t, v = t[keep], v[keep]
    if t.size < 2 or t[-1] - t[0] < MIN_RATE_SPAN_S:
        return None
    steps = np.diff(v)
    return float(steps[steps > 0].sum() / (t[-1] - t[0]) * 3600.0)


class MachineTile(QFrame):
    """A machine at a glance. Grey while normal; colour only when it needs attention."""

    def __init__(self, engine: Engine, device: DeviceConfig, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tile")
        self.engine = engine
        self.device = device
        self.state_class = StateClass.UNKNOWN
        self._alarm_counts: tuple[int, int, Priority | None, int] = (0, 0, None, 0)
        self._tag_alarms: dict[str, TagAlarm] = {}
        self.state_category: StateCategory | None = None
        self._look = ""
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

        self.state = StateStrip()
        layout.addWidget(self.state)

        # The machine's alarms, in the colour of the most urgent. Its line is always there,
        # blank when there is nothing to say, so that nothing below moves when an alarm comes.
        self.alarms = AlarmStrip()
        layout.addWidget(self.alarms)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        self.rows: list[ValueRow] = []
        for index, info in enumerate(tile_tags(engine, device)):
            row = 2 * index
            name = ElidedLabel(short_description(info), objectName="tileTagName")
            name.setToolTip(f"{info.config.description or info.name} ({info.full_name})")
            value = QLabel("—", objectName="tileValue")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            unit = QLabel(info.unit, objectName="tileUnit")
            unit.setMinimumWidth(unit.fontMetrics().horizontalAdvance("ml/min"))
            scale = tag_scale(info.config) if info.config.data_type not in _NOT_ANALOG else None
            bar = AnalogBar(scale) if scale is not None else None
            mark = AlarmMark()
            # The name over the whole width (no cut-off labels), the bar beside the value.
            grid.addWidget(name, row, 0, 1, 4)
            if bar is not None:
                grid.addWidget(bar, row + 1, 0)
            else:  # keep the row's height so that tiles of a row line up
                grid.addItem(QSpacerItem(0, AnalogBar.HEIGHT), row + 1, 0)
            grid.addWidget(value, row + 1, 1)
            grid.addWidget(unit, row + 1, 2)
            grid.addWidget(mark, row + 1, 3)
            self.rows.append(ValueRow(info, value, bar, mark))
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)

        self.production = device.production
        self.production_label: QLabel | None = None
        self._good_id = self._reject_id = None
        if self.production is not None:
            self._good_id = engine.tags.by_name(f"{device.name}.{self.production.good}").id
            if self.production.reject is not None:
                self._reject_id = engine.tags.by_name(f"{device.name}.{self.production.reject}").id
            self.production_label = QLabel(objectName="tileProduction")
            self.production_label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(self.production_label)

        # The trend shows the first value with a scale (a counter's trend says little).
        numeric = [r.info for r in self.rows if r.bar is not None] or [
            r.info for r in self.rows if r.info.config.data_type not in _NOT_ANALOG
        ]
        self.spark_tag: TagInfo | None = numeric[0] if numeric else None
        self.sparkline: Sparkline | None = None
        if self.spark_tag is not None:
            self.caption = ElidedLabel(objectName="tileSubtitle")
            self.sparkline = Sparkline()
            layout.addWidget(self.caption)
            layout.addWidget(self.sparkline)
        else:
            layout.addStretch(1)

        # One line whatever the reason's length (tiles of a row stay aligned); full text on hover.
        self.comm = ElidedLabel(objectName="tileComm")
        layout.addWidget(self.comm)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text of the tile in the current language."""
        if self.spark_tag is not None:
            self.caption.setText(
                self.tr("%1, last %2 min")
                .replace("%1", short_description(self.spark_tag))
                .replace("%2", str(int(SPARK_SPAN_S // 60)))
            )
        self.refresh()
        self.refresh_production()
        self.alarms.set_line("")
        self.show_alarms(*self._alarm_counts)
        self.show_tag_alarms(self._tag_alarms)

    def show_alarms(self, total: int, unacked: int, top: Priority | None, shelved: int = 0) -> None:
        """Show how many alarms of this machine are annunciated, and how many are shelved
        (nothing to say: a blank line that keeps its place)."""
        self._alarm_counts = (total, unacked, top, shelved)
        if total == 0 or top is None:
            if shelved:
                self.alarms.set_line(self.tr("%n alarm(s) shelved", "", shelved), dashed=True)
            else:
                self.alarms.set_line("")
            return
        text = self.tr("%n alarm(s)", "", total)
        if unacked:
            text += " – " + self.tr("%n unacknowledged", "", unacked)
        text += " – " + priority_text(top)
        if shelved:
            text += " – " + self.tr("%n shelved", "", shelved)
        background, foreground = PRIORITY_COLOURS[top]
        self.alarms.set_line(text, (background, foreground))

    def show_tag_alarms(self, alarms: dict[str, TagAlarm]) -> None:
        """Mark each key value by its tag's most urgent alarm, or as shelved."""
        self._tag_alarms = alarms
        for row in self.rows:
            row.alarm = alarms.get(row.info.name, _NO_ALARM)
            row.mark.set_mark(row.alarm.priority, row.alarm.shelved > 0, row.alarm.active)
            tip = ""
            if row.alarm.priority is not None:
                tip = (
                    self.tr("%1 alarm (%2)")
                    if row.alarm.active
                    else self.tr("%1 alarm (%2) back to normal, not acknowledged")
                )
                tip = tip.replace("%1", priority_text(row.alarm.priority))
                tip = tip.replace("%2", row.alarm.condition.upper())
            elif row.alarm.shelved:
                tip = self.tr("%n alarm(s) shelved", "", row.alarm.shelved)
            row.mark.setToolTip(tip)
        self._paint_values()

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
        return {row.info.name: row.value.text() for row in self.rows}

    def row(self, tag: str) -> ValueRow:
        """The key value row of ``tag``."""
        return next(r for r in self.rows if r.info.name == tag)

    def refresh(self) -> None:
        """Read the live table and redraw the tile's texts."""
        live = self.engine.live
        now = time.time()
        newest = max(
            (live.get(i).timestamp for i in self._all_ids),
            key=lambda t: -math.inf if math.isnan(t) else t,
        )
        for row in self.rows:
            value = live.get(row.info.id)
            good = value.quality == Quality.GOOD
            if good:
                row.value.setText(format_value(row.info.config, value.value, value.text))
                row.value.setToolTip("")
            else:
                row.value.setText("?" if value.quality != Quality.UNKNOWN else "—")
                row.value.setToolTip(value.reason)
            row.value.setEnabled(good)
            if row.bar is not None:
                row.bar.set_value(value.value if good else math.nan, self._bar_alarm(row))
        self._paint_values()

        reasons = [live.get(i).reason for i in self._all_ids]
        bad = [r for r in reasons if r]
        all_bad = len(bad) == len(self._all_ids) and bad
        stale = not math.isnan(newest) and now - newest > self._stale_after
        out = self.engine.out_of_service().get(self.device.name)
        if out is not None:
            self._set_state("out_of_service", StateClass.UNKNOWN, self.tr("OUT OF SERVICE"))
            self._set_comm(self.tr("Out of service: %1").replace("%1", out or "—"), out)
        elif math.isnan(newest):
            self._set_state("unknown", StateClass.UNKNOWN, self.tr("Connecting…"))
            self._set_comm(self.tr("Waiting for the first response"))
        elif all_bad:
            self._set_state("comm_loss", StateClass.COMM_LOSS, self.tr("COMMUNICATION LOST"))
            self._set_comm(self.tr("No data: %1").replace("%1", fault_sentence(bad[0])), bad[0])
        elif stale:
            self._set_state("comm_loss", StateClass.COMM_LOSS, self.tr("NO DATA"))
            self._set_comm(self.tr("No update for %1 s").replace("%1", str(int(now - newest))))
        else:
            self._set_state(*self._machine_state())
            if bad:
                self._set_comm(
                    self.tr("Online – %1 bad tag(s): %2")
                    .replace("%1", str(len(bad)))
                    .replace("%2", fault_sentence(bad[0])),
                    bad[0],
                )
            else:
                self._set_comm(
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

    def refresh_production(self, now: float | None = None) -> None:
        """Good and rejected parts, the output rate of the last minutes and the target."""
        if self.production_label is None or self._good_id is None:
            return
        assert self.production is not None
        now = time.time() if now is None else now
        live = self.engine.live
        good = live.get(self._good_id)
        parts = [
            self.tr("Good %1").replace(
                "%1", format_fixed(good.value, 0) if good.quality == Quality.GOOD else "—"
            )
        ]
        if self._reject_id is not None:
            reject = live.get(self._reject_id)
            text = format_fixed(reject.value, 0) if reject.quality == Quality.GOOD else "—"
            parts.append(self.tr("Reject %1").replace("%1", text))
        t, v = self.engine.recent.window(self._good_id, since=now - RATE_WINDOW_S)
        rate = production_rate(t, v)
        rate_text = "—" if rate is None else format_fixed(rate, 0)
        target = self.production.target_per_hour
        if target is not None:
            parts.append(
                self.tr("%1/h of %2/h").replace("%1", rate_text).replace("%2", f"{target:g}")
            )
        else:
            parts.append(self.tr("%1/h").replace("%1", rate_text))
        self.production_label.setText("  ·  ".join(parts))
        self.production_label.setToolTip(
            self.tr("Good parts per hour over the last %1 min (shown after %2 min)")
            .replace("%1", str(int(RATE_WINDOW_S // 60)))
            .replace("%2", str(int(MIN_RATE_SPAN_S // 60)))
        )

    def _bar_alarm(self, row: ValueRow) -> tuple[str, Priority] | None:
        if row.alarm.priority is None or not row.alarm.active:
            return None
        return row.alarm.condition, row.alarm.priority

    def _paint_values(self) -> None:
        # The value in alarm takes its priority's colours (the mark beside it gives the shape).
        for row in self.rows:
            in_alarm = row.alarm.active and row.value.isEnabled()
            priority = row.alarm.priority if in_alarm else None
            if priority == row.styled:
                continue
            row.styled = priority
            if priority is None:
                row.value.setStyleSheet("")
            else:
                background, foreground = PRIORITY_COLOURS[priority]
                row.value.setStyleSheet(
                    f"background: {background}; color: {foreground}; padding: 0 4px;"
                )
            if row.bar is not None:
                row.bar.set_value(row.bar.value, self._bar_alarm(row))

    def _set_comm(self, text: str, detail: str = "") -> None:
        if text != self.comm.text():
            self.comm.setText(text)
        # The driver's own words in full on hover (the line itself stays short and human).
        self.comm.setToolTip(f"{text}\n{detail}" if detail and detail != text else text)

    def _machine_state(self) -> tuple[str, StateClass, str]:
        if self._state_id is None:
            return "running", StateClass.NORMAL, self.tr("Online")
        value = self.engine.live.get(self._state_id)
        if value.quality != Quality.GOOD:
            return "unknown", StateClass.UNKNOWN, self.tr("State unknown")
        state = self.device.state_of(value.value)
        category = state.category if state is not None else None
        self.state_category = category
        look = str(category) if category is not None else "unknown"
        return look, classify_state(category), state_label(self.device, value.value)

    def _set_state(self, look: str, state_class: StateClass, text: str) -> None:
        if look not in _CATEGORY_LOOKS:  # no data, no state: no category either
            self.state_category = None
        self.state.set_state(look, text)
        if state_class is not self.state_class or look != self._look:
            self.state_class = state_class
            self._look = look
            # An abnormal machine also gets a border in its colour, visible from a distance;
            # 1 px border + 2 px padding otherwise, so that nothing inside moves.
            style = self.state.look
            frame = (
                f"border: 3px solid {style.background}; padding: 0px;"
                if style.abnormal
                else "border: 1px solid palette(mid); padding: 2px;"
            )
            self.setStyleSheet(f"QFrame#tile {{ {frame} }}")


@dataclass(slots=True)
class DeviceAlarms:
    """A machine's alarm line: annunciated, waiting for acknowledgement, most urgent, shelved."""

    total: int = 0
    unacked: int = 0
    top: Priority | None = None
    shelved: int = 0
    tags: dict[str, TagAlarm] = field(default_factory=dict)
    """Per tag: its most urgent alarm and its shelved count."""


def alarms_by_device(model: AlarmTableModel) -> dict[str, DeviceAlarms]:
    """Every machine's alarm line and per-tag marks, in one pass over the summary's rows (at
    most once a second; 100,000 rows in a flood)."""
    found: dict[str, DeviceAlarms] = {}
    for position in range(model.rowCount()):
        row = model.row_at(position)
        state = row.state
        is_shelved = state is AlarmState.SHELVED
        if not is_shelved and not state.annunciated:
            continue
        device, tag = row.device, row.tag or ""
        summary = found.get(device)
        if summary is None:
            summary = found[device] = DeviceAlarms()
        if is_shelved:
            summary.shelved += 1
        else:
            summary.total += 1
            summary.unacked += 1 if state.needs_ack else 0
            if summary.top is None or row.priority < summary.top:
                summary.top = row.priority
        if not tag:
            continue
        old = summary.tags.get(tag, _NO_ALARM)
        active = state in _ACTIVE
        if is_shelved:
            summary.tags[tag] = TagAlarm(old.priority, old.condition, old.shelved + 1, old.active)
        elif old.priority is None or (active, -row.priority) > (old.active, -old.priority):
            # An active alarm before one that only waits for its acknowledgement.
            summary.tags[tag] = TagAlarm(row.priority, row.condition, old.shelved, active)
    return found


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
        summaries = alarms_by_device(self._alarm_model)
        for name, tile in self.tiles.items():
            alarms = summaries.get(name) or DeviceAlarms()
            tile.show_alarms(alarms.total, alarms.unacked, alarms.top, alarms.shelved)
            tile.show_tag_alarms(alarms.tags)

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
                tile.refresh_production(now)

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
