"""SPC run rules: each Nelson rule fired by a crafted sequence, at the right point."""

from __future__ import annotations

import numpy as np
import pytest

from app.detectors.spc import NelsonRules

ALTERNATING = [0.5 if i % 2 == 0 else -0.5 for i in range(14)]
STRATIFIED = ([0.1, 0.2, -0.1, -0.2] * 4)[:15]
CASES = {
    1: ([0.0, 0.5, 3.5], 3),
    2: ([0.5] * 9, 9),
    3: ([0.0, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5], 7),
    4: (ALTERNATING, 14),
    5: ([2.5, 0.0, 2.5], 3),
    6: ([1.5, 1.5, 0.0, 1.5, 1.5], 5),
    7: (STRATIFIED, 15),
    8: ([1.5, 1.5, -1.5, -1.5] * 2, 8),
}


def fire(rules: NelsonRules, values: list[float]) -> tuple[int, int] | None:
    """(1-based index of the first firing point, rule number)."""
    for i, x in enumerate(values, start=1):
        if rules.update(x) == 1.0:
            return i, rules.fired
    return None


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_fires_on_its_pattern(rule: int) -> None:
    values, at = CASES[rule]
    checker = NelsonRules(center=0.0, sigma=1.0)
    assert fire(checker, values) == (at, rule)
    assert f"Nelson rule {rule}:" in checker.describe().render()
    # one point less and the rule has not fired yet
    assert fire(NelsonRules(center=0.0, sigma=1.0), values[:-1]) is None


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_disabled_rule_does_not_fire(rule: int) -> None:
    values, _ = CASES[rule]
    others = tuple(r for r in range(1, 9) if r != rule)
    assert fire(NelsonRules(rules=others, center=0.0, sigma=1.0), values) is None


def test_western_electric_run_of_eight() -> None:
    checker = NelsonRules(rules=(1, 2, 5, 6), center=0.0, sigma=1.0, run_length=8)
    assert fire(checker, [0.5] * 8) == (8, 2)


def test_limits_are_learned_from_the_warmup_with_the_moving_range() -> None:
    rng = np.random.default_rng(0)
    warmup = (10.0 + 2.0 * rng.normal(size=500)).tolist()
    checker = NelsonRules(rules=(1,), warmup=500)
    assert fire(checker, warmup) is None
    assert checker.ready
    assert checker.center == pytest.approx(10.0, abs=0.3)
    assert checker.sigma == pytest.approx(2.0, rel=0.1)
    assert fire(checker, [10.0, 12.0, 10.0 + 3.5 * checker.sigma]) == (3, 1)


def test_rule_one_side_and_distance_in_the_message() -> None:
    checker = NelsonRules(center=100.0, sigma=2.0)
    assert fire(checker, [100.0, 93.0]) == (2, 1)
    assert "-3.5σ" in checker.describe().render() and "centre 100" in checker.describe().render()
