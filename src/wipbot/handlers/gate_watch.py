"""Gate-pending alerts: bulk is about to start and the sample-to-bulk gate is not approved.

Raised from the same scan as late risk, a week before planned cutting (or as soon as cutting is
overdue), so the brand decides before the factory has to choose between waiting and a breach.
Resolved when the gate is approved or bulk has started (then a breach alert speaks instead).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.gates import GateStatus
from wipbot.production.milestones import Milestone
from wipbot.store.alerts import AlertKind, open_alert, raise_alert, resolve_alert
from wipbot.store.models import Gate, ProductionOrder, PurchaseOrder
from wipbot.store.wip import OrderStatus, PoStatus

LEAD_DAYS = 7


def needs_gate_decision(order: OrderStatus, today: date, lead_days: int = LEAD_DAYS) -> bool:
    if order.gate_status == GateStatus.APPROVED:
        return False
    if order.current_milestone is not None and order.current_milestone.is_bulk:
        return False
    cutting = order.plan.get(Milestone.CUTTING)
    return cutting is not None and cutting <= today + timedelta(days=lead_days)


async def watch_gates(
    session: AsyncSession, brand_id: int, statuses: list[PoStatus], today: date
) -> int:
    """Bring every order's gate_pending alert in line; returns how many alerts changed."""
    changed = 0
    for status in statuses:
        for order in status.orders:
            current = await open_alert(session, brand_id, AlertKind.GATE_PENDING, order.number)
            if not needs_gate_decision(order, today):
                if current is not None:
                    await resolve_alert(
                        session,
                        brand_id=brand_id,
                        kind=AlertKind.GATE_PENDING,
                        subject=order.number,
                        reason="gate approved"
                        if order.gate_status == "approved"
                        else "bulk started",
                    )
                    changed += 1
                continue
            production_order_id, gate = await _order_and_gate(
                session, brand_id, status.po_number, order.number
            )
            summary, details = _content(status, order, gate, today)
            if current is not None and (current.summary, current.details) == (summary, details):
                continue
            await raise_alert(
                session,
                brand_id=brand_id,
                kind=AlertKind.GATE_PENDING,
                subject=order.number,
                summary=summary,
                severity="danger" if details["overdue"] else "warning",
                details=details,
                production_order_id=production_order_id,
            )
            changed += 1
    return changed


async def _order_and_gate(
    session: AsyncSession, brand_id: int, po_number: str, number: str
) -> tuple[int | None, Gate | None]:
    """The production order's id and gate, looked up within the brand's PO: numbers are only
    unique per PO."""
    row = (
        await session.exec(
            select(ProductionOrder.id, Gate)
            .join(PurchaseOrder, col(PurchaseOrder.id) == ProductionOrder.po_id)
            .outerjoin(Gate, col(Gate.production_order_id) == ProductionOrder.id)
            .where(PurchaseOrder.brand_id == brand_id)
            .where(PurchaseOrder.po_number == po_number)
            .where(ProductionOrder.number == number)
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _content(
    status: PoStatus, order: OrderStatus, gate: Gate | None, today: date
) -> tuple[str, dict[str, Any]]:
    """Nothing here changes with the calendar alone but overdue-ness, so the alert is edited
    when the picture changes, not every day."""
    cutting = order.plan[Milestone.CUTTING]
    overdue = cutting < today
    requested = gate.requested_at.date().isoformat() if gate and gate.requested_at else None
    asked = f"requested {requested}, awaiting a decision" if requested else "not requested yet"
    summary = (
        f"{order.number} (PO {status.po_number}, {status.factory.name}): cutting "
        f"{'was due' if overdue else 'planned'} {cutting.isoformat()} and the sample-to-bulk "
        f"gate is {order.gate_status}, {asked}."
    )
    details: dict[str, Any] = {
        "cutting_planned": cutting.isoformat(),
        "overdue": overdue,
        "gate_status": order.gate_status,
        "requested": requested,
    }
    return summary, details
