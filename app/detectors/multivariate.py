"""Multivariate detector for one machine: online PCA with Hotelling T² and Q (SPE).

Tags of a machine move together (current rises with load, so does flow). The detector learns
their correlation (an exponentially weighted correlation matrix of standardised values, its
eigenvectors refreshed every few samples) and checks every row twice:

- T², the distance inside the learned plane of normal variation (all tags unusually high);
- Q or SPE, the distance off that plane (a broken correlation: current up while flow falls).

Control limits: chi-square for T² (Wilson-Hilferty), Box's scaled chi-square for SPE from its
running mean and variance. Contributions per tag (the squared residual for SPE, the partial
T² for T²) name the tags behind an anomaly. Memory is p x p: O(1) per machine.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from app.detectors.base import squash
from app.messages import Message

_REFRESH = 25  # samples between eigen-decompositions
#: Most tags one detector takes. Memory grows with the square of the tag count (p x p
#: correlation, 5 p warm-up rows) and each refresh is an O(p^3) eigen-decomposition: 256 tags
#: cost a few MB and a few ms; 40,000 would need 12 GiB. A wider machine is split by the user.
MAX_COLUMNS = 256
#: After an anomalous row, learning pauses this long: a broken correlation must not become
#: the new normal through the rows of it that happen to look normal.
_HOLD = 200


def chi2_quantile(q: float, dof: float) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile (good to a few % for dof >= 1)."""
    z = NormalDist().inv_cdf(q)
    c = 2.0 / (9.0 * dof)
    return dof * max(1.0 - c + z * math.sqrt(c), 0.0) ** 3


def checked_columns(columns: list[str]) -> list[str]:
    """The detector's tags, refused when there are too few or too many to correlate."""
    if len(columns) < 2:
        raise ValueError("the multivariate detector needs at least 2 tags")
    if len(columns) > MAX_COLUMNS:
        raise ValueError(
            f"the multivariate detector takes at most {MAX_COLUMNS} tags, not {len(columns)}"
        )
    return list(columns)


def principal_axes(
    matrix: np.ndarray, variance: float, k: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvectors and eigenvalues of a covariance or correlation matrix, largest first:
    ``k`` of them, or enough for the ``variance`` share, always leaving a residual space."""
    values, vectors = np.linalg.eigh(matrix)
    order = np.argsort(values)[::-1]
    values = np.maximum(values[order], 1e-9)
    vectors = vectors[:, order]
    if k <= 0:
        share = np.cumsum(values) / values.sum()
        k = min(int(np.searchsorted(share, variance)) + 1, len(values) - 1)
    return vectors[:, :k], values[:k]


def top_shares(
    columns: list[str], shares: np.ndarray, count: int, minimum: float
) -> list[tuple[str, float]]:
    """The ``count`` columns with the largest shares of at least ``minimum``, largest first."""
    order = np.argsort(shares)[::-1][:count]
    return [(columns[i], float(shares[i])) for i in order if shares[i] >= minimum]


class PcaDetector:
    """Online PCA monitor for one machine; :meth:`update` takes one value per tag."""

    name = "pca"

    def __init__(
        self,
        columns: list[str],
        warmup: int = 500,
        baseline: int = 3600,
        variance: float = 0.9,
        confidence: float = 0.999999,
    ) -> None:
        self.columns = checked_columns(columns)
        self.p = len(columns)
        self.warmup = max(warmup, 5 * self.p, 30)
        self.variance = variance
        self.confidence = confidence
        self._alpha = 2.0 / (baseline + 1.0)
        self.reset()

    def reset(self) -> None:
        """Forget the learned correlation; learn again."""
        self.n = 0
        self._learning: list[list[float]] | None = []
        self.mean = np.zeros(self.p)
        self.var = np.ones(self.p)
        self.corr = np.eye(self.p)
        self.spe_mean = 0.0
        self.spe_var = 0.0
        self._since = 0
        self._hold = 0
        self._components = np.zeros((self.p, 1))
        self._eigen = np.ones(1)
        self.t2 = 0.0
        self.spe = 0.0
        self.t2_limit = 1.0
        self.spe_limit = 1.0
        self.contributions = np.zeros(self.p)
        self.dominant = ""

    @property
    def ready(self) -> bool:
        """True once the warm-up is over."""
        return self._learning is None

    def _decompose(self) -> None:
        # Enough components for the variance share, with a residual space left for SPE.
        self._components, self._eigen = principal_axes(self.corr, self.variance)
        self.t2_limit = chi2_quantile(self.confidence, len(self._eigen))
        self._since = 0

    def _spe_limit(self) -> float:
        # Box: SPE ~ g chi2(h) with g = var / (2 mean), h = 2 mean^2 / var.
        mean, var = self.spe_mean, self.spe_var
        if mean <= 0.0 or var <= 0.0:
            return 1e-9
        g = var / (2.0 * mean)
        h = max(2.0 * mean * mean / var, 0.5)
        return max(g * chi2_quantile(self.confidence, h), 1e-9)

    def _finish_warmup(self) -> None:
        assert self._learning is not None
        data = np.asarray(self._learning)
        self.mean = np.median(data, axis=0)
        spread = np.median(np.abs(data - self.mean), axis=0) * 1.4826
        fallback = data.std(axis=0)
        spread = np.where(spread > 0, spread, fallback)
        self.var = np.maximum(spread, 1e-9) ** 2
        z = (data - self.mean) / np.sqrt(self.var)
        z = np.clip(z, -6.0, 6.0)
        self.corr = (
            np.asarray(np.corrcoef(z, rowvar=False)) if z.std(axis=0).min() > 0 else np.eye(self.p)
        )
        self.corr = np.nan_to_num(self.corr) + 1e-6 * np.eye(self.p)
        self._decompose()
        residual = z - (z @ self._components) @ self._components.T
        spe = np.einsum("ij,ij->i", residual, residual)
        self.spe_mean = float(np.mean(spe))
        self.spe_var = float(np.var(spe)) or self.spe_mean**2
        self.spe_limit = self._spe_limit()
        self._learning = None

    def update(self, values: list[float] | np.ndarray) -> float:
        """Score of one row (one value per column) in [0, 1]."""
        self.n += 1
        if self._learning is not None:
            self._learning.append([float(v) for v in values])
            if len(self._learning) >= self.warmup:
                self._finish_warmup()
            return 0.0
        x = np.asarray(values, dtype=np.float64)
        sd = np.sqrt(self.var)
        z = (x - self.mean) / sd
        scores = z @ self._components
        residual = z - self._components @ scores
        self.t2 = float(np.sum(scores * scores / self._eigen))
        self.spe = float(residual @ residual)
        t2_ratio = self.t2 / self.t2_limit
        spe_ratio = self.spe / self.spe_limit
        score = max(squash(t2_ratio, 1.0), squash(spe_ratio, 1.0))
        if spe_ratio >= t2_ratio:
            self.dominant = "spe"
            parts = residual * residual
        else:
            self.dominant = "t2"
            parts = np.maximum(z * (self._components @ (scores / self._eigen)), 0.0)
        total = float(parts.sum())
        self.contributions = parts / total if total > 0 else parts
        if score >= 0.5:
            self._hold = _HOLD
        elif self._hold > 0:
            self._hold -= 1
        else:
            self._learn(z)
        return score

    def _learn(self, z: np.ndarray) -> None:
        """Adapt slowly to normal rows only (faults must not become the new normal)."""
        a = self._alpha
        zc = np.clip(z, -4.0, 4.0)
        self.mean = self.mean + a * zc * np.sqrt(self.var)
        self.var = np.maximum(self.var + a * (zc * zc * self.var - self.var), 1e-18)
        self.corr = self.corr + a * (np.outer(zc, zc) - self.corr)
        spe = self.spe
        self.spe_mean += a * (spe - self.spe_mean)
        self.spe_var += a * ((spe - self.spe_mean) ** 2 - self.spe_var)
        self._since += 1
        if self._since >= _REFRESH:
            # Keep a correlation matrix: the diagonal may wander with the variance updates.
            d = np.sqrt(np.maximum(np.diag(self.corr), 1e-12))
            self.corr = self.corr / np.outer(d, d)
            self._decompose()
            self.spe_limit = self._spe_limit()

    def top_contributors(self, count: int = 3, minimum: float = 0.05) -> list[tuple[str, float]]:
        """The tags behind the last row's statistic, with their shares, largest first."""
        return top_shares(self.columns, self.contributions, count, minimum)

    def describe(self) -> Message:
        """Which statistic is out and how far, and the tags behind it."""
        if self.dominant == "spe":
            what = Message("pca.spe", {"ratio": self.spe / self.spe_limit})
        else:
            what = Message("pca.t2", {"ratio": self.t2 / self.t2_limit})
        parts = ", ".join(f"{name} {share * 100:.0f} %" for name, share in self.top_contributors())
        return Message("pca.contributors", {"what": what, "parts": parts}) if parts else what

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state."""
        return {
            "columns": self.columns,
            "n": self.n,
            "learning": self._learning,
            "mean": self.mean.tolist(),
            "var": self.var.tolist(),
            "corr": self.corr.tolist(),
            "spe_mean": self.spe_mean,
            "spe_var": self.spe_var,
            "hold": self._hold,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`; the columns must match."""
        if list(state["columns"]) != self.columns:
            raise ValueError("saved multivariate state is for different tags")
        self.n = int(state["n"])
        learning = state["learning"]
        self._learning = None if learning is None else [list(map(float, r)) for r in learning]
        self.mean = np.asarray(state["mean"], dtype=np.float64)
        self.var = np.asarray(state["var"], dtype=np.float64)
        self.corr = np.asarray(state["corr"], dtype=np.float64)
        self.spe_mean = float(state["spe_mean"])
        self.spe_var = float(state["spe_var"])
        self._hold = int(state.get("hold", 0))
        if self._learning is None:
            self._decompose()
            self.spe_limit = self._spe_limit()
