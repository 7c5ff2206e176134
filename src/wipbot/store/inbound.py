"""Inbound deliveries act once: each platform's delivery id is recorded under a unique key."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import SeenInbound


async def first_delivery(session: AsyncSession, platform: str, inbound_id: str) -> bool:
    """Record the id; False when it was seen before (a retry or a duplicate).

    Call it inside the transaction that handles the delivery, so that a failed handling
    leaves the id unrecorded and the platform's retry is handled again.
    """
    seen = await session.exec(
        select(SeenInbound.id)
        .where(SeenInbound.platform == platform)
        .where(SeenInbound.inbound_id == inbound_id)
    )
    if seen.first() is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(SeenInbound(platform=platform, inbound_id=inbound_id))
    except IntegrityError:
        return False
    return True
