"""The command line: every subcommand is present, --version, help without a command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__, commands
from app.cli import COMMANDS, build_parser, main
from tests.conftest import REPO


def test_every_command_module_is_listed_and_loads() -> None:
    # Every module in app/commands/ that defines a subcommand is one the parser offers.
    package = Path(commands.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if "def add_parser(" in p.read_text()}
    assert {m.__name__.rsplit(".", 1)[1] for m in COMMANDS} == modules
    help_text = build_parser().format_help()
    for module in COMMANDS:
        assert callable(module.add_parser) and callable(module.run)
        assert module.__name__.rsplit(".", 1)[1].replace("_", "-") in help_text


def test_a_command_that_cannot_be_imported_is_an_error_not_a_missing_command(
    tmp_path: Path,
) -> None:
    # Plant a broken import in a copy of the package: the CLI must fail loudly at start.
    copy = tmp_path / "repo"
    for name in ("app", "drivers"):
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    broken = copy / "app" / "commands" / "detect.py"
    broken.write_text(broken.read_text(encoding="utf-8") + "\nimport no_such_module_here\n")
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); import app.cli"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No module named 'no_such_module_here'" in result.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"shopfloor {__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_python_dash_m_app_and_console_script_agree() -> None:
    by_module = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, timeout=60
    )
    assert by_module.returncode == 0 and by_module.stdout.strip() == f"shopfloor {__version__}"
