"""What the Monday digest reads: the week's check-ins and alerts, waiting gates, subscribers.

Each query is bounded by the week or by what is open now, so its cost follows the week's work,
not the history kept.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.digest import OrderWeek

from .models import (
    Alert,
    CheckIn,
    DigestSubscription,
    Factory,
    Gate,
    ProductionOrder,
    PurchaseOrder,
)

REQUESTED = "requested"
NOT_STARTED = "not_started"
"""A check-in without a milestone: the order has not started yet."""


async def subscribed_channels(session: AsyncSession, brand_id: int) -> list[str]:
    return list(
        (
            await session.exec(
                select(DigestSubscription.channel)
                .where(DigestSubscription.brand_id == brand_id)
                .order_by(col(DigestSubscription.channel))
            )
        ).all()
    )


async def subscription(
    session: AsyncSession, brand_id: int, channel: str
) -> DigestSubscription | None:
    return (
        await session.exec(
            select(DigestSubscription)
            .where(DigestSubscription.brand_id == brand_id)
            .where(DigestSubscription.channel == channel)
        )
    ).first()


async def order_weeks(
    session: AsyncSession, brand_id: int, since: datetime, until: datetime
) -> list[OrderWeek]:
    """Orders with a check-in in [since, until), with what they had reached before."""
    during = (
        await session.exec(
            select(ProductionOrder, PurchaseOrder.po_number, Factory.name, CheckIn.milestone)
            .join(ProductionOrder, col(ProductionOrder.id) == col(CheckIn.production_order_id))
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(col(CheckIn.reported_at) >= since)
            .where(col(CheckIn.reported_at) < until)
            .order_by(col(CheckIn.reported_at))
        )
    ).all()
    reached: dict[int, list[str]] = defaultdict(list)
    names: dict[int, tuple[str, str, str]] = {}
    for order, po_number, factory, milestone in during:
        assert order.id is not None
        reached[order.id].append(milestone or NOT_STARTED)
        names[order.id] = (order.number, po_number, factory)
    before = await _last_before(session, list(reached), since)
    return [
        OrderWeek(*names[order_id], before.get(order_id), tuple(milestones))
        for order_id, milestones in reached.items()
    ]


async def _last_before(
    session: AsyncSession, order_ids: list[int], since: datetime
) -> dict[int, str]:
    if not order_ids:
        return {}
    last = (
        select(
            col(CheckIn.production_order_id).label("order_id"),
            func.max(CheckIn.reported_at).label("at"),
        )
        .where(col(CheckIn.production_order_id).in_(order_ids))
        .where(col(CheckIn.reported_at) < since)
        .group_by(col(CheckIn.production_order_id))
        .subquery()
    )
    rows = (
        await session.exec(
            select(CheckIn.production_order_id, CheckIn.milestone).join(
                last,
                (last.c.order_id == col(CheckIn.production_order_id))
                & (last.c.at == col(CheckIn.reported_at)),
            )
        )
    ).all()
    return {order_id: milestone or NOT_STARTED for order_id, milestone in rows}


async def alerts_opened(
    session: AsyncSession, brand_id: int, kinds: list[str], since: datetime, until: datetime
) -> list[Alert]:
    return await _alerts_by(session, col(Alert.opened_at), brand_id, kinds, since, until)


async def alerts_resolved(
    session: AsyncSession, brand_id: int, kinds: list[str], since: datetime, until: datetime
) -> list[Alert]:
    return await _alerts_by(session, col(Alert.resolved_at), brand_id, kinds, since, until)


async def _alerts_by(
    session: AsyncSession,
    moment: Any,
    brand_id: int,
    kinds: list[str],
    since: datetime,
    until: datetime,
) -> list[Alert]:
    """Alerts of these kinds whose `moment` (opened or resolved) falls in [since, until)."""
    query = (
        select(Alert)
        .where(Alert.brand_id == brand_id)
        .where(col(Alert.kind).in_(kinds))
        .where(moment >= since)
        .where(moment < until)
        .order_by(moment)
    )
    return list((await session.exec(query)).all())


async def open_alerts(session: AsyncSession, brand_id: int, kind: str) -> list[Alert]:
    return list(
        (
            await session.exec(
                select(Alert)
                .where(Alert.brand_id == brand_id)
                .where(Alert.kind == kind)
                .where(col(Alert.resolved_at).is_(None))
                .order_by(col(Alert.opened_at))
            )
        ).all()
    )


async def gates_waiting(
    session: AsyncSession, brand_id: int
) -> list[tuple[str, str, datetime | None]]:
    """Gates asked for and not yet decided: order number, PO number, when asked."""
    rows = (
        await session.exec(
            select(ProductionOrder.number, PurchaseOrder.po_number, Gate.requested_at)
            .join(ProductionOrder, col(ProductionOrder.id) == col(Gate.production_order_id))
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(Gate.status == REQUESTED)
            .order_by(col(Gate.requested_at))
        )
    ).all()
    return [(number, po, asked) for number, po, asked in rows]
