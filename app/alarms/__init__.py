"""Alarm management to ISA-18.2: definitions, state machine, journal and performance figures.

The public names are loaded on first use: ``app.config`` imports ``app.alarms.config`` while it
is itself being imported, so this package must not import the manager eagerly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AlarmManager": "app.alarms.manager",
    "AlarmSettings": "app.alarms.manager",
    "UnknownAlarmError": "app.alarms.manager",
    "AlarmJournal": "app.alarms.journal",
    "JournalStatus": "app.alarms.journal",
    "AlarmState": "app.alarms.model",
    "AlarmView": "app.alarms.model",
    "Priority": "app.alarms.model",
    "Transition": "app.alarms.model",
    "analyse": "app.alarms.performance",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'app.alarms' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
