"""Text for values, times and machine states as the views show them (no Qt widgets here)."""

from __future__ import annotations

import math
import time
from enum import Enum

from PySide6.QtCore import QCoreApplication

from app.config import DeviceConfig, TagConfig

# Words in a state label that mean the machine needs attention. Labels come from the config, so
# this is a heuristic; the alarm system remains the authority on what is abnormal.
_FAULT_WORDS = ("fault", "alarm", "error", "trip", "e-stop", "estop", "emergency", "fail")
_WARNING_WORDS = ("warn", "blocked", "starved", "maint", "hold", "setup")


class StateClass(Enum):
    """How loud a machine state is drawn (ISA-101: colour only for the abnormal)."""

    NORMAL = "normal"
    WARNING = "warning"
    FAULT = "fault"
    COMM_LOSS = "comm_loss"
    UNKNOWN = "unknown"


def state_label(device: DeviceConfig, value: float) -> str:
    """The configured label of a machine state value, or the raw number."""
    if math.isnan(value):
        return ""
    key = str(int(value)) if float(value).is_integer() else repr(value)
    return device.states.get(key, key)


def classify_state(label: str) -> StateClass:
    """Whether a state label is normal, a warning or a fault."""
    lowered = label.lower()
    if any(word in lowered for word in _FAULT_WORDS):
        return StateClass.FAULT
    if any(word in lowered for word in _WARNING_WORDS):
        return StateClass.WARNING
    return StateClass.NORMAL


def format_number(value: float) -> str:
    """A value with as many decimals as its magnitude deserves (4 significant digits)."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_value(tag: TagConfig, value: float, text: str | None = None) -> str:
    """A tag's value for display, without its unit."""
    if tag.data_type == "string":
        return text if text is not None else "—"
    if tag.data_type == "bool" and not math.isnan(value):
        if value:
            return QCoreApplication.translate("format", "On")
        return QCoreApplication.translate("format", "Off")
    return format_number(value)


def format_clock(timestamp: float | None) -> str:
    """Local wall-clock time ``HH:MM:SS`` of an epoch timestamp."""
    if timestamp is None or math.isnan(timestamp):
        return "—"
    return time.strftime("%H:%M:%S", time.localtime(timestamp))


def format_datetime(timestamp: float) -> str:
    """Local date and time with milliseconds, for the event list."""
    base = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
    return f"{base}.{int((timestamp % 1) * 1000):03d}"


def format_age(seconds: float) -> str:
    """``3 s``, ``4 min``, ``2 h`` ago."""
    if seconds < 0:
        seconds = 0
    if seconds < 120:
        return QCoreApplication.translate("format", "%n s ago", None, int(seconds))
    if seconds < 7200:
        return QCoreApplication.translate("format", "%n min ago", None, int(seconds // 60))
    return QCoreApplication.translate("format", "%n h ago", None, int(seconds // 3600))
