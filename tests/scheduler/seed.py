"""Small builders for the scheduler and risk-scan tests: a brand, a factory, contacts, orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.milestones import Milestone
from wipbot.production.tna import derive_plan
from wipbot.store.models import (
    Brand,
    CheckIn,
    CheckInIssue,
    Contact,
    Factory,
    FactoryClosure,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    TnaMilestone,
)

LINKED = datetime(2026, 1, 1, tzinfo=UTC)


async def brand(session: AsyncSession, *, alerts_channel: str | None = "C-ALERTS") -> Brand:
    row = Brand(name="Northwind Apparel", alerts_channel=alerts_channel)
    session.add(row)
    await session.flush()
    return row


async def factory(
    session: AsyncSession,
    owner: Brand,
    *,
    code: str = "DHK1",
    country: str = "BD",
    timezone: str = "Asia/Dhaka",
    weekday: int = 0,
    at: time = time(10, 0),
    closures: Sequence[tuple[date, date, str]] = (),
) -> Factory:
    assert owner.id is not None
    row = Factory(
        brand_id=owner.id,
        code=code,
        name=f"{code} Garments",
        country=country,
        timezone=timezone,
        checkin_weekday=weekday,
        checkin_time=at,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    for start, end, reason in closures:
        session.add(FactoryClosure(factory_id=row.id, start=start, end=end, reason=reason))
    await session.flush()
    return row


async def contact(
    session: AsyncSession,
    at: Factory,
    *,
    name: str = "Rahim",
    platform: str = "telegram",
    chat_id: str | None = "1001",
    linked: bool = True,
) -> Contact:
    assert at.id is not None
    row = Contact(
        factory_id=at.id,
        name=name,
        platform=platform,
        chat_id=chat_id,
        language="en",
        linked_at=LINKED if linked else None,
    )
    session.add(row)
    await session.flush()
    return row


async def order(
    session: AsyncSession,
    owner: Brand,
    at: Factory,
    *,
    po_number: str = "PO-1042",
    committed_exf: date,
    quantity: int = 1000,
    planned_exf: date | None = None,
    gate: str | None = "approved",
) -> ProductionOrder:
    """With `planned_exf`, a T&A plan derived back from it is stored, as the import does.

    The gate is approved unless said otherwise: these orders are about the clock and late
    risk, and an unapproved gate would add gate-pending alerts to every scan.
    """
    assert owner.id is not None and at.id is not None
    po = PurchaseOrder(
        brand_id=owner.id, po_number=po_number, factory_id=at.id, committed_exf=committed_exf
    )
    session.add(po)
    await session.flush()
    assert po.id is not None
    row = ProductionOrder(po_id=po.id, factory_id=at.id, number=f"{po_number}-A", quantity=quantity)
    session.add(row)
    await session.flush()
    assert row.id is not None
    if gate is not None:
        session.add(Gate(production_order_id=row.id, status=gate))
    if planned_exf is not None:
        for milestone, day in derive_plan(planned_exf).items():
            session.add(
                TnaMilestone(
                    production_order_id=row.id,
                    milestone=milestone.value,
                    planned_date=day,
                    derived=milestone is not Milestone.SHIPPED,
                )
            )
        await session.flush()
    return row


async def checkin(
    session: AsyncSession,
    of: ProductionOrder,
    *,
    by: Contact | None,
    at: datetime,
    milestone: str | None,
    issues: Sequence[tuple[str, int]] = (),
    **quantities: int,
) -> CheckIn:
    assert of.id is not None
    row = CheckIn(
        production_order_id=of.id,
        contact_id=by.id if by else None,
        source=by.platform if by else "import",
        reported_at=at,
        milestone=milestone,
        created_at=at,
        **{f"qty_{name}": value for name, value in quantities.items()},
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    for flag, days in issues:
        session.add(CheckInIssue(checkin_id=row.id, flag=flag, delay_days=days))
    await session.flush()
    return row
