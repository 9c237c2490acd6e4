"""The history schema's version: Alembic migrations, and the move of the old sample rows.

:func:`ensure_schema` runs at start (before the window opens). A new database gets the newest
tables at once, stamped with the newest revision (as Alembic advises: ``create_all``, then
stamp the head; a test holds them equal to what the migrations build). An existing one is
upgraded with Alembic to the newest revision (app/storage/migrations/versions/); then the rows
of the row-per-sample ``samples`` table of the release before the historian are moved into
chunks, a slice of one tag at a time, each slice in its own transaction that also deletes the
rows it moved (so an interrupted move goes on where it stopped), and the old table is dropped
at the end. ``progress`` hears ``(rows moved, rows in all)`` after each slice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

from app.storage.chunk_codec import TagSamples
from app.storage.chunk_tables import write_chunks
from app.storage.database import Database
from app.storage.schema import metadata as history_metadata

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LEGACY_TABLE = "samples"
SLICE_S = 6 * 3600.0  # one tag's old rows of 6 hours per transaction
_lock = threading.Lock()  # Alembic's configuration is not re-entrant across threads
#: The newest migration (tests/test_history_migration.py checks it against Alembic's head), so
#: that a database already there is recognised without importing Alembic (0.2 s at start).
HEAD_REVISION = "0003_oee_shifts"


def alembic_config(conn: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


#: The tables the migrations build, as the newest revision has them.
VERSIONED: tuple[MetaData, ...] = (history_metadata,)
#: Alembic's own table, as Alembic makes it.
_stamp = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def ensure_schema(database: Database, progress: Progress | None = None) -> None:
    """Bring the history tables to the newest revision and move old-format samples."""
    with _lock:
        revision = schema_revision(database)
        if revision is None and not _versioned_tables(database):
            create_newest(database)  # a new database: no migration to run (nor Alembic to load)
        elif revision != HEAD_REVISION:
            from alembic import command

            with database.begin() as conn:
                command.upgrade(alembic_config(conn), "head")
        if LEGACY_TABLE in inspect(database).get_table_names():
            move_legacy_samples(database, progress)


def create_newest(database: Database) -> None:
    """Create the newest versioned tables and stamp them with :data:`HEAD_REVISION`, in one
    transaction."""
    with database.begin() as conn:
        for versioned in VERSIONED:
            versioned.create_all(conn)
        _stamp.create(conn)
        conn.execute(_stamp.insert().values(version_num=HEAD_REVISION))


def _versioned_tables(database: Database) -> set[str]:
    """The versioned tables the database already has."""
    known = {name for versioned in VERSIONED for name in versioned.tables}
    return known & set(inspect(database).get_table_names())


def head_revision() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    with _lock:
        return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def schema_revision(database: Database) -> str | None:
    """The Alembic revision of the database (None: not versioned)."""
    with database.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def move_legacy_samples(database: Database, progress: Progress | None = None) -> int:
    """Move every row of the old ``samples`` table into chunks; returns the rows moved."""
    if progress is None:
        progress = _log_progress
    with database.connect() as conn:
        total = int(conn.execute(text(f"SELECT count(*) FROM {LEGACY_TABLE}")).scalar_one())
        query = text(f"SELECT DISTINCT tag_id FROM {LEGACY_TABLE}")
        tag_ids = [int(r[0]) for r in conn.execute(query)]
    log.info("moving %d samples of the old format into chunks", total)
    done = 0
    progress(0, total)
    for tag_id in tag_ids:
        while True:
            with database.begin() as conn:
                first = conn.execute(
                    text(f"SELECT min(ts) FROM {LEGACY_TABLE} WHERE tag_id = :t"), {"t": tag_id}
                ).scalar()
                if first is None:
                    break
                until = float(first) + SLICE_S
                found = conn.execute(
                    text(
                        f"SELECT ts, value, quality, reason, text FROM {LEGACY_TABLE} "
                        "WHERE tag_id = :t AND ts < :until ORDER BY ts"
                    ),
                    {"t": tag_id, "until": until},
                ).all()
                write_chunks(conn, {tag_id: legacy_samples(found)}, {})
                conn.execute(
                    text(f"DELETE FROM {LEGACY_TABLE} WHERE tag_id = :t AND ts < :until"),
                    {"t": tag_id, "until": until},
                )
            done += len(found)
            progress(done, total)
    with database.begin() as conn:
        conn.execute(text(f"DROP TABLE {LEGACY_TABLE}"))
    log.info("moved %d samples into chunks", done)
    return done


def _log_progress(done: int, total: int) -> None:
    """The default report: a log line every tenth of the way."""
    step = max(1, total // 10)
    if done == total or done // step != (done - 1) // step:
        log.info("moving old samples into chunks: %d of %d", done, total)


def legacy_samples(found: Sequence[Any]) -> TagSamples:
    """Old rows ``(ts, value, quality, reason, text)`` of one tag as samples.

    The old format kept exact 64-bit integers as decimal text beside the float value, and the
    value of string tags as text with a NULL value.
    """
    n = len(found)
    ts = np.fromiter((r[0] for r in found), dtype=np.float64, count=n)
    values = np.fromiter(
        (np.nan if r[1] is None else r[1] for r in found), dtype=np.float64, count=n
    )
    quality = np.fromiter((r[2] for r in found), dtype=np.uint8, count=n)
    reasons = {i: str(r[3]) for i, r in enumerate(found) if r[3] is not None}
    texts: dict[int, str] = {}
    exact: dict[int, int] = {}
    for i, r in enumerate(found):
        if r[4] is None:
            continue
        if r[1] is not None and _is_integer_text(r[4]) and float(int(r[4])) == r[1]:
            exact[i] = int(r[4])
        else:
            texts[i] = str(r[4])
    return TagSamples(ts, values, quality, reasons, texts, exact)


def _is_integer_text(value: str) -> bool:
    digits = value[1:] if value[:1] == "-" else value
    return digits.isdigit()
