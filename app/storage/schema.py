"""Tables of the station database that belong to the sample and event history.

Other parts (the alarm journal, later the audit trail and the sync outbox) define their own
tables on their own ``MetaData``; all of them live in the same database file.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(160), nullable=False, unique=True),  # device.tag
    Column("device", String(64), nullable=False),
    Column("unit", String(32), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
)

# The sample history (app/storage/samples.py; the BLOB format is app/storage/chunk_codec.py).
# What the writer commits every flush goes first to the write-ahead table, one row per flush
# holding every tag's new samples; the fold turns them into one chunk per tag and deletes them.
sample_wal = Table(
    "sample_wal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),  # the first batch's: retry check
    Column("t_min", Float, nullable=False),
    Column("t_max", Float, nullable=False),
    Column("n", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

# One tag's samples of a time window, compressed. ``times_id``: the chunk's time column is the
# shared one of ``sample_times`` (the tags of one poll group share their timestamps).
sample_chunks = Table(
    "sample_chunks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tag_id", Integer, nullable=False),
    Column("t_start", Float, nullable=False),
    Column("t_end", Float, nullable=False),
    Column("n", Integer, nullable=False),
    Column("n_good", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("times_id", Integer, nullable=True),
    Index("ix_sample_chunks_tag_time", "tag_id", "t_start", "t_end"),
    Index("ix_sample_chunks_times", "times_id"),
)

# A time column stored once for the chunks that share it (app/storage/chunk_codec.py,
# ``encode_times``); deleted with the last chunk that refers to it.
sample_times = Table(
    "sample_times",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("n", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

# Aggregates of ``width`` seconds (60 and 3600) of one tag, ``n`` of them in the window that
# starts at ``t`` (a day of minutes, 32 days of hours), as one BLOB (app/storage/rollups.py):
# kept after the raw chunks are pruned.
sample_rollups = Table(
    "sample_rollups",
    metadata,
    Column("tag_id", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    PrimaryKeyConstraint("tag_id", "width", "t"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False, index=True),
    Column("kind", String(48), nullable=False),
    Column("source", String(160), nullable=False),
    Column("message", Text, nullable=False),
    Column("severity", SmallInteger, nullable=False),
    Column("data", Text, nullable=False, default="{}"),
)
