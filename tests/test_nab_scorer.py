"""The NAB scorer on tiny hand-made cases: perfect = 100, null = 0, and NAB's weights."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.nab_corpus import require_corpus

_PATH = Path(__file__).parent / "bench" / "nab_scorer.py"
_spec = importlib.util.spec_from_file_location("nab_scorer", _PATH)
assert _spec is not None and _spec.loader is not None
nab = importlib.util.module_from_spec(_spec)
sys.modules["nab_scorer"] = nab
_spec.loader.exec_module(nab)

STANDARD, LOW_FP, LOW_FN = nab.PROFILES
SIG_1 = 2.0 / (1.0 + np.exp(-5.0)) - 1.0  # sigma(-1)


def corpus(*files: tuple[int, tuple[tuple[int, int], ...], np.ndarray]) -> dict:
    return {
        f"f{i}": (nab.row_weights(nab.FileLayout(rows, windows)), scores)
        for i, (rows, windows, scores) in enumerate(files)
    }


def test_sigmoid_matches_published_formula() -> None:
    assert float(nab.scaled_sigmoid(0.0)) == pytest.approx(0.0)
    assert float(nab.scaled_sigmoid(-1.0)) == pytest.approx(SIG_1)
    assert float(nab.scaled_sigmoid(1.0)) == pytest.approx(2 / (1 + np.exp(5)) - 1)
    assert float(nab.scaled_sigmoid(3.5)) == -1.0


def test_probation_is_fifteen_percent_capped_at_750() -> None:
    assert nab.probation_length(1000) == 150
    assert nab.probation_length(4032) == 604
    assert nab.probation_length(20000) == 750


def test_perfect_detector_scores_100_and_null_scores_0() -> None:
    perfect = np.zeros(1000)
    perfect[[400, 700]] = 1.0
    files = corpus((1000, ((400, 449), (700, 749)), perfect), (1000, (), np.zeros(1000)))
    for profile in nab.PROFILES:
        result = nab.score_corpus(files, profile)
        assert result.normalised == pytest.approx(100.0)
        assert (result.tp, result.fp, result.fn) == (2, 0, 0)
    null = corpus((1000, ((400, 449), (700, 749)), np.zeros(1000)))
    for profile in nab.PROFILES:
        result = nab.score_corpus(null, profile)
        assert result.normalised == pytest.approx(0.0)
        assert result.fn == 2


def test_late_detection_is_worth_less_and_only_the_best_counts() -> None:
    scores = np.zeros(1000)
    scores[[425, 430, 440]] = 1.0  # middle of window (400..449): y = -0.5 for row 425
    result = nab.score_corpus(corpus((1000, ((400, 449),), scores)), STANDARD)
    y = -(449 - 425 + 1) / 50
    expected = (2 / (1 + np.exp(5 * y)) - 1) / SIG_1
    assert result.raw == pytest.approx(expected)
    assert (result.tp, result.fp) == (1, 0)


def test_false_positives_cost_per_row_and_less_just_after_a_window() -> None:
    scores = np.zeros(1000)
    scores[200] = 1.0  # before any window: full penalty
    scores[455] = 1.0  # just after window 400..449: small penalty
    result = nab.score_at_threshold(corpus((1000, ((400, 449),), scores)), STANDARD, 0.5)
    after = 2 / (1 + np.exp(5 * (455 - 449) / 49)) - 1
    assert result == pytest.approx(-1.0 + 0.11 * (-1.0 + after))
    # the sweep prefers no detection at all here: the FPs cost, there is no TP to gain
    best = nab.score_corpus(corpus((1000, ((400, 449),), scores)), STANDARD)
    assert best.raw == pytest.approx(-1.0)


def test_probation_rows_are_ignored() -> None:
    scores = np.zeros(1000)
    scores[:150] = 1.0  # every probation row fires
    scores[400] = 1.0
    result = nab.score_corpus(corpus((1000, ((400, 449),), scores)), LOW_FP)
    assert result.normalised == pytest.approx(100.0)


def test_threshold_sweep_agrees_with_direct_scoring() -> None:
    rng = np.random.default_rng(3)
    files = corpus(
        (800, ((300, 339), (600, 639)), rng.random(800)),
        (900, ((500, 544),), rng.random(900)),
        (700, (), rng.random(700)),
    )
    for profile in nab.PROFILES:
        best = nab.score_corpus(files, profile)
        assert nab.score_at_threshold(files, profile, best.threshold) == pytest.approx(best.raw)
        for threshold in np.linspace(0.0, 1.0, 41):
            assert nab.score_at_threshold(files, profile, threshold) <= best.raw + 1e-9


def test_profiles_file_matches_builtin_weights() -> None:
    path = require_corpus() / "config" / "profiles.json"
    assert nab.load_profiles(path) == nab.PROFILES


def test_layout_from_timestamps_finds_rows() -> None:
    stamps = [f"2020-01-01 00:{m:02d}:00" for m in range(60)]
    layout = nab.layout_from_timestamps(
        stamps, [["2020-01-01 00:10:00.000000", "2020-01-01 00:19:00.000000"]]
    )
    assert layout == nab.FileLayout(60, ((10, 19),))
