"""index checkin.contact_id only where it is set: imported check-ins have no contact

Every imported check-in has a NULL contact_id, and each one still cost an index entry: a
500,000-row history wrote 500,000 entries no query reads. The index now holds only the rows
that name a contact. Lookups by contact (`contact_id = ?`, the join of a factory's contacts to
their check-ins, the foreign key check when a contact is deleted) imply IS NOT NULL, so
SQLite and PostgreSQL still use it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SET = sa.text("contact_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_checkin_contact_id", table_name="checkin")
    op.create_index(
        "ix_checkin_contact_id",
        "checkin",
        ["contact_id"],
        unique=False,
        sqlite_where=SET,
        postgresql_where=SET,
    )


def downgrade() -> None:
    op.drop_index("ix_checkin_contact_id", table_name="checkin")
    op.create_index("ix_checkin_contact_id", "checkin", ["contact_id"], unique=False)
