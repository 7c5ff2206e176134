"""A production order's gate and its checklist rows: created on first use, and the reads the gate
actions and the approvals card need (orders by number, checklist, members, contacts to tell)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import (
    Alert,
    BrandMember,
    Contact,
    ConversationState,
    Gate,
    GateChecklistItem,
    ProductionOrder,
    PurchaseOrder,
)


@dataclass(frozen=True)
class GateOrder:
    """A production order with its PO: what a gate is about."""

    order: ProductionOrder
    po: PurchaseOrder

    @property
    def subject(self) -> str:
        """How audit entries and alerts name it."""
        return f"{self.po.po_number}/{self.order.number}"


async def ensure_gate(
    session: AsyncSession, production_order_id: int, items: Iterable[str]
) -> Gate:
    """The order's gate with a row for each checklist item, created where missing.

    Two people ticking the first item at once both find no gate: a plain select-then-insert lets
    one of them fail on the unique key after Slack was answered. Each row is therefore inserted
    with "on conflict do nothing" and read back, which is one atomic step on both databases
    (PostgreSQL waits for the other insert's outcome; SQLite has one writer at a time).
    """
    await _insert_missing(session, Gate, [{"production_order_id": production_order_id}])
    gate = (
        await session.exec(select(Gate).where(Gate.production_order_id == production_order_id))
    ).one()
    assert gate.id is not None
    await _insert_missing(
        session, GateChecklistItem, [{"gate_id": gate.id, "item": item} for item in items]
    )
    return gate


async def _insert_missing(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    await session.exec(insert(table).values(rows).on_conflict_do_nothing())


async def find_orders(session: AsyncSession, brand_id: int, number: str) -> list[GateOrder]:
    """Production orders named by their own number or by their PO number, in this brand only."""
    key = number.strip().upper()
    rows = (
        await session.exec(
            select(ProductionOrder, PurchaseOrder)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(
                (func.upper(ProductionOrder.number) == key)
                | (func.upper(PurchaseOrder.po_number) == key)
            )
            .order_by(col(PurchaseOrder.po_number), col(ProductionOrder.number))
        )
    ).all()
    exact = [GateOrder(o, p) for o, p in rows if o.number.upper() == key]
    return exact or [GateOrder(o, p) for o, p in rows]


async def order_of(session: AsyncSession, gate: Gate) -> GateOrder | None:
    order = await session.get(ProductionOrder, gate.production_order_id)
    po = await session.get(PurchaseOrder, order.po_id) if order else None
    return GateOrder(order, po) if order and po else None


async def checklist_rows(session: AsyncSession, gate: Gate) -> list[GateChecklistItem]:
    return list(
        (
            await session.exec(
                select(GateChecklistItem).where(GateChecklistItem.gate_id == gate.id)
            )
        ).all()
    )


async def checklist_row(session: AsyncSession, gate: Gate, item: str) -> GateChecklistItem:
    return (
        await session.exec(
            select(GateChecklistItem)
            .where(GateChecklistItem.gate_id == gate.id)
            .where(GateChecklistItem.item == item)
        )
    ).one()


async def member_names(session: AsyncSession, brand_id: int) -> dict[str, str]:
    """Slack user id -> name of the brand's members."""
    members = (
        await session.exec(select(BrandMember).where(BrandMember.brand_id == brand_id))
    ).all()
    return {m.slack_user_id: m.name for m in members}


async def linked_contacts(session: AsyncSession, factory_id: int) -> Sequence[Contact]:
    """The factory's active contacts with a chat to write to."""
    return (
        await session.exec(
            select(Contact)
            .where(Contact.factory_id == factory_id)
            .where(col(Contact.active).is_(True))
            .where(col(Contact.chat_id).is_not(None))
            .order_by(col(Contact.id))
        )
    ).all()


async def chat_language_hints(session: AsyncSession, contact_ids: list[int]) -> dict[int, str]:
    """The language each contact's chat reported, as kept in the conversation (`hint`)."""
    if not contact_ids:
        return {}
    states = (
        await session.exec(
            select(ConversationState).where(col(ConversationState.contact_id).in_(contact_ids))
        )
    ).all()
    return {
        state.contact_id: hint
        for state in states
        if isinstance(hint := (state.data or {}).get("hint"), str)
    }


async def open_gate_alerts(
    session: AsyncSession, brand_id: int, target: GateOrder, kinds: Sequence[str]
) -> Sequence[Alert]:
    """The order's unresolved alerts of these kinds, named by its id or either subject."""
    return (
        await session.exec(
            select(Alert)
            .where(Alert.brand_id == brand_id)
            .where(
                (col(Alert.production_order_id) == target.order.id)
                | col(Alert.subject).in_([target.subject, target.order.number])
            )
            .where(col(Alert.kind).in_(list(kinds)))
            .where(col(Alert.resolved_at).is_(None))
        )
    ).all()
