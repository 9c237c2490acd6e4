"""Opening the station database: the one opener, its pragmas, and the start-up check.

Every connection of the station (the gateway's writer, its reader, the CLI) comes from
:func:`open_database`, so all of them get the same SQLite settings: WAL (readers never wait for
the writer), ``synchronous=NORMAL`` (durable across kill -9; a power cut may lose the last
commits), a busy timeout and foreign keys.

The station database holds operator names and comments, so a file this module creates is
readable by its owner only (0600, in a 0700 directory when the directory is created here).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import URL, create_engine, event, make_url
from sqlalchemy import Engine as Database
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from app.secrets import SecretError, resolve_url

APP_NAME = "ShopFloorMonitor"
DEFAULT_BUSY_TIMEOUT_MS = 5000

__all__ = [
    "Database",
    "check_database_url",
    "default_database_url",
    "open_database",
    "sqlite_path",
]


def default_directory() -> Path:
    """The per-user data directory that holds the default station database."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    """An SQLite file in the user's data directory (the directory is not created here)."""
    return f"sqlite:///{default_directory() / 'station.db'}"


def as_url(url_or_path: str | Path) -> str:
    """A URL as given, or an SQLite URL for a plain file path."""
    text = str(url_or_path)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser()}"


def sqlite_path(url: str | URL) -> Path | None:
    """The file of an SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and missing parents 0700; existing directories are left alone."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (SQLite accepts an empty file
    as a new database, and gives the -wal and -shm files the same permissions)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # the umask could have taken bits away, never added: be explicit


def _sqlite_tuner(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return tune


def open_database(
    url: str | Path | None = None, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> Database:
    """The SQLAlchemy engine of ``url`` (or an SQLite file path; default: the user's station
    database), tuned the one way every connection of the station is tuned."""
    text = as_url(url) if url is not None else default_database_url()
    path = sqlite_path(text)
    if path is not None:
        _make_private_dirs(path.parent)
        _create_private_file(path)
    # A password given as ${env:NAME} or ${keyring:SERVICE/USER} is looked up here, never
    # written in the config (app.secrets).
    resolved = resolve_url(text)
    if path is None and resolved.get_backend_name() == "sqlite":
        # In memory: one connection shared by every thread, else each thread has its own DB.
        database = create_engine(
            resolved, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        database = create_engine(resolved)
    if database.dialect.name == "sqlite":
        event.listen(database, "connect", _sqlite_tuner(busy_timeout_ms))
    return database


def check_database_url(url: str | Path | None) -> str | None:
    """One sentence saying why the station cannot use ``url`` (None: default), or None.

    Checks the URL's syntax, that its dialect and DBAPI driver can be imported and, for an
    SQLite file, that its directory can be created or written and the file is writable. It
    creates nothing.
    """
    text = as_url(url) if url is not None else default_database_url()
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):  # ValueError: e.g. a port that is not a number
        return f"'{text}' is not a database URL (expected e.g. sqlite:////path/station.db)"
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"'{shown}': unknown database kind '{parsed.drivername}'"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = getattr(exc, "name", None) or str(exc)
        return f"'{shown}' needs the Python database driver '{module}', which is not installed"
    try:
        resolve_url(parsed)
    except SecretError as exc:
        return f"'{shown}': {exc}"
    path = sqlite_path(parsed)
    return None if path is None else _check_sqlite_file(path)


def _check_sqlite_file(path: Path) -> str | None:
    if path.exists():
        if path.is_dir():
            return f"the database path {path} is a directory"
        if not os.access(path, os.R_OK | os.W_OK):
            return f"the database file {path} is read-only; the station must write to it"
        # SQLite writes the -wal and -shm files next to it.
        return _check_writable_directory(path.parent)
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot create the database directory {path.parent}: {existing} is a file"
    return _check_writable_directory(existing, creating=path.parent)


def _check_writable_directory(directory: Path, creating: Path | None = None) -> str | None:
    # A real probe: os.access says yes to root even where nothing can be created (/proc).
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        target = creating if creating is not None else directory
        reason = exc.strerror or type(exc).__name__
        if creating is not None and creating != directory:
            return f"cannot create the database directory {target}: {reason} in {directory}"
        return f"cannot write to the database directory {target}: {reason}"
    return None
