"""Reading the sample history of a database another process writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.storage import open_database
from app.storage.samples import SampleStore


def history_ready(db: Path) -> bool:
    """The station has created its history tables (so opening a store changes nothing)."""
    if not db.exists():
        return False
    conn = sqlite3.connect(db, timeout=5)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "sample_chunks", "sample_wal", "sample_rollups"} <= names:
            return False
        return conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    finally:
        conn.close()


def stored_counts(db: Path, good_only: bool = False) -> dict[str, int]:
    """Committed samples per tag, as another reader sees them (empty before the tables exist)."""
    if not history_ready(db):
        return {}
    database = open_database(f"sqlite:///{db}")
    try:
        return SampleStore(database).counts(good_only)
    finally:
        database.dispose()


def stored_total(db: Path) -> int:
    """Committed samples of every tag."""
    return sum(stored_counts(db).values())
