"""Inbound deliveries act once: each platform's delivery id is recorded under a unique key."""

from __future__ import annotations

from sqlalchemy import Insert, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import SeenInbound
from .models._base import utcnow


async def first_delivery(session: AsyncSession, platform: str, inbound_id: str) -> bool:
    """Record the id; False when it was seen before (a retry or a duplicate).

    One statement (insert, or nothing on conflict), inside the transaction that handles the
    delivery, so that a failed handling leaves the id unrecorded and the platform's retry is
    handled again.
    """
    values = {"platform": platform, "inbound_id": inbound_id, "seen_at": utcnow()}
    dialect = session.bind.dialect.name if session.bind is not None else ""
    table = SeenInbound.__table__  # type: ignore[attr-defined]
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:
        statement = insert(table).values(values)
    result = await session.exec(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
