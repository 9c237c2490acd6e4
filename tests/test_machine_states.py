"""Machine state changes become events; a device can be taken out of service and back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from app.config import StationConfig
from app.config_loader import parse_config
from app.engine import OUT_OF_SERVICE, Engine
from app.machine_states import MachineStateWatcher
from app.model import Event, EventKind, Quality, SampleBatch, Severity
from app.station import Station


def blinking_press(**connection: object) -> StationConfig:
    """A press whose state tag flips between Running (1) and Fault (3) every 0.3 s."""
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "press",
                    "title": "Press P-1",
                    "driver": "simulated",
                    "poll_period_s": 0.05,
                    "connection": dict(connection),
                    "state_tag": "state",
                    "states": {"1": "Running", "3": "Fault"},
                    "tags": [
                        {"name": "state", "signal": "square:mean=2,amplitude=1,period=0.6"},
                        {"name": "force", "signal": "sine:mean=100,amplitude=5,period=5"},
                    ],
                },
                {
                    "name": "oven",
                    "driver": "simulated",
                    "poll_period_s": 0.05,
                    "tags": [{"name": "temp", "signal": "random_walk:mean=180"}],
                },
            ],
        }
    )


def wait_for(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    done = threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        done.wait(0.02)
    return bool(predicate())


def test_state_changes_of_a_real_engine_become_events(tmp_path: Path) -> None:
    station = Station(blinking_press(), db_url=f"sqlite:///{tmp_path / 's.db'}")
    events: list[Event] = []
    station.engine.subscribe_events(events.append)
    station.start()
    try:
        assert wait_for(lambda: len([e for e in events if e.kind is EventKind.STATE_CHANGED]) >= 3)
    finally:
        station.stop()
    changes = [e for e in events if e.kind is EventKind.STATE_CHANGED]
    assert all(e.source == "press" and e.source_title == "Press P-1" for e in changes)
    for event in changes:
        assert {event.data["from_value"], event.data["to_value"]} == {1, 3}
        if event.data["to_value"] == 3:
            assert event.data == {
                "from_value": 1,
                "to_value": 3,
                "from_label": "Running",
                "to_label": "Fault",
                "from_category": "running",
                "to_category": "fault",
            }
            assert event.severity is Severity.ERROR
            assert event.text == "Press P-1: Running → Fault"
        else:
            assert event.severity is Severity.INFO
    # Stored like every other event.
    stored = station.storage.events.recent(100)
    assert any(e.kind is EventKind.STATE_CHANGED for e in stored)


def test_first_value_and_bad_samples_make_no_event() -> None:
    config = blinking_press()
    engine = Engine(config)
    posted: list[Event] = []
    watcher = MachineStateWatcher(config, engine.tags, posted.append)
    state_id = engine.tags.by_name("press.state").id
    ids = np.array([state_id], dtype=np.int32)

    def sample(value: float, quality: Quality = Quality.GOOD, t: float = 1.0) -> SampleBatch:
        q = np.array([quality], dtype=np.uint8)
        return SampleBatch.uniform("press", ids, t, np.array([value]), q)

    watcher.on_batch(sample(1))
    watcher.on_batch(sample(1))
    watcher.on_batch(sample(np.nan, Quality.BAD))  # communication lost: no "unknown" state
    assert posted == []
    watcher.on_batch(sample(7, t=5.0))  # back in a state the config does not name
    (event,) = posted
    assert event.timestamp == 5.0
    assert event.data["to_label"] == "7" and event.data["to_category"] is None
    assert event.severity is Severity.INFO


def test_a_device_out_of_service_is_bad_without_comm_events_and_comes_back() -> None:
    engine = Engine(blinking_press())
    events: list[Event] = []
    engine.subscribe_events(events.append)
    engine.start()
    try:
        force = engine.tags.by_name("press.force").id
        assert wait_for(lambda: engine.live.get(force).quality is Quality.GOOD)
        engine.set_out_of_service("press", "die change")
        assert engine.out_of_service() == {"press": "die change"}
        assert wait_for(lambda: engine.live.get(force).quality is Quality.BAD)
        assert engine.live.get(force).reason == OUT_OF_SERVICE
        # It stays out: no late sample of the stopped worker turns it good again.
        count = engine.recent.count(force)
        oven = engine.tags.by_name("oven.temp").id
        oven_count = engine.recent.count(oven)
        assert wait_for(lambda: engine.recent.count(oven) >= oven_count + 10)
        assert engine.recent.count(force) == count
        assert engine.live.get(force).reason == OUT_OF_SERVICE
        assert not [e for e in events if e.kind is EventKind.COMM_LOSS]

        engine.return_to_service("press")
        assert engine.out_of_service() == {}
        assert wait_for(lambda: engine.live.get(force).quality is Quality.GOOD)
        assert [d.device for d in engine.diagnostics()] == ["press", "oven"]
    finally:
        engine.stop()


def test_a_failing_device_taken_out_of_service_raises_no_comm_alarm(tmp_path: Path) -> None:
    config = blinking_press(fail=True)
    station = Station(config, db_url=f"sqlite:///{tmp_path / 's.db'}")
    station.engine.set_out_of_service("press", "cable cut")  # before start: never polled
    station.start()
    try:
        oven = station.engine.tags.by_name("oven.temp").id
        count = station.engine.recent.count(oven)
        assert wait_for(lambda: station.engine.recent.count(oven) >= count + 20)
        comm = station.alarms.view("press.@comm")
        assert not comm.state.annunciated
        force = station.engine.tags.by_name("press.force").id
        assert station.engine.live.get(force).reason == OUT_OF_SERVICE
    finally:
        station.stop()
