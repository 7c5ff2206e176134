"""Defect and inspection sums per style and factory, added up by the database.

An inspection belongs to a production order, and through its PO to the PO's styles: an
inspection of a PO with two styles counts for each of them (inspections are not split by
style). Nothing here loads inspections one by one: each query returns one row per style and
factory (and category), however many inspections there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, distinct, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.defects import DefectTally, InspectionTally

from .models import (
    Factory,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    QcDefect,
    QcInspection,
    Style,
)

FINAL = "final"


@dataclass(frozen=True)
class DefectFilter:
    season: str | None = None
    style: str | None = None
    factory: str | None = None


async def defect_tallies(
    session: AsyncSession, brand_id: int, wanted: DefectFilter = DefectFilter()
) -> tuple[list[InspectionTally], list[DefectTally]]:
    inspected = _scoped(
        select(
            col(Style.code),
            col(Style.name),
            col(Factory.code),
            func.count(distinct(col(QcInspection.id))),
            func.coalesce(func.sum(col(QcInspection.sample_size)), 0),
        ),
        brand_id,
        wanted,
    ).group_by(col(Style.code), col(Style.name), col(Factory.code))
    finals = await _first_finals(session, brand_id, wanted)
    tallies = [
        InspectionTally(
            code, name, factory, int(n), int(sampled), *finals.get((code, factory), (0, 0))
        )
        for code, name, factory, n, sampled in await _rows(session, inspected)
    ]
    category = func.lower(func.trim(QcDefect.category))
    found = (
        _scoped(
            select(col(Style.code), col(Factory.code), category, func.sum(col(QcDefect.count))),
            brand_id,
            wanted,
        )
        .join(QcDefect, col(QcDefect.inspection_id) == col(QcInspection.id))
        .group_by(col(Style.code), col(Factory.code), category)
    )
    defects = [
        DefectTally(style, factory, name, int(count))
        for style, factory, name, count in await _rows(session, found)
    ]
    return tallies, defects


async def _first_finals(
    session: AsyncSession, brand_id: int, wanted: DefectFilter
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per style and factory: orders with a final inspection, and those whose first passed."""
    first = (
        select(
            col(QcInspection.production_order_id).label("order_id"),
            func.min(QcInspection.inspected_at).label("first_at"),
        )
        .where(col(QcInspection.kind) == FINAL)
        .group_by(col(QcInspection.production_order_id))
        .subquery()
    )
    query = (
        _scoped(
            select(
                col(Style.code),
                col(Factory.code),
                func.count(distinct(col(QcInspection.production_order_id))),
                func.count(
                    distinct(
                        case(
                            (
                                col(QcInspection.passed).is_(True),
                                col(QcInspection.production_order_id),
                            )
                        )
                    )
                ),
            ),
            brand_id,
            wanted,
        )
        .join(
            first,
            (first.c.order_id == col(QcInspection.production_order_id))
            & (first.c.first_at == col(QcInspection.inspected_at)),
        )
        .where(col(QcInspection.kind) == FINAL)
        .group_by(col(Style.code), col(Factory.code))
    )
    return {
        (style, factory): (int(orders), int(passed))
        for style, factory, orders, passed in await _rows(session, query)
    }


async def _rows(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[Any]:
    """Plain rows of an aggregate query, on the session's own connection and transaction."""
    connection = await session.connection()
    return list((await connection.execute(query)).all())


def _scoped(
    query: Select[*tuple[Any, ...]], brand_id: int, wanted: DefectFilter
) -> Select[*tuple[Any, ...]]:
    """Inspections of the brand joined to their styles and factory, narrowed as asked."""
    styles_of_po = (
        select(
            col(PurchaseOrderLine.po_id).label("po_id"),
            col(PurchaseOrderLine.style_id).label("style_id"),
        )
        .distinct()
        .subquery()
    )
    query = (
        query.select_from(QcInspection)
        .join(ProductionOrder, col(ProductionOrder.id) == col(QcInspection.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .join(styles_of_po, styles_of_po.c.po_id == col(PurchaseOrder.id))
        .join(Style, col(Style.id) == styles_of_po.c.style_id)
        .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
        .where(col(PurchaseOrder.brand_id) == brand_id)
    )
    if wanted.season:
        query = query.where(func.upper(Style.season) == wanted.season.strip().upper())
    if wanted.style:
        query = query.where(func.upper(Style.code) == wanted.style.strip().upper())
    if wanted.factory:
        query = query.where(func.upper(Factory.code) == wanted.factory.strip().upper())
    return query
