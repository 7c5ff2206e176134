"""replace NUL characters left in stored conversations

Until the webhooks replaced NUL on the way in, a NUL typed into a note was kept in the
conversation's JSON (PostgreSQL's json type keeps the escaped form) and then made PostgreSQL
refuse the check-in at every confirmation, until the contact sent /cancel. Each such character
becomes U+FFFD, as the webhooks now do; nothing else in the conversation changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = sa.table("conversation_state", sa.column("id", sa.Integer), sa.column("data", sa.JSON))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def upgrade() -> None:
    bind = op.get_bind()
    holding_nul = sa.cast(_STATES.c.data, sa.Text).contains("\\u0000", autoescape=True)
    rows = bind.execute(sa.select(_STATES.c.id, _STATES.c.data).where(holding_nul)).all()
    for row_id, data in rows:
        bind.execute(
            sa.update(_STATES).where(_STATES.c.id == row_id).values(data=_without_nul(data))
        )


def downgrade() -> None:
    """Nothing to undo: the NUL characters were never readable text."""
