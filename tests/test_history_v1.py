"""A history written by the release with chunk format 1 (a time column in every chunk, schema
revision 0001) is read by this one unchanged after the upgrade: old chunks decode bit for bit,
the write-ahead rows it left are folded into the new format, and new folds share time columns.

``tests/data/history_v1.db`` was made by that release from :func:`samples_of` (parts 0 and 1
folded into chunks, part 2 left in the write-ahead table); see tests/data/README.md."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np

from app.config_loader import parse_config
from app.model import SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.chunk_codec import TagSamples
from app.storage.rollups import BLOCK_V2, Buckets, buckets_of, decode_block, read_buckets
from app.storage.versions import head_revision, schema_revision
from app.tags import TagTable

V1 = Path(__file__).resolve().parent / "data" / "history_v1.db"
T0 = 1_800_000_000.0
POLLS = 300


def line_config():  # type: ignore[no-untyped-def]
    """A float, a scaled register, an exact 64-bit counter, a string and a second register."""
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "tags": [
                        {"name": "f", "type": "float64"},
                        {"name": "c", "type": "int16", "scale": 0.1, "offset": -40.0},
                        {"name": "x", "type": "uint64"},
                        {"name": "s", "type": "string"},
                        {"name": "d", "type": "int16", "scale": 0.5},
                    ],
                }
            ],
        }
    )


def samples_of(part: int) -> list[SampleBatch]:
    """Part ``part`` of the history: ``POLLS`` polls of the five tags (one batch each),
    jittered times, a NaN, bad samples with a reason, exact integers beyond 2**53, texts."""
    rng = np.random.default_rng(100 + part)
    ts = T0 + part * 3600.0 + np.arange(POLLS) * 0.5 + rng.integers(0, 3, POLLS) / 1000.0
    floats = rng.normal(size=POLLS)
    floats[7] = np.nan
    counts = rng.integers(-300, 300, POLLS)
    big = [2**63 + int(k) for k in rng.integers(0, 1000, POLLS)]
    halves = rng.integers(0, 100, POLLS)
    ids = np.arange(5, dtype=np.int32)
    batches = []
    for i in range(POLLS):
        bad = 20 <= i < 25
        values = np.array(
            [floats[i], counts[i] * 0.1 - 40.0, float(big[i]), np.nan, halves[i] * 0.5]
        )
        batches.append(
            SampleBatch.uniform(
                "m",
                ids,
                float(ts[i]),
                np.full(5, np.nan) if bad else values,
                np.full(5, 2 if bad else 0, np.uint8),
                {k: "timeout" for k in range(5)} if bad else {},
                {3: f"part {part}-{i}"},
                {} if bad else {2: big[i]},
            )
        )
    return batches


def expected(tag: int) -> TagSamples:
    """Every sample of tag ``tag`` in all three parts, as the store returns them."""
    rows = [b for part in range(3) for b in samples_of(part)]
    return TagSamples(
        np.array([b.timestamps[tag] for b in rows]),
        np.array([b.values[tag] for b in rows]),
        np.array([b.quality[tag] for b in rows], np.uint8),
        {i: b.reasons[tag] for i, b in enumerate(rows) if tag in b.reasons},
        {i: b.texts[tag] for i, b in enumerate(rows) if tag in b.texts},
        {i: b.integers[tag] for i, b in enumerate(rows) if tag in b.integers},
    )


def same_buckets(a: Buckets, b: Buckets) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k), equal_nan=True)
        for k in ("t", "n", "n_good", "vmin", "vmax", "vsum")
    )


def same(a: TagSamples, b: TagSamples) -> bool:
    return (
        np.array_equal(np.round(a.ts * 1000), np.round(b.ts * 1000))
        and np.array_equal(a.values.view(np.uint64), b.values.view(np.uint64))
        and np.array_equal(a.quality, b.quality)
        and (a.reasons, a.texts, a.exact) == (b.reasons, b.texts, b.exact)
    )


def test_a_format_1_history_reads_and_folds_after_the_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    shutil.copy(V1, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            "0001_history"
        )
        assert {r[0] for r in conn.execute("SELECT substr(payload, 1, 1) FROM sample_chunks")} == {
            b"\x01"
        }
        assert conn.execute("SELECT count(*) FROM sample_wal").fetchone()[0] == 1
        # Roll-up blocks of format 1 (a chunk per column) decode: parts 0 and 1 were folded.
        query = "SELECT payload FROM sample_rollups WHERE tag_id = 1 ORDER BY width"
        blocks = conn.execute(query).fetchall()
        assert blocks and all(bytes(b[0])[:4] != BLOCK_V2 for b in blocks)
        folded = expected(0).take(np.arange(2 * POLLS))
        for width, (payload,) in zip((60, 3600), blocks, strict=True):
            assert same_buckets(decode_block(payload), buckets_of(folded, width))
    gateway = DatabaseGateway(open_database(db))
    writer = StorageWriter(gateway, TagTable(line_config()))  # upgrades, folds what was left
    try:
        assert schema_revision(gateway.db) == head_revision()
        for tag, name in enumerate("fcxsd"):
            got = writer.samples.samples(f"m.{name}")
            assert same(got, expected(tag)), name
        with gateway.db.connect() as conn:
            shared = conn.exec_driver_sql(
                "SELECT count(*) FROM sample_chunks WHERE times_id IS NOT NULL"
            ).scalar()
        assert shared == 5  # the newest chunk of each tag grew by the fold, with one time column
        with gateway.db.connect() as conn:  # old and new buckets merged into format 2
            for width in (60, 3600):
                merged = read_buckets(conn, 1, width)
                assert same_buckets(merged, buckets_of(expected(0), width)), width
        stats = {s.name: s for s in writer.samples.stats()}
        assert stats["m.f"].samples == 3 * POLLS and stats["m.f"].chunk_bytes > 0
    finally:
        gateway.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
