"""``shopfloor check-config FILE``: validate a station config and list every problem."""

from __future__ import annotations

import argparse

from app.commands.common import load_config_or_report


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "check-config",
        help="validate a station config file",
        description="Validate a station config; every problem is printed with its key path.",
    )
    parser.add_argument("file", help="station config (TOML)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when the config is valid, 2 otherwise."""
    config = load_config_or_report(args.file)
    if config is None:
        return 2
    tags = sum(len(d.tags) for d in config.devices)
    print(f"{args.file}: OK ({len(config.devices)} devices, {tags} tags)")
    return 0
