"""queue_item.alert_state: the last alert per receiver (repeat suppression per group and receiver)

It replaces queue_item.last_alert_at (one time for all receivers), which is dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 06:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_item") as batch:
        batch.add_column(sa.Column("alert_state", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch.drop_column("last_alert_at")


def downgrade() -> None:
    with op.batch_alter_table("queue_item") as batch:
        batch.add_column(sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("alert_state")
