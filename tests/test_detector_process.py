"""The process monitor (issue 14): learns a machine's normal region from a few hundred rows,
finds broken correlations and unseen combinations, names the tags behind them, follows slow
drift of the operating point without learning a fault as normal, and survives a restart."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.detectors.latch import ONSET, Latch
from app.detectors.process import ProcessDetector
from app.detectors.registry import PROCESS_CLEAR_ROWS, PROCESS_MIN_ROWS

TAGS = ["current", "flow", "pressure", "temperature", "vibration"]


def pump(rows: int, seed: int) -> np.ndarray:
    """A pump: load drives current, flow and pressure; temperature lags; vibration is noise."""
    rng = np.random.default_rng(seed)
    load = rng.normal(scale=0.5, size=rows)
    return np.column_stack(
        [
            10 + 2 * load + 0.1 * rng.normal(size=rows),
            100 + 15 * load + 0.8 * rng.normal(size=rows),
            4 + 0.3 * load + 0.02 * rng.normal(size=rows),
            60 + 0.2 * rng.normal(size=rows),
            1 + 0.05 * rng.normal(size=rows),
        ]
    )


def onsets(scores: np.ndarray) -> list[int]:
    """Rows where an episode starts, with the episode settings ``shopfloor detect`` uses."""
    latch = Latch(0.5, clear_samples=PROCESS_CLEAR_ROWS, min_samples=PROCESS_MIN_ROWS)
    return [i for i, s in enumerate(scores.tolist()) if latch.step(s) == ONSET]


def test_learning_state_then_silent_on_normal_rows() -> None:
    detector = ProcessDetector(TAGS, warmup=300)
    data = pump(3000, seed=1)
    assert detector.learning and not detector.ready
    scores = detector.update_block(data[:299])
    assert not scores.any() and detector.learning
    assert detector.describe().render() == (
        "learning the normal operating region (299 of 300 rows)"
    )
    detector.update(data[299])
    assert detector.ready
    scores = detector.update_block(data[300:])
    assert (scores >= 0.5).mean() < 0.02  # a few single rows ...
    assert onsets(scores) == []  # ... but no alarm


def test_broken_correlation_is_found_and_explained() -> None:
    data = pump(1200, seed=2)
    rng = np.random.default_rng(3)
    data[800:, 1] = 100 + 7.5 * rng.normal(size=400)  # flow no longer follows the load
    detector = ProcessDetector(TAGS, warmup=400)
    scores = detector.update_block(data)
    [onset] = onsets(scores)
    assert 802 <= onset <= 815  # confirmed on its third row at the earliest
    assert (scores[800:] >= 0.5).mean() > 0.9
    detector.update(data[-1])
    top = [name for name, _ in detector.top_contributors()]
    assert top[0] == "flow"
    assert "flow" in detector.describe().render()


def test_two_operating_modes_are_both_normal_but_a_mix_is_not() -> None:
    """A machine that alternates between two set-points (a cycle) is normal in both; a row that
    mixes the two (high current at the low flow) was never seen."""
    rng = np.random.default_rng(4)
    mode = (np.arange(2000) // 30) % 2
    current = np.where(mode, 20.0, 5.0) + 0.2 * rng.normal(size=2000)
    flow = np.where(mode, 200.0, 50.0) + 2.0 * rng.normal(size=2000)
    temp = 40 + 0.3 * rng.normal(size=2000)
    data = np.column_stack([current, flow, temp])
    data[1500:1520, 0] = 20.0 + 0.2 * rng.normal(size=20)  # high current ...
    data[1500:1520, 1] = 50.0 + 2.0 * rng.normal(size=20)  # ... at the low flow
    detector = ProcessDetector(["current", "flow", "temp"], warmup=400)
    scores = detector.update_block(data[:1520])
    assert {"current", "flow"} & {name for name, _ in detector.top_contributors()}
    scores = np.concatenate([scores, detector.update_block(data[1520:])])
    assert onsets(scores) == [1502]
    assert (scores[1500:1520] >= 0.5).all()


def test_slow_drift_is_followed_but_a_fault_is_not_learned() -> None:
    data = pump(6000, seed=5)
    data[:, 3] += np.linspace(0.0, 2.0, 6000)  # temperature creeps up 10 sigma in 6000 rows
    detector = ProcessDetector(TAGS, warmup=400)
    scores = detector.update_block(data[:4000])
    assert onsets(scores) == []
    data[4000:, 2] += 0.3  # pressure steps up without the load: a leak downstream
    scores = detector.update_block(data[4000:])
    assert (scores >= 0.5).mean() > 0.95  # flagged from the step to the end: never absorbed
    assert len(onsets(scores)) == 1


def test_block_and_row_by_row_give_the_same_scores() -> None:
    data = pump(1500, seed=6)
    data[1000:, 0] += 1.0
    whole = ProcessDetector(TAGS, warmup=300)
    single = ProcessDetector(TAGS, warmup=300)
    blocks = np.concatenate([whole.update_block(data[i : i + 97]) for i in range(0, 1500, 97)])
    rows = np.array([single.update(r) for r in data])
    np.testing.assert_allclose(blocks, rows, rtol=1e-9, atol=1e-12)


def test_state_survives_a_restart() -> None:
    data = pump(2000, seed=7)
    data[1500:, 1] += 5.0
    first = ProcessDetector(TAGS, warmup=300)
    first.update_block(data[:1100])
    saved = json.loads(json.dumps(first.state()))
    second = ProcessDetector(TAGS, warmup=300)
    second.restore(saved)
    np.testing.assert_allclose(
        second.update_block(data[1100:]), first.update_block(data[1100:]), rtol=1e-9, atol=1e-12
    )
    with pytest.raises(ValueError, match="different tags"):
        ProcessDetector(["a", "b"]).restore(saved)


def test_a_tag_constant_while_learning_does_not_divide_by_zero() -> None:
    data = pump(800, seed=8)
    data[:, 4] = 1.0  # a switch that never moved
    detector = ProcessDetector(TAGS, warmup=300)
    scores = detector.update_block(data)
    assert np.isfinite(scores).all() and onsets(scores) == []
    assert detector.update([*data[-1, :4], 2.0]) >= 0.5  # and when it moves, it is news


def test_a_long_learning_period_is_thinned_to_a_bounded_reference() -> None:
    data = pump(7000, seed=9)
    detector = ProcessDetector(TAGS, warmup=6000)
    scores = detector.update_block(data)
    assert detector.ready and len(detector.reference) == 2000
    assert not scores[:6000].any() and onsets(scores) == []
