"""Tables of quality inspection: parts, inspections, measurements, defects and their history.

Defects are never deleted: a wrong one is voided with a reason, and every edit leaves a row in
``qa_defect_history`` with who, when, and the values before and after.
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

parts = Table(
    "qa_parts",
    metadata,
    Column("serial", String(64), primary_key=True),
    Column("part_number", String(40), nullable=False, default=""),
    Column("started_at", Float, nullable=True),
    Column("start_machine", String(64), nullable=True),
    Column("closed_at", Float, nullable=True),
    Column("close_machine", String(64), nullable=True),
)

# One row per part finished at an inspecting machine: the denominators of the reject rates.
inspections = Table(
    "qa_inspections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("machine", String(64), nullable=False),
    Column("serial", String(64), nullable=False, default=""),
    Column("part_number", String(40), nullable=False, default=""),
    Column("shift", String(16), nullable=False, default=""),
    Column("rejected", SmallInteger, nullable=False, default=0),
    Index("ix_qa_inspections_machine_ts", "machine", "ts"),
)

measurements = Table(
    "qa_measurements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("machine", String(64), nullable=False),
    Column("characteristic", String(64), nullable=False),
    Column("value", Float, nullable=False),
    Column("serial", String(64), nullable=False, default=""),
    Column("part_number", String(40), nullable=False, default=""),
    Column("lsl", Float, nullable=True),
    Column("usl", Float, nullable=True),
    Column("shift", String(16), nullable=False, default=""),
    Index("ix_qa_measurements_char_ts", "characteristic", "ts"),
    Index("ix_qa_measurements_serial", "serial"),
)

defects = Table(
    "qa_defects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("ts", Float, nullable=False),
    Column("station", String(120), nullable=False, default=""),
    Column("line", String(120), nullable=False, default=""),
    Column("machine", String(64), nullable=False),
    Column("part_number", String(40), nullable=False, default=""),
    Column("serial", String(64), nullable=False, default=""),
    Column("code", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("disposition", String(16), nullable=False),
    Column("inspector", String(64), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("measured", Text, nullable=False, default="{}"),
    Column("photos", Text, nullable=False, default="[]"),
    Column("shift", String(16), nullable=False, default=""),
    Column("source", String(8), nullable=False, default="manual"),
    Column("voided", SmallInteger, nullable=False, default=0),
    Column("void_reason", Text, nullable=False, default=""),
    Column("updated_at", Float, nullable=False),
    # The history view filters by a time range (and machine, code), newest first; Pareto
    # groups by code, machine or shift. Each index starts with what is grouped or matched
    # exactly, then "not voided", then time, and carries the other grouping column, so every
    # such query is one range scan of an index without visiting the rows.
    Index("ix_qa_defects_voided_ts", "voided", "ts"),
    Index("ix_qa_defects_machine", "machine", "voided", "ts", "code"),
    Index("ix_qa_defects_code", "code", "voided", "ts", "machine"),
    Index("ix_qa_defects_shift", "shift", "voided", "ts"),
    Index("ix_qa_defects_serial", "serial"),
)

defect_history = Table(
    "qa_defect_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("defect_uid", String(32), nullable=False, index=True),
    Column("ts", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
)

# Defects (not voided) per hour, machine, code and shift, kept by the writer in the same
# transaction as the defects: a Pareto over a million defects sums a few thousand rows.
HOUR_S = 3600
defect_counts = Table(
    "qa_defect_counts",
    metadata,
    Column("hour", Integer, primary_key=True),
    Column("machine", String(64), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("shift", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
)
