"""Process monitor for one machine: PCA T² and Q plus the distance to the learned region.

A machine's tags move together (current with load, flow with pump speed), and a machine that
cycles (a die-cast shot, a leak-test phase) visits several operating points in turn. The
monitor learns both from a few hundred fault-free rows and checks every later row three ways:

- **T²**: inside the plane of normal variation, how far from the operating point;
- **Q (SPE)**: how far off that plane (a broken correlation: current up while flow falls);
- **k-NN distance**: how far from the nearest rows seen while learning (a combination of
  values never seen, even if each tag alone is in its range; this is what holds on a machine
  whose normal rows form several clusters).

Each statistic's limit is learned without looking at the row it judges: the learning rows are
cut into contiguous folds and each fold is scored by a model of the others (neighbouring rows
of a time series are near copies: scoring a row against its own neighbours would make the
limits far too tight). A row's score is the largest statistic-to-limit ratio, squashed to
[0, 1] (0.5 at the limit), smoothed over a few rows (a persistent small shift adds up).

Slow operating-point drift (a bath that fills with dirt, a hall that warms up): every
:data:`TRACK_ROWS` rows the operating point moves part of the way to the centre of the quiet
rows (scored well below the limit, with no alarm near), and every :data:`REFIT_ROWS` rows a
share of the quiet rows replaces the oldest reference rows and the model and its limits are
refitted (the learned region renews itself slowly). A fault never becomes the new normal: rows
during and shortly after an alarm are not taken. Both fall on fixed row counts, so scoring rows
in blocks gives the same scores as one at a time.

The tags behind an anomaly: per-tag shares of the dominant statistic (residual squared for Q,
partial T², squared difference to the nearest learned row for the distance).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.detectors.multivariate import (
    checked_columns,
    chi2_quantile,
    principal_axes,
    top_shares,
)
from app.messages import Message

#: Rows between refits of the model (fixed row counts: block scoring equals row by row).
REFIT_ROWS = 1024
#: Rows between steps of the operating-point tracking (fixed row counts as well).
TRACK_ROWS = 64
#: Most reference rows kept (a longer learning period is thinned evenly).
MAX_REFERENCE = 2000
#: Contiguous folds of the learning rows for the out-of-fold limits.
FOLDS = 5
#: After an alarm (the limit exceeded :data:`CONFIRM_ROWS` rows in a row), no row is taken
#: into the reference or the tracking for this many rows. A lone row over the limit is only
#: left out itself: a hold on every such row would starve the drift tracking.
HOLD_ROWS = 256
CONFIRM_ROWS = 3
#: Rows quieter than this ratio to the limit may join the reference.
QUIET = 0.5
STATISTICS = ("t2", "q", "knn")
#: A row counts at most this many times its limit in the running average: one wild row must
#: not hold the average above its limit for rows after it (that is the row's own score's job).
CLIP = 1.0
#: The running average's limit is at a false-alarm rate this many times smaller.
SMOOTH_MARGIN = 10.0


class ProcessDetector:
    """Learns a machine's normal region from ``warmup`` rows, then scores each row."""

    name = "process"

    def __init__(
        self,
        columns: list[str],
        warmup: int = 400,
        variance: float = 0.98,
        confidence: float = 0.999,
        neighbours: int = 5,
        smoothing: float = 0.3,
        drift_rows: int = 20_000,
        track_rows: int = 128,
    ) -> None:
        self.columns = checked_columns(columns)
        self.p = len(columns)
        self.warmup = max(int(warmup), 5 * FOLDS, 2 * neighbours * FOLDS)
        self.variance = variance
        self.confidence = confidence
        self.neighbours = neighbours
        self.smoothing = smoothing
        #: Quiet rows taken per refit: the reference renews itself over ``drift_rows`` rows.
        self.take = max(1, round(self.warmup * REFIT_ROWS / max(drift_rows, REFIT_ROWS)))
        #: Share of the way to the quiet rows' centre the operating point moves per step.
        self.track = min(TRACK_ROWS / max(track_rows, TRACK_ROWS), 1.0) if track_rows else 0.0
        self.reset()

    # -- state ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything; learn again from the next ``warmup`` rows."""
        self.n = 0
        self._learning: list[np.ndarray] = []
        self.reference = np.zeros((0, self.p))
        self._quiet: list[np.ndarray] = []
        self._since_refit = 0
        self._since_track = 0
        self._offset = np.zeros(self.p)
        """Where the operating point has moved since the fit, in the fit's standard units."""
        self._track_sum = np.zeros(self.p)
        self._track_n = 0
        self._hold = 0
        self._run = 0
        self._smooth = 0.0
        self.ratios = dict.fromkeys(STATISTICS, 0.0)
        self._last: tuple[np.ndarray, ...] | None = None
        self.dominant = "t2"

    @property
    def ready(self) -> bool:
        """False while learning (scores are 0 then)."""
        return self.reference.shape[0] > 0

    @property
    def learning(self) -> bool:
        return not self.ready

    # -- model ----------------------------------------------------------------------------------
    def _fit(self, rows: np.ndarray) -> None:
        """Scaling, PCA and out-of-fold limits from the reference rows."""
        self.reference = rows
        self.mean = rows.mean(axis=0)
        sd = rows.std(axis=0)
        # A tag that never moved while learning: any change of it is news, but it must not
        # divide by zero; a small fraction of its level (or an absolute floor) stands in.
        floor = np.maximum(1e-3 * np.abs(self.mean), 1e-6)
        self.sd = np.maximum(sd, floor)
        z = (rows - self.mean) / self.sd
        self._z = z
        self._znorm = np.einsum("ij,ij->i", z, z)
        self._components, self._eigen = self._pca(z)
        # Contiguous folds: a row is never judged by its near copies, and a slow drift while
        # learning widens the limits (the later folds are judged by the earlier ones) as much
        # as the same drift after learning will move the rows.
        folds = np.array_split(np.arange(len(z)), FOLDS)
        stats: dict[str, list[np.ndarray]] = {s: [] for s in STATISTICS}
        for fold in folds:
            rest = np.setdiff1d(np.arange(len(z)), fold)
            train = z[rest]
            centre = train.mean(axis=0)
            comps, eig = self._pca(train - centre, len(self._eigen))
            t2, q = self._pca_stats(z[fold] - centre, comps, eig)
            stats["t2"].append(t2)
            stats["q"].append(q)
            d2 = self._sq_distances(z[fold], train, np.einsum("ij,ij->i", train, train))
            stats["knn"].append(self._kth(d2))
        self.limits = {s: self._limit(np.concatenate(v)) for s, v in stats.items()}
        # The out-of-fold ratios back in time order: their running average (as scoring
        # computes it) gives the limit of the smoothed ratio.
        order = np.argsort(np.concatenate(folds))
        worst = np.max(
            [np.concatenate(stats[s])[order] / self.limits[s] for s in STATISTICS], axis=0
        )
        self._rest = float(np.median(worst))
        smooth = self._ewma(np.minimum(worst, CLIP), self._rest)
        # Its values are strongly autocorrelated (few independent ones in the learning rows):
        # its tail is fitted less surely, so its limit is set further out.
        self.smooth_limit = (
            self._limit(smooth, 1.0 - (1.0 - self.confidence) / SMOOTH_MARGIN)
            if self.smoothing < 1.0
            else 1.0
        )

    def _pca(self, z: np.ndarray, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Principal axes and variances: ``k`` of them, or enough for the variance share (the
        fold models keep the full model's ``k``: with one component fewer, its whole variance
        would land in their Q and make the Q limit meaningless)."""
        return principal_axes((z.T @ z) / max(len(z) - 1, 1), self.variance, k)

    @staticmethod
    def _pca_stats(
        z: np.ndarray, comps: np.ndarray, eig: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        scores = z @ comps
        residual = z - scores @ comps.T
        t2 = np.einsum("ij,ij->i", scores * scores, np.broadcast_to(1.0 / eig, scores.shape))
        q = np.einsum("ij,ij->i", residual, residual)
        return t2, q

    @staticmethod
    def _sq_distances(z: np.ndarray, ref: np.ndarray, ref_norm: np.ndarray) -> np.ndarray:
        d2 = np.einsum("ij,ij->i", z, z)[:, None] + ref_norm[None, :] - 2.0 * (z @ ref.T)
        return np.maximum(d2, 0.0)

    def _ewma(self, values: np.ndarray, start: float) -> np.ndarray:
        out = np.empty(len(values))
        level, a = start, self.smoothing
        for j, v in enumerate(values.tolist()):
            level += a * (v - level)
            out[j] = level
        return out

    def _kth(self, d2: np.ndarray) -> np.ndarray:
        k = min(self.neighbours, d2.shape[1]) - 1
        return np.partition(d2, k, axis=1)[:, k]

    def _limit(self, values: np.ndarray, confidence: float = 0.0) -> float:
        """Box's scaled chi-square through the mean and variance of the out-of-fold values,
        never below their own high quantile."""
        mean = float(values.mean())
        var = float(values.var())
        if mean <= 0.0:
            return 1e-9
        if var <= 0.0:
            return mean * 2.0
        g = var / (2.0 * mean)
        h = max(2.0 * mean * mean / var, 0.5)
        confidence = confidence or self.confidence
        fitted = g * chi2_quantile(confidence, h)
        return max(fitted, float(np.quantile(values, min(confidence, 0.995))), 1e-9)

    # -- scoring --------------------------------------------------------------------------------
    def update(self, values: list[float] | np.ndarray) -> float:
        """Score of one row (one value per column) in [0, 1]."""
        return float(self.update_block(np.asarray([values], dtype=np.float64))[0])

    def update_block(self, rows: np.ndarray) -> np.ndarray:
        """Scores of consecutive rows; the same as :meth:`update` on each in turn."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.p)
        out = np.zeros(len(rows))
        i = 0
        while i < len(rows):
            if not self.ready:
                take = min(self.warmup - len(self._learning), len(rows) - i)
                self._learning.extend(rows[i : i + take])
                self.n += take
                i += take
                if len(self._learning) >= self.warmup:
                    learned = np.asarray(self._learning)
                    # A long warm-up (a fast poll) is thinned evenly: the k-NN cost per row and
                    # the saved state grow with the reference rows.
                    step = -(-len(learned) // MAX_REFERENCE)
                    self._fit(learned[::step])
                    self._learning = []
                    self._smooth = self._rest
                continue
            take = min(
                REFIT_ROWS - self._since_refit, TRACK_ROWS - self._since_track, len(rows) - i
            )
            out[i : i + take] = self._score(rows[i : i + take])
            self.n += take
            self._since_refit += take
            self._since_track += take
            i += take
            if self._since_track >= TRACK_ROWS:
                self._follow()
            if self._since_refit >= REFIT_ROWS:
                self._refit()
        return out

    def _score(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.sd - self._offset
        t2, q = self._pca_stats(z, self._components, self._eigen)
        d2 = self._sq_distances(z, self._z, self._znorm)
        knn = self._kth(d2)
        ratios = np.column_stack(
            [t2 / self.limits["t2"], q / self.limits["q"], knn / self.limits["knn"]]
        )
        worst = ratios.max(axis=1)
        scores = np.empty(len(x))
        smooth = self._smooth
        a = self.smoothing
        limit = self.smooth_limit
        hold, run = self._hold, self._run
        for j, w in enumerate(worst.tolist()):
            # The larger of the row's own ratio and its running average's: a single wild row
            # counts at once, a small persistent shift builds up.
            smooth += a * (min(w, CLIP) - smooth)
            r = max(w, smooth / limit)
            scores[j] = r * r / (r * r + 1.0)  # squash(r, 1)
            if r >= 1.0:
                run += 1
                if run >= CONFIRM_ROWS:
                    hold = HOLD_ROWS
                    # The quiet rows of this tracking window before the alarm may be one
                    # phase of a cycle: no step from them.
                    self._track_sum[:] = 0.0
                    self._track_n = 0
                continue
            run = 0
            if hold > 0:
                hold -= 1
            elif r < QUIET:
                # Kept as seen from the tracked operating point: the reference describes the
                # spread around it, whichever way the point has drifted.
                self._quiet.append(x[j])
                self._track_sum += z[j]
                self._track_n += 1
        self._smooth, self._hold, self._run = smooth, hold, run
        last = len(x) - 1
        self.ratios = dict(zip(STATISTICS, ratios[last].tolist(), strict=True))
        self.dominant = STATISTICS[int(np.argmax(ratios[last]))]
        # Contributions are worked out only when asked for, with the model that scored the row
        # (a refit replaces these arrays, it does not change them).
        self._last = (z[last].copy(), d2[last].copy(), self._components, self._eigen, self._z)
        return scores

    @property
    def contributions(self) -> np.ndarray:
        """Each tag's share of the last row's dominant statistic."""
        if self._last is None:
            return np.zeros(self.p)
        return self._contributions(*self._last)

    def _contributions(
        self, z: np.ndarray, d2: np.ndarray, comps: np.ndarray, eigen: np.ndarray, ref: np.ndarray
    ) -> np.ndarray:
        if self.dominant == "q":
            residual = z - comps @ (z @ comps)
            parts = residual * residual
        elif self.dominant == "t2":
            scores = z @ comps
            parts = np.maximum(z * (comps @ (scores / eigen)), 0.0)
        else:
            nearest = ref[int(np.argmin(d2))]
            parts = (z - nearest) ** 2
        total = float(parts.sum())
        return parts / total if total > 0 else parts

    def _follow(self) -> None:
        """Move the operating point a step towards the quiet rows (slow drift of the level)."""
        self._since_track = 0
        if self._track_n:
            self._offset = self._offset + self.track * self._track_sum / self._track_n
        self._track_sum = np.zeros(self.p)
        self._track_n = 0

    def _refit(self) -> None:
        """Let a share of the quiet rows replace the oldest reference rows (slow drift of the
        shape); the tracked operating point is kept, in the new fit's units."""
        self._since_refit = 0
        quiet, self._quiet = self._quiet, []
        if not quiet:
            return
        step = max(len(quiet) // self.take, 1)
        new = np.asarray(quiet[::step][: self.take])
        centre = self.mean + self.sd * self._offset
        self._fit(np.vstack([self.reference[len(new) :], new]))
        self._offset = (centre - self.mean) / self.sd

    # -- explanation ----------------------------------------------------------------------------
    def top_contributors(self, count: int = 3, minimum: float = 0.05) -> list[tuple[str, float]]:
        """The tags behind the last row's dominant statistic, with their shares."""
        return top_shares(self.columns, self.contributions, count, minimum)

    def describe(self) -> Message:
        """Which statistic is out and how far, and the tags behind it."""
        if not self.ready:
            return Message("process.learning", {"rows": len(self._learning), "of": self.warmup})
        ratio = self.ratios[self.dominant]
        ids = {"t2": "pca.t2", "q": "pca.spe", "knn": "process.knn"}
        what = Message(ids[self.dominant], {"ratio": ratio})
        parts = ", ".join(f"{name} {share * 100:.0f} %" for name, share in self.top_contributors())
        return Message("pca.contributors", {"what": what, "parts": parts}) if parts else what

    # -- persistence ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the reference rows carry the model)."""
        return {
            "columns": self.columns,
            "n": self.n,
            "learning": [r.tolist() for r in self._learning],
            "reference": self.reference.tolist(),
            "quiet": [r.tolist() for r in self._quiet],
            "since_refit": self._since_refit,
            "since_track": self._since_track,
            "offset": self._offset.tolist(),
            "track_sum": self._track_sum.tolist(),
            "track_n": self._track_n,
            "hold": self._hold,
            "run": self._run,
            "smooth": self._smooth,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`; the columns must match."""
        if list(state["columns"]) != self.columns:
            raise ValueError("saved multivariate state is for different tags")
        self.reset()
        self.n = int(state["n"])
        self._learning = [np.asarray(r, dtype=np.float64) for r in state["learning"]]
        reference = np.asarray(state["reference"], dtype=np.float64).reshape(-1, self.p)
        if len(reference):
            if not np.isfinite(reference).all():
                raise ValueError("saved reference rows are not finite")
            self._fit(reference)
        self._quiet = [np.asarray(r, dtype=np.float64) for r in state["quiet"]]
        self._since_refit = int(state["since_refit"])
        self._since_track = int(state["since_track"])
        self._offset = np.asarray(state["offset"], dtype=np.float64).reshape(self.p)
        self._track_sum = np.asarray(state["track_sum"], dtype=np.float64).reshape(self.p)
        self._track_n = int(state["track_n"])
        self._hold = int(state["hold"])
        self._run = int(state["run"])
        smooth = float(state["smooth"])
        self._smooth = smooth if math.isfinite(smooth) else 0.0
