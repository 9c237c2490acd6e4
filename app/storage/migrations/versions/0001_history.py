"""The historian: compressed sample chunks, write-ahead rows and roll-ups.

Creates the history tables that do not exist yet: on a new database all of them; on one made
by the release before the historian (``tags``, row-per-sample ``samples``, ``events``) the new
ones. The definitions are frozen here (later revisions change them, not app/storage/schema.py).
The old ``samples`` rows are moved afterwards, resumably and with progress, by
:func:`app.storage.versions.move_legacy_samples`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_history"
down_revision = None
branch_labels = None
depends_on = None

frozen = sa.MetaData()
sa.Table(
    "tags",
    frozen,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(160), nullable=False, unique=True),
    sa.Column("device", sa.String(64), nullable=False),
    sa.Column("unit", sa.String(32), nullable=False, default=""),
    sa.Column("description", sa.Text, nullable=False, default=""),
)
sa.Table(
    "events",
    frozen,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("kind", sa.String(48), nullable=False),
    sa.Column("source", sa.String(160), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("severity", sa.SmallInteger, nullable=False),
    sa.Column("data", sa.Text, nullable=False, default="{}"),
)
sa.Table(
    "sample_wal",
    frozen,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("t_min", sa.Float, nullable=False),
    sa.Column("t_max", sa.Float, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)
sa.Table(
    "sample_chunks",
    frozen,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tag_id", sa.Integer, nullable=False),
    sa.Column("t_start", sa.Float, nullable=False),
    sa.Column("t_end", sa.Float, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("n_good", sa.Integer, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Index("ix_sample_chunks_tag_time", "tag_id", "t_start", "t_end"),
)
sa.Table(
    "sample_rollups",
    frozen,
    sa.Column("tag_id", sa.Integer, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("t", sa.BigInteger, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("tag_id", "width", "t"),
)


def upgrade() -> None:
    frozen.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("the historian's format is not downgraded")
