"""Saving a check-in: the one place that writes check-ins coming from a factory chat.

Besides the CheckIn row with its issues and photos it writes the audit entry and, when bulk work
is reported before the gate is approved, the gate-breach alert. A production order with no Gate
row has never been released to bulk, so it counts as gate status "open" (not approved).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.gates import is_gate_breach
from wipbot.production.milestones import Milestone
from wipbot.store import audit
from wipbot.store.alerts import AlertKind, open_alert, raise_alert
from wipbot.store.models import (
    CheckIn,
    CheckInIssue,
    CheckInPhoto,
    Contact,
    Factory,
    ProductionOrder,
    PurchaseOrder,
)

from .checkin_draft import CheckinDraft, milestone_value
from .factory_orders import gate_status


class NotYourOrder(PermissionError):
    """A contact tried to report on a production order of another factory."""


async def record_checkin(
    session: AsyncSession,
    contact: Contact,
    production_order: ProductionOrder,
    draft: CheckinDraft,
    now: datetime,
) -> CheckIn:
    if production_order.factory_id != contact.factory_id:
        raise NotYourOrder(
            f"contact {contact.id} may not report on production order {production_order.number}"
        )
    assert production_order.id is not None
    po = await session.get(PurchaseOrder, production_order.po_id)
    assert po is not None

    checkin = CheckIn(
        production_order_id=production_order.id,
        contact_id=contact.id,
        source=contact.platform,
        reported_at=now,
        milestone=draft.milestone.value if draft.milestone else None,
        revised_exf=draft.revised_exf,
        shipped_on=draft.shipped_on if draft.milestone is Milestone.SHIPPED else None,
        note=draft.note,
    )
    field_name = draft.milestone.quantity_field if draft.milestone else None
    if field_name is not None and draft.quantity is not None:
        setattr(checkin, f"qty_{field_name}", draft.quantity)
    session.add(checkin)
    await session.flush()
    assert checkin.id is not None
    for issue in draft.issues:
        session.add(
            CheckInIssue(
                checkin_id=checkin.id,
                flag=issue.flag.value,
                delay_days=issue.delay_days,
                note=issue.note or "",
            )
        )
    for file_id in draft.photos:
        session.add(CheckInPhoto(checkin_id=checkin.id, platform=contact.platform, file_id=file_id))

    audit.record(
        session,
        actor=f"contact:{contact.id}",
        action="checkin.record",
        subject=production_order.number,
        brand_id=po.brand_id,
        details={
            "checkin_id": checkin.id,
            "milestone": milestone_value(draft.milestone),
            "quantity": draft.quantity,
            "issues": [i.flag.value for i in draft.issues],
            "revised_exf": draft.revised_exf.isoformat() if draft.revised_exf else None,
            "shipped_on": checkin.shipped_on.isoformat() if checkin.shipped_on else None,
        },
    )
    await _flag_gate_breach(session, production_order, po, draft, now)
    await session.flush()
    return checkin


async def _flag_gate_breach(
    session: AsyncSession,
    order: ProductionOrder,
    po: PurchaseOrder,
    draft: CheckinDraft,
    now: datetime,
) -> None:
    """Raise the alert once; later check-ins leave the open alert as it was first reported."""
    assert order.id is not None
    if draft.milestone is None:
        return
    status = await gate_status(session, order.id)
    if not is_gate_breach(status, draft.milestone):
        return
    if await open_alert(session, po.brand_id, AlertKind.GATE_BREACH, order.number) is not None:
        return
    factory = await session.get(Factory, order.factory_id)
    factory_name = factory.name if factory else ""
    await raise_alert(
        session,
        brand_id=po.brand_id,
        kind=AlertKind.GATE_BREACH,
        subject=order.number,
        summary=(
            f"{factory_name} reported {draft.milestone.value} on {order.number} "
            f"(PO {po.po_number}) before its gate was approved (gate {status.value})"
        ).strip(),
        severity="critical",
        details={
            "po_number": po.po_number,
            "factory": factory_name,
            "milestone": draft.milestone.value,
            "gate_status": status.value,
            "reported_at": now.isoformat(),
        },
        production_order_id=order.id,
    )
