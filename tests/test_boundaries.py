"""The layers: command line > views > core > drivers > config/model leaf, and no Qt in the core.

Enforced twice: the import-linter contracts in ``pyproject.toml`` (``lint-imports``, also run by
``./run.sh test``) and an AST scan here that also sees imports inside functions. The contracts
are proven to bite: a violation planted in a copy of the tree must make ``lint-imports`` fail.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.conftest import REPO

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "widgets")
#: The command line sits above the views and may import them.
TOP_LAYER = ("app/__main__.py", "app/cli.py", "app/commands")


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


def forbidden_imports(root: Path, files: list[Path] | None = None) -> list[str]:
    """``file:line imports module`` for every forbidden import under ``root``."""
    problems = []
    for path in sorted(files if files is not None else root.rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                problems.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return problems


def core_files() -> list[Path]:
    """Every module of the core, the leaf and the drivers (app/ without the command line)."""
    files = [*(REPO / "app").rglob("*.py"), *(REPO / "drivers").rglob("*.py")]
    top = [REPO / part for part in TOP_LAYER]
    return [p for p in files if not any(p == t or t in p.parents for t in top)]


def test_core_and_drivers_never_import_qt() -> None:
    files = core_files()
    assert len(files) > 40  # the scan really saw the packages
    assert not any("commands" in p.parts for p in files)
    assert forbidden_imports(REPO, files) == []


def test_the_scan_finds_a_forbidden_import(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    package = tmp_path / "core"
    package.mkdir()
    (package / "ok.py").write_text("import numpy\nfrom app.config_loader import load_config\n")
    (package / "bad.py").write_text(
        "def later():\n    from PySide6.QtCore import QTimer\n    import widgets.app\n"
    )
    assert forbidden_imports(package) == [
        "core/bad.py:2 imports PySide6.QtCore",
        "core/bad.py:3 imports widgets.app",
    ]


def layers() -> list[list[str]]:
    """The modules of each layer of the ``layers`` contract, top first."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layered,) = [c for c in contracts if c.get("id") == "layers"]
    return [[m.strip() for m in layer.replace("|", ":").split(":")] for layer in layered["layers"]]


def test_every_module_of_app_sits_in_exactly_one_layer() -> None:
    listed = [m for layer in layers() for m in layer]
    assert len(listed) == len(set(listed))
    children = {
        f"app.{p.stem}" if p.is_file() else f"app.{p.name}"
        for p in (REPO / "app").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    in_layers = {m for m in listed if m.startswith("app.")}
    assert children - in_layers == set(), "add the new module to a layer in pyproject.toml"
    assert in_layers - children == set(), "a layer names a module that no longer exists"
    assert [layer for layer in layers() if layer[0] in ("widgets", "drivers")] == [
        ["widgets"],
        ["drivers"],
    ]


def run_lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a test dependency (pip install -e .[test])"
    return subprocess.run(
        [lint, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=180
    )


def test_import_linter_contracts_hold() -> None:
    result = run_lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in (
        "Layers: command line > views > core > drivers > config and model leaf KEPT",
        "The core and the drivers never import Qt KEPT",
        "Drivers are independent of each other KEPT",
        "Alarms and anomaly detectors meet only in the station KEPT",
    ):
        assert name in result.stdout
    assert ", 0 broken." in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and pyproject.toml in which violations can be planted."""
    root = tmp_path_factory.mktemp("tree")
    for name in ("app", "drivers", "widgets"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


PLANTS = [
    # (file, planted import, the contract that must break)
    ("app/engine.py", "import widgets.app", "Layers"),
    ("app/alarms/manager.py", "from app.commands import run", "Layers"),
    ("drivers/modbus/common.py", "import app.engine", "Layers"),
    ("drivers/serial_ascii.py", "from app.station import Station", "Layers"),
    ("app/config/schema.py", "import drivers", "Layers"),
    ("app/model.py", "from app import tags", "Layers"),
    ("widgets/overview.py", "from app.cli import main", "Layers"),
    ("app/detectors/robust.py", "import pyqtgraph", "The core and the drivers never import Qt"),
    ("drivers/signal_generator.py", "import drivers.modbus.codec", "Drivers are independent"),
    ("app/detectors/monitor.py", "import app.alarms.model", "Alarms and anomaly detectors"),
]


@pytest.mark.parametrize(("file", "line", "contract"), PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_violation_breaks_its_contract(
    tree_copy: Path, file: str, line: str, contract: str
) -> None:
    target = tree_copy / file
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{line}  # planted\n", encoding="utf-8")
    try:
        result = run_lint_imports(tree_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), result.stdout


def import_cycles(*packages: str) -> list[list[str]]:
    """Groups of modules that import each other back (strongly connected components > 1)."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
    modules = sorted(graph.modules)
    known = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & known) for m in modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in modules:
        if root in order:
            continue
        work = [(root, 0)]  # iterative Tarjan: (module, next edge index)
        while work:
            node, edge = work.pop()
            if edge == 0:
                order[node] = low[node] = len(order)
                stack.append(node)
                on_stack.add(node)
            if edge < len(edges[node]):
                work.append((node, edge + 1))
                nxt = edges[node][edge]
                if nxt not in order:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], order[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return cycles


def test_no_module_imports_itself_back_through_a_cycle() -> None:
    assert import_cycles("app", "drivers", "widgets") == []


def test_the_cycle_check_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("from loop import c\n")
    (package / "c.py").write_text("import loop.a\n")
    (package / "d.py").write_text("import loop.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("loop") == [["loop.a", "loop.b", "loop.c"]]


def test_no_project_module_is_imported_by_name_outside_the_driver_registry() -> None:
    offenders = []
    for path in [*(REPO / "app").rglob("*.py"), *(REPO / "widgets").rglob("*.py")]:
        for line, module in imported_modules(path):
            if module == "importlib":
                offenders.append(f"{path.relative_to(REPO)}:{line}")
    drivers = [p for p in (REPO / "drivers").rglob("*.py") if p.name != "__init__.py"]
    offenders += [
        f"{p.relative_to(REPO)}"
        for p in drivers
        if "import_module" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
