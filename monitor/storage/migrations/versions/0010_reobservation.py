"""mention.observed_at, prev_engagement, prev_observed_at: a post read again keeps two readings

A connector (or ``scout eval replay``) may deliver a post that is stored already. Intake then keeps
the newer engagement counts on the row and the reading before them (its engagement total and
when it was taken), so that velocity is measured between two readings of the same post instead
of from nothing at posting time. ``fetched_at`` stays when the mention was first stored. All
three columns are NULL for a post read once (every row stored before this revision).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added columns only: SQLite takes them with ALTER TABLE ADD COLUMN (the table is not re-created).
    with op.batch_alter_table("mention") as batch:
        batch.add_column(sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("prev_engagement", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                   nullable=True))
        batch.add_column(sa.Column("prev_observed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would re-create the table, and dropping the old one with
    # foreign keys on deletes every row that refers to a mention (ON DELETE CASCADE). SQLite 3.35+
    # drops a plain column in place.
    for name in ("prev_observed_at", "prev_engagement", "observed_at"):
        op.drop_column("mention", name)
