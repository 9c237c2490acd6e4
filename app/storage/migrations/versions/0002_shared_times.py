"""Shared time columns: chunk format 2 may leave its timestamps out and refer to one
``sample_times`` row that the chunks of one poll group share. Format 1 chunks stay as they are
(``times_id`` NULL) and still decode."""

import sqlalchemy as sa
from alembic import op

revision = "0002_shared_times"
down_revision = "0001_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sample_times",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.add_column("sample_chunks", sa.Column("times_id", sa.Integer, nullable=True))
    op.create_index("ix_sample_chunks_times", "sample_chunks", ["times_id"])


def downgrade() -> None:
    raise NotImplementedError("the historian's format is not downgraded")
