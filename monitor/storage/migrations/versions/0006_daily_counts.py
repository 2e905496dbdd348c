"""metric_counter 'mentions_by_day': the dashboard's daily counts, filled from stored mentions;
queue_item indexes for the dashboard's overdue and response counts

From this revision the triage stage adds one to ``mentions_by_day`` (labels ``date``, ``source``,
``sentiment``) for each mention it classifies, and the dashboard reads those rows instead of
grouping every mention of its window. This migration counts the mentions already classified, so
the dashboard shows the same days after the upgrade as before it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "mentions_by_day"


def upgrade() -> None:
    op.create_index("ix_queue_due", "queue_item", ["status", "due_at"])
    op.create_index("ix_queue_responded", "queue_item", ["responded_at"])
    bind = op.get_bind()
    mention = sa.table("mention", sa.column("id"), sa.column("source"), sa.column("created_at"))
    classification = sa.table("classification", sa.column("mention_id"), sa.column("label"))
    counter = sa.table("metric_counter", sa.column("name"), sa.column("labels"), sa.column("value"))
    if bind.dialect.name == "postgresql":
        day = sa.func.to_char(sa.func.timezone("UTC", mention.c.created_at), "YYYY-MM-DD")
    else:
        day = sa.func.date(mention.c.created_at)
    rows = bind.execute(
        sa.select(day, mention.c.source, classification.c.label, sa.func.count())
        .select_from(mention.join(classification, classification.c.mention_id == mention.c.id))
        .group_by(day, mention.c.source, classification.c.label)).all()
    bind.execute(sa.delete(counter).where(counter.c.name == NAME))
    if rows:
        bind.execute(sa.insert(counter), [
            {"name": NAME, "labels": f'date="{str(d)[:10]}",source="{src}",sentiment="{label}"', "value": float(n)}
            for d, src, label, n in rows])


def downgrade() -> None:
    op.drop_index("ix_queue_responded", table_name="queue_item")
    op.drop_index("ix_queue_due", table_name="queue_item")
    bind = op.get_bind()
    counter = sa.table("metric_counter", sa.column("name"))
    bind.execute(sa.delete(counter).where(counter.c.name == NAME))
