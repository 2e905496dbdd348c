"""quarantined_mention, and 64-bit counts on mention

A fetched mention that cannot be stored (or a stored one that cannot be processed) is kept in
``quarantined_mention`` instead of stopping its source or the worker. ``mention``'s follower and
engagement counts become BIGINT on PostgreSQL (a count above 2^31 no longer fails the insert);
SQLite's INTEGER is 64-bit already, and re-creating ``mention`` there would cascade deletes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("author_reach", "likes", "reposts", "replies", "quotes")


def upgrade() -> None:
    op.create_table(
        "quarantined_mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("error_class", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quarantined_mention") as batch:
        batch.create_index("ix_quarantine_source_at", ["source_name", "at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for name in COUNTS:
            op.alter_column("mention", name, type_=sa.BigInteger(), existing_type=sa.Integer(),
                            existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in COUNTS:
            op.alter_column("mention", name, type_=sa.Integer(), existing_type=sa.BigInteger(),
                            existing_nullable=False, postgresql_using=f"LEAST({name}, 2147483647)::integer")
    with op.batch_alter_table("quarantined_mention") as batch:
        batch.drop_index("ix_quarantine_source_at")
    op.drop_table("quarantined_mention")
