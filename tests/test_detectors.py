"""Detectors on synthetic signals with known injected faults: found within a bounded delay,
and silent on clean noise."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.detectors.base import squash
from app.detectors.checks import FlatlineDetector, LimitCheck
from app.detectors.drift import DriftDetector
from app.detectors.likelihood import AnomalyLikelihood
from app.detectors.multivariate import PcaDetector, chi2_quantile
from app.detectors.robust import RobustDetector
from app.detectors.sequence import SequenceDetector

THRESHOLD = 0.5
START = 2000  # every fault starts here, well after the warm-up


def first_alarm(detector: object, values: np.ndarray, start: int = 0) -> int | None:
    """Index of the first sample at or after ``start`` scoring at the threshold."""
    update = detector.update  # type: ignore[attr-defined]
    for i, x in enumerate(values.tolist()):
        score = update(x)
        assert 0.0 <= score <= 1.0
        if i >= start and score >= THRESHOLD:
            return i
    return None


def noise(n: int = 4000, seed: int = 1, sigma: float = 1.0, mean: float = 50.0) -> np.ndarray:
    return mean + sigma * np.random.default_rng(seed).normal(size=n)


def assert_quiet_then_found(detector: object, signal: np.ndarray, max_delay: int) -> int:
    hit = first_alarm(detector, signal)
    assert hit is not None, "fault not detected"
    assert hit >= START, f"false alarm at sample {hit}, before the fault"
    assert hit - START <= max_delay, f"detected {hit - START} samples after the fault"
    return hit


def test_squash_maps_the_limit_to_one_half() -> None:
    assert squash(3.0, 3.0) == pytest.approx(0.5)
    assert squash(0.0, 3.0) == 0.0
    assert squash(300.0, 3.0) < 1.0
    assert squash(2.0, 3.0) < 0.5 < squash(4.0, 3.0)


def test_spike_is_detected_at_once_and_explained() -> None:
    signal = noise()
    signal[START] += 9.0
    detector = RobustDetector(baseline=1000, warmup=200)
    assert_quiet_then_found(detector, signal, max_delay=0)
    message = detector.describe().render()
    assert "above its 1000-sample baseline (spike)" in message
    assert message.startswith("9.") or message.startswith("8.")


def test_step_is_detected_within_a_few_samples() -> None:
    signal = noise()
    signal[START:] += 3.0  # 3 sigma: small for a spike test, plain for a step test
    detector = RobustDetector(baseline=1000, warmup=200)
    assert_quiet_then_found(detector, signal, max_delay=15)
    assert "step" in detector.describe().render() and "above" in detector.describe().render()


def test_variance_change_is_detected() -> None:
    signal = noise()
    rng = np.random.default_rng(7)
    signal[START:] = 50.0 + 3.5 * rng.normal(size=signal.size - START)
    detector = RobustDetector(baseline=1000, warmup=200, spike_sigma=50, step_sigma=50)
    assert_quiet_then_found(detector, signal, max_delay=60)
    assert "spread" in detector.describe().render()


def test_slow_drift_is_caught_by_cusum_not_by_the_adaptive_baseline() -> None:
    n = 12000
    signal = noise(n)
    signal[START:] += 0.002 * np.arange(n - START)  # 1 sigma after 500 samples
    drift = DriftDetector(reference=20000, warmup=300)
    hit = assert_quiet_then_found(drift, signal, max_delay=1500)
    assert "drifting upwards" in drift.describe().render()
    assert hit > START
    robust = RobustDetector(baseline=500, warmup=300)
    assert first_alarm(robust, signal[: hit + 1]) is None


def test_flatline_is_detected_after_the_configured_run() -> None:
    signal = noise()
    signal[START:] = signal[START]
    detector = FlatlineDetector(samples=50, warmup=300)
    hit = assert_quiet_then_found(detector, signal, max_delay=50)
    assert hit - START == 49  # the 50th identical sample
    assert "stuck at" in detector.describe().render()


def test_flatline_ignores_a_constant_set_point_and_quantised_signals() -> None:
    detector = FlatlineDetector(samples=20, warmup=100)
    assert first_alarm(detector, np.full(3000, 7.0)) is None
    quantised = np.round(noise(3000, sigma=0.3))  # long natural runs of one value
    detector = FlatlineDetector(samples=5, warmup=1000)
    assert first_alarm(detector, quantised) is None


def test_impossible_values() -> None:
    check = LimitCheck(low=0.0, high=100.0, max_step=10.0)
    assert check.update(50.0) == 0.0
    assert check.update(55.0) == 0.0
    assert check.update(70.0) == 1.0 and "jumped by +15" in check.describe().render()
    assert check.update(101.0) == 1.0
    assert "above the possible maximum 100" in check.describe().render()
    assert check.update(-1.0) == 1.0 and "below the possible minimum 0" in check.describe().render()
    assert check.update(float("nan")) == 1.0 and "not a number" in check.describe().render()


def correlated_rows(n: int, seed: int = 3) -> np.ndarray:
    """current, flow and pressure driven by one load, plus an independent temperature."""
    rng = np.random.default_rng(seed)
    load = rng.normal(size=n)
    current = 10 + 2.0 * load + 0.1 * rng.normal(size=n)
    flow = 100 + 15.0 * load + 0.8 * rng.normal(size=n)
    pressure = 5 - 0.5 * load + 0.05 * rng.normal(size=n)
    temperature = 60 + rng.normal(size=n)
    return np.column_stack([current, flow, pressure, temperature])


def test_correlation_break_is_found_and_attributed() -> None:
    rows = correlated_rows(4000)
    # Flow stops following the load: each tag alone stays within its normal range.
    rows[START:, 1] = 100 + 15.0 * np.random.default_rng(9).normal(size=4000 - START)
    pca = PcaDetector(["current", "flow", "pressure", "temperature"], warmup=500, baseline=2000)
    assert_quiet_then_found(pca, rows, max_delay=10)
    assert pca.dominant == "spe"
    top = pca.top_contributors()
    assert top[0][0] == "flow" and top[0][1] > 0.4
    assert "contributors: flow" in pca.describe().render()
    # the break is invisible to a univariate detector on flow alone
    assert first_alarm(RobustDetector(baseline=2000, warmup=500), rows[:, 1]) is None


def test_joint_shift_is_a_t2_anomaly() -> None:
    rows = correlated_rows(4000)
    rows[START:, 0] += 2.0 * 6.0
    rows[START:, 1] += 15.0 * 6.0
    rows[START:, 2] -= 0.5 * 6.0
    pca = PcaDetector(["current", "flow", "pressure", "temperature"], warmup=500, baseline=2000)
    assert_quiet_then_found(pca, rows, max_delay=5)
    assert pca.dominant == "t2"
    assert {name for name, _ in pca.top_contributors()} <= {"current", "flow", "pressure"}


def test_chi2_quantile_is_close_to_tables() -> None:
    assert chi2_quantile(0.99, 1) == pytest.approx(6.635, rel=0.03)
    assert chi2_quantile(0.99, 5) == pytest.approx(15.086, rel=0.01)
    assert chi2_quantile(0.999, 10) == pytest.approx(29.588, rel=0.01)


def test_sequence_detector_finds_a_new_pattern_and_stays_quiet_on_a_repeated_one() -> None:
    t = np.arange(6000)
    signal = np.sin(2 * np.pi * t / 100) + 0.05 * np.random.default_rng(4).normal(size=t.size)
    quiet = SequenceDetector()
    assert first_alarm(quiet, signal, start=1000) is None
    signal[4000:4100] = signal[4000]  # the rhythm stops
    detector = SequenceDetector()
    hit = first_alarm(detector, signal, start=1000)
    assert hit is not None and 4000 <= hit <= 4030


@pytest.mark.parametrize("red_tail", [1e-5, 3e-6])
def test_likelihood_scores_half_at_its_red_tail_and_one_red_per_burst(red_tail: float) -> None:
    likelihood = AnomalyLikelihood(short=1, learn=100, red_hold=50, red_tail=red_tail)
    rng = np.random.default_rng(3)
    for raw in (0.1 + 0.01 * rng.normal(size=500)).tolist():
        assert likelihood.update(raw) < 0.5
    burst = [likelihood.update(0.5) for _ in range(5)]
    assert burst[0] >= 0.5 and likelihood.tail <= 1e-3  # red, then yellow
    assert all(score < 0.5 for score in burst[1:])
    # The score is the log of the tail, scaled so that the red tail gives exactly 0.5.
    quiet = AnomalyLikelihood(short=1, learn=10, red_tail=red_tail)
    for _ in range(20):
        quiet.update(0.0)
    z = 4.0
    score = quiet.update(z * quiet.min_spread)
    assert score == pytest.approx(np.log(quiet.tail) / (2 * np.log(red_tail)))


def test_sequence_detector_gives_one_alarm_when_two_views_see_one_burst() -> None:
    t = np.arange(4000)
    signal = np.sin(2 * np.pi * t / 50) + 0.05 * np.random.default_rng(6).normal(size=t.size)
    signal[3000:3040] += 2.0  # a level the signal never had: range, value and shape all see it
    detector = SequenceDetector()
    scores = np.array([detector.update(x) for x in signal.tolist()])
    alarms = np.flatnonzero(scores[1000:] >= 0.5) + 1000
    assert alarms.size >= 1 and 3000 <= alarms[0] <= 3005
    assert np.all(np.diff(alarms) >= detector.hold)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RobustDetector(baseline=3600, warmup=300),
        lambda: DriftDetector(reference=36000, warmup=300),
        lambda: FlatlineDetector(samples=300, warmup=300),
    ],
    ids=["robust", "drift", "flatline"],
)
def test_no_alarm_on_100k_samples_of_clean_noise(make: object) -> None:
    detector = make()  # type: ignore[operator]
    assert first_alarm(detector, noise(100_000, seed=11)) is None


def test_no_alarm_on_correlated_clean_rows() -> None:
    pca = PcaDetector(["a", "b", "c", "d"], warmup=500, baseline=3600)
    assert first_alarm(pca, correlated_rows(30_000, seed=5)) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: RobustDetector(baseline=500, warmup=100),
        lambda: DriftDetector(reference=500, warmup=100),
        lambda: FlatlineDetector(samples=30, warmup=100),
        lambda: SequenceDetector(),
    ],
    ids=["robust", "drift", "flatline", "sequence"],
)
def test_state_round_trip_through_json_continues_identically(make: object) -> None:
    signal = noise(3000, seed=2)
    signal[2500] += 10
    signal[2700:] = signal[2700]
    original = make()  # type: ignore[operator]
    for x in signal[:1500].tolist():
        original.update(x)
    copy = make()  # type: ignore[operator]
    copy.restore(json.loads(json.dumps(original.state())))
    a = [original.update(x) for x in signal[1500:].tolist()]
    b = [copy.update(x) for x in signal[1500:].tolist()]
    assert a == pytest.approx(b)
    assert max(a) > 0  # the comparison covers real scores


def test_pca_state_round_trip() -> None:
    rows = correlated_rows(3000)
    rows[2500:, 1] += 40
    original = PcaDetector(["a", "b", "c", "d"], warmup=500, baseline=1000)
    for row in rows[:1500]:
        original.update(row)
    copy = PcaDetector(["a", "b", "c", "d"], warmup=500, baseline=1000)
    copy.restore(json.loads(json.dumps(original.state())))
    a = [original.update(row) for row in rows[1500:]]
    b = [copy.update(row) for row in rows[1500:]]
    assert a == pytest.approx(b, abs=1e-6)
    assert max(a) >= THRESHOLD
    other = PcaDetector(["a", "b", "x", "d"])
    with pytest.raises(ValueError, match="different tags"):
        other.restore(original.state())


def test_reset_relearns_a_new_normal() -> None:
    detector = RobustDetector(baseline=1000, warmup=200)
    first_alarm(detector, noise(1000))
    assert first_alarm(detector, noise(300, mean=80.0)) is not None  # a new level: a step
    detector.reset()
    assert first_alarm(detector, noise(3000, mean=80.0, seed=8)) is None
