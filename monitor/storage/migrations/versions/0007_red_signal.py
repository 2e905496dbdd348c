"""classification.red_score / red_reason: the P4 model signal as triage computed it

The confidentiality signal depends a little on the batch a text ran in (dynamic int8), so
readers that decide a stored mention again (``scout eval replay``, ``scout rules backtest``)
read the score triage stored instead of computing another one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("classification") as batch:
        batch.add_column(sa.Column("red_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("red_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("classification") as batch:
        batch.drop_column("red_reason")
        batch.drop_column("red_score")
