"""The command line: every subcommand is present, --version, help without a command."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from app import __version__
from app.cli import COMMANDS, build_parser, main


def test_every_command_module_loads() -> None:
    # cli.py tolerates a command module that does not exist yet; the product must have them all.
    for name in COMMANDS:
        module = importlib.import_module(f"app.commands.{name}")
        assert callable(module.add_parser) and callable(module.run)
    help_text = build_parser().format_help()
    for name in COMMANDS:
        assert name.replace("_", "-") in help_text


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
