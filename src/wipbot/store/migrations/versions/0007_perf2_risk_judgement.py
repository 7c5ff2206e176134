"""risk_judgement: how long each production order's last risk judgement stands

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:20:00.000000
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
    op.create_table(
        "risk_judgement",
        sa.Column("production_order_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("judged_on", sa.Date(), nullable=False),
        sa.Column("stands_until", sa.Date(), nullable=False),
        sa.Column("inputs", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.PrimaryKeyConstraint("production_order_id"),
    )


def downgrade() -> None:
    op.drop_table("risk_judgement")
