"""outbox_message.claimed_until: the sender's lease on the rows it is sending

The sender claims the due rows of many chats in one statement instead of holding each row
locked in a transaction of its own while the platform answers. The claim is a time, not a
lock: another sender leaves a claimed row alone until then, and the claim of a sender that
crashed runs out by itself. NULL (every existing row) means unclaimed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:20:00.000000
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
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
