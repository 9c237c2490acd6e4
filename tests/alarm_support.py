"""Helpers shared by the alarm tests: a hand-driven clock, station configs and sample batches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.alarms.journal import AlarmJournal, connect
from app.alarms.manager import AlarmManager, AlarmSettings
from app.alarms.model import Transition
from app.config import StationConfig
from app.config_loader import parse_config
from app.model import Quality, SampleBatch
from app.tags import TagTable


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


class Recorder:
    """An alarm listener that keeps every transition (and the thread it came on)."""

    def __init__(self) -> None:
        self.transitions: list[Transition] = []
        self.calls = 0

    def __call__(self, transitions: Sequence[Transition]) -> None:
        self.calls += 1
        self.transitions.extend(transitions)

    def events(self, alarm_id: str | None = None) -> list[tuple[str, str, str]]:
        """(alarm id, event, new state) of every transition, optionally of one alarm."""
        return [
            (t.alarm_id, t.event.value, t.state.value)
            for t in self.transitions
            if alarm_id is None or t.alarm_id == alarm_id
        ]

    def clear(self) -> None:
        self.transitions.clear()


def station(tags: dict[str, list[dict[str, Any]]], **device_extra: Any) -> StationConfig:
    """A station with one simulated device per key of ``tags``."""
    devices = [
        {"name": name, "driver": "simulated", "tags": tag_list, **device_extra}
        for name, tag_list in tags.items()
    ]
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "devices": devices,
        }
    )


def tag_ids(config: StationConfig) -> dict[str, int]:
    return TagTable(config).ids()


def batch(
    device: str,
    ids: Sequence[int],
    values: Sequence[float],
    t: float | Sequence[float],
    quality: Sequence[int] | None = None,
) -> SampleBatch:
    n = len(ids)
    times = np.full(n, t, dtype=np.float64) if np.isscalar(t) else np.asarray(t, dtype=np.float64)
    return SampleBatch(
        device=device,
        tag_ids=np.asarray(ids, dtype=np.int32),
        timestamps=times,
        values=np.asarray(values, dtype=np.float64),
        quality=np.asarray(quality if quality is not None else [Quality.GOOD] * n, dtype=np.uint8),
    )


def make_manager(
    config: StationConfig,
    db_path: Path,
    clock: Clock,
    settings: AlarmSettings | None = None,
) -> tuple[AlarmManager, Recorder]:
    """A manager journaling into a real SQLite file, with a recording listener."""
    journal = AlarmJournal(connect(db_path), clock=clock, retry_interval_s=5.0)
    manager = AlarmManager(config, tag_ids(config), journal, clock=clock, settings=settings)
    recorder = Recorder()
    manager.add_listener(recorder)
    return manager, recorder
