"""Inbound deliveries act once: each platform's delivery id is recorded under a unique key."""

from __future__ import annotations

from sqlalchemy import Insert, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import SeenInbound
from .models._base import utcnow

_TABLE = SeenInbound.__table__  # type: ignore[attr-defined]
_RECORD: dict[str, Insert] = {
    "postgresql": postgresql.insert(_TABLE).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_TABLE).on_conflict_do_nothing(),
}
"""Built once: the statement is the same for every delivery, only its values change."""


async def first_delivery(session: AsyncSession, platform: str, inbound_id: str) -> bool:
    """Record the id; False when it was seen before (a retry or a duplicate).

    One statement (insert, or nothing on conflict), inside the transaction that handles the
    delivery, so that a failed handling leaves the id unrecorded and the platform's retry is
    handled again. It goes to the session's connection as it is: nothing of the ORM is needed
    to insert one row of plain values, and that path costs several times the statement.
    """
    values = {"platform": platform, "inbound_id": inbound_id, "seen_at": utcnow()}
    connection = await session.connection()
    statement = _RECORD.get(connection.dialect.name, insert(_TABLE))
    result = await connection.execute(statement, values)
    return result.rowcount == 1
