"""Where the Numenta Anomaly Benchmark corpus is, and what to do when it is not there.

The corpus is not part of this repository: it lies in the work area's ``shared/nab`` beside the
clone (or where ``SHOPFLOOR_NAB`` points). A developer who cloned the project alone sees the NAB
tests skipped with that reason; in CI (``CI`` set) a missing corpus is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NAB = Path(
    os.environ.get("SHOPFLOOR_NAB") or Path(__file__).resolve().parents[2] / "shared" / "nab"
)


def require_corpus() -> Path:
    """The corpus folder; skip (outside CI) or fail (in CI) with the reason when it is absent."""
    if (NAB / "labels" / "combined_windows.json").is_file():
        return NAB
    reason = (
        f"NAB corpus not found at {NAB}: it comes with the work area's shared/ folder, not with "
        "this repository (set SHOPFLOOR_NAB to its path to run the NAB regression tests)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run them")
    pytest.skip(reason)
