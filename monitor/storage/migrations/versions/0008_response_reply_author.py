"""platform_response.in_reply_to_author: the account an own account's reply answers

On X a thread started by our own account holds many customers' mentions; a reply of ours inside it
names the tweet it answers (which may be no stored mention) and, with ``in_reply_to_user_id``, the
account. Matching credits only a mention by that account (issue 20), so the handle is stored with
the response: it may be matched polls later.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform_response") as batch:
        batch.add_column(sa.Column("in_reply_to_author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform_response") as batch:
        batch.drop_column("in_reply_to_author")
