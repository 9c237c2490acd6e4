"""The PyInstaller build: a one-folder application that runs without the project's Python.

Builds with ``installer/build.sh`` into a temporary folder (about a minute), then runs the
frozen ``shopfloor --version`` and ``shopfloor selftest`` with an environment that has no
virtual environment, no PYTHONPATH and a working directory outside the checkout, so that only
what the bundle carries can be used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import __version__
from tests.conftest import REPO


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("installer")
    env = {**os.environ, "DIST_DIR": str(out / "dist"), "WORK_DIR": str(out / "build")}
    env["PYTHON"] = sys.executable
    result = subprocess.run(
        ["bash", str(REPO / "installer" / "build.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app = out / "dist" / "shopfloor" / "shopfloor"
    assert app.is_file()
    return app


def bare_environment(home: Path) -> dict[str, str]:
    """No virtual environment, no Python path: the bundle must carry everything."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


@pytest.mark.timeout(900)
def test_the_frozen_app_starts_and_says_its_version(bundle: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [str(bundle), "--version"],
        cwd=tmp_path,
        env=bare_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"shopfloor {__version__}"
    size = sum(p.stat().st_size for p in bundle.parent.rglob("*") if p.is_file())
    print(f"bundle {size / 1e6:.0f} MB, --version in {seconds:.2f} s")


@pytest.mark.timeout(900)
def test_the_frozen_app_passes_its_selftest(bundle: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(bundle), "selftest"],
        cwd=tmp_path,
        env=bare_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("self-test passed")
    # The driver registry found the Modbus driver inside the bundle, and the demo config too.
    assert "every tag of every device polled good" in result.stdout
