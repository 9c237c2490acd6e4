"""Tables of the station database that belong to the sample and event history.

Other parts (the alarm journal, later the audit trail and the sync outbox) define their own
tables on their own ``MetaData``; all of them live in the same database file.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
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

# One row per sample. ``reason`` (why a sample is not good) and ``text`` (string tags) are NULL
# almost always, which costs SQLite one byte each.
samples = Table(
    "samples",
    metadata,
    Column("ts", Float, nullable=False),
    Column("tag_id", Integer, nullable=False),
    Column("value", Float, nullable=True),
    Column("quality", SmallInteger, nullable=False),
    Column("reason", Text, nullable=True),
    Column("text", Text, nullable=True),
    Index("ix_samples_tag_ts", "tag_id", "ts"),
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
