"""Test data: one function a row, sensible defaults, keyword overrides.

Every builder adds its row through the session it is given and flushes, so the row has its id
and the caller's transaction decides when it is committed. Seeds for a platform or a suite are
a few calls of these, in the caller's own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.onboarding import create_invite
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
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)

LINKED = datetime(2026, 1, 1, tzinfo=UTC)
"""When a contact built linked was linked, unless told otherwise."""


async def brand(
    session: AsyncSession,
    *,
    name: str = "Northwind Apparel",
    alerts_channel: str | None = "C-ALERTS",
    approvals_channel: str | None = None,
    slack_team_id: str | None = None,
) -> Brand:
    row = Brand(
        name=name,
        alerts_channel=alerts_channel,
        approvals_channel=approvals_channel,
        slack_team_id=slack_team_id,
    )
    session.add(row)
    await session.flush()
    return row


async def factory(
    session: AsyncSession,
    owner: Brand,
    *,
    code: str = "DHK1",
    name: str | None = None,
    country: str = "BD",
    timezone: str = "Asia/Dhaka",
    language: str = "en",
    weekday: int = 0,
    at: time = time(10, 0),
    closures: Sequence[tuple[date, date, str]] = (),
) -> Factory:
    """Named "<code> Garments" unless `name` is given; `weekday` and `at` set the check-in."""
    assert owner.id is not None
    row = Factory(
        brand_id=owner.id,
        code=code,
        name=name or f"{code} Garments",
        country=country,
        timezone=timezone,
        language=language,
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
    language: str | None = "en",
    linked_at: datetime | None = LINKED,
    last_inbound_at: datetime | None = None,
) -> Contact:
    """A contact already linked to its chat; `linked_at=None` for one still to be invited."""
    assert at.id is not None
    row = Contact(
        factory_id=at.id,
        name=name,
        platform=platform,
        chat_id=chat_id,
        language=language,
        linked_at=linked_at,
        last_inbound_at=last_inbound_at,
    )
    session.add(row)
    await session.flush()
    return row


async def invites(
    session: AsyncSession,
    at: Factory,
    names: Iterable[str],
    *,
    platform: str,
    now: datetime,
    language: str | None = None,
) -> dict[str, str]:
    """Contact name -> invite code, made the way an admin makes them."""
    codes = {}
    for name in names:
        invite = await create_invite(
            session, factory_code=at.code, name=name, platform=platform, now=now, language=language
        )
        codes[name] = invite.code
    return codes


async def style(
    session: AsyncSession, owner: Brand, *, code: str = "TS-01", name: str = "Crew tee"
) -> Style:
    assert owner.id is not None
    row = Style(brand_id=owner.id, code=code, name=name)
    session.add(row)
    await session.flush()
    return row


async def purchase_order(
    session: AsyncSession,
    owner: Brand,
    at: Factory,
    *,
    po_number: str = "PO-1042",
    committed_exf: date,
    style: Style | None = None,
    colorway: str = "Navy",
    quantity: int = 1000,
    unit_price: Decimal = Decimal("4.2000"),
) -> PurchaseOrder:
    """With `style`, the PO has one line of it (`colorway`, `quantity`, `unit_price`)."""
    assert owner.id is not None and at.id is not None
    row = PurchaseOrder(
        brand_id=owner.id, po_number=po_number, factory_id=at.id, committed_exf=committed_exf
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    if style is not None:
        assert style.id is not None
        session.add(
            PurchaseOrderLine(
                po_id=row.id,
                style_id=style.id,
                colorway=colorway,
                quantity=quantity,
                unit_price=unit_price,
            )
        )
        await session.flush()
    return row


async def production_order(
    session: AsyncSession,
    of: PurchaseOrder,
    *,
    number: str | None = None,
    quantity: int = 1000,
    gate: str | None = "approved",
    gate_decided_at: datetime | None = None,
    planned_exf: date | None = None,
) -> ProductionOrder:
    """Numbered "<po number>-A" unless told otherwise.

    The gate is approved unless said otherwise: most tests are about the clock, check-ins and
    late risk, and an unapproved gate would add gate-pending alerts to every scan. With
    `planned_exf`, a T&A plan derived back from it is stored, as the import does.
    """
    assert of.id is not None
    row = ProductionOrder(
        po_id=of.id,
        factory_id=of.factory_id,
        number=number or f"{of.po_number}-A",
        quantity=quantity,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    if gate is not None:
        session.add(Gate(production_order_id=row.id, status=gate, decided_at=gate_decided_at))
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


async def order(
    session: AsyncSession,
    owner: Brand,
    at: Factory,
    *,
    po_number: str = "PO-1042",
    number: str | None = None,
    committed_exf: date,
    quantity: int = 1000,
    style: Style | None = None,
    colorway: str = "Navy",
    unit_price: Decimal = Decimal("4.2000"),
    gate: str | None = "approved",
    gate_decided_at: datetime | None = None,
    planned_exf: date | None = None,
) -> ProductionOrder:
    """The common case: a PO made for one production order of its whole quantity."""
    po = await purchase_order(
        session,
        owner,
        at,
        po_number=po_number,
        committed_exf=committed_exf,
        style=style,
        colorway=colorway,
        quantity=quantity,
        unit_price=unit_price,
    )
    return await production_order(
        session,
        po,
        number=number,
        quantity=quantity,
        gate=gate,
        gate_decided_at=gate_decided_at,
        planned_exf=planned_exf,
    )


async def checkin(
    session: AsyncSession,
    of: ProductionOrder,
    *,
    by: Contact | None = None,
    at: datetime,
    milestone: str | None,
    source: str | None = None,
    issues: Sequence[tuple[str, int]] = (),
    **quantities: int,
) -> CheckIn:
    """Reported and recorded at `at`; the source is the contact's platform, else "import".

    `quantities` are the counts by stage: `cut=300, sewn=120`.
    """
    assert of.id is not None
    row = CheckIn(
        production_order_id=of.id,
        contact_id=by.id if by else None,
        source=source or (by.platform if by else "import"),
        reported_at=at,
        milestone=milestone,
        created_at=at,
    )
    for name, value in quantities.items():
        assert hasattr(row, f"qty_{name}"), f"a check-in counts no {name!r}"
        setattr(row, f"qty_{name}", value)
    session.add(row)
    await session.flush()
    assert row.id is not None
    for flag, days in issues:
        session.add(CheckInIssue(checkin_id=row.id, flag=flag, delay_days=days))
    await session.flush()
    return row
