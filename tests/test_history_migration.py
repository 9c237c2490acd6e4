"""A station database made by the release before the historian (row-per-sample ``samples``)
is migrated on first start: every sample lands in chunks, exact, with progress reported."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

from app.config_loader import load_config
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.versions import (
    HEAD_REVISION,
    alembic_config,
    create_newest,
    head_revision,
    schema_revision,
)
from app.tags import TagTable
from tests.conftest import CONFIGS
from tests.pg_support import history_url, postgres_server  # noqa: F401 (fixtures)

LEGACY = Path(__file__).resolve().parent / "data" / "station_v0.db"


def legacy_copy(tmp_path: Path, extra_rows: int) -> Path:
    """The old database (tests/data/README.md), grown with rows in its own old layout: bad
    samples with reasons, an exact 64-bit integer as text, a string value, many ramp samples."""
    db = tmp_path / "station.db"
    shutil.copy(LEGACY, db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 108
    assert "sample_chunks" not in {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    start = conn.execute("SELECT max(ts) FROM samples").fetchone()[0] + 1.0
    oven = conn.execute("SELECT id FROM tags WHERE name = 'oven.temp'").fetchone()[0]
    cycles = conn.execute("SELECT id FROM tags WHERE name = 'press.cycles'").fetchone()[0]
    conn.executemany(
        "INSERT INTO samples (ts, tag_id, value, quality, reason, text) VALUES (?,?,?,?,?,?)",
        [(start + i * 0.2, oven, float(i % 977) / 8, 0, None, None) for i in range(extra_rows)],
    )
    conn.executemany(
        "INSERT INTO samples (ts, tag_id, value, quality, reason, text) VALUES (?,?,?,?,?,?)",
        [
            (start + 1, cycles, None, 1, "timeout", None),
            (start + 2, cycles, float(2**63 - 25), 0, None, str(2**63 - 25)),
            (start + 3, cycles, None, 0, None, "part A-17"),
        ],
    )
    conn.commit()
    conn.close()
    return db


def old_rows(db: Path) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    rows: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
    for name, ts, value, quality, reason, text in conn.execute(
        "SELECT t.name, s.ts, s.value, s.quality, s.reason, s.text FROM samples s "
        "JOIN tags t ON t.id = s.tag_id ORDER BY t.name, s.ts"
    ):
        rows.setdefault(name, []).append((ts, value, quality, reason, text))
    conn.close()
    return rows


def test_the_old_row_per_sample_database_is_migrated_on_first_start(tmp_path: Path) -> None:
    db = legacy_copy(tmp_path, extra_rows=250_000)  # 14 hours of a 5 Hz tag
    expected = old_rows(db)
    total = sum(len(v) for v in expected.values())
    progress: list[tuple[int, int]] = []
    database = open_database(f"sqlite:///{db}")
    assert schema_revision(database) is None
    writer = StorageWriter(
        DatabaseGateway(database),
        TagTable(load_config(CONFIGS / "sim_line.toml")),
        progress=lambda done, of: progress.append((done, of)),
    )
    try:
        assert schema_revision(database) == head_revision() == "0003_oee_shifts"
        # Progress: from 0 to all, never backwards, several steps for the 14 hours.
        assert progress[0] == (0, total) and progress[-1] == (total, total)
        assert len(progress) > 5
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(progress))
        conn = sqlite3.connect(db)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        conn.close()
        assert (
            "samples" not in tables and {"sample_chunks", "sample_rollups", "oee_shifts"} <= tables
        )
        store = writer.samples
        assert store.counts() == {name: len(rows) for name, rows in expected.items()}
        for name, rows in expected.items():
            got = store.samples(name)
            ts = np.array([r[0] for r in rows])
            assert np.abs(got.ts - ts).max() <= 0.0005, name  # kept to the millisecond
            values = np.array([np.nan if r[1] is None else r[1] for r in rows])
            assert np.array_equal(got.values, values, equal_nan=True), name
            assert got.quality.tolist() == [r[2] for r in rows], name
            assert got.reasons == {i: r[3] for i, r in enumerate(rows) if r[3]}, name
        cycles = store.samples("press.cycles")
        assert 2**63 - 25 in cycles.exact.values()  # exact beyond float64, as before
        assert "part A-17" in cycles.texts.values()
        assert cycles.reasons and "timeout" in cycles.reasons.values()
    finally:
        writer.gateway.close()
    # A second start finds nothing to migrate and the data as it was.
    again = StorageWriter(
        DatabaseGateway(open_database(f"sqlite:///{db}")),
        TagTable(load_config(CONFIGS / "sim_line.toml")),
        progress=lambda done, of: progress.append((-1, -1)),
    )
    try:
        assert progress[-1] != (-1, -1)
        assert again.samples.counts() == {name: len(rows) for name, rows in expected.items()}
    finally:
        again.gateway.close()


def test_a_new_database_or_one_at_the_newest_revision_opens_without_alembic(
    tmp_path: Path,
) -> None:
    """Alembic costs 0.2 s at start; neither a new database (the newest tables, stamped) nor one
    already at the head needs it, and the head the code names is the one the migrations end at."""
    assert head_revision() == HEAD_REVISION
    db = tmp_path / "station.db"
    script = (
        "import sys\n"
        "from app.storage import open_database\n"
        "from app.storage.versions import ensure_schema, schema_revision\n"
        f"database = open_database({str(db)!r})\n"
        "ensure_schema(database)\n"
        "print(schema_revision(database), 'alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.stdout.split() == [HEAD_REVISION, "False"], first.stderr  # created, stamped
    again = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert again.stdout.split() == [HEAD_REVISION, "False"], again.stderr


def described(url: str) -> dict[str, object]:
    """Every table of a database as its columns, primary key, indexes and unique constraints."""
    from sqlalchemy import inspect

    inspector = inspect(open_database(url))
    return {
        name: {
            "columns": {
                c["name"]: (str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)
            },
            "primary key": inspector.get_pk_constraint(name)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)
            ),
        }
        for name in sorted(inspector.get_table_names())
    }


def test_a_new_database_gets_exactly_what_the_migrations_build(
    history_url: str,  # noqa: F811
) -> None:
    """The short way for a new database (the newest tables, stamped with the head) and the long
    one (every migration from an empty database) end at the same schema and revision."""
    from alembic import command

    from app.storage.database import open_database as open_db

    migrated = open_db(history_url)
    with migrated.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    long_way = described(history_url)
    with migrated.begin() as conn:  # empty the database again for the short way
        for name in long_way:
            conn.exec_driver_sql(f"DROP TABLE {name}")
    assert described(history_url) == {}
    create_newest(migrated)
    assert described(history_url) == long_way
    assert schema_revision(migrated) == HEAD_REVISION
