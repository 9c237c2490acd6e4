"""Helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import ConfigError, DeviceConfig, StationConfig
from app.config_loader import load_config
from app.storage import check_database_url, open_database
from app.storage.database import Database, as_url, default_database_url, sqlite_path


def load_config_or_report(path: str | Path) -> StationConfig | None:
    """Load a config; on failure print every problem to stderr and return None."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return None


def database_problem(db_url: str | None, config: StationConfig) -> bool:
    """True (after one sentence on stderr) when the station's database cannot be used."""
    from app.storage.database import check_database_url

    url = db_url or config.storage.url
    problem = check_database_url(url)
    if problem is None:
        return False
    where = "--db" if db_url else "storage.url"
    print(f"shopfloor: cannot use the station database ({where}): {problem}", file=sys.stderr)
    return True


def device_or_report(config: StationConfig, name: str) -> DeviceConfig | None:
    """The device called ``name``; None (with the known names on stderr) when there is none."""
    try:
        return config.device(name)
    except KeyError:
        known = ", ".join(d.name for d in config.devices)
        print(f"no device named '{name}' (devices: {known})", file=sys.stderr)
        return None


def warn_exposed(config_path: str | Path, db_url: str | None, config: StationConfig) -> None:
    """Warn (log) when the config or the database file can be read by other users (only for a
    usable database: an unusable one is reported alone, in one sentence)."""
    from app.secrets import exposure_warnings
    from app.storage.database import as_url, check_database_url, default_database_url, sqlite_path

    url = db_url or config.storage.url or default_database_url()
    if check_database_url(url) is not None:
        return
    for warning in exposure_warnings([Path(config_path), sqlite_path(as_url(url))]):
        logging.getLogger("app.secrets").warning("%s", warning)


def stop_on_signals() -> threading.Event:
    """An event that is set by SIGINT or SIGTERM (main thread only)."""
    stop = threading.Event()

    def _handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    return stop


def positive_float(text: str) -> float:
    """argparse type: a number above zero."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def error_reason(exc: BaseException) -> str:
    """The first line of what the database (or its driver) said, for a one-line message."""
    return (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown error"])[0]


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--db`` / ``--config``: which station database (default: the per-user one)."""
    parser.add_argument(
        "--db",
        help="database URL or SQLite file (default: the station config's storage.url, "
        "else the user's station database)",
    )
    parser.add_argument("--config", help="station config (TOML): its database and name")


class UsageError(Exception):
    """A command line that cannot be carried out: one sentence for stderr, exit status 2."""


def station_database(
    db: str | None, config_path: str | None, *, must_exist: bool = False
) -> tuple[Database, str]:
    """The station database and the station's name: ``--db``, else the config's
    ``storage.url``, else the user's station database. ``must_exist`` is for commands that only
    read: a missing SQLite file is an error rather than a new empty database. Raises
    :class:`UsageError` with one sentence."""
    url, station = db, socket.gethostname()
    if config_path:
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            raise UsageError(exc.report()) from None
        url = url or config.storage.url
        station = config.station.station
    problem = check_database_url(url)
    if problem is not None:
        raise UsageError(f"cannot use the station database: {problem}")
    full = as_url(url) if url else default_database_url()
    path = sqlite_path(full)
    if must_exist and path is not None and not path.is_file():
        raise UsageError(f"no database at {path}")
    try:
        return open_database(full), station
    except Exception as exc:  # e.g. a server that refuses the connection
        shown = make_url(full).render_as_string(hide_password=True)
        raise UsageError(f"cannot open {shown}: {error_reason(exc)}") from None


def open_station_database(
    args: argparse.Namespace, *, must_exist: bool = False
) -> tuple[Database, str] | None:
    """:func:`station_database` of ``--db`` / ``--config``, or None after one sentence on
    stderr."""
    try:
        return station_database(args.db, args.config, must_exist=must_exist)
    except UsageError as exc:
        print(f"shopfloor: {exc}", file=sys.stderr)
        return None
