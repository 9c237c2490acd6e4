"""The Qt boundary: the core and the drivers never import Qt, pyqtgraph or the views."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "widgets")
CORE_PACKAGES = ("app", "drivers")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement in a file, at any depth (also in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def forbidden_imports(root: Path) -> list[str]:
    """``file:line imports module`` for every forbidden import under ``root``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                problems.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return problems


def test_core_and_drivers_never_import_qt() -> None:
    files = [p for pkg in CORE_PACKAGES for p in (REPO / pkg).rglob("*.py")]
    assert len(files) > 10  # the scan really saw the packages
    problems = [p for pkg in CORE_PACKAGES for p in forbidden_imports(REPO / pkg)]
    assert problems == []


def test_the_scan_finds_a_forbidden_import(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    package = tmp_path / "core"
    package.mkdir()
    (package / "ok.py").write_text("import numpy\nfrom app.config import load_config\n")
    (package / "bad.py").write_text(
        "def later():\n    from PySide6.QtCore import QTimer\n    import widgets.app\n"
    )
    assert forbidden_imports(package) == [
        "core/bad.py:2 imports PySide6.QtCore",
        "core/bad.py:3 imports widgets.app",
    ]


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a test dependency (pip install -e .[test])"
    result = subprocess.run(
        [lint, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The core and the drivers never import Qt KEPT" in result.stdout
    assert ", 0 broken." in result.stdout
