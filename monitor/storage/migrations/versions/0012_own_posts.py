"""own_post: the own accounts' posts that answer nothing (a statement, an announcement)

Such a post is no mention and no response, so nothing was stored of it, and every customer replying
to it became one queue item (grouped by the thread), which our answer to one of them marked
answered (judge S, 2026-12-06). Its id is kept so that replies in its thread are grouped per author.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "own_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("author_handle", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_own_post_source_extid"),
    )


def downgrade() -> None:
    op.drop_table("own_post")
