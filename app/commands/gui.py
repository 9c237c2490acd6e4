"""``shopfloor gui --config FILE``: the station with its window."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.commands.common import database_problem, positive_float, warn_exposed
from app.config import ConfigError, StationConfig
from app.config_loader import load_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "gui",
        help="open the station window",
        description="Run the station and show its overview, trends, events and devices.",
    )
    parser.add_argument(
        "--config",
        help="station config (TOML); without it, the station opened last, else a first-start "
        "choice: the demo line, a guided new-station setup or a station file",
    )
    parser.add_argument("--db", help="SQLAlchemy database URL (default: per-user SQLite file)")
    add_window_options(parser)
    parser.set_defaults(handler=run)


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``gui`` and ``demo`` (mostly for documentation screenshots)."""
    parser.add_argument("--screenshot", help="save a PNG of the window before quitting")
    parser.add_argument(
        "--quit-after", type=positive_float, help="close the window after this many seconds"
    )
    parser.add_argument(
        "--tab",
        action=_TabAction,
        metavar="NAME",
        help="show this tab (its title, any case, e.g. 'alarm history') a few seconds before "
        "--quit-after, refreshed (for screenshots)",
    )


#: The tab asked for with --tab (kept here: ``demo`` hands launch_gui only its own options).
_window_tab: list[str] = []


class _TabAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, values)
        _window_tab[:] = [str(values)]


def run(args: argparse.Namespace) -> int:
    """Load the config and open the window."""
    if args.config is None:
        return first_minute(args)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        # Started from a desktop shortcut nobody reads stderr: show the problems too.
        if has_display():
            from widgets.app import show_config_problems  # Qt only when a window is wanted

            show_config_problems(exc.report(), quit_after=args.quit_after)
        return 2
    warn_exposed(args.config, args.db, config)
    if has_display():
        from widgets.app import application
        from widgets.first_run import remember_station

        application()
        remember_station(Path(args.config))
    return launch_gui(
        config,
        db_url=args.db,
        screenshot=args.screenshot,
        quit_after=args.quit_after,
        config_path=args.config,
    )


def first_minute(args: argparse.Namespace) -> int:
    """No ``--config``: the station opened last, else ask (demo line, new station, a file)."""
    if not has_display():
        print("shopfloor gui: no --config and no display to ask on", file=sys.stderr)
        return 2
    from widgets.app import application
    from widgets.first_run import DEMO, choose_station, remembered_station

    application()
    path = remembered_station()
    if path is None:
        choice = choose_station(quit_after=args.quit_after)
        if choice is None:
            return 0  # the person closed the welcome dialog: nothing to do
        if choice.kind == DEMO:
            from app.commands.demo_line import start_demo_line

            sim, config = start_demo_line()
            try:
                return launch_gui(
                    config, db_url=args.db, screenshot=args.screenshot, quit_after=args.quit_after
                )
            finally:
                sim.stop()
        path = choice.path
    return run(argparse.Namespace(**{**vars(args), "config": str(path)}))


def launch_gui(config: StationConfig, **options: Any) -> int:
    """Open the window; 2 (one sentence on stderr) when the database cannot be used.

    The command line is the layer above the views, so it imports them; it does so here rather
    than at the top so that headless commands start without loading Qt.
    """
    if database_problem(options.get("db_url"), config):
        return 2
    from widgets.app import run_gui

    if _window_tab:
        from widgets.app import show_tab_later

        show_tab_later(_window_tab[0], options.get("quit_after") or 8.0)
    return int(run_gui(config, **options))


def has_display() -> bool:
    """True when a window can be shown (a desktop session, or Qt told to draw offscreen)."""
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
