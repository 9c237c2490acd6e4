"""The anomaly monitor as the engine uses it: station config in, sample batches in, anomalies
out (once per onset), baselines persisted and relearned."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from app.config import ConfigError, StationConfig
from app.config.checks import detector_problems
from app.config_loader import parse_config
from app.detectors.monitor import AnomalyMonitor, human_duration
from app.model import Quality, SampleBatch

IDS = {
    "press.vibration": 1,
    "press.current": 2,
    "press.flow": 3,
    "press.running": 4,
    "press.recipe": 5,
    "press.pressure": 6,
}


def station(
    vibration: dict[str, Any] | None = None,
    device: dict[str, Any] | None = None,
    extra_tag: dict[str, Any] | None = None,
) -> dict[str, Any]:
    vib: dict[str, Any] = {"name": "vibration", "description": "vibration RMS", "signal": "noise"}
    if vibration is not None:
        vib["detectors"] = vibration
    tags = [
        vib,
        {"name": "current", "signal": "noise"},
        {"name": "flow", "signal": "noise"},
        {"name": "running", "type": "bool", "signal": "constant"},
        {"name": "recipe", "type": "string", "signal": "constant"},
        {"name": "pressure", "signal": "noise"},
    ]
    if extra_tag is not None:
        tags[1] = {**tags[1], **extra_tag}
    dev: dict[str, Any] = {"name": "press", "driver": "simulated", "tags": tags}
    if device is not None:
        dev["detectors"] = device
    return {
        "station": {"company": "acme", "site": "s1", "line": "l1", "station": "st1"},
        "devices": [dev],
    }


def batches(
    tag_id: int,
    values: np.ndarray,
    t0: float = 0.0,
    size: int = 500,
    quality: Quality = Quality.GOOD,
):
    """Samples of one tag, one per second, in batches."""
    for start in range(0, values.size, size):
        chunk = values[start : start + size]
        n = chunk.size
        yield SampleBatch(
            device="press",
            tag_ids=np.full(n, tag_id, dtype=np.int32),
            timestamps=t0 + start + np.arange(n, dtype=np.float64),
            values=chunk.astype(np.float64),
            quality=np.full(n, quality, dtype=np.uint8),
        )


def run(monitor: AnomalyMonitor, stream) -> list:
    found = []
    for batch in stream:
        found.extend(monitor.process(batch))
    return found


def noise(n: int, seed: int = 0, mean: float = 5.0) -> np.ndarray:
    return mean + 0.2 * np.random.default_rng(seed).normal(size=n)


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def test_bad_settings_give_key_paths() -> None:
    assert problems(station({"robust": {"spike_sigma": -1}})) == [
        "devices[0].tags[0].detectors.robust.spike_sigma: Input should be greater than 1"
    ]
    assert problems(station({"robst": {}})) == [
        "devices[0].tags[0].detectors.robst: unknown key (is it misspelt?)"
    ]
    assert problems(station({"limits": {"min": 5, "max": 1}})) == [
        "devices[0].tags[0].detectors.limits: min must be below max"
    ]
    assert problems(station(device={"multivariate": {"tags": ["flow"]}}))[0].startswith(
        "devices[0].detectors.multivariate.tags: List should have at least 2 items"
    )
    assert problems(station({"spc": {"rules": [1, 9]}}))[0].startswith(
        "devices[0].tags[0].detectors.spc.rules[1]:"
    )


def test_who_gets_detectors() -> None:
    config = parse_config(station())
    assert AnomalyMonitor(config, IDS).watched == []
    config = parse_config(station({}))
    assert AnomalyMonitor(config, IDS).watched == ["press.vibration"]
    # all_tags covers every numeric tag without its own key; bool and string tags are skipped
    config = parse_config(
        station({"enabled": False}, device={"all_tags": {}}, extra_tag={"detectors": {}})
    )
    assert AnomalyMonitor(config, IDS).watched == ["press.current", "press.flow", "press.pressure"]


def test_a_step_is_reported_once_until_it_clears() -> None:
    monitor = AnomalyMonitor(parse_config(station({"drift": {"enabled": False}})), IDS)
    signal = np.concatenate(
        [noise(3000), noise(400, 1, mean=7.0), noise(400, 2), noise(400, 3, mean=7.0)]
    )
    found = []
    cleared = []
    for batch in batches(1, signal, size=100):
        found.extend(monitor.process(batch))
        cleared.extend(monitor.cleared)
    assert [a.detector for a in found] == ["robust", "robust"]
    # the first step cleared once the level was back (and the baseline had not moved)
    assert len(cleared) == 1
    assert cleared[0].key == found[0].key
    assert 3400 <= cleared[0].timestamp <= 3470
    first, second = found
    assert first.timestamp >= 3000 and first.timestamp <= 3003
    assert 3800 <= second.timestamp <= 3803
    assert (first.device, first.tag) == ("press", "vibration")
    assert first.message.startswith("vibration RMS ")
    assert "above its 1-hour baseline" in first.message
    assert 0.5 <= first.score <= 1.0


def test_bad_quality_samples_are_skipped() -> None:
    monitor = AnomalyMonitor(parse_config(station({})), IDS)
    assert run(monitor, batches(1, noise(1000))) == []
    wild = np.full(50, 1e6)
    assert run(monitor, batches(1, wild, t0=1000, quality=Quality.BAD)) == []
    assert run(monitor, batches(1, wild[:1], t0=1050))[0].detector == "robust"


def test_impossible_value_and_flatline_through_the_monitor() -> None:
    settings = {
        "limits": {"max": 10.0},
        "flatline": {"after_s": 60},
        "robust": {"enabled": False},
        "drift": {"enabled": False},
    }
    monitor = AnomalyMonitor(parse_config(station(settings)), IDS)
    signal = np.concatenate([noise(1000), [12.0], noise(100, 1), np.full(100, 5.0)])
    found = run(monitor, batches(1, signal))
    assert [(a.detector, a.timestamp) for a in found] == [("limits", 1000.0), ("flatline", 1160.0)]
    assert "above the possible maximum 10" in found[0].message
    assert "stuck at 5" in found[1].message


def correlated(n: int, seed: int = 0, broken_from: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    load = rng.normal(size=n)
    current = 10 + 2 * load + 0.1 * rng.normal(size=n)
    flow = 100 + 15 * load + 0.8 * rng.normal(size=n)
    pressure = 5 - 0.5 * load + 0.05 * rng.normal(size=n)
    if broken_from is not None:
        flow[broken_from:] = 100 + 15 * rng.normal(size=n - broken_from)
    return np.column_stack([current, flow, pressure])


def machine_batches(rows: np.ndarray):
    for i, row in enumerate(rows):
        yield SampleBatch.uniform(
            "press",
            np.array([2, 3, 6], dtype=np.int32),
            float(i),
            row,
            np.zeros(3, dtype=np.uint8),
        )


def test_machine_level_anomaly_names_its_contributors() -> None:
    device = {"multivariate": {"tags": ["current", "flow", "pressure"], "warmup_s": 300}}
    monitor = AnomalyMonitor(parse_config(station(device=device)), IDS)
    found = run(monitor, machine_batches(correlated(1500, broken_from=1000)))
    assert len(found) == 1
    anomaly = found[0]
    assert anomaly.tag is None and anomaly.detector == "pca"
    assert 1000 <= anomaly.timestamp <= 1010
    assert anomaly.contributors[0].tag == "flow"
    assert anomaly.contributors[0].share > 0.4
    assert "contributors: flow" in anomaly.message
    assert anomaly.to_dict()["contributors"][0]["tag"] == "flow"


def test_multivariate_tags_must_exist() -> None:
    device = {"multivariate": {"tags": ["current", "flwo"]}}
    expected = ["devices[0].detectors.multivariate.tags: no tag named 'flwo' in device 'press'"]
    with pytest.raises(ConfigError) as info:
        parse_config(station(device=device))  # what check-config and every command see
    assert info.value.problems == expected
    # Checked once, by the loader; the monitor trusts a loaded config.
    config = StationConfig.model_validate(station(device=device))
    assert detector_problems(config) == expected
    device = {"multivariate": {"tags": ["current", "recipe"]}}
    assert detector_problems(StationConfig.model_validate(station(device=device))) == [
        "devices[0].detectors.multivariate.tags: tag 'recipe' is a string, not a number"
    ]
    assert detector_problems(parse_config(station(device={"multivariate": {}}))) == []


def test_state_survives_a_restart_through_json() -> None:
    config = parse_config(
        station(
            {"spc": {"rules": [1]}},
            device={"multivariate": {"tags": ["current", "flow", "pressure"]}},
        )
    )
    before = AnomalyMonitor(config, IDS)
    run(before, batches(1, noise(2000)))
    run(before, machine_batches(correlated(1000)))
    saved = json.loads(json.dumps(before.state()))
    after = AnomalyMonitor(config, IDS)
    after.restore(saved)
    tail = np.concatenate([noise(200, 5), [9.0], noise(200, 6)])
    a = run(before, batches(1, tail, t0=2000))
    b = run(after, batches(1, tail, t0=2000))
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    assert {x.detector for x in a} == {"robust", "spc"}
    # without the saved state the new monitor would still be warming up
    fresh = AnomalyMonitor(config, IDS)
    assert run(fresh, batches(1, tail, t0=2000)) == []


def test_restore_relearns_what_no_longer_fits() -> None:
    config = parse_config(station({}))
    monitor = AnomalyMonitor(config, IDS)
    run(monitor, batches(1, noise(2000)))
    state = monitor.state()
    state["tags"]["press.vibration"]["robust"] = {"garbage": 1}
    again = AnomalyMonitor(config, IDS)
    again.restore(state)
    found = run(again, batches(1, np.concatenate([noise(400, 3), [9.0]]), t0=2000))
    # robust relearns (warm-up of 300 samples, then sees the spike); drift was restored
    assert [a.detector for a in found] == ["robust"]
    again.restore({"version": 999})  # another version: ignored, nothing raised


def test_relearn_accepts_a_new_normal() -> None:
    monitor = AnomalyMonitor(parse_config(station({"drift": {"enabled": False}})), IDS)
    run(monitor, batches(1, noise(2000)))
    assert [a.detector for a in run(monitor, batches(1, noise(50, 1, mean=8.0), t0=2000))] == [
        "robust"
    ]
    monitor.relearn("press", "vibration")
    assert run(monitor, batches(1, noise(3000, 2, mean=8.0), t0=2050)) == []
    monitor.relearn("press")
    with pytest.raises(KeyError, match=r"no detectors on press\.flow"):
        monitor.relearn("press", "flow")
    with pytest.raises(KeyError, match="no detectors on lathe"):
        monitor.relearn("lathe")


def test_no_anomaly_on_100k_samples_of_clean_noise() -> None:
    monitor = AnomalyMonitor(parse_config(station({})), IDS)
    signal = 5.0 + 0.2 * np.random.default_rng(42).normal(size=100_000)
    assert run(monitor, batches(1, signal, size=1000)) == []


def test_human_duration() -> None:
    assert human_duration(3600).render() == "1-hour"
    assert human_duration(300).render() == "5-minute"
    assert human_duration(45).render() == "45-second"
    assert human_duration(86400 * 2).render() == "2-day"


def gated_batch(t: float, running: float, vibration: float) -> SampleBatch:
    return SampleBatch(
        device="press",
        tag_ids=np.array([4, 1], dtype=np.int32),
        timestamps=np.array([t, t]),
        values=np.array([running, vibration]),
        quality=np.zeros(2, dtype=np.uint8),
    )


def test_active_when_stops_scoring_and_learning_outside_the_watched_states() -> None:
    config = parse_config(
        station(
            vibration={"warmup_s": 60, "robust": {}, "drift": {"enabled": False}},
            device={"active_when": {"tag": "running", "in": [1], "settle_s": 0}},
        )
    )
    monitor = AnomalyMonitor(config, IDS)
    rng = np.random.default_rng(3)
    t = 0.0
    # Stopped: wild values are neither scored nor learned.
    for _ in range(200):
        assert monitor.process(gated_batch(t, 0, float(rng.normal(50, 20)))) == []
        t += 1
    assert monitor.state()["tags"]["press.vibration"]["robust"]["n"] == 0
    # Running: learns, then a spike is an anomaly.
    for _ in range(200):
        assert monitor.process(gated_batch(t, 1, float(rng.normal(5, 0.1)))) == []
        t += 1
    onsets = monitor.process(gated_batch(t, 1, 9.0))
    assert [a.tag for a in onsets] == ["vibration"]
    # The machine stops while the anomaly is active: it ends, and nothing new is raised.
    assert monitor.process(gated_batch(t + 1, 0, 9.0)) == []
    assert [a.tag for a in monitor.cleared] == ["vibration"]
    assert monitor.process(gated_batch(t + 2, 0, 90.0)) == []


def test_active_when_tag_must_exist() -> None:
    data = station(device={"active_when": {"tag": "state", "in": [1]}})
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.problems == [
        "devices[0].detectors.active_when.tag: no tag named 'state' in device 'press'"
    ]


def test_active_when_waits_for_the_machine_to_settle_after_a_restart() -> None:
    config = parse_config(
        station(
            vibration={"warmup_s": 60, "robust": {}, "drift": {"enabled": False}},
            device={"active_when": {"tag": "running", "in": [1], "settle_s": 30}},
        )
    )
    monitor = AnomalyMonitor(config, IDS)
    rng = np.random.default_rng(4)
    t = 0.0
    for _ in range(300):
        monitor.process(gated_batch(t, 1, float(rng.normal(5, 0.1))))
        t += 1
    monitor.process(gated_batch(t, 0, 0.0))  # maintenance
    t += 100
    # Back to running: the coolant pump ramps up for 20 s; no anomaly while settling.
    for i in range(20):
        assert monitor.process(gated_batch(t, 1, 5.0 * i / 20)) == []
        t += 1
    for _ in range(20):
        assert monitor.process(gated_batch(t, 1, float(rng.normal(5, 0.1)))) == []
        t += 1
    assert [a.tag for a in monitor.process(gated_batch(t, 1, 9.0))] == ["vibration"]
