"""A brand by the name someone typed or a file gives: case and spacing do not matter.

On its own so that the read queries (`wipbot po status`, `/po`) find the brand meant without
loading the importers."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key

from .models import Brand


async def find_brand(session: AsyncSession, name: str) -> Brand | None:
    """Brands are matched like every other name: case and spacing do not matter."""
    brands = (await session.exec(select(Brand))).all()
    return next((b for b in brands if key(b.name) == key(name)), None)
