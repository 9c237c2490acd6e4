"""``shopfloor run --config FILE [--headless] [--duration S]``: run a station."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from app.commands.common import (
    database_problem,
    error_reason,
    load_config_or_report,
    positive_float,
    stop_on_signals,
    warn_exposed,
)
from app.config import StationConfig
from app.station import Station


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run a station with its window, or headless with --headless",
        description="Poll the station's devices, store what they report and show it in the "
        "window; with --headless, run without a window (as a service) and log to stderr.",
    )
    parser.add_argument("--config", required=True, help="station config (TOML)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default: per-user SQLite file)")
    parser.add_argument("--headless", action="store_true", help="no window: log to stderr")
    parser.add_argument(
        "--duration", type=positive_float, help="stop after this many seconds (default: run on)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run until Ctrl-C, SIGTERM or the duration ends."""
    config = load_config_or_report(args.config)
    if config is None:
        return 2
    if not args.headless:
        from app.commands.gui import launch_gui

        warn_exposed(args.config, args.db, config)
        return launch_gui(config, db_url=args.db)
    return run_headless(config, db_url=args.db, duration=args.duration, config_path=args.config)


def run_headless(
    config: StationConfig,
    *,
    db_url: str | None,
    duration: float | None,
    config_path: str | None = None,
) -> int:
    """The headless loop: start the station, report once, wait, stop cleanly; 2 when the
    database cannot be used. Files other users can read are warned about once it opened."""
    if database_problem(db_url, config):
        return 2
    stop = stop_on_signals()
    try:
        station = Station(config, db_url=db_url)
    except SQLAlchemyError as exc:  # e.g. locked by another process for longer than 5 s
        reason = error_reason(exc)
        print(f"shopfloor: cannot open the station database: {reason}", file=sys.stderr)
        return 2
    if config_path is not None:
        warn_exposed(config_path, db_url, config)
    station.start()
    print(
        f"running station {config.station.station}: {len(config.devices)} devices, "
        f"{len(station.engine.tags)} tags -> {station.database_url}",
        file=sys.stderr,
    )
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while not stop.is_set():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            stop.wait(1.0 if remaining is None else min(1.0, remaining))
    finally:
        station.stop()
    online = sum(1 for d in station.engine.diagnostics() if d.connected)
    print(
        f"stopped: {station.engine.samples_total} samples, {station.storage.rows_written} rows "
        f"written, {online}/{len(config.devices)} devices online at the end",
        file=sys.stderr,
    )
    return 0 if station.storage.healthy else 1
