"""Tables of the station database whose schema Alembic versions (app/storage/migrations/): the
sample and event history, and OEE per shift.

Other parts (the alarm journal, the audit trail, the sync outbox) define their own tables on
their own ``MetaData``; all of them live in the same database file. A new database gets these
tables as defined here, stamped with the newest revision (app/storage/versions.py); a test
holds them equal to what the migrations build.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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

# OEE per shift (app/oee/shifts.py): one row per machine and one for the line per shift
# instance, kept like the roll-ups (no retention). A running shift's row is partial (``final``
# false) and replaced as it goes on, so a restart resumes its counts.
oee_shifts = Table(
    "oee_shifts",
    metadata,
    Column("scope", String(8), primary_key=True),  # "machine" or "line"
    Column("name", String(64), primary_key=True),  # the machine ("" for the line)
    Column("shift", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),  # the shift's day (ISO date, local)
    Column("shift_start", Float, nullable=False),
    Column("shift_end", Float, nullable=False),
    Column("seen_from", Float, nullable=False),
    Column("seen_until", Float, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("planned_s", Float, nullable=False),
    Column("planned_stop_s", Float, nullable=False),
    Column("run_s", Float, nullable=False),
    Column("unobserved_s", Float, nullable=False),
    Column("good", BigInteger, nullable=False),
    Column("reject", BigInteger, nullable=False),
    Column("availability", Float, nullable=True),
    Column("performance", Float, nullable=True),
    Column("quality", Float, nullable=True),
    Column("oee", Float, nullable=True),
    Column("micro_stops", Integer, nullable=False),
    Column("ideal_cycle_s", Float, nullable=True),
    Column("state_s", Text, nullable=False),  # JSON: seconds per state category
    Column("losses", Text, nullable=False),  # JSON: the six big losses in seconds
    Column("updated", Float, nullable=False),
    Index("ix_oee_shifts_start", "shift_start"),
)
