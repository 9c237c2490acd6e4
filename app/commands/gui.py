"""``shopfloor gui --config FILE``: the station with its window."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from app.commands.common import load_config_or_report, positive_float
from app.config import StationConfig


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "gui",
        help="open the station window",
        description="Run the station and show its overview, trends, events and devices.",
    )
    parser.add_argument("--config", required=True, help="station config (TOML)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default: per-user SQLite file)")
    add_window_options(parser)
    parser.set_defaults(handler=run)


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``gui`` and ``demo`` (mostly for documentation screenshots)."""
    parser.add_argument("--screenshot", help="save a PNG of the window before quitting")
    parser.add_argument(
        "--quit-after", type=positive_float, help="close the window after this many seconds"
    )


def run(args: argparse.Namespace) -> int:
    """Load the config and open the window."""
    config = load_config_or_report(args.config)
    if config is None:
        return 2
    return launch_gui(
        config, db_url=args.db, screenshot=args.screenshot, quit_after=args.quit_after
    )


def launch_gui(config: StationConfig, **options: Any) -> int:
    """Open the window; the Qt code is imported only here, by name, never by the core."""
    # importlib keeps widgets/ out of the core's import graph (see the import-linter contracts).
    gui = importlib.import_module("widgets.app")
    return int(gui.run_gui(config, **options))
