"""Saving a check-in: the one place that writes check-ins coming from a factory chat.

Besides the CheckIn row with its issues and photos it writes the audit entry and, when bulk work
is reported before the gate is approved, the gate-breach alert. A production order with no Gate
row has never been released to bulk, so it counts as gate status "open" (not approved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.gates import GateStatus, is_gate_breach
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


class Reporter(Protocol):
    """Who reports: a `Contact`, or the row a chat's turn reads (`chat_turn.ChatContact`)."""

    @property
    def id(self) -> int | None: ...
    @property
    def factory_id(self) -> int: ...
    @property
    def platform(self) -> str: ...


@dataclass(frozen=True)
class ReportedOrder:
    """What saving a check-in needs to know of its production order, read beforehand (the
    check-in step has it in its order view)."""

    id: int
    number: str
    factory_id: int
    brand_id: int
    po_number: str
    gate: GateStatus
    factory_name: str


async def record_checkin(
    session: AsyncSession,
    contact: Contact,
    production_order: ProductionOrder,
    draft: CheckinDraft,
    now: datetime,
) -> CheckIn:
    """`save_checkin` for callers that hold the ORM objects (imports, the demo)."""
    assert production_order.id is not None
    po = await session.get(PurchaseOrder, production_order.po_id)
    factory = await session.get(Factory, production_order.factory_id)
    assert po is not None
    order = ReportedOrder(
        production_order.id,
        production_order.number,
        production_order.factory_id,
        po.brand_id,
        po.po_number,
        await gate_status(session, production_order.id),
        factory.name if factory else "",
    )
    checkin = await session.get(CheckIn, await save_checkin(session, contact, order, draft, now))
    assert checkin is not None
    return checkin


_CHECKIN = CheckIn.__table__  # type: ignore[attr-defined]
_ADD_CHECKIN = insert(_CHECKIN).returning(_CHECKIN.c.id)
_ADD_ISSUES = insert(CheckInIssue.__table__)  # type: ignore[attr-defined]
_ADD_PHOTOS = insert(CheckInPhoto.__table__)  # type: ignore[attr-defined]
"""Built once, run on the session's connection: a confirmed check-in writes its rows as plain
values (the ORM's unit of work costs several times the statements)."""


async def save_checkin(
    session: AsyncSession,
    contact: Reporter,
    order: ReportedOrder,
    draft: CheckinDraft,
    now: datetime,
) -> int:
    """The check-in, its issues and photos, its audit entry, and the gate-breach alert when
    bulk work comes before the gate's approval; returns the check-in's id."""
    if order.factory_id != contact.factory_id:
        raise NotYourOrder(
            f"contact {contact.id} may not report on production order {order.number}"
        )
    field_name = draft.milestone.quantity_field if draft.milestone else None
    values: dict[str, Any] = {
        "production_order_id": order.id,
        "contact_id": contact.id,
        "source": contact.platform,
        "reported_at": now,
        "milestone": draft.milestone.value if draft.milestone else None,
        "revised_exf": draft.revised_exf,
        "shipped_on": draft.shipped_on if draft.milestone is Milestone.SHIPPED else None,
        "note": draft.note,
    }
    if field_name is not None and draft.quantity is not None:
        values[f"qty_{field_name}"] = draft.quantity
    connection = await session.connection()
    checkin_id: int = (await connection.execute(_ADD_CHECKIN, values)).scalar_one()
    if draft.issues:
        issues = [
            {
                "checkin_id": checkin_id,
                "flag": issue.flag.value,
                "delay_days": issue.delay_days,
                "note": issue.note or "",
            }
            for issue in draft.issues
        ]
        await connection.execute(_ADD_ISSUES, issues)
    if draft.photos:
        photos = [
            {"checkin_id": checkin_id, "platform": contact.platform, "file_id": file_id}
            for file_id in draft.photos
        ]
        await connection.execute(_ADD_PHOTOS, photos)
    details = {
        "checkin_id": checkin_id,
        "milestone": milestone_value(draft.milestone),
        "quantity": draft.quantity,
        "issues": [i.flag.value for i in draft.issues],
        "revised_exf": draft.revised_exf.isoformat() if draft.revised_exf else None,
        "shipped_on": values["shipped_on"].isoformat() if values["shipped_on"] else None,
    }
    await audit.write(
        session,
        actor=f"contact:{contact.id}",
        action="checkin.record",
        subject=order.number,
        brand_id=order.brand_id,
        details=details,
    )
    await _flag_gate_breach(session, order, draft, now)
    return checkin_id


async def _flag_gate_breach(
    session: AsyncSession, order: ReportedOrder, draft: CheckinDraft, now: datetime
) -> None:
    """Raise the alert once; later check-ins leave the open alert as it was first reported."""
    if draft.milestone is None or not is_gate_breach(order.gate, draft.milestone):
        return
    if await open_alert(session, order.brand_id, AlertKind.GATE_BREACH, order.number) is not None:
        return
    status = order.gate
    await raise_alert(
        session,
        brand_id=order.brand_id,
        kind=AlertKind.GATE_BREACH,
        subject=order.number,
        summary=(
            f"{order.factory_name} reported {draft.milestone.value} on {order.number} "
            f"(PO {order.po_number}) before its gate was approved (gate {status.value})"
        ).strip(),
        severity="critical",
        details={
            "po_number": order.po_number,
            "factory": order.factory_name,
            "milestone": draft.milestone.value,
            "gate_status": status.value,
            "reported_at": now.isoformat(),
        },
        production_order_id=order.id,
    )
