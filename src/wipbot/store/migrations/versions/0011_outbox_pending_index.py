"""index outbox_message.id over pending rows only: the sender's read walks them in order

The sender reads the queue as the first pending rows by id (`scheduler.sender.PENDING`).
PostgreSQL answered it by walking the primary key and filtering out every row already sent:
with 110,000 sent rows ahead of a backlog of 22,000 pending ones, 36 ms per read (EXPLAIN
ANALYZE; 110,330 rows removed by filter), a read every few messages. Over this partial index it
walks only pending rows: 0.2 ms. An index on (platform, chat_id, id) was not used by either
database for this read. SQLite already read it through ix_outbox_message_status (its entries are
in rowid order within a status); the partial index is made there too, so one schema serves both.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_message_pending",
        "outbox_message",
        ["id"],
        unique=False,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_pending", table_name="outbox_message")
