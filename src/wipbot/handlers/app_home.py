"""The brand's WIP at a glance, for the Slack App Home, and when to refresh it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.defect_report import DefectReport, defect_report
from wipbot.handlers.po_query import in_progress
from wipbot.production.risk import RiskStatus
from wipbot.store.models import Brand, BrandMember, OutboxMessage
from wipbot.store.outbox import enqueue
from wipbot.store.wip import PoStatus, wip_board

HOME_REFRESH_KIND = "home_refresh"
URGENT_COUNT = 10


@dataclass(frozen=True)
class HomeSummary:
    brand_name: str
    late: int
    at_risk: int
    on_track: int
    urgent: tuple[PoStatus, ...]
    judged_on: date
    quality: DefectReport | None = None
    """Defect rates and repeats, for the designers; None when nothing was inspected yet."""

    @property
    def total(self) -> int:
        return self.late + self.at_risk + self.on_track


async def home_summary(session: AsyncSession, brand_id: int, *, today: date) -> HomeSummary:
    brand = await session.get(Brand, brand_id)
    board = [s for s in await wip_board(session, brand_id, today=today) if in_progress(s)]
    counts = {status: 0 for status in RiskStatus}
    for status in board:
        counts[status.risk.status] += 1
    quality = await defect_report(session, brand_id)
    return HomeSummary(
        brand_name=brand.name if brand else "",
        late=counts[RiskStatus.LATE],
        at_risk=counts[RiskStatus.AT_RISK],
        on_track=counts[RiskStatus.ON_TRACK],
        urgent=tuple(board[:URGENT_COUNT]),
        judged_on=today,
        quality=quality if quality.overall.inspections else None,
    )


def home_chat_id(brand_id: int) -> str:
    """Home refreshes of one brand share an outbox chat, so they queue and coalesce together."""
    return f"home:{brand_id}"


async def enqueue_home_refresh(session: AsyncSession, brand_id: int) -> OutboxMessage | None:
    """Ask for every member's Home to be republished; one pending refresh covers any burst."""
    chat_id = home_chat_id(brand_id)
    pending = (
        await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.platform == "slack")
            .where(OutboxMessage.chat_id == chat_id)
            .where(OutboxMessage.status == "pending")
        )
    ).first()
    if pending is not None:
        return pending
    users = (
        await session.exec(
            select(BrandMember.slack_user_id)
            .where(BrandMember.brand_id == brand_id)
            .order_by(col(BrandMember.slack_user_id))
        )
    ).all()
    if not users:
        return None
    return enqueue(
        session,
        "slack",
        chat_id,
        {"kind": HOME_REFRESH_KIND, "brand_id": brand_id, "user_ids": list(users)},
    )
