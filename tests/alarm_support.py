"""Helpers shared by the alarm tests: a hand-driven clock, station configs, sample batches and
managers journaling through the production database gateway into a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.alarms.journal import AlarmJournal
from app.alarms.manager import AlarmManager, AlarmSettings
from app.alarms.model import Transition
from app.config import StationConfig
from app.config_loader import parse_config
from app.model import Quality, SampleBatch
from app.storage import DatabaseGateway, open_database
from app.tags import TagTable

#: How to close what tests opened (gateways close their journals); ``tests/conftest.py`` calls
#: them after each test.
OPENED: list[Callable[[], None]] = []


def open_gateway(db: Path | str, busy_timeout_ms: int = 5000, **options: Any) -> DatabaseGateway:
    """The production gateway on a real SQLite file, started."""
    gateway = DatabaseGateway(open_database(db, busy_timeout_ms=busy_timeout_ms), **options)
    gateway.start()
    OPENED.append(gateway.close)
    return gateway


def close_gateways() -> None:
    """Close what tests opened, newest first."""
    while OPENED:
        OPENED.pop()()


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
    """An alarm listener that keeps every transition.

    Listeners hear of transitions on the journal's notify thread after the commit; reading
    ``transitions`` or ``calls`` first waits until the manager delivered everything so far.
    """

    def __init__(self, manager: AlarmManager | None = None) -> None:
        self.manager = manager
        self._transitions: list[Transition] = []
        self._calls = 0

    def __call__(self, transitions: Sequence[Transition]) -> None:
        self._calls += 1
        self._transitions.extend(transitions)

    def _settle(self) -> None:
        if self.manager is not None:
            assert self.manager.wait_delivered(10.0), "transitions not delivered within 10 s"

    @property
    def transitions(self) -> list[Transition]:
        self._settle()
        return self._transitions

    @property
    def calls(self) -> int:
        self._settle()
        return self._calls

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
    manager = make_plain_manager(config, db_path, clock, settings)
    recorder = Recorder(manager)
    manager.add_listener(recorder)
    return manager, recorder


def make_plain_manager(
    config: StationConfig,
    db_path: Path,
    clock: Clock,
    settings: AlarmSettings | None = None,
    busy_timeout_ms: int = 5000,
    **manager_options: Any,
) -> AlarmManager:
    """A manager journaling through a started gateway into a real SQLite file."""
    settings = settings or AlarmSettings()
    gateway = open_gateway(db_path, busy_timeout_ms=busy_timeout_ms)
    journal = AlarmJournal(gateway, grace_s=settings.journal_grace_s)
    return AlarmManager(
        config, tag_ids(config), journal, clock=clock, settings=settings, **manager_options
    )
