"""Opening the station database: URL defaults and SQLite tuning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event

APP_NAME = "ShopFloorMonitor"


def default_database_url() -> str:
    """An SQLite file in the user's data directory."""
    directory = Path(user_data_dir(APP_NAME, appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'station.db'}"


def _sqlite_tuner(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def tune(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets the GUI read while the writer writes; NORMAL is durable across application
        # crashes (kill -9) and loses at most the last transactions on power loss.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return tune


def open_database(url: str | None = None, *, busy_timeout_ms: int = 5000) -> Engine:
    """Create an SQLAlchemy engine for ``url`` (default: the user's station database)."""
    url = url or default_database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_tuner(busy_timeout_ms))
    return engine
