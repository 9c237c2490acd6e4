"""The engine-to-GUI bridge: coalesced delivery at a bounded rate, nothing lost."""

from __future__ import annotations

import numpy as np

from app.config import StationConfig
from app.config_loader import parse_config
from app.engine import Engine
from app.model import Event, EventKind
from widgets.bridge import DataDigest, EngineBridge

DEVICES = 20
PERIOD_S = 0.01
INTERVAL_MS = 50


def fast_station() -> StationConfig:
    """20 simulated devices polled every 10 ms: about 2,000 batches a second."""
    return parse_config(
        {
            "station": {"company": "T", "site": "T", "line": "T", "station": "T"},
            "devices": [
                {
                    "name": f"d{i}",
                    "driver": "simulated",
                    "poll_period_s": PERIOD_S,
                    "tags": [{"name": "a"}, {"name": "b", "signal": "counter"}],
                }
                for i in range(DEVICES)
            ],
        }
    )


def test_many_batches_arrive_as_few_coalesced_deliveries(qtbot) -> None:
    engine = Engine(fast_station(), history_s=10)
    bridge = EngineBridge(engine, interval_ms=INTERVAL_MS)
    digests: list[DataDigest] = []
    events: list[Event] = []
    bridge.dataChanged.connect(digests.append)
    bridge.eventsArrived.connect(events.extend)
    batches = 0

    def count(_batch: object) -> None:
        nonlocal batches
        batches += 1

    engine.subscribe(count)
    engine.start()
    try:
        qtbot.wait(2000)
        engine.post_event(Event(0.0, EventKind.PART_SCANNED, "d0", {"serial": "P-1"}))
    finally:
        engine.stop()
    qtbot.waitUntil(lambda: sum(d.samples for d in digests) == engine.samples_total, timeout=2000)
    qtbot.waitUntil(lambda: len(events) == 1, timeout=2000)

    assert batches > 1000  # the engine really was busy
    elapsed_s = 2.0 + 0.5
    assert bridge.deliveries <= elapsed_s * 1000 / INTERVAL_MS + 2
    assert len(digests) < batches / 10
    # Every device and every tag that received samples was reported.
    assert set().union(*(d.devices for d in digests)) == {f"d{i}" for i in range(DEVICES)}
    reported = np.unique(np.concatenate([d.tag_ids for d in digests]))
    assert reported.tolist() == list(range(2 * DEVICES))
    assert events[0].data == {"serial": "P-1"}


def test_a_closed_bridge_forwards_nothing(qtbot) -> None:
    engine = Engine(fast_station(), history_s=10)
    bridge = EngineBridge(engine, interval_ms=INTERVAL_MS)
    digests: list[DataDigest] = []
    bridge.dataChanged.connect(digests.append)
    bridge.close()
    engine.start()
    try:
        qtbot.wait(300)
    finally:
        engine.stop()
    qtbot.wait(100)
    assert engine.samples_total > 0
    assert digests == []
