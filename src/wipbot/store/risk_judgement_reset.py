"""Forget the risk scan's stored judgement of orders whose inputs were edited in place.

The scan notices new and deleted rows by itself (store.risk_judgements); an edit to an existing
check-in or plan row it cannot see, so the writer says so here. Kept apart from the scan's
queries so that the importers can use it without importing the judgement.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import RiskJudgement

CHUNK = 500


async def forget(session: AsyncSession, production_order_ids: Iterable[int]) -> None:
    """Drop the stored judgements of orders whose inputs were edited in place."""
    ids = list(production_order_ids)
    if not ids:
        return
    connection = await session.connection()
    table = RiskJudgement.__table__  # type: ignore[attr-defined]
    for start in range(0, len(ids), CHUNK):
        await connection.execute(
            delete(table).where(table.c.production_order_id.in_(ids[start : start + CHUNK]))
        )
