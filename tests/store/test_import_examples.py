"""The sample files shipped in examples/ import cleanly, describe what the issue promises, and
importing them again changes nothing."""

from __future__ import annotations

from collections import Counter

from sqlmodel import col, select

from wipbot.store.db import SessionFactory
from wipbot.store.models import Factory, ProductionOrder, PurchaseOrder, PurchaseOrderLine
from wipbot.store.models import TnaMilestone as Plan

from .import_files import import_examples, row_counts


async def test_examples_import_cleanly_and_reimport_changes_nothing(
    session_factory: SessionFactory,
) -> None:
    await import_examples(session_factory)
    counts = await row_counts(session_factory)
    assert counts["Brand"] == 1
    assert counts["Factory"] >= 3
    assert counts["PurchaseOrder"] >= 20
    assert counts["CheckIn"] > 50
    assert counts["LandedCharge"] > 5

    await import_examples(session_factory, pos="pos.xlsx")
    await import_examples(session_factory)
    assert await row_counts(session_factory) == counts


async def test_examples_are_a_realistic_season(sqlite_session_factory: SessionFactory) -> None:
    await import_examples(sqlite_session_factory)
    async with sqlite_session_factory() as session:
        factories = (await session.exec(select(Factory))).all()
        pos = (await session.exec(select(PurchaseOrder))).all()
        orders = (await session.exec(select(ProductionOrder))).all()
        lines = (await session.exec(select(PurchaseOrderLine))).all()
        given = set(
            (await session.exec(select(Plan.production_order_id).where(~col(Plan.derived)))).all()
        )
    assert len({f.country for f in factories}) >= 3
    assert len({f.timezone for f in factories}) >= 3
    assert all("2026-12-01" <= p.committed_exf.isoformat() <= "2027-03-31" for p in pos)
    assert all(600 <= line.quantity <= 12000 for line in lines)
    split = [po_id for po_id, n in Counter(o.po_id for o in orders).items() if n >= 2]
    assert len(split) >= 5
    with_plan = {o.po_id for o in orders if o.id in given}
    assert 0 < len(with_plan) < len(pos)
