"""platform_response.visibility: a response that is no public post (a Mastodon direct message)

An own account's Mastodon reply with ``visibility: direct`` answers the customer privately: it is a
response (the item is answered) but no public one, so the item's history says "direct message"
(issue 20). The visibility is stored with the response: it may be matched polls later.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform_response") as batch:
        batch.add_column(sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform_response") as batch:
        batch.drop_column("visibility")
