"""``shopfloor demo``: the plant simulator and the window on the bundled demo line."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import positive_float
from app.commands.demo_line import point_at
from app.commands.gui import add_window_options, launch_gui
from app.config import ConfigError
from app.config_loader import load_config
from resources import DEMO_CONFIG


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    from drivers.simulator import builtin_names

    parser = subparsers.add_parser(
        "demo",
        help="run the built-in plant simulator and open the window on it",
        description="Start the simulated EV-parts line on a free local port and monitor it.",
    )
    parser.add_argument("--db", help="SQLAlchemy database URL (default: per-user SQLite file)")
    parser.add_argument("--seed", type=int, default=1, help="simulation seed (default: 1)")
    parser.add_argument(
        "--scenario",
        default="default",
        help=f"fault scenario: {', '.join(builtin_names())}, or a .toml file (default: default)",
    )
    parser.add_argument(
        "--speed",
        type=positive_float,
        default=1.0,
        help="simulated seconds per real second (default: 1.0)",
    )
    add_window_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the simulator, open the window, stop the simulator when the window closes."""
    from drivers.simulator import PlantSimulator, ScenarioError

    try:
        config = load_config(DEMO_CONFIG)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    try:
        sim = PlantSimulator(seed=args.seed, scenario=args.scenario, speed=args.speed)
    except (ScenarioError, ValueError) as exc:
        print(f"shopfloor demo: {exc}", file=sys.stderr)
        return 2
    sim.start()
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
        config = point_at(config, "127.0.0.1", server.port)
        return launch_gui(
            config, db_url=args.db, screenshot=args.screenshot, quit_after=args.quit_after
        )
    finally:
        sim.stop()
