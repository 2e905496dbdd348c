"""platform_response, and queue_item.response_source / responded_by

Posts by the organisation's own accounts that answer a mention (issue 20) are stored in
``platform_response`` and mark the mention's queue item responded; the item says whether its
response was seen on the platform or recorded by hand, and who it is credited to.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source_name", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("author_handle", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("in_reply_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("thread_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("quoted", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("queue_item_id", sa.Integer(), nullable=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credited_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["queue_item_id"], ["queue_item.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_response_source_extid"),
    )
    with op.batch_alter_table("platform_response") as batch:
        batch.create_index("ix_response_unmatched", ["matched_at", "id"], unique=False)
        batch.create_index("ix_response_thread", ["source", "thread_id"], unique=False)
        batch.create_index(batch.f("ix_platform_response_queue_item_id"), ["queue_item_id"], unique=False)
    with op.batch_alter_table("queue_item") as batch:
        batch.add_column(sa.Column("response_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("responded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_item") as batch:
        batch.drop_column("responded_by")
        batch.drop_column("response_source")
    with op.batch_alter_table("platform_response") as batch:
        batch.drop_index(batch.f("ix_platform_response_queue_item_id"))
        batch.drop_index("ix_response_thread")
        batch.drop_index("ix_response_unmatched")
    op.drop_table("platform_response")
