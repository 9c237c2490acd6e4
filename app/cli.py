"""The ``shopfloor`` command line.

Each subcommand lives in ``app/commands/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit codes: 0 success, 1 the job ran but something is wrong (bad tags,
failed run), 2 bad input (arguments, config, files).

The command line is the top layer: it may import the views (``widgets``), which nothing below
it may (see the import-linter contracts in ``pyproject.toml``). Commands are imported by name,
so a command that cannot be imported is an import error at start, never a missing command.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from app import __version__
from app.commands import (
    alarms,
    audit,
    check_config,
    cluster,
    cluster_receiver,
    defects,
    demo,
    detect,
    export,
    gui,
    history,
    oee,
    orders,
    poll,
    run,
    selftest,
    simulate,
    users,
    write,
)
from app.secrets import install_log_filter

#: Every subcommand module, in the order ``--help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (
    demo,
    gui,
    run,
    simulate,
    check_config,
    poll,
    detect,
    alarms,
    history,
    defects,
    export,
    write,
    selftest,
    users,
    audit,
    orders,
    oee,
    cluster_receiver,
    cluster,
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="shopfloor",
        description="ShopFloor Monitor: live monitoring, alarms and anomaly detection "
        "for the machines of a factory line.",
    )
    parser.add_argument("--version", action="version", version=f"shopfloor {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging detail on stderr (default: WARNING)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # The entry points import with the cyclic collector off (app/__main__.py); on again for the
    # command (a window then collects on its own thread, widgets/collector.py).
    gc.enable()
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_filter()  # secrets never reach a log line
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
