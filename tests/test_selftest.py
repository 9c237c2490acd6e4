"""``shopfloor selftest``: the whole product end to end in one command, as a real process."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_selftest_passes_every_step_and_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "selftest"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("  [")]
    assert len(steps) == 7 and all(step.startswith("  [ok  ]") for step in steps), result.stdout
    assert "alarm raised: washer stops answering" in result.stdout
    assert "alarm returned to normal" in result.stdout
    assert result.stdout.rstrip().endswith("self-test passed")
    assert "Traceback" not in result.stderr
