"""The process monitor in the station (issue 14): configured in the station TOML, fed by the
engine's sample batches through the AnomalyMonitor, one anomaly per fault episode with the
tags behind it, a clear message for a bad setting, and its model kept across a restart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.config import ConfigError
from app.config_loader import load_config
from app.detectors.monitor import AnomalyMonitor
from app.model import SampleBatch

STATION = """
[station]
company = "acme"
site = "s1"
line = "l1"
station = "st1"

[[devices]]
name = "pump"
driver = "simulated"

[devices.detectors]
multivariate = {{ tags = ["current", "flow", "pressure", "temp"], {extra} }}

[[devices.tags]]
name = "current"
signal = "noise"

[[devices.tags]]
name = "flow"
signal = "noise"

[[devices.tags]]
name = "pressure"
signal = "noise"

[[devices.tags]]
name = "temp"
signal = "noise"
"""
IDS = {"pump.current": 1, "pump.flow": 2, "pump.pressure": 3, "pump.temp": 4}


def config(tmp_path: Path, extra: str = 'method = "process", warmup_s = 400, clear_samples = 30'):
    path = tmp_path / "station.toml"
    path.write_text(STATION.format(extra=extra), encoding="utf-8")
    return load_config(path)


def pump_rows(n: int, seed: int, leak_from: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    load = rng.normal(scale=0.5, size=n)
    rows = np.column_stack(
        [
            10 + 2 * load + 0.1 * rng.normal(size=n),
            100 + 15 * load + 0.8 * rng.normal(size=n),
            4 + 0.3 * load + 0.02 * rng.normal(size=n),
            60 + 0.2 * rng.normal(size=n),
        ]
    )
    if leak_from is not None:
        rows[leak_from:, 2] -= 0.3  # pressure falls without the load: a leak
    return rows


def feed(monitor: AnomalyMonitor, rows: np.ndarray, t0: float = 0.0) -> tuple[list, list]:
    """One batch per second with the four tags, as the engine delivers them."""
    started, cleared = [], []
    for i, row in enumerate(rows):
        batch = SampleBatch.uniform(
            "pump", np.array([1, 2, 3, 4], dtype=np.int32), t0 + i, row, np.zeros(4, np.uint8)
        )
        started += monitor.process(batch)
        cleared += monitor.cleared
    return started, cleared


def test_a_leak_is_one_anomaly_naming_the_pressure_and_it_clears(tmp_path: Path) -> None:
    monitor = AnomalyMonitor(config(tmp_path), IDS)
    rows = pump_rows(2000, seed=1, leak_from=1000)
    rows[1600:] = pump_rows(400, seed=2)  # repaired
    started, cleared = feed(monitor, rows)
    assert len(started) == 1
    anomaly = started[0]
    assert anomaly.detector == "process" and anomaly.tag is None
    assert 1002 <= anomaly.timestamp <= 1015  # confirmed after 3 samples
    assert anomaly.contributors[0].tag == "pressure"
    assert "contributors: pressure" in anomaly.message
    assert len(cleared) == 1 and 1600 <= cleared[0].timestamp <= 1640


def test_clean_running_raises_nothing(tmp_path: Path) -> None:
    monitor = AnomalyMonitor(config(tmp_path), IDS)
    started, _ = feed(monitor, pump_rows(5000, seed=3))
    assert started == []


def test_the_learned_model_survives_a_restart(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    before = AnomalyMonitor(cfg, IDS)
    feed(before, pump_rows(800, seed=4))
    after = AnomalyMonitor(cfg, IDS)
    after.restore(json.loads(json.dumps(before.state())))
    tail = pump_rows(600, seed=5, leak_from=200)
    a, _ = feed(before, tail, t0=800)
    b, _ = feed(after, tail, t0=800)
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b] and len(a) == 1


def test_a_bad_setting_names_its_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config(tmp_path, 'method = "knn"')
    assert any(
        p.startswith("devices[0].detectors.multivariate.method") for p in info.value.problems
    )
    with pytest.raises(ConfigError) as info:
        config(tmp_path, "min_samples = 0")
    assert any("multivariate.min_samples" in p for p in info.value.problems)


def test_switching_method_relearns_instead_of_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pca = AnomalyMonitor(config(tmp_path, "warmup_s = 400"), IDS)
    feed(pca, pump_rows(600, seed=6))
    process = AnomalyMonitor(config(tmp_path), IDS)
    process.restore(json.loads(json.dumps(pca.state())))
    assert "cannot restore the baseline of pump/multivariate" in caplog.text
    started, _ = feed(process, pump_rows(900, seed=7, leak_from=700))
    assert len(started) == 1 and started[0].timestamp >= 700  # learned afresh, then found it
