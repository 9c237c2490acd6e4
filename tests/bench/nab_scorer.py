"""A scorer for the Numenta Anomaly Benchmark, written from NAB's published rules.

Rules (see ``shared/nab/README.md``): anomaly windows, a probation period that is not scored,
the scaled sigmoid that rewards early detection and softens false positives just after a window,
three application profiles, one threshold optimised per profile over the whole corpus, and a
normalisation between the null detector (0) and the perfect detector (100).

The threshold sweep is exact: it evaluates the corpus score at every distinct anomaly score,
using sorted cumulative sums, so a full corpus sweep takes well under a second.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Profile:
    """Weights of one NAB application profile."""

    name: str
    tp: float
    fp: float
    fn: float


PROFILES: tuple[Profile, ...] = (
    Profile("standard", 1.0, 0.11, 1.0),
    Profile("reward_low_FP_rate", 1.0, 0.22, 1.0),
    Profile("reward_low_FN_rate", 1.0, 0.11, 2.0),
)


def load_profiles(path: Path) -> tuple[Profile, ...]:
    """Profiles from NAB's ``config/profiles.json``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Profile(
            name,
            m["CostMatrix"]["tpWeight"],
            m["CostMatrix"]["fpWeight"],
            m["CostMatrix"]["fnWeight"],
        )
        for name, m in data.items()
    )


def scaled_sigmoid(y: FloatArray | float) -> FloatArray:
    """NAB's ``2 / (1 + exp(5 y)) - 1``, and -1 beyond three window lengths past a window."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * y)) - 1.0
    return np.where(y > 3.0, -1.0, value)


def probation_length(rows: int) -> int:
    """Rows at the start of a file that are not scored: min(15 % of rows, 750)."""
    return int(min(math.floor(0.15 * rows), 750))


@dataclass(frozen=True)
class FileLayout:
    """Where a file's windows lie, as row indices (inclusive), plus its length."""

    rows: int
    windows: tuple[tuple[int, int], ...]


def layout_from_timestamps(
    timestamps: Sequence[str], windows: Sequence[Sequence[str]]
) -> FileLayout:
    """Turn window edges given as timestamps into row indices.

    NAB's window edges are timestamps of rows (with microseconds appended); a window spans the
    first row at or after its left edge to the last row at or before its right edge.
    """
    stamps = np.array([np.datetime64(t.replace(" ", "T")) for t in timestamps])
    spans = []
    for left, right in windows:
        lo = int(np.searchsorted(stamps, np.datetime64(left.replace(" ", "T")), side="left"))
        hi = int(np.searchsorted(stamps, np.datetime64(right.replace(" ", "T")), side="right")) - 1
        if lo <= hi:
            spans.append((lo, hi))
    return FileLayout(len(timestamps), tuple(spans))


@dataclass(frozen=True)
class RowWeights:
    """Per-row unweighted values of one file, ready for any profile.

    ``window[i]`` is the index of the window row ``i`` lies in, -1 outside windows and -2 in
    the probation period (not scored). ``value[i]`` is the scaled sigmoid: in a window it is
    already divided by sigma(-1) so that the left edge is worth exactly 1.
    """

    window: npt.NDArray[np.int64]
    value: FloatArray
    windows: int


def row_weights(layout: FileLayout) -> RowWeights:
    """Position of every row relative to the windows, as NAB's sweep defines it."""
    n = layout.rows
    window = np.full(n, -1, dtype=np.int64)
    value = np.full(n, -1.0)  # before any window: the full false-positive penalty
    max_tp = float(scaled_sigmoid(-1.0))
    for k, (lo, hi) in enumerate(layout.windows):
        width = hi - lo + 1
        idx = np.arange(lo, hi + 1)
        window[lo : hi + 1] = k
        value[lo : hi + 1] = scaled_sigmoid(-(hi - idx + 1) / width) / max_tp
        end = layout.windows[k + 1][0] if k + 1 < len(layout.windows) else n
        after = np.arange(hi + 1, end)
        if after.size:
            # Distance past the right edge in window lengths (NAB divides by width - 1).
            value[hi + 1 : end] = scaled_sigmoid(np.abs(hi - after) / max(width - 1, 1))
    probation = probation_length(n)
    window[:probation] = -2
    counted = {int(w) for w in np.unique(window) if w >= 0}
    if counted != set(range(len(layout.windows))):
        # A window wholly inside probation is not scored at all (as in NAB).
        remap = {old: new for new, old in enumerate(sorted(counted))}
        window = np.array([remap.get(int(w), w) if w >= 0 else w for w in window])
    return RowWeights(window, value, len(counted))


@dataclass(frozen=True)
class ProfileResult:
    """Best corpus score of one profile."""

    profile: str
    threshold: float
    raw: float
    null: float
    perfect: float
    tp: int
    fp: int
    fn: int

    @property
    def normalised(self) -> float:
        """100 * (S - S_null) / (S_perfect - S_null)."""
        if self.perfect == self.null:
            return 0.0
        return 100.0 * (self.raw - self.null) / (self.perfect - self.null)


def _events(
    weights: RowWeights, scores: FloatArray, profile: Profile
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(score, score delta, tp delta, fp delta) of every row that changes the total.

    Lowering the threshold to a row's score adds that row: a false positive adds its weight;
    a row in a window raises that window's value to the best detection so far.
    """
    outside = weights.window == -1
    fp_scores = scores[outside]
    fp_delta = profile.fp * weights.value[outside]
    ev_s = [fp_scores]
    ev_d = [fp_delta]
    ev_tp = [np.zeros(fp_scores.size)]
    ev_fp = [np.ones(fp_scores.size)]
    for k in range(weights.windows):
        inside = weights.window == k
        s = scores[inside]
        v = profile.tp * weights.value[inside]
        order = np.argsort(-s, kind="stable")
        s, v = s[order], v[order]
        best = np.maximum.accumulate(v)
        previous = np.concatenate(([-profile.fn], best[:-1]))
        delta = best - previous
        tp = np.zeros(s.size)
        tp[0] = 1.0
        keep = delta != 0
        keep[0] = True
        ev_s.append(s[keep])
        ev_d.append(delta[keep])
        ev_tp.append(tp[keep])
        ev_fp.append(np.zeros(int(keep.sum())))
    return (
        np.concatenate(ev_s),
        np.concatenate(ev_d),
        np.concatenate(ev_tp),
        np.concatenate(ev_fp),
    )


def score_corpus(
    files: Mapping[str, tuple[RowWeights, FloatArray]],
    profile: Profile,
) -> ProfileResult:
    """Optimise one threshold over every file and score the corpus with it."""
    total_windows = sum(w.windows for w, _ in files.values())
    null = -profile.fn * total_windows
    perfect = profile.tp * total_windows
    parts = [_events(w, np.asarray(s, dtype=np.float64), profile) for w, s in files.values()]
    if not parts:
        return ProfileResult(profile.name, math.inf, null, null, perfect, 0, 0, total_windows)
    s = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts])
    tp = np.concatenate([p[2] for p in parts])
    fp = np.concatenate([p[3] for p in parts])
    order = np.argsort(-s, kind="stable")
    s, d, tp, fp = s[order], d[order], tp[order], fp[order]
    total = null + np.cumsum(d)
    tps = np.cumsum(tp)
    fps = np.cumsum(fp)
    # The total at threshold s[i] includes every row with a score >= s[i]: the last of a tie.
    last = np.ones(s.size, dtype=bool)
    if s.size > 1:
        last[:-1] = s[:-1] != s[1:]
    candidates = np.flatnonzero(last)
    best_threshold, best, best_tp, best_fp = math.inf, null, 0, 0
    if candidates.size:
        i = int(candidates[np.argmax(total[candidates])])
        if total[i] > best:
            best_threshold, best = float(s[i]), float(total[i])
            best_tp, best_fp = int(tps[i]), int(fps[i])
    return ProfileResult(
        profile.name,
        best_threshold,
        best,
        null,
        perfect,
        best_tp,
        best_fp,
        total_windows - best_tp,
    )


def score_at_threshold(
    files: Mapping[str, tuple[RowWeights, FloatArray]],
    profile: Profile,
    threshold: float,
) -> float:
    """Raw corpus score at a fixed threshold (slow and simple: a cross-check of the sweep)."""
    total = 0.0
    for weights, scores in files.values():
        hit = np.asarray(scores) >= threshold
        outside = (weights.window == -1) & hit
        total += profile.fp * float(weights.value[outside].sum())
        for k in range(weights.windows):
            inside = (weights.window == k) & hit
            if inside.any():
                total += profile.tp * float(weights.value[inside].max())
            else:
                total -= profile.fn
    return total
