"""``shopfloor check-config FILE``: validate a station config and list every problem."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import load_config_or_report
from app.config import ConfigError
from app.storage.database import check_database_url


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
    # The database is part of the config: a URL the station cannot open fails here, not at run.
    urls = [("storage.url", config.storage.url)]
    if config.cluster.lead_db is not None:
        urls.append(("cluster.lead_db", config.cluster.lead_db))
    for key, url in urls:
        problem = check_database_url(url)
        if problem is not None:
            print(ConfigError(str(args.file), [f"{key}: {problem}"]).report(), file=sys.stderr)
            return 2
    tags = sum(len(d.tags) for d in config.devices)
    print(f"{args.file}: OK ({len(config.devices)} devices, {tags} tags)")
    return 0
