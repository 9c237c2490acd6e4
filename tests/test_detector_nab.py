"""A small NAB regression guard: three corpus files through the ``shopfloor detect`` code path,
scored with the bench's scorer at the default threshold. The full benchmark is
``python tests/bench/bench_nab.py``; this runs in about a second.
Without the corpus beside the clone these tests say so and skip; in CI they fail
(:mod:`tests.nab_corpus`).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from app.commands.detect import detect_file
from app.detectors.registry import DEFAULT_THRESHOLD
from tests.nab_corpus import require_corpus

_spec = importlib.util.spec_from_file_location(
    "nab_scorer", Path(__file__).parent / "bench" / "nab_scorer.py"
)
assert _spec is not None and _spec.loader is not None
nab = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("nab_scorer", nab)
_spec.loader.exec_module(nab)

#: file -> (windows that must be found, largest number of false-positive rows allowed)
CASES = {
    "realAdExchange/exchange-4_cpm_results.csv": (3, 0),
    "realKnownCause/ec2_request_latency_system_failure.csv": (3, 3),
    "artificialNoAnomaly/art_noisy.csv": (0, 0),
    # The daily rise that does not come: found by the long-shape view only.
    "artificialWithAnomaly/art_daily_nojump.csv": (1, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_replayed_corpus_file_finds_its_windows(name: str, tmp_path: Path) -> None:
    NAB = require_corpus()
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())[name]
    out = tmp_path / "out.csv"
    summary = detect_file(NAB / "data" / name, out)
    assert summary.detector == "sequence" and not summary.skipped
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    layout = nab.layout_from_timestamps([r["timestamp"] for r in rows], windows)
    weights = nab.row_weights(layout)
    hit = np.array([float(r["anomaly_score"]) for r in rows]) >= DEFAULT_THRESHOLD
    found = sum(bool((hit & (weights.window == k)).any()) for k in range(weights.windows))
    false_positives = int((hit & (weights.window == -1)).sum())
    must_find, max_fp = CASES[name]
    assert found >= must_find
    assert false_positives <= max_fp
