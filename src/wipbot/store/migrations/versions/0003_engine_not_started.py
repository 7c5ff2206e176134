"""checkin.milestone nullable (NULL = not started: materials not in); checkin.shipped_on

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.alter_column("milestone", existing_type=sa.String(length=16), nullable=True)
        batch_op.add_column(sa.Column("shipped_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Not-started reports have no milestone to fall back to, so they are dropped first."""
    op.execute(
        "DELETE FROM checkin_issue WHERE checkin_id IN "
        "(SELECT id FROM checkin WHERE milestone IS NULL)"
    )
    op.execute(
        "DELETE FROM checkin_photo WHERE checkin_id IN "
        "(SELECT id FROM checkin WHERE milestone IS NULL)"
    )
    op.execute("DELETE FROM checkin WHERE milestone IS NULL")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("shipped_on")
        batch_op.alter_column("milestone", existing_type=sa.String(length=16), nullable=False)
