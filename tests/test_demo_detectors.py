"""The demo line's anomaly detectors on the plant model, offline (the bench harness).

Harness: tests/bench/tune_demo_detectors.py. A clean line raises nothing; a worn spindle
bearing is found before the vibration limit alarm.
The full figures (2 simulated hours per seed, the default scenario) come from running the
harness itself: ``.venv/bin/python tests/bench/tune_demo_detectors.py --help``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from app.config_loader import load_config

_PATH = Path(__file__).parent / "bench" / "tune_demo_detectors.py"
_spec = importlib.util.spec_from_file_location("tune_demo_detectors", _PATH)
assert _spec is not None and _spec.loader is not None
harness = importlib.util.module_from_spec(_spec)
sys.modules["tune_demo_detectors"] = harness
_spec.loader.exec_module(harness)

#: The built-in bearing_wear scenario starts at 30 s; after this lead-in it starts at 900 s,
#: once the detectors' warm-ups (up to 600 s on the CNC) are over.
LEAD_S = 870.0
FAULT_START_S = LEAD_S + 30.0


@pytest.fixture(scope="module")
def config():
    return load_config(harness.DEMO_CONFIG)


def test_harness_samples_engineering_values(config) -> None:
    batches = harness.record(config, seed=1, scenario="none", duration_s=10.0)
    names = {v: k for k, v in harness.TagTable(config).ids().items()}
    last: dict[str, float] = {}
    for batch in batches:
        for tag_id, value in zip(batch.tag_ids.tolist(), batch.values.tolist(), strict=True):
            last[names[tag_id]] = value
    assert last["cnc.coolant_flow"] == pytest.approx(25.0, abs=1.5)
    assert -100.0 < last["diecast.vacuum"] < 0.0  # int16 input register, scale 0.1
    assert last["cnc.state"] == 1.0
    # 0.2-s fast group and 0.5/1-s default groups: 51 + 21 + 21 + 11 + 11 polls in 10 s
    assert len(batches) == 115


def test_clean_line_raises_no_anomaly(config) -> None:
    result = harness.simulate(config, seed=1, scenario="none", duration_s=2400.0)
    assert [o.line() for o in result.onsets] == []


def test_bearing_wear_is_found_before_the_vibration_alarm(config) -> None:
    result = harness.simulate(
        config, seed=2, scenario="bearing_wear", duration_s=300.0, lead_s=LEAD_S, alarms=True
    )
    before = [o.line() for o in result.onsets if o.t < FAULT_START_S]
    assert before == []
    found = [o for o in result.onsets if o.device == "cnc" and o.t >= FAULT_START_S]
    assert found, "no anomaly on the CNC during bearing wear"
    vibration_alarm = next(t for t, alarm_id, _ in result.alarms if alarm_id.startswith("cnc.vib"))
    assert found[0].t < vibration_alarm
    assert "vibration" in found[0].message  # the tag (or the main contributor) is named
