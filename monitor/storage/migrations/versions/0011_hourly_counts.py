"""metric_counter 'mentions_by_hour' replaces 'mentions_by_day': the dashboard folds hours into the
organisation's days

Until this revision the triage stage counted each classified mention per UTC day, and the
dashboard of an organisation in Texas counted an evening's posts (after 18:00 CST) on the next
day. From it the count is per UTC hour (labels ``hour``, ``source``, ``sentiment``), and the
dashboard adds the hours of each local day. This migration recounts the mentions already
classified per hour (as 0006 did per day) and drops the daily rows; its downgrade does the reverse.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOURLY = "mentions_by_hour"
DAILY = "mentions_by_day"


def _recount(name: str, *, hourly: bool) -> None:
    bind = op.get_bind()
    mention = sa.table("mention", sa.column("id"), sa.column("source"), sa.column("created_at"))
    classification = sa.table("classification", sa.column("mention_id"), sa.column("label"))
    counter = sa.table("metric_counter", sa.column("name"), sa.column("labels"), sa.column("value"))
    if bind.dialect.name == "postgresql":
        when = sa.func.to_char(sa.func.timezone("UTC", mention.c.created_at),
                               'YYYY-MM-DD"T"HH24' if hourly else "YYYY-MM-DD")
    else:  # SQLite keeps UTC times as "YYYY-MM-DD HH:MM:SS[.ffffff]"
        when = sa.func.strftime("%Y-%m-%dT%H" if hourly else "%Y-%m-%d", mention.c.created_at)
    rows = bind.execute(
        sa.select(when, mention.c.source, classification.c.label, sa.func.count())
        .select_from(mention.join(classification, classification.c.mention_id == mention.c.id))
        .group_by(when, mention.c.source, classification.c.label)).all()
    bind.execute(sa.delete(counter).where(counter.c.name.in_((HOURLY, DAILY))))
    key = "hour" if hourly else "date"
    if rows:
        bind.execute(sa.insert(counter), [
            {"name": name, "labels": f'{key}="{w}",source="{src}",sentiment="{label}"', "value": float(n)}
            for w, src, label, n in rows if w])


def upgrade() -> None:
    _recount(HOURLY, hourly=True)


def downgrade() -> None:
    _recount(DAILY, hourly=False)
