"""OEE per shift: one row per machine (and one for the whole line) per shift instance, kept
with the aggregates (no retention). A shift in progress is a partial row (``final`` false)
replaced as the shift goes on, so a restart resumes its counts; the shift's end makes it final.
The definition is frozen here; :mod:`app.oee.shifts` reads and writes it."""

import sqlalchemy as sa
from alembic import op

revision = "0003_oee_shifts"
down_revision = "0002_shared_times"
branch_labels = None
depends_on = None

frozen = sa.MetaData()
sa.Table(
    "oee_shifts",
    frozen,
    sa.Column("scope", sa.String(8), primary_key=True),  # "machine" or "line"
    sa.Column("name", sa.String(64), primary_key=True),  # the machine ("" for the line)
    sa.Column("shift", sa.String(32), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # the shift's day (ISO date, local)
    sa.Column("shift_start", sa.Float, nullable=False),
    sa.Column("shift_end", sa.Float, nullable=False),
    sa.Column("seen_from", sa.Float, nullable=False),
    sa.Column("seen_until", sa.Float, nullable=False),
    sa.Column("final", sa.Boolean, nullable=False),
    sa.Column("planned_s", sa.Float, nullable=False),
    sa.Column("planned_stop_s", sa.Float, nullable=False),
    sa.Column("run_s", sa.Float, nullable=False),
    sa.Column("unobserved_s", sa.Float, nullable=False),
    sa.Column("good", sa.BigInteger, nullable=False),
    sa.Column("reject", sa.BigInteger, nullable=False),
    sa.Column("availability", sa.Float, nullable=True),
    sa.Column("performance", sa.Float, nullable=True),
    sa.Column("quality", sa.Float, nullable=True),
    sa.Column("oee", sa.Float, nullable=True),
    sa.Column("micro_stops", sa.Integer, nullable=False),
    sa.Column("ideal_cycle_s", sa.Float, nullable=True),
    sa.Column("state_s", sa.Text, nullable=False),  # JSON: seconds per state category
    sa.Column("losses", sa.Text, nullable=False),  # JSON: the six big losses in seconds
    sa.Column("updated", sa.Float, nullable=False),
    sa.Index("ix_oee_shifts_start", "shift_start"),
)


def upgrade() -> None:
    frozen.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    op.drop_table("oee_shifts")
