"""SPC and capability math against published figures: the control-chart constants table, the
NIST/SEMATECH e-Handbook's worked examples (6.3.2.2 individuals chart, 6.3.3.2 p chart, 6.3.3.1
c chart, 6.1.6 capability), each Nelson rule on a run that fires it and one that just misses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.quality import spc
from app.quality.stats import chi2_ppf, normal_ppf

# Factors for control charts (ASTM; as printed in the NIST/SEMATECH e-Handbook 6.3.2 and in
# Montgomery's Appendix table): n, A2, A3, c4, B3, B4, d2, D3, D4.
TABLE = [
    (2, 1.880, 2.659, 0.7979, 0.000, 3.267, 1.128, 0.000, 3.267),
    (3, 1.023, 1.954, 0.8862, 0.000, 2.568, 1.693, 0.000, 2.574),
    (4, 0.729, 1.628, 0.9213, 0.000, 2.266, 2.059, 0.000, 2.282),
    (5, 0.577, 1.427, 0.9400, 0.000, 2.089, 2.326, 0.000, 2.114),
    (6, 0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0.000, 2.004),
    (7, 0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.076, 1.924),
    (8, 0.373, 1.099, 0.9650, 0.185, 1.815, 2.847, 0.136, 1.864),
    (9, 0.337, 1.032, 0.9693, 0.239, 1.761, 2.970, 0.184, 1.816),
    (10, 0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.223, 1.777),
    (15, 0.223, 0.789, 0.9823, 0.428, 1.572, 3.472, 0.347, 1.653),
    (20, 0.180, 0.680, 0.9869, 0.510, 1.490, 3.735, 0.415, 1.585),
    (25, 0.153, 0.606, 0.9896, 0.565, 1.435, 3.931, 0.459, 1.541),
]


@pytest.mark.parametrize("row", TABLE, ids=[f"n={r[0]}" for r in TABLE])
def test_control_chart_constants_match_the_table(row: tuple[float, ...]) -> None:
    n, a2, a3, c4, b3, b4, d2, d3, d4 = row
    k = spc.constants(int(n))
    assert pytest.approx(a2, abs=0.0006) == k.A2
    assert pytest.approx(a3, abs=0.0006) == k.A3
    assert k.c4 == pytest.approx(c4, abs=0.00006)
    assert pytest.approx(b3, abs=0.0006) == k.B3
    assert pytest.approx(b4, abs=0.0006) == k.B4
    assert k.d2 == pytest.approx(d2, abs=0.0005)
    assert pytest.approx(d3, abs=0.0006) == k.D3
    assert pytest.approx(d4, abs=0.0006) == k.D4


def test_subgroup_size_outside_the_table_is_refused() -> None:
    for n in (1, 26):
        with pytest.raises(ValueError, match="subgroup size"):
            spc.constants(n)


def test_nist_individuals_chart_example() -> None:
    """e-Handbook 6.3.2.2: ten batches; MR̄ = 1.8778, limits 45.82 .. 55.80, UCL(MR) 6.13."""
    x = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    chart = spc.individuals(x)
    assert chart.location.center[0] == pytest.approx(50.81)
    assert chart.dispersion.center[0] == pytest.approx(1.8778, abs=5e-5)
    assert chart.location.ucl[0] == pytest.approx(55.80, abs=0.005)
    assert chart.location.lcl[0] == pytest.approx(45.82, abs=0.005)
    assert chart.dispersion.ucl[0] == pytest.approx(6.13, abs=0.005)
    assert chart.dispersion.lcl[0] == 0.0
    assert not chart.location.out_of_control.any()


def test_nist_p_chart_example() -> None:
    """e-Handbook 6.3.3.2: 30 wafers of 50 chips; p̄ = 0.2313, limits 0.0524 .. 0.4102."""
    defective = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip
    chart = spc.p_chart(defective, [50] * 30)
    assert chart.center[0] == pytest.approx(0.2313, abs=5e-5)
    assert chart.ucl[0] == pytest.approx(0.4102, abs=5e-5)
    assert chart.lcl[0] == pytest.approx(0.0524, abs=5e-5)
    assert np.flatnonzero(chart.violations[1]).tolist() == [14, 22]  # 22/50 and 24/50


def test_nist_c_chart_limits() -> None:
    """e-Handbook 6.3.3.1: c̄ = 16 defects per wafer gives limits 4 .. 28."""
    chart = spc.c_chart([16, 30, 3, 16], c_bar=16.0)
    assert (chart.ucl[0], chart.lcl[0]) == (28.0, 4.0)
    assert chart.violations[1].tolist() == [False, True, True, False]


def test_p_chart_limits_vary_with_subgroup_size() -> None:
    d = [5, 10, 20, 9]
    n = [50, 100, 200, 25]
    chart = spc.p_chart(d, n, baseline=slice(0, 3))
    p_bar = 35 / 350
    assert chart.center[0] == pytest.approx(p_bar)
    expected_ucl = [p_bar + 3 * math.sqrt(p_bar * (1 - p_bar) / size) for size in n]
    assert chart.ucl == pytest.approx(expected_ucl)
    assert chart.lcl[0] == 0.0  # 0.1 - 3*0.0424 < 0
    assert chart.lcl[2] == pytest.approx(p_bar - 3 * math.sqrt(p_bar * (1 - p_bar) / 200))
    # 9/25 = 0.36 is beyond its own (wide) limit; the same 0.36 in a subgroup of 50 is too.
    assert chart.violations[1].tolist() == [False, False, False, True]


def test_u_and_np_charts() -> None:
    u = spc.u_chart([4, 12, 3], [2.0, 4.0, 1.0], u_bar=2.0)
    assert u.values.tolist() == [2.0, 3.0, 3.0]
    assert u.ucl == pytest.approx(
        [2 + 3 * math.sqrt(2 / 2), 2 + 3 * math.sqrt(2 / 4), 2 + 3 * math.sqrt(2)]
    )
    np_ = spc.np_chart([2, 3, 9], size=50, p_bar=0.05)
    assert np_.center[0] == pytest.approx(2.5)
    assert np_.ucl[0] == pytest.approx(2.5 + 3 * math.sqrt(50 * 0.05 * 0.95))
    assert np_.violations[1].tolist() == [False, False, True]


def test_xbar_r_and_s_limits_from_a_baseline_flag_a_later_shift() -> None:
    rng = np.random.default_rng(4)
    data = rng.normal(10.0, 1.0, size=(40, 5))
    data[30:] += 2.0  # a shift after the baseline period
    r = spc.xbar_r(data, baseline=slice(0, 30))
    base = data[:30]
    grand, r_bar = base.mean(axis=1).mean(), np.ptp(base, axis=1).mean()
    assert r.location.ucl[0] == pytest.approx(grand + 0.577 * r_bar, rel=1e-3)
    assert r.location.lcl[0] == pytest.approx(grand - 0.577 * r_bar, rel=1e-3)
    assert r.dispersion.ucl[0] == pytest.approx(2.114 * r_bar, rel=1e-3)
    assert r.sigma_within == pytest.approx(r_bar / 2.326, rel=1e-3)
    assert r.location.out_of_control[30:].any()
    s = spc.xbar_s(data, baseline=slice(0, 30))
    s_bar = base.std(axis=1, ddof=1).mean()
    assert s.location.ucl[0] == pytest.approx(grand + 1.427 * s_bar, rel=1e-3)
    assert s.dispersion.ucl[0] == pytest.approx(2.089 * s_bar, rel=1e-3)
    assert s.dispersion.lcl[0] == 0.0
    assert s.location.out_of_control[30:].any()
    assert s.location.center[0] == pytest.approx(grand)


# -- Nelson rules: each on a sequence that fires it and on one that just misses it. Values are
# in sigma units around 0; the last point completes the pattern.

ZIGZAG = [(-1) ** i * 0.5 for i in range(14)]

CASES: list[tuple[int, list[float], list[float]]] = [
    (1, [0.0, 3.01], [0.0, 2.99]),
    (2, [0.5] * 9, [0.5] * 8 + [-0.5]),
    (3, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 0.1, 0.2, 0.3, 0.4, 0.4]),
    (4, ZIGZAG, [*ZIGZAG[:13], ZIGZAG[12]]),
    (5, [2.1, 0.0, 2.1], [2.1, 0.0, -2.1]),
    (6, [1.1, 1.1, 0.0, 1.1, 1.1], [1.1, 1.1, 0.0, 0.9, 1.1]),
    (7, [0.5, -0.5, 0.2] * 5, [0.5, -0.5, 0.2] * 4 + [0.5, -0.5, 1.2]),
    (8, [1.5, -1.5] * 4, [1.5, -1.5] * 3 + [1.5, -0.5]),
]


@pytest.mark.parametrize(("rule", "fires", "misses"), CASES, ids=[f"rule{c[0]}" for c in CASES])
def test_each_nelson_rule_fires_and_just_misses(
    rule: int, fires: list[float], misses: list[float]
) -> None:
    hit = spc.nelson_rules(fires, 0.0, 1.0)
    assert hit[rule][-1], f"rule {rule} should fire on {fires}"
    assert not hit[rule][:-1].any(), f"rule {rule} fired early"
    miss = spc.nelson_rules(misses, 0.0, 1.0)
    assert not miss[rule].any(), f"rule {rule} should not fire on {misses}"


def test_rule_two_run_can_be_the_western_electric_eight() -> None:
    assert spc.nelson_rules([0.5] * 8, 0.0, 1.0, side_run=8)[2][-1]
    assert not spc.nelson_rules([0.5] * 8, 0.0, 1.0)[2].any()


def test_rules_use_per_point_limits_and_skip_missing_points() -> None:
    sigma = np.array([1.0, 0.5])
    assert spc.nelson_rules([0.0, 1.6], 0.0, sigma)[1].tolist() == [False, True]
    runs = spc.nelson_rules([0.5] * 5 + [math.nan] + [0.5] * 5, 0.0, 1.0)
    assert not runs[2].any()


# -- capability -------------------------------------------------------------------------------


def test_nist_capability_example() -> None:
    """e-Handbook 6.1.6: USL 20, LSL 8, mean 16, sigma 2: Cp = 1.0, Cpk = 0.6667."""
    cp, cpk = spc.cp_cpk(16.0, 2.0, lsl=8.0, usl=20.0)
    assert cp == pytest.approx(1.0)
    assert cpk == pytest.approx(0.6667, abs=5e-5)
    assert math.isnan(spc.cp_cpk(16.0, 2.0, lsl=None, usl=20.0)[0])


def test_distribution_quantiles_match_tables() -> None:
    assert normal_ppf(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert normal_ppf(0.001) == pytest.approx(-3.090232, abs=1e-6)
    assert chi2_ppf(0.025, 29) == pytest.approx(16.047, abs=5e-4)
    assert chi2_ppf(0.975, 29) == pytest.approx(45.722, abs=5e-4)
    assert chi2_ppf(0.95, 1) == pytest.approx(3.841, abs=5e-4)


def test_capability_indices_and_intervals() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(0.5, 1.0, size=200)
    cap = spc.capability(x, lsl=-3.0, usl=3.0, sigma_within=1.0)
    assert cap.cp.value == pytest.approx(1.0)
    assert cap.cpk.value == pytest.approx((3 - x.mean()) / 3)
    assert cap.pp.value == pytest.approx(6 / (6 * x.std(ddof=1)))
    low = cap.cp.value * math.sqrt(chi2_ppf(0.025, 199) / 199)
    assert cap.cp.low == pytest.approx(low)
    assert cap.cp.low < cap.cp.value < cap.cp.high
    assert cap.ppk.low < cap.ppk.value < cap.ppk.high
    one_sided = spc.capability(x, lsl=None, usl=3.0)
    assert math.isnan(one_sided.cp.value) and one_sided.cpk.value > 0


def test_confidence_intervals_cover_the_true_value_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2026)
    samples = rng.normal(0.5, 1.0, size=(2000, 30))
    cover_pp = cover_ppk = 0
    for x in samples:
        cap = spc.capability(x, lsl=-3.0, usl=3.0)
        cover_pp += cap.pp.low <= 1.0 <= cap.pp.high
        cover_ppk += cap.ppk.low <= 2.5 / 3 <= cap.ppk.high
    assert 0.935 <= cover_pp / 2000 <= 0.965
    assert 0.93 <= cover_ppk / 2000 <= 0.97


def test_histogram_spans_the_spec_limits() -> None:
    h = spc.histogram([4.85, 4.851, 4.852, 4.80], lsl=4.835, usl=4.9, bins=10)
    assert h.edges[0] == pytest.approx(4.80) and h.edges[-1] == pytest.approx(4.9)
    assert h.counts.sum() == 4 and h.below_lsl == 1 and h.above_usl == 0


def test_a_p_chart_whose_baseline_had_no_rejects_flags_the_first_one() -> None:
    chart = spc.p_chart([0, 0, 0, 0, 1], [10] * 5, baseline=slice(0, 4))
    assert chart.center[0] == 0.0 and chart.ucl[0] == 0.0
    assert chart.violations[1].tolist() == [False] * 4 + [True]
    assert not chart.violations[7].any()  # on the centre is not "within 1 sigma" of nothing
