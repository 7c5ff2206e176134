"""Writing the checked POs: styles, POs, lines, production orders, plans and gates, each phase
going to the database once, against what the brand already has (loaded once up front)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

from sqlalchemy import insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key
from wipbot.production.tna import derive_plan, planned_ex_factory
from wipbot.store.models import (
    Brand,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)

from ..risk_judgement_reset import forget
from .assign import assign
from .pos_rows import ParsedOrder, ParsedPo
from .summary import Tally

CANCELLED = "cancelled"
INSERT_CHUNK = 500

T = TypeVar("T")


async def upsert_styles(
    session: AsyncSession, brand: Brand, styles: dict[str, tuple[str, str | None, str | None]]
) -> dict[str, int]:
    assert brand.id is not None
    existing = {
        key(s.code): s
        for s in (await session.exec(select(Style).where(Style.brand_id == brand.id))).all()
    }
    for style_key, (code, name, season) in styles.items():
        style = existing.get(style_key)
        if style is None:
            style = Style(brand_id=brand.id, code=code, name=name or "", season=season or "")
            session.add(style)
            existing[style_key] = style
        else:
            if name:
                style.name = name
            if season:
                style.season = season
    await session.flush()
    return {k: s.id for k, s in existing.items() if s.id is not None}


@dataclass(frozen=True)
class Existing:
    """What the brand already has, loaded once per file, so that writing asks the database
    nothing row by row and each phase of the write flushes once."""

    pos: dict[str, PurchaseOrder]
    """By PO number (as `key` spells it)."""
    lines: dict[int, list[PurchaseOrderLine]]
    """By PO id."""
    orders: dict[int, list[ProductionOrder]]
    """By PO id."""
    plans: dict[int, list[TnaMilestone]]
    """By production-order id."""
    gates: dict[int, Gate]
    """By production-order id."""


@dataclass(frozen=True)
class PlannedOrder:
    """A production order written, waiting for its id before its plan and gate are written."""

    record: ProductionOrder
    item: ParsedOrder
    shipped: date


async def insert_rows(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, object]]
) -> None:
    """Rows nobody reads back (lines, plan milestones) go in without ORM objects: on SQLite the
    ORM inserts one row per statement to learn each id. Chunks bound the memory it takes."""
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.exec(insert(model), params=rows[start : start + INSERT_CHUNK])


def _grouped(rows: Iterable[T], by: Callable[[T], int]) -> dict[int, list[T]]:
    groups: dict[int, list[T]] = {}
    for row in rows:
        groups.setdefault(by(row), []).append(row)
    return groups


async def load_existing(session: AsyncSession, brand: Brand) -> Existing:
    return Existing(
        pos=await _load_purchase_orders(session, brand),
        lines=await _load_lines(session, brand),
        orders=await _load_production_orders(session, brand),
        plans=await _load_plans(session, brand),
        gates=await _load_gates(session, brand),
    )


async def _load_purchase_orders(session: AsyncSession, brand: Brand) -> dict[str, PurchaseOrder]:
    found = await session.exec(select(PurchaseOrder).where(PurchaseOrder.brand_id == brand.id))
    return {key(po.po_number): po for po in found.all()}


async def _load_lines(session: AsyncSession, brand: Brand) -> dict[int, list[PurchaseOrderLine]]:
    found = await session.exec(
        select(PurchaseOrderLine)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(PurchaseOrderLine.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda line: line.po_id)


async def _load_production_orders(
    session: AsyncSession, brand: Brand
) -> dict[int, list[ProductionOrder]]:
    found = await session.exec(
        select(ProductionOrder)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda order: order.po_id)


async def _load_plans(session: AsyncSession, brand: Brand) -> dict[int, list[TnaMilestone]]:
    found = await session.exec(
        select(TnaMilestone)
        .join(ProductionOrder, col(ProductionOrder.id) == col(TnaMilestone.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda milestone: milestone.production_order_id)


async def _load_gates(session: AsyncSession, brand: Brand) -> dict[int, Gate]:
    found = await session.exec(
        select(Gate)
        .join(ProductionOrder, col(ProductionOrder.id) == col(Gate.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return {gate.production_order_id: gate for gate in found.all()}


async def write_purchase_orders(
    session: AsyncSession,
    brand: Brand,
    pos: dict[str, ParsedPo],
    existing: Existing,
    counts: dict[str, Tally],
) -> dict[str, PurchaseOrder]:
    """Every PO of the file, flushed together so that their lines and orders can name them."""
    assert brand.id is not None
    records: dict[str, PurchaseOrder] = {}
    for po_key, po in pos.items():
        assert po.factory.id is not None
        record_ = existing.pos.get(po_key)
        created = record_ is None
        if record_ is None:
            record_ = PurchaseOrder(
                brand_id=brand.id,
                po_number=po.number,
                factory_id=po.factory.id,
                committed_exf=po.committed_exf,
            )
            session.add(record_)
        changed = assign(
            record_,
            factory_id=po.factory.id,
            currency=po.currency,
            committed_exf=po.committed_exf,
            in_dc_date=po.in_dc,
            incoterm=po.incoterm or "FOB",
        )
        counts["purchase orders"].count(created=created, changed=changed)
        records[po_key] = record_
    await session.flush()
    return records


async def write_lines(
    session: AsyncSession,
    record_: PurchaseOrder,
    po: ParsedPo,
    existing: Existing,
    style_ids: dict[str, int],
    order_ids: dict[tuple[int, str], int | None],
    counts: dict[str, Tally],
) -> list[dict[str, object]]:
    """Updates the PO's lines there are, deletes the ones gone, returns the new ones to insert.

    Each line names the production order that makes it, so a contact's check-in shows that
    order's own style and colour."""
    assert record_.id is not None
    tally = counts["lines"]
    current = existing.lines.get(record_.id, [])
    by_key = {(line.style_id, key(line.colorway)): line for line in current}
    wanted: set[tuple[int, str]] = set()
    new: list[dict[str, object]] = []
    for (style_key, colorway_key), line in po.lines.items():
        style_id = style_ids[style_key]
        wanted.add((style_id, colorway_key))
        values = {
            "colorway": line.colorway,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "selling_price": line.selling_price,
            "production_order_id": order_ids.get((record_.id, line.order_key)),
        }
        found = by_key.get((style_id, colorway_key))
        if found is None:
            new.append({"po_id": record_.id, "style_id": style_id, **values})
            tally.count(created=True, changed=True)
        else:
            tally.count(created=False, changed=assign(found, **values))
    for line_key, stale in by_key.items():
        if line_key not in wanted:
            await session.delete(stale)
            tally.removed += 1
    return new


def write_orders(
    session: AsyncSession,
    brand: Brand,
    record_: PurchaseOrder,
    po: ParsedPo,
    existing: Existing,
    counts: dict[str, Tally],
) -> list[PlannedOrder]:
    """The PO's production orders; the ones no longer in the file are cancelled, not deleted."""
    assert record_.id is not None and po.factory.id is not None
    tally = counts["production orders"]
    by_key = {key(order.number): order for order in existing.orders.get(record_.id, [])}
    planned: list[PlannedOrder] = []
    for order_key, order in po.orders.items():
        found = by_key.get(order_key)
        created = found is None
        if found is None:
            found = ProductionOrder(
                po_id=record_.id,
                factory_id=po.factory.id,
                number=order.number,
                quantity=order.quantity,
            )
            session.add(found)
        changed = assign(
            found,
            number=order.number,
            factory_id=po.factory.id,
            quantity=order.quantity,
            status=found.status if found.status != CANCELLED else "open",
        )
        tally.count(created=created, changed=changed)
        shipped = planned_ex_factory(record_.committed_exf, order.tna, brand.buffer_days)
        planned.append(PlannedOrder(found, order, shipped))
    for order_key, stale in by_key.items():
        if order_key not in po.orders and stale.status != CANCELLED:
            stale.status = CANCELLED
            tally.removed += 1
    return planned


async def write_plans_and_gates(
    session: AsyncSession,
    planned: list[PlannedOrder],
    existing: Existing,
    counts: dict[str, Tally],
) -> None:
    """The last phase: its gates go to the database with the audit row that ends the import."""
    new_milestones: list[dict[str, object]] = []
    for order in planned:
        assert order.record.id is not None
        current = existing.plans.get(order.record.id, [])
        new_milestones += _write_plan(order, current, counts["T&A plans"])
        if order.item.gate_approved is not None:
            gate = existing.gates.get(order.record.id)
            _write_gate(session, order.record, order.item.gate_approved, gate, counts["gates"])
    await insert_rows(session, TnaMilestone, new_milestones)
    # Plan dates are edited in place, which the risk scan's fingerprint would not see.
    await forget(session, [o.record.id for o in planned if o.record.id in existing.plans])


def _write_gate(
    session: AsyncSession,
    order: ProductionOrder,
    approved_on: date,
    gate: Gate | None,
    tally: Tally,
) -> None:
    """A gate approved before wipbot: recorded as approved on that day, by the import."""
    assert order.id is not None
    created = gate is None
    if gate is None:
        gate = Gate(production_order_id=order.id)
        session.add(gate)
    decided_at = datetime.combine(approved_on, time(12), UTC)
    changed = assign(
        gate,
        status="approved",
        decided_at=decided_at if gate.status != "approved" else gate.decided_at or decided_at,
        decided_by=gate.decided_by or "import",
    )
    tally.count(created=created, changed=changed)


def _write_plan(
    order: PlannedOrder, current: list[TnaMilestone], tally: Tally
) -> list[dict[str, object]]:
    """Given dates are kept; the rest are derived backwards and marked derived. Updates the
    milestones there are and returns the ones to insert."""
    assert order.record.id is not None
    given = order.item.tna
    by_milestone = {row.milestone: row for row in current}
    new: list[dict[str, object]] = []
    changed = False
    for milestone, day in derive_plan(order.shipped, given).items():
        derived = milestone not in given
        existing = by_milestone.get(milestone.value)
        if existing is None:
            new.append(
                {
                    "production_order_id": order.record.id,
                    "milestone": milestone.value,
                    "planned_date": day,
                    "derived": derived,
                }
            )
        else:
            changed = assign(existing, planned_date=day, derived=derived) or changed
    tally.count(created=not by_milestone, changed=changed or bool(new))
    return new
