"""Detectors by name, for the replay CLI: one scorer for a row of one or more columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from app.detectors.base import UnivariateDetector
from app.detectors.checks import FlatlineDetector
from app.detectors.drift import DriftDetector
from app.detectors.multivariate import PcaDetector
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
MULTIVARIATE: dict[str, Callable[[Sequence[str]], MultivariateScorer]] = {
    "pca": lambda columns: PcaDetector(list(columns)),
}
#: What ``auto`` picks for one column.
DEFAULT_UNIVARIATE = "sequence"
DEFAULT_MULTIVARIATE = "pca"


class MultivariateScorer(Protocol):
    """Scores a whole row of several signals."""

    name: str

    def update(self, values: list[float] | np.ndarray) -> float:
        """Score of the row in [0, 1]."""
        ...


class RowScorer:
    """Scores one CSV row: a univariate detector per column (max of their scores) or one
    multivariate detector for the whole row."""

    def __init__(
        self,
        name: str,
        columns: Sequence[str],
        univariate: list[UnivariateDetector] | None = None,
        multivariate: MultivariateScorer | None = None,
    ) -> None:
        self.name = name
        self.columns = list(columns)
        self._uni = univariate or []
        self._multi = multivariate

    def score(self, timestamp: float, values: Sequence[float]) -> float:
        """Score of one row (``timestamp`` is known to be non-decreasing)."""
        del timestamp  # the detectors count samples; replays are evenly paced enough
        if self._multi is not None:
            return self._multi.update(list(values))
        best = 0.0
        for detector, value in zip(self._uni, values, strict=True):
            best = max(best, detector.update(value))
        return best


def make_row_scorer(name: str, columns: Sequence[str]) -> RowScorer:
    """The scorer ``name`` for rows with these value columns; ValueError if it cannot be."""
    if name == AUTO:
        name = DEFAULT_UNIVARIATE if len(columns) == 1 else DEFAULT_MULTIVARIATE
    if name in UNIVARIATE:
        return RowScorer(name, columns, univariate=[UNIVARIATE[name]() for _ in columns])
    if name in MULTIVARIATE:
        if len(columns) < 2:
            raise ValueError(f"detector '{name}' needs at least 2 numeric columns")
        return RowScorer(name, columns, multivariate=MULTIVARIATE[name](columns))
    known = ", ".join(sorted({AUTO, *UNIVARIATE, *MULTIVARIATE}))
    raise ValueError(f"unknown detector '{name}' (known: {known})")
