"""Gate-pending alerts: a week before planned cutting, until the gate is approved."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from tests import builders
from wipbot.handlers.gate_watch import needs_gate_decision
from wipbot.handlers.risk_scan import scan_brand
from wipbot.production.milestones import Milestone
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert, Gate, ProductionOrder, PurchaseOrder
from wipbot.store.wip import po_status

CUTTING = date(2026, 9, 7)  # derived back from ex-factory 16 Oct less the brand's 3-day buffer


async def _seed(factory: SessionFactory, gate: str | None) -> tuple[int, int]:
    async with transaction(factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(
            session, brand, code="IST1", country="TR", timezone="Europe/Istanbul"
        )
        order = await builders.order(
            session, brand, plant, po_number="PO-7001", committed_exf=date(2026, 10, 16), gate=gate
        )
        assert brand.id and order.id
        return brand.id, order.id


async def _scan(factory: SessionFactory, brand_id: int, day: date) -> list[Alert]:
    async with transaction(factory) as session:
        await scan_brand(session, brand_id, today=day)
    async with factory() as session:
        rows = await session.exec(
            select(Alert).where(Alert.kind == "gate_pending").order_by(col(Alert.id))
        )
        return list(rows.all())


async def test_pending_gate_is_raised_escalated_and_resolved(
    session_factory: SessionFactory,
) -> None:
    brand_id, order_id = await _seed(session_factory, gate=None)

    assert await _scan(session_factory, brand_id, date(2026, 8, 20)) == []

    [alert] = await _scan(session_factory, brand_id, date(2026, 9, 2))
    assert (alert.subject, alert.severity, alert.revision) == ("PO-7001-A", "warning", 1)
    assert "cutting planned 2026-09-07" in alert.summary
    assert "not requested yet" in alert.summary

    [again] = await _scan(session_factory, brand_id, date(2026, 9, 3))
    assert again.revision == 1  # a new day alone changes nothing

    [overdue] = await _scan(session_factory, brand_id, date(2026, 9, 8))
    assert (overdue.severity, overdue.revision) == ("danger", 2)
    assert "cutting was due 2026-09-07" in overdue.summary

    async with transaction(session_factory) as session:
        session.add(Gate(production_order_id=order_id, status="approved"))
    [resolved] = await _scan(session_factory, brand_id, date(2026, 9, 9))
    assert resolved.resolved_at is not None
    assert resolved.details["resolution"] == "gate approved"


async def test_an_approved_gate_raises_nothing(session_factory: SessionFactory) -> None:
    brand_id, _ = await _seed(session_factory, gate="approved")
    assert await _scan(session_factory, brand_id, date(2026, 9, 8)) == []


async def test_the_rule_reads_the_same_board_as_po_status(
    session_factory: SessionFactory,
) -> None:
    brand_id, _ = await _seed(session_factory, gate="requested")
    async with session_factory() as session:
        status = await po_status(session, brand_id, "PO-7001", today=date(2026, 9, 1))
    assert status is not None
    [order] = status.orders
    assert order.plan[Milestone.CUTTING] == CUTTING
    assert needs_gate_decision(order, date(2026, 8, 30)) is False
    assert needs_gate_decision(order, date(2026, 8, 31)) is True


async def test_another_brands_order_of_the_same_number_is_not_read(
    session_factory: SessionFactory,
) -> None:
    brand_id, _ = await _seed(session_factory, gate=None)
    async with transaction(session_factory) as session:
        other = await builders.brand(session, name="Other Brand", alerts_channel=None)
        plant = await builders.factory(
            session, other, code="IST9", country="TR", timezone="Europe/Istanbul"
        )
        twin = await builders.order(
            session, other, plant, po_number="PO-7001", committed_exf=date(2026, 10, 16), gate=None
        )
        session.add(
            Gate(production_order_id=twin.id, status="requested", requested_at=builders.LINKED)
        )
    [alert] = await _scan(session_factory, brand_id, date(2026, 9, 2))
    assert "not requested yet" in alert.summary
    assert alert.production_order_id is not None
    async with session_factory() as session:
        order = await session.get(ProductionOrder, alert.production_order_id)
        po = await session.get(PurchaseOrder, order.po_id) if order else None
    assert po is not None and po.brand_id == brand_id
