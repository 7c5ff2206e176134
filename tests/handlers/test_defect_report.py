"""The defects report on a real database: sums by style and factory, first-pass yield of final
inspections, repeats across factories, filters, and nothing of another brand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from wipbot.handlers.defect_report import DefectFilter, defect_report
from wipbot.handlers.qc import record_inspection
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.defects import defect_tallies
from wipbot.store.models import (
    Brand,
    Factory,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
)

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def seed(sessions: SessionFactory) -> tuple[int, int]:
    """Northwind: a tee made at two factories (one PO in two colourways), a polo at one;
    Contoso has a tee of the same code with many defects."""
    async with transaction(sessions) as session:
        brand, other = Brand(name="Northwind"), Brand(name="Contoso")
        session.add_all([brand, other])
        await session.flush()
        assert brand.id is not None and other.id is not None
        factories = {
            code: Factory(brand_id=b, code=code, name=code, country="VN", timezone="Asia/Dhaka")
            for code, b in (("SGN1", brand.id), ("DAC1", brand.id), ("IST1", other.id))
        }
        styles = {
            (b, code): Style(brand_id=b, code=code, name=name, season=season)
            for b, code, name, season in (
                (brand.id, "TEE", "Crew tee", "SS27"),
                (brand.id, "POLO", "Pique polo", "FW27"),
                (other.id, "TEE", "Their tee", "SS27"),
            )
        }
        session.add_all([*factories.values(), *styles.values()])
        await session.flush()
        plan = [
            (brand.id, "PO-1", "SGN1", "TEE", ("Navy", "White"), 800),
            (brand.id, "PO-2", "DAC1", "TEE", ("Navy",), 500),
            (brand.id, "PO-3", "SGN1", "POLO", ("Red",), 1200),
            (other.id, "PO-9", "IST1", "TEE", ("Navy",), 800),
        ]
        for b, number, factory_code, style_code, colorways, quantity in plan:
            factory = factories[factory_code]
            po = PurchaseOrder(
                brand_id=b,
                po_number=number,
                factory_id=factory.id or 0,
                committed_exf=date(2027, 1, 15),
            )
            session.add(po)
            await session.flush()
            for colorway in colorways:
                session.add(
                    PurchaseOrderLine(
                        po_id=po.id or 0,
                        style_id=styles[(b, style_code)].id or 0,
                        colorway=colorway,
                        quantity=quantity // len(colorways),
                        unit_price=Decimal("4"),
                    )
                )
            session.add(
                ProductionOrder(
                    po_id=po.id or 0,
                    factory_id=factory.id or 0,
                    number=f"{number}-A",
                    quantity=quantity,
                )
            )
        await session.flush()
        inspections = [
            (brand.id, "PO-1-A", 800, [("Open seam", "major", 6)], 0),
            (brand.id, "PO-1-A", 800, [("stain", "minor", 1)], 1),
            (brand.id, "PO-2-A", 500, [("open seam ", "major", 2)], 2),
            (brand.id, "PO-3-A", 1200, [], 3),
            (other.id, "PO-9-A", 800, [("open seam", "major", 10)], 4),
        ]
        for b, order, lot, defects, days in inspections:
            await record_inspection(
                session,
                brand_id=b,
                production_order_number=order,
                kind="final",
                lot_size=lot,
                defects=defects,
                inspector="QC",
                inspected_at=NOW + timedelta(days=days),
            )
        return brand.id, other.id


@pytest.fixture
async def brands(session_factory: SessionFactory) -> tuple[SessionFactory, int, int]:
    brand_id, other_id = await seed(session_factory)
    return session_factory, brand_id, other_id


async def test_rates_yield_and_repeats_of_the_brand(
    brands: tuple[SessionFactory, int, int],
) -> None:
    sessions, brand_id, _ = brands
    async with sessions() as session:
        report = await defect_report(session, brand_id)
    tee, polo = report.styles
    assert (tee.key, tee.name, tee.inspections, tee.sampled, tee.defects) == (
        "TEE",
        "Crew tee",
        3,
        210,
        9,
    )
    assert tee.per_hundred == Decimal("4.29")
    assert tee.first_pass_yield == Decimal("50.00")
    assert (polo.key, polo.defects, polo.first_pass_yield) == ("POLO", 0, Decimal("100.00"))
    assert [(c.key, c.defects) for c in report.categories] == [("open seam", 8), ("stain", 1)]
    assert [(r.style, r.category, r.factories) for r in report.repeated] == [
        ("TEE", "open seam", ("DAC1", "SGN1"))
    ]
    assert report.overall.first_pass_yield == Decimal("66.67")


@pytest.mark.parametrize(
    ("wanted", "styles", "factories"),
    [
        (DefectFilter(season="fw27"), ["POLO"], ["SGN1"]),
        (DefectFilter(factory="dac1"), ["TEE"], ["DAC1"]),
        (DefectFilter(style="TEE", factory="SGN1"), ["TEE"], ["SGN1"]),
        (DefectFilter(season="SS99"), [], []),
    ],
)
async def test_filters_narrow_in_the_query(
    brands: tuple[SessionFactory, int, int],
    wanted: DefectFilter,
    styles: list[str],
    factories: list[str],
) -> None:
    sessions, brand_id, _ = brands
    async with sessions() as session:
        report = await defect_report(session, brand_id, wanted)
    assert sorted(r.key for r in report.styles) == sorted(styles)
    assert sorted(r.key for r in report.factories) == sorted(factories)
    assert report.repeated == ()


async def test_another_brand_sees_only_its_own(brands: tuple[SessionFactory, int, int]) -> None:
    sessions, _, other_id = brands
    async with sessions() as session:
        report = await defect_report(session, other_id)
    assert [(r.key, r.name, r.defects) for r in report.styles] == [("TEE", "Their tee", 10)]
    assert report.overall.first_pass_yield == Decimal("0.00")


async def test_cost_follows_the_groups_asked_not_the_inspections_kept(
    brands: tuple[SessionFactory, int, int],
) -> None:
    """Three times the inspections: the same statements, the same number of rows back."""
    sessions, brand_id, _ = brands

    async def measured() -> tuple[int, int, int]:
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        async with sessions() as session:
            engine = session.bind
            assert isinstance(engine, AsyncEngine)
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            try:
                tallies, defects = await defect_tallies(session, brand_id)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
        return statements, len(tallies), len(defects)

    before = await measured()
    async with transaction(sessions) as session:
        for day in range(10, 30):
            await record_inspection(
                session,
                brand_id=brand_id,
                production_order_number="PO-2-A",
                kind="inline",
                lot_size=500,
                defects=[("open seam", "minor", 1)],
                inspector="QC",
                inspected_at=NOW + timedelta(days=day),
            )
    after = await measured()
    assert after == before
    assert before[0] <= 4  # three aggregate queries (and BEGIN where the driver sends one)
