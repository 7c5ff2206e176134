"""The loop back to design: which defects came back on which style, at which factory."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.defects import DefectReport, roll_up
from wipbot.store.defects import DefectFilter, defect_tallies

__all__ = ["DefectFilter", "DefectReport", "defect_report"]


async def defect_report(
    session: AsyncSession, brand_id: int, wanted: DefectFilter = DefectFilter()
) -> DefectReport:
    tallies, defects = await defect_tallies(session, brand_id, wanted)
    return roll_up(tallies, defects)
