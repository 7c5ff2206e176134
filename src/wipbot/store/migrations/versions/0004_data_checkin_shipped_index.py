"""index checkin (milestone, reported_at): a factory's latest shipments without a full scan

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_milestone_reported_at", ["milestone", "reported_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_milestone_reported_at")
