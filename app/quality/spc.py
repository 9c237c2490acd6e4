"""Statistical process control and capability, in numpy: charts for the quality screens.

Variables charts: I-MR (individuals), X̄-R and X̄-S (rational subgroups of equal size); limits
come from a chosen baseline (the points the process was known to be in control), and every
point is judged against them by the Nelson rules 1-8 (the Western Electric rules are 1, 2 with
a run of 8, 5 and 6). Attributes charts: p and u with varying subgroup sizes (limits per point),
np and c. Capability: Cp, Cpk (within-subgroup sigma), Pp, Ppk (overall sigma), with confidence
intervals (chi-square for Cp/Pp, Bissell's normal approximation for Cpk/Ppk).

References: NIST/SEMATECH e-Handbook of Statistical Methods, 6.3.2 (variables charts), 6.3.3
(attributes charts), 6.1.6 (capability); Nelson, L. S. (1984) "The Shewhart control chart:
tests for special causes", JQT 16(4). This is not the streaming detector of
:mod:`app.detectors.spc`, which watches live samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from app.quality.stats import chi2_ppf, normal_ppf

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MAX_SUBGROUP = 25
_GRID = np.linspace(-8.0, 8.0, 1601)


@lru_cache(maxsize=MAX_SUBGROUP)
def range_moments(n: int) -> tuple[float, float]:
    """d2 and d3: mean and standard deviation of the range R of ``n`` standard normal values,
    integrated numerically: P(R <= r) = n ∫ f(x) (F(x+r) - F(x))^(n-1) dx, then
    E[R] = ∫ P(R > r) dr and E[R²] = ∫ 2r P(R > r) dr (smooth integrands, so the trapezoid
    rule on a 0.01 grid agrees with the tables to 4 decimals)."""
    x = _GRID
    step = float(x[1] - x[0])
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    pdf = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    r = x - x[0]  # 0 .. 16 on the same step, so F(x + r) is a shifted index
    shifted = np.arange(x.size)[:, None] + np.arange(r.size)[None, :]
    upper = np.where(shifted < x.size, cdf[np.minimum(shifted, x.size - 1)], 1.0)
    within = n * np.trapezoid(pdf[:, None] * (upper - cdf[:, None]) ** (n - 1), dx=step, axis=0)
    beyond = 1.0 - within
    d2 = float(np.trapezoid(beyond, dx=step))
    second = float(np.trapezoid(2 * r * beyond, dx=step))
    return d2, math.sqrt(max(0.0, second - d2 * d2))


@dataclass(frozen=True, slots=True)
class Constants:
    """Control-chart constants of subgroup size ``n`` (3-sigma limits)."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    A3: float
    B3: float
    B4: float
    D3: float
    D4: float


def c4(n: int) -> float:
    """E[s]/sigma for samples of ``n`` normal values (exact, from the gamma function)."""
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def constants(n: int) -> Constants:
    """The constants of subgroup size ``n`` (2 to 25)."""
    if not 2 <= n <= MAX_SUBGROUP:
        raise ValueError(f"subgroup size must be 2 to {MAX_SUBGROUP}, not {n}")
    (d2, d3), cc = range_moments(n), c4(n)
    spread = 3 * math.sqrt(1 - cc * cc) / cc
    return Constants(
        n=n,
        d2=d2,
        d3=d3,
        c4=cc,
        A2=3 / (d2 * math.sqrt(n)),
        A3=3 / (cc * math.sqrt(n)),
        B3=max(0.0, 1 - spread),
        B4=1 + spread,
        D3=max(0.0, 1 - 3 * d3 / d2),
        D4=1 + 3 * d3 / d2,
    )


# -- Nelson rules -------------------------------------------------------------------------------

RULES = {
    1: "one point beyond 3σ",
    2: "9 points in a row on one side of the centre line",
    3: "6 points in a row steadily rising or falling",
    4: "14 points in a row alternating up and down",
    5: "2 of 3 points beyond 2σ on the same side",
    6: "4 of 5 points beyond 1σ on the same side",
    7: "15 points in a row within 1σ",
    8: "8 points in a row beyond 1σ, on either side",
}


def _run_length(mask: BoolArray) -> NDArray[np.int64]:
    """For each index, how many consecutive True values end there."""
    mask = np.asarray(mask, dtype=bool)
    n = mask.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(1, n + 1)
    last_false = np.maximum.accumulate(np.where(~mask, idx, 0))
    return (idx - last_false).astype(np.int64)


def _window_count(mask: BoolArray, width: int) -> NDArray[np.int64]:
    """How many True values among the last ``width`` points ending at each index."""
    c = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    n = mask.size
    start = np.maximum(np.arange(1, n + 1) - width, 0)
    return c[1:] - c[start]


def nelson_rules(
    values: ArrayLike, center: ArrayLike, sigma: ArrayLike, side_run: int = 9
) -> dict[int, BoolArray]:
    """Which points complete a run that breaks each Nelson rule (the point where it fires).

    ``center`` and ``sigma`` may be per point (limits that vary with the subgroup size).
    ``side_run`` is rule 2's run (9 by Nelson, 8 by Western Electric). NaN points break runs.
    """
    x = np.asarray(values, dtype=np.float64)
    c = np.broadcast_to(np.asarray(center, dtype=np.float64), x.shape)
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), x.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Zero sigma (a p chart whose baseline had no rejects): on the centre is z = 0,
        # anything else is infinitely far out.
        off = np.where(x == c, 0.0, np.sign(x - c) * np.inf)
        z = np.where(s > 0, (x - c) / np.where(s > 0, s, 1.0), off)
    z = np.where(np.isnan(x), np.nan, z)
    finite = ~np.isnan(z)  # infinite z is a real point, beyond every limit
    n = z.size
    out: dict[int, BoolArray] = {}
    out[1] = finite & (np.abs(z) > 3)
    above, below = finite & (z > 0), finite & (z < 0)
    out[2] = (_run_length(above) >= side_run) | (_run_length(below) >= side_run)
    with np.errstate(invalid="ignore"):
        diff = np.diff(z) if n > 1 else np.zeros(0)
    rising = np.concatenate([[False], np.isfinite(diff) & (diff > 0)])
    falling = np.concatenate([[False], np.isfinite(diff) & (diff < 0)])
    out[3] = (_run_length(rising) >= 5) | (_run_length(falling) >= 5)
    sign = np.sign(diff)
    alternate = (
        np.concatenate([[False, False], (sign[1:] * sign[:-1]) < 0])
        if n > 2
        else (np.zeros(n, dtype=bool))
    )
    out[4] = _run_length(alternate[:n]) >= 12
    out[5] = (_window_count(finite & (z > 2), 3) >= 2) & (finite & (z > 2)) | (
        (_window_count(finite & (z < -2), 3) >= 2) & (finite & (z < -2))
    )
    out[6] = (_window_count(finite & (z > 1), 5) >= 4) & (finite & (z > 1)) | (
        (_window_count(finite & (z < -1), 5) >= 4) & (finite & (z < -1))
    )
    out[7] = _run_length(finite & (np.abs(z) < 1)) >= 15
    out[8] = _run_length(finite & (np.abs(z) > 1)) >= 8
    return out


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chart:
    """One plotted statistic with its centre line, limits (per point) and rule violations."""

    name: str
    values: FloatArray
    center: FloatArray
    ucl: FloatArray
    lcl: FloatArray
    sigma: FloatArray
    """Standard error of each point (the width of one zone)."""
    violations: dict[int, BoolArray] = field(default_factory=dict)

    @property
    def out_of_control(self) -> BoolArray:
        """Points where any checked rule fires."""
        flags = np.zeros(self.values.shape, dtype=bool)
        for mask in self.violations.values():
            flags |= mask
        return flags

    def rules_at(self, index: int) -> list[int]:
        return [rule for rule, mask in sorted(self.violations.items()) if mask[index]]


def _full(value: float, n: int) -> FloatArray:
    return np.full(n, float(value), dtype=np.float64)


def _baseline(n: int, baseline: slice | ArrayLike | None) -> NDArray[np.bool_]:
    mask = np.zeros(n, dtype=bool)
    if baseline is None:
        mask[:] = True
    elif isinstance(baseline, slice):
        mask[baseline] = True
    else:
        chosen = np.asarray(baseline)
        if chosen.dtype == bool:
            mask[:] = chosen
        else:
            mask[chosen.astype(np.int64)] = True
    if not mask.any():
        raise ValueError("the baseline holds no points")
    return mask


def _chart(
    name: str, values: FloatArray, center: FloatArray, sigma: FloatArray, floor: float | None
) -> Chart:
    ucl = center + 3 * sigma
    lcl = center - 3 * sigma
    if floor is not None:
        lcl = np.maximum(lcl, floor)
    return Chart(name, values, center, ucl, lcl, sigma, nelson_rules(values, center, sigma))


@dataclass(frozen=True, slots=True)
class VariablesChart:
    """A location chart (I or X̄) and its dispersion chart (MR, R or S)."""

    location: Chart
    dispersion: Chart
    sigma_within: float
    """Process sigma estimated from the baseline's dispersion."""


def individuals(values: ArrayLike, baseline: slice | ArrayLike | None = None) -> VariablesChart:
    """I-MR chart: sigma = MR̄/d2 with moving ranges of 2 (NIST e-Handbook 6.3.2.2)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2:
        raise ValueError("an individuals chart needs at least 2 values")
    base = _baseline(x.size, baseline)
    mr = np.concatenate([[np.nan], np.abs(np.diff(x))])
    base_mr = mr[1:][base[1:] & base[:-1]]
    if base_mr.size == 0:
        raise ValueError("the baseline needs 2 consecutive points")
    k = constants(2)
    mr_bar = float(base_mr.mean())
    x_bar = float(x[base].mean())
    sigma = mr_bar / k.d2
    n = x.size
    location = _chart("I", x, _full(x_bar, n), _full(sigma, n), None)
    # MR: limits D3*MR̄ .. D4*MR̄; only rule 1 applies (moving ranges are not independent).
    ucl, lcl = _full(k.D4 * mr_bar, n), _full(k.D3 * mr_bar, n)
    mr_sigma = _full(k.d3 * sigma, n)
    dispersion = Chart(
        "MR",
        mr,
        _full(mr_bar, n),
        ucl,
        lcl,
        mr_sigma,
        {1: np.isfinite(mr) & ((mr > ucl) | (mr < lcl))},
    )
    return VariablesChart(location, dispersion, sigma)


def _subgroups(data: ArrayLike) -> FloatArray:
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("subgroups must be a 2-D array, one row per subgroup of 2 or more")
    return x


def xbar_r(subgroups: ArrayLike, baseline: slice | ArrayLike | None = None) -> VariablesChart:
    """X̄-R chart of equal subgroups (rows): limits X̿ ± A2 R̄, D3 R̄ .. D4 R̄."""
    x = _subgroups(subgroups)
    k = constants(x.shape[1])
    base = _baseline(x.shape[0], baseline)
    means, ranges = x.mean(axis=1), np.ptp(x, axis=1)
    grand, r_bar = float(means[base].mean()), float(ranges[base].mean())
    m = x.shape[0]
    sigma = r_bar / k.d2
    location = _chart("X̄", means, _full(grand, m), _full(sigma / math.sqrt(k.n), m), None)
    ucl, lcl = _full(k.D4 * r_bar, m), _full(k.D3 * r_bar, m)
    dispersion = Chart(
        "R",
        ranges,
        _full(r_bar, m),
        ucl,
        lcl,
        _full(k.d3 * sigma, m),
        {1: (ranges > ucl) | (ranges < lcl)},
    )
    return VariablesChart(location, dispersion, sigma)


def xbar_s(subgroups: ArrayLike, baseline: slice | ArrayLike | None = None) -> VariablesChart:
    """X̄-S chart of equal subgroups (rows): limits X̿ ± A3 s̄, B3 s̄ .. B4 s̄."""
    x = _subgroups(subgroups)
    k = constants(x.shape[1])
    base = _baseline(x.shape[0], baseline)
    means, sds = x.mean(axis=1), x.std(axis=1, ddof=1)
    grand, s_bar = float(means[base].mean()), float(sds[base].mean())
    m = x.shape[0]
    sigma = s_bar / k.c4
    location = _chart("X̄", means, _full(grand, m), _full(sigma / math.sqrt(k.n), m), None)
    ucl, lcl = _full(k.B4 * s_bar, m), _full(k.B3 * s_bar, m)
    dispersion = Chart(
        "S",
        sds,
        _full(s_bar, m),
        ucl,
        lcl,
        _full(sigma * math.sqrt(1 - k.c4**2), m),
        {1: (sds > ucl) | (sds < lcl)},
    )
    return VariablesChart(location, dispersion, sigma)


def p_chart(
    nonconforming: ArrayLike,
    sizes: ArrayLike,
    p_bar: float | None = None,
    baseline: slice | ArrayLike | None = None,
) -> Chart:
    """Fraction nonconforming per subgroup; limits p̄ ± 3 sqrt(p̄(1-p̄)/n_i) per subgroup.

    ``p_bar``: a known rate (else pooled over the baseline: sum d / sum n).
    """
    d = np.asarray(nonconforming, dtype=np.float64)
    n = np.asarray(sizes, dtype=np.float64)
    if np.any(n <= 0):
        raise ValueError("every subgroup needs at least one part")
    if p_bar is None:
        base = _baseline(d.size, baseline)
        p_bar = float(d[base].sum() / n[base].sum())
    p = d / n
    sigma = np.sqrt(p_bar * (1 - p_bar) / n)
    chart = _chart("p", p, _full(p_bar, d.size), sigma, 0.0)
    return _capped(chart, 1.0)


def np_chart(
    nonconforming: ArrayLike, size: int, p_bar: float | None = None,
    baseline: slice | ArrayLike | None = None,
) -> Chart:  # fmt: skip
    """Number nonconforming in subgroups of one size ``size``: n p̄ ± 3 sqrt(n p̄ (1-p̄))."""
    d = np.asarray(nonconforming, dtype=np.float64)
    if p_bar is None:
        base = _baseline(d.size, baseline)
        p_bar = float(d[base].mean() / size)
    sigma = math.sqrt(size * p_bar * (1 - p_bar))
    return _chart("np", d, _full(size * p_bar, d.size), _full(sigma, d.size), 0.0)


def c_chart(
    counts: ArrayLike, c_bar: float | None = None, baseline: slice | ArrayLike | None = None
) -> Chart:
    """Nonconformities per inspection unit of constant size: c̄ ± 3 sqrt(c̄)."""
    c = np.asarray(counts, dtype=np.float64)
    if c_bar is None:
        c_bar = float(c[_baseline(c.size, baseline)].mean())
    return _chart("c", c, _full(c_bar, c.size), _full(math.sqrt(c_bar), c.size), 0.0)


def u_chart(
    counts: ArrayLike,
    units: ArrayLike,
    u_bar: float | None = None,
    baseline: slice | ArrayLike | None = None,
) -> Chart:
    """Nonconformities per unit with varying sample sizes: ū ± 3 sqrt(ū / n_i)."""
    c = np.asarray(counts, dtype=np.float64)
    n = np.asarray(units, dtype=np.float64)
    if np.any(n <= 0):
        raise ValueError("every subgroup needs a positive size")
    if u_bar is None:
        base = _baseline(c.size, baseline)
        u_bar = float(c[base].sum() / n[base].sum())
    return _chart("u", c / n, _full(u_bar, c.size), np.sqrt(u_bar / n), 0.0)


def _capped(chart: Chart, top: float) -> Chart:
    return Chart(
        chart.name,
        chart.values,
        chart.center,
        np.minimum(chart.ucl, top),
        chart.lcl,
        chart.sigma,
        chart.violations,
    )


# -- capability -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Index:
    """A capability index with its two-sided confidence interval (NaN: not defined)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Capability:
    """Cp and Cpk (within sigma), Pp and Ppk (overall sigma) of one characteristic."""

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: Index
    cpk: Index
    pp: Index
    ppk: Index
    confidence: float


_NAN = Index(math.nan, math.nan, math.nan)


def _spread_index(
    lsl: float | None, usl: float | None, sigma: float, dof: float, confidence: float
) -> Index:
    if lsl is None or usl is None or not sigma > 0:
        return _NAN
    value = (usl - lsl) / (6 * sigma)
    alpha = 1 - confidence
    low = value * math.sqrt(chi2_ppf(alpha / 2, dof) / dof)
    high = value * math.sqrt(chi2_ppf(1 - alpha / 2, dof) / dof)
    return Index(value, low, high)


def _location_index(
    mean: float, lsl: float | None, usl: float | None, sigma: float, n: int, confidence: float
) -> Index:
    if not sigma > 0 or (lsl is None and usl is None):
        return _NAN
    sides = []
    if usl is not None:
        sides.append((usl - mean) / (3 * sigma))
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    value = min(sides)
    # Bissell (1990): se = sqrt(1/(9n) + C^2 / (2(n-1))).
    z = normal_ppf(1 - (1 - confidence) / 2)
    se = math.sqrt(1 / (9 * n) + value * value / (2 * (n - 1)))
    return Index(value, value - z * se, value + z * se)


def cp_cpk(mean: float, sigma: float, lsl: float | None, usl: float | None) -> tuple[float, float]:
    """Cp and Cpk of a process with this mean and sigma (NaN where not defined)."""
    cp = (usl - lsl) / (6 * sigma) if lsl is not None and usl is not None else math.nan
    sides = [(usl - mean) / (3 * sigma)] if usl is not None else []
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    return cp, min(sides) if sides else math.nan


def capability(
    values: ArrayLike,
    lsl: float | None,
    usl: float | None,
    sigma_within: float | None = None,
    confidence: float = 0.95,
) -> Capability:
    """Capability of ``values`` (in time order). ``sigma_within`` defaults to MR̄/d2 of the
    values (individuals); pass R̄/d2 or s̄/c4 of an X̄ chart for subgrouped data."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        raise ValueError("capability needs at least 2 values")
    if sigma_within is None:
        sigma_within = float(np.abs(np.diff(x)).mean() / constants(2).d2)
    mean = float(x.mean())
    overall = float(x.std(ddof=1))
    dof = n - 1
    return Capability(
        n=n,
        mean=mean,
        sigma_within=sigma_within,
        sigma_overall=overall,
        cp=_spread_index(lsl, usl, sigma_within, dof, confidence),
        cpk=_location_index(mean, lsl, usl, sigma_within, n, confidence),
        pp=_spread_index(lsl, usl, overall, dof, confidence),
        ppk=_location_index(mean, lsl, usl, overall, n, confidence),
        confidence=confidence,
    )


@dataclass(frozen=True, slots=True)
class Histogram:
    counts: NDArray[np.int64]
    edges: FloatArray
    below_lsl: int
    above_usl: int


def histogram(
    values: ArrayLike, lsl: float | None = None, usl: float | None = None, bins: int | None = None
) -> Histogram:
    """Counts over a range that shows the spec limits too; bins by Sturges' rule by default."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError("no values")
    bins = bins or max(5, math.ceil(math.log2(x.size) + 1))
    points = [float(x.min()), float(x.max())] + [v for v in (lsl, usl) if v is not None]
    low, high = min(points), max(points)
    if high == low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(x, bins=bins, range=(low, high))
    below = int((x < lsl).sum()) if lsl is not None else 0
    above = int((x > usl).sum()) if usl is not None else 0
    return Histogram(counts.astype(np.int64), edges, below, above)
