"""Detectors by name, for the replay CLI: one scorer for a row of one or more columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.detectors.base import UnivariateDetector
from app.detectors.checks import FlatlineDetector
from app.detectors.drift import DriftDetector
from app.detectors.multivariate import PcaDetector
from app.detectors.process import ProcessDetector
from app.detectors.robust import RobustDetector
from app.detectors.sequence import SequenceDetector
from app.detectors.spc import NelsonRules

AUTO = "auto"
#: Score at or above which a row is anomalous, unless told otherwise.
DEFAULT_THRESHOLD = 0.5

UNIVARIATE: dict[str, Callable[[], UnivariateDetector]] = {
    "sequence": SequenceDetector,
    "robust": RobustDetector,
    "drift": DriftDetector,
    "flatline": FlatlineDetector,
    "spc": NelsonRules,
}


class MultivariateScorer(Protocol):
    """Scores a whole row of several signals."""

    name: str
    warmup: int
    """Rows it learns from before it scores (scores 0 until then)."""

    def update(self, values: list[float] | np.ndarray) -> float:
        """Score of the row in [0, 1]."""
        ...


@dataclass(frozen=True, slots=True)
class Episodes:
    """How a scorer's row scores become alarm episodes (see :mod:`app.detectors.latch`)."""

    min_rows: int = 1
    """Rows at or above the threshold before an episode starts."""
    clear_rows: int = 1
    """Rows below the threshold before it ends."""


#: Episodes of the process monitor: confirmed after 3 rows, held through 30 calm ones.
PROCESS_MIN_ROWS = 3
PROCESS_CLEAR_ROWS = 30
#: Univariate detectors whose warm-up length can be set.
_TAKES_WARMUP = frozenset({"robust", "drift", "flatline", "spc"})


def _pca(columns: Sequence[str], learn_rows: int | None) -> MultivariateScorer:
    if learn_rows is None:
        return PcaDetector(list(columns))
    return PcaDetector(list(columns), warmup=learn_rows, baseline=max(3600, learn_rows))


def _process(columns: Sequence[str], learn_rows: int | None) -> MultivariateScorer:
    if learn_rows is None:
        return ProcessDetector(list(columns))
    return ProcessDetector(list(columns), warmup=learn_rows)


MULTIVARIATE: dict[
    str, tuple[Callable[[Sequence[str], int | None], MultivariateScorer], Episodes]
] = {
    "pca": (_pca, Episodes()),
    "process": (_process, Episodes(min_rows=PROCESS_MIN_ROWS, clear_rows=PROCESS_CLEAR_ROWS)),
}
#: What ``auto`` picks for one column.
DEFAULT_UNIVARIATE = "sequence"
DEFAULT_MULTIVARIATE = "process"


class RowScorer:
    """Scores CSV rows: a univariate detector per column (max of their scores) or one
    multivariate detector for the whole row. The first :attr:`learn_rows` rows are the
    detector's learning period: they are fed to it and reported with score 0."""

    def __init__(
        self,
        name: str,
        columns: Sequence[str],
        univariate: list[UnivariateDetector] | None = None,
        multivariate: MultivariateScorer | None = None,
        learn_rows: int | None = None,
        episodes: Episodes | None = None,
    ) -> None:
        self.name = name
        self.columns = list(columns)
        self._uni = univariate or []
        self._multi = multivariate
        # A detector may need more rows than asked for (a minimum warm-up): those are learning
        # rows too, and marked so.
        own = (
            multivariate.warmup
            if multivariate is not None
            else max((int(getattr(d, "warmup", 0)) for d in self._uni), default=0)
        )
        self.learn_rows = max(learn_rows or 0, own)
        self.episodes = episodes or Episodes()
        self.seen = 0

    def score(self, timestamp: float, values: Sequence[float]) -> float:
        """Score of one row (the detectors count samples; ``timestamp`` is not used)."""
        del timestamp
        return float(self.score_block(np.asarray([values], dtype=np.float64))[0][0])

    def score_block(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of consecutive rows (one row per line of ``rows``) and which of them were
        learning rows. The same as scoring them one at a time."""
        count = len(rows)
        learning = np.arange(self.seen, self.seen + count) < self.learn_rows
        self.seen += count
        multi = self._multi
        if multi is not None:
            block = getattr(multi, "update_block", None)
            if block is not None:
                scores = np.asarray(block(rows), dtype=np.float64)
            else:
                scores = np.array([multi.update(row) for row in rows], dtype=np.float64)
        else:
            scores = np.zeros(count)
            for j, detector in enumerate(self._uni):
                column = rows[:, j].tolist()
                scores = np.maximum(scores, [detector.update(v) for v in column])
        scores[learning] = 0.0
        return scores, learning


def make_row_scorer(name: str, columns: Sequence[str], learn_rows: int | None = None) -> RowScorer:
    """The scorer ``name`` for rows with these value columns; ValueError if it cannot be.
    ``learn_rows`` declares the first rows fault-free: the detectors learn from them."""
    if name == AUTO:
        name = DEFAULT_UNIVARIATE if len(columns) == 1 else DEFAULT_MULTIVARIATE
    if name in UNIVARIATE:
        detectors = [_univariate(name, learn_rows) for _ in columns]
        return RowScorer(name, columns, univariate=detectors, learn_rows=learn_rows)
    if name in MULTIVARIATE:
        if len(columns) < 2:
            raise ValueError(f"detector '{name}' needs at least 2 numeric columns")
        make, episodes = MULTIVARIATE[name]
        detector = make(columns, learn_rows)
        return RowScorer(
            name, columns, multivariate=detector, learn_rows=learn_rows, episodes=episodes
        )
    known = ", ".join(sorted({AUTO, *UNIVARIATE, *MULTIVARIATE}))
    raise ValueError(f"unknown detector '{name}' (known: {known})")


def _univariate(name: str, learn_rows: int | None) -> UnivariateDetector:
    """A univariate detector that learns from ``learn_rows`` samples where it can be told."""
    factory = UNIVARIATE[name]
    if learn_rows is not None and name in _TAKES_WARMUP:
        return factory(warmup=learn_rows)  # type: ignore[call-arg]
    return factory()
