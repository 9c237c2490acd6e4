"""Text for values, times and machine states as the views show them (no Qt widgets here)."""

from __future__ import annotations

import math
import time
from enum import Enum

from PySide6.QtCore import QCoreApplication, QDateTime

from app.config import DeviceConfig, StateCategory, TagConfig
from app.messages import state_name
from widgets.i18n import current_locale, translate_message

#: How loud each machine state category is drawn. The category comes from the config, never
#: from the label's words, so a Korean label colours its tile as well as an English one.
_CATEGORY_CLASS: dict[StateCategory, str] = {
    StateCategory.RUNNING: "normal",
    StateCategory.IDLE: "normal",
    StateCategory.OFF: "normal",
    StateCategory.PLANNED_STOP: "normal",
    StateCategory.SETUP: "warning",
    StateCategory.MAINTENANCE: "warning",
    StateCategory.FAULT: "fault",
}


class StateClass(Enum):
    """How loud a machine state is drawn (ISA-101: colour only for the abnormal)."""

    NORMAL = "normal"
    WARNING = "warning"
    FAULT = "fault"
    COMM_LOSS = "comm_loss"
    UNKNOWN = "unknown"


def state_label(device: DeviceConfig, value: float) -> str:
    """The configured label of a machine state value (in the reader's language when it is one
    of the product's state names, ``app.messages.STATE_NAMES``), or the raw number."""
    if math.isnan(value):
        return ""
    state = device.state_of(value)
    if state is not None:
        return state_name(state.label, translate_message)
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def classify_state(category: StateCategory | None) -> StateClass:
    """Whether a state category is drawn as normal, a warning or a fault (unknown: normal)."""
    if category is None:
        return StateClass.NORMAL
    return StateClass(_CATEGORY_CLASS[category])


def format_number(value: float) -> str:
    """A value with as many decimals as its magnitude deserves (4 significant digits)."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        return format_fixed(value, 0)
    if magnitude >= 100:
        return format_fixed(value, 1)
    if magnitude >= 1:
        return format_fixed(value, 2)
    return format_fixed(value, 3)


INTEGER_TYPES = ("int16", "uint16", "int32", "uint32", "int64", "uint64")
#: Significant digits a display range is shown with when the tag does not say its decimals:
#: 0..120 % -> 0 decimals, 20..90 °C -> 1, 0..3 m/min -> 2.
RANGE_DIGITS = 3
DEFAULT_DECIMALS = 1
MAX_DECIMALS = 3


def tag_decimals(tag: TagConfig) -> int:
    """Digits after the point for every value of ``tag``: its ``decimals``, else derived once
    from its display range and scale (never from a sample: ``45`` next to ``44.90`` reads as
    two different precisions)."""
    if tag.decimals is not None:
        return tag.decimals
    if tag.data_type in INTEGER_TYPES and float(tag.scale).is_integer():
        return 0
    if tag.display_min is not None and tag.display_max is not None:
        span = tag.display_max - tag.display_min
        digits = RANGE_DIGITS - 1 - math.floor(math.log10(span))
        return max(0, min(MAX_DECIMALS, digits))
    if tag.data_type in INTEGER_TYPES:  # a scaled integer: as many decimals as the scale has
        return max(0, min(MAX_DECIMALS, -math.floor(math.log10(abs(tag.scale)))))
    return DEFAULT_DECIMALS


def format_fixed(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` digits after the point and the separators of the
    window's locale (``1,234.5``; never ``-0.0``)."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if round(value, decimals) == 0:
        value = 0.0  # -0.04 at one decimal is 0.0, not -0.0
    return current_locale().toString(float(value), "f", decimals)


def format_count(value: int) -> str:
    """A whole number with the locale's thousands separators."""
    return current_locale().toString(int(value))


def format_value(tag: TagConfig, value: float, text: str | None = None) -> str:
    """A tag's value for display, without its unit, at the tag's fixed precision."""
    if tag.data_type == "string":
        return text if text is not None else "—"
    if tag.data_type == "bool" and not math.isnan(value):
        if value:
            return QCoreApplication.translate("format", "On")
        return QCoreApplication.translate("format", "Off")
    return format_fixed(value, tag_decimals(tag))


def format_clock(timestamp: float | None) -> str:
    """Local wall-clock time ``HH:MM:SS`` of an epoch timestamp (24-hour in every language:
    a plant runs shifts around the clock)."""
    if timestamp is None or math.isnan(timestamp):
        return "—"
    return time.strftime("%H:%M:%S", time.localtime(timestamp))


def format_datetime(timestamp: float) -> str:
    """Local date and time with milliseconds, for the event list (ISO date order, which
    Korean and English readers both read without doubt)."""
    base = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
    return f"{base}.{int((timestamp % 1) * 1000):03d}"


def format_header_clock(timestamp: float | None = None) -> str:
    """Date, weekday in the window's language and time: ``2026-12-03 (Thu) 22:44:32``,
    ``2026-12-03 (목) 22:44:32``."""
    seconds = time.time() if timestamp is None else timestamp
    moment = QDateTime.fromMSecsSinceEpoch(int(seconds * 1000))
    return current_locale().toString(moment, "yyyy-MM-dd (ddd)  HH:mm:ss")


def format_age(seconds: float) -> str:
    """``3 s``, ``4 min``, ``2 h`` ago."""
    if seconds < 0:
        seconds = 0
    # The count is computed first: lupdate does not see a plural whose count is a call.
    if seconds < 120:
        count = int(seconds)
        return QCoreApplication.translate("format", "%n s ago", None, count)
    if seconds < 7200:
        count = int(seconds // 60)
        return QCoreApplication.translate("format", "%n min ago", None, count)
    count = int(seconds // 3600)
    return QCoreApplication.translate("format", "%n h ago", None, count)
