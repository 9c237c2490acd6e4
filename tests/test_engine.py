"""The engine with the in-process simulated driver: batches, quality, faults, shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from app.config import DeviceConfig, StationConfig, TagConfig
from app.config_loader import load_config, parse_config
from app.engine import Engine
from app.model import Event, EventKind, Quality, SampleBatch
from drivers.base import DeviceError, Readings
from drivers.signal_generator import SignalGeneratorDriver
from tests.conftest import CONFIGS


def station(*devices: dict) -> StationConfig:
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": list(devices),
        }
    )


def wait_for(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_batches_reach_live_values_history_and_subscribers() -> None:
    engine = Engine(load_config(CONFIGS / "sim_line.toml"))
    batches: list[SampleBatch] = []
    engine.subscribe(batches.append)
    engine.start()
    try:
        assert wait_for(lambda: engine.recent.count(engine.tags.by_name("press.cycles").id) >= 3)
    finally:
        engine.stop()
    force = engine.tags.by_name("press.force").id
    t, v = engine.recent.window(force)
    assert len(t) >= 10  # 0.1 s period
    assert np.all(np.diff(t) > 0)
    assert np.all((v >= 80) & (v <= 120))
    current = engine.live.get(force)
    assert current.quality is Quality.GOOD and current.value == v[-1]
    assert all(isinstance(b.values, np.ndarray) for b in batches)
    assert {b.device for b in batches} == {"press", "oven"}
    # Poll groups: the slow group (0.5 s) is polled less often than the fast one.
    cycles = engine.tags.by_name("press.cycles").id
    assert engine.recent.count(cycles) < engine.recent.count(force) / 3


def test_scale_and_offset_are_applied() -> None:
    config = station(
        {
            "name": "m",
            "driver": "simulated",
            "poll_period_s": 0.05,
            "tags": [{"name": "x", "signal": "constant:mean=10", "scale": 0.5, "offset": -2}],
        }
    )
    engine = Engine(config)
    engine.start()
    try:
        assert wait_for(lambda: engine.recent.count(0) > 0)
    finally:
        engine.stop()
    assert engine.live.get(0).value == pytest.approx(3.0)


def test_failing_device_goes_bad_with_reason_and_others_keep_their_rate() -> None:
    config = station(
        {
            "name": "dead",
            "driver": "simulated",
            "connection": {"fail": True},
            "tags": [{"name": "a"}, {"name": "b"}],
        },
        {"name": "alive", "driver": "simulated", "poll_period_s": 0.1, "tags": [{"name": "c"}]},
    )
    engine = Engine(config)
    events: list[Event] = []
    batches: list[SampleBatch] = []
    engine.subscribe_events(events.append)
    engine.subscribe(batches.append)
    engine.start()
    time.sleep(1.5)
    engine.stop()
    # Retries of a device that stays down add no samples: one bad batch marks the outage.
    assert len([b for b in batches if b.device == "dead"]) == 1
    for name in ("dead.a", "dead.b"):
        value = engine.live.get(engine.tags.by_name(name).id)
        assert value.quality is Quality.BAD
        assert value.reason == "refused: simulated device refuses connections"
    alive = engine.tags.by_name("alive.c").id
    assert engine.recent.count(alive) >= 13  # 1.5 s at 0.1 s despite the dead device
    losses = [e for e in events if e.kind == "comm_loss"]
    assert len(losses) == 1 and losses[0].source == "dead"
    diag = {d.device: d for d in engine.diagnostics()}
    assert not diag["dead"].connected and diag["dead"].errors["refused"] >= 3
    assert diag["alive"].connected and diag["alive"].error_count == 0


class FlakyDriver(SignalGeneratorDriver):
    """Times out on the reads listed in ``fail_reads`` (a unit-test edge case)."""

    fail_reads = range(3, 6)

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        self.reads = 0

    def read(self, tags: Sequence[TagConfig]) -> Readings:
        self.reads += 1
        if self.reads in self.fail_reads:
            raise DeviceError("timeout", "no answer within 1.0 s")
        return super().read(tags)


def test_device_recovers_by_itself_after_timeouts() -> None:
    config = station(
        {"name": "m", "driver": "simulated", "poll_period_s": 0.05, "tags": [{"name": "x"}]}
    )
    engine = Engine(config, driver_factory=FlakyDriver)
    events: list[Event] = []
    engine.subscribe_events(events.append)
    engine.start()
    try:
        assert wait_for(lambda: [e.kind for e in events] == ["comm_loss", "comm_restored"])
        assert wait_for(lambda: engine.live.get(0).quality is Quality.GOOD)
    finally:
        engine.stop()
    assert events[0].kind is EventKind.COMM_LOSS
    assert events[0].data["fault"] == "timeout"  # a fact, not prose to parse
    assert "no answer within 1.0 s" in events[0].data["detail"]
    assert events[0].text.endswith("communication lost (no answer)")


def test_stop_is_bounded_even_with_a_slow_device() -> None:
    config = station(
        {
            "name": "slow",
            "driver": "simulated",
            "connection": {"latency_s": 5.0},
            "tags": [{"name": "x"}],
        }
    )
    reading = threading.Event()

    class SignallingDriver(SignalGeneratorDriver):
        def read(self, tags: Sequence[TagConfig]) -> Readings:
            reading.set()  # the worker is about to block in its 5 s read
            return super().read(tags)

    engine = Engine(config, driver_factory=SignallingDriver)
    engine.start()
    assert reading.wait(5)
    started = time.monotonic()
    engine.stop(timeout=2.0)
    assert time.monotonic() - started < 2.2
    assert not engine.running


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    config = station(
        {"name": "m", "driver": "simulated", "poll_period_s": 0.05, "tags": [{"name": "x"}]}
    )
    engine = Engine(config)
    got = threading.Event()

    def broken(_batch: SampleBatch) -> None:
        raise RuntimeError("boom")

    engine.subscribe(broken)
    engine.subscribe(lambda _b: got.set())
    engine.start()
    try:
        assert got.wait(3)
    finally:
        engine.stop()
