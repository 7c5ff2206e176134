"""purchase_order_line.production_order_id: which production order makes each line

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("production_order_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_purchase_order_line_production_order_id"),
            ["production_order_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            "fk_purchase_order_line_production_order_id",
            "production_order",
            ["production_order_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_line", schema=None) as batch_op:
        batch_op.drop_constraint("fk_purchase_order_line_production_order_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_purchase_order_line_production_order_id"))
        batch_op.drop_column("production_order_id")
