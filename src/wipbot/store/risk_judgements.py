"""What the risk scan needs to know to skip an order: the fingerprint of its inputs now, and
the judgement it stored last time (store.models.RiskJudgement).

The fingerprint is read with a few grouped queries over plain columns, never by loading the
orders' check-ins: a new, deleted or re-planned check-in or plan row, a PO or order edit, a gate
decision, or a change to the factory (its closures, its slip record and stage times, the brand's
buffer) all change it. Writes that edit a check-in or a plan row in place call
`risk_judgement_reset.forget` instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .factory_history import FactoryHistory
from .models import (
    CheckIn,
    Factory,
    FactoryClosure,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    RiskJudgement,
    TnaMilestone,
)

CANCELLED = "cancelled"
WRITE_CHUNK = 500


@dataclass(frozen=True)
class OrderInputs:
    po_id: int
    number: str
    inputs: str


async def current_inputs(
    session: AsyncSession,
    brand_id: int,
    buffer_days: int,
    history: FactoryHistory,
    today: date,
    factory_ids: set[int] | None,
) -> dict[int, OrderInputs]:
    """Every judged (not cancelled) production order of the brand's POs, by id."""
    query = (
        select(  # type: ignore[call-overload]
            ProductionOrder.id,
            ProductionOrder.po_id,
            ProductionOrder.number,
            ProductionOrder.quantity,
            ProductionOrder.status,
            ProductionOrder.factory_id,
            PurchaseOrder.po_number,
            PurchaseOrder.status,
            PurchaseOrder.committed_exf,
            PurchaseOrder.factory_id,
        )
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand_id)
        .where(col(ProductionOrder.status) != CANCELLED)
    )
    if factory_ids is not None:
        query = query.where(col(PurchaseOrder.factory_id).in_(factory_ids))
    orders = (await session.exec(query)).all()
    checkins = await _grouped(session, brand_id, CheckIn.production_order_id, CheckIn.id)
    plans = await _grouped(session, brand_id, TnaMilestone.production_order_id, TnaMilestone.id)
    gates = {
        row[0]: row[1:]
        for row in (
            await session.exec(
                select(  # type: ignore[call-overload]
                    Gate.production_order_id, Gate.status, Gate.requested_at
                )
                .join(ProductionOrder, col(ProductionOrder.id) == col(Gate.production_order_id))
                .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
                .where(PurchaseOrder.brand_id == brand_id)
            )
        ).all()
    }
    factories = await _factory_inputs(
        session, {row[5] for row in orders} | {row[9] for row in orders}, buffer_days, history
    )
    found = {}
    for order_id, po_id, number, *rest in orders:
        fingerprint = (
            rest,
            checkins.get(order_id),
            plans.get(order_id),
            gates.get(order_id),
            factories[rest[2]],
            factories[rest[6]],
            today.year,
        )
        digest = hashlib.blake2b(repr(fingerprint).encode(), digest_size=16).hexdigest()
        found[order_id] = OrderInputs(po_id, number, digest)
    return found


async def _grouped(
    session: AsyncSession, brand_id: int, order_column: Any, id_column: Any
) -> dict[int, tuple[int, int]]:
    """(count, highest id) of a child table's rows per production order of the brand."""
    rows = await session.exec(
        select(  # type: ignore[call-overload]
            order_column, func.count(id_column), func.max(id_column)
        )
        .join(ProductionOrder, col(ProductionOrder.id) == order_column)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand_id)
        .group_by(order_column)
    )
    return {row[0]: (row[1], row[2]) for row in rows.all()}


async def _factory_inputs(
    session: AsyncSession, ids: set[int], buffer_days: int, history: FactoryHistory
) -> dict[int, str]:
    factories = list((await session.exec(select(Factory).where(col(Factory.id).in_(ids)))).all())
    slips = await history.slips(session, factories)
    closures: dict[int, list[tuple[date, date]]] = {}
    for closure in (
        await session.exec(select(FactoryClosure).where(col(FactoryClosure.factory_id).in_(ids)))
    ).all():
        closures.setdefault(closure.factory_id, []).append((closure.start, closure.end))
    return {
        f.id: repr(
            (
                f.code,
                f.name,
                f.country,
                f.timezone,
                buffer_days,
                slips.get(f.id),
                history.announced_delays(f.id),
                history.stage_times(f.id),
                history.ramp(f.id),
                sorted(closures.get(f.id, [])),
            )
        )
        for f in factories
        if f.id is not None
    }


async def still_standing(
    session: AsyncSession, inputs: dict[int, OrderInputs], today: date
) -> set[int]:
    """The orders whose stored judgement was made from the same inputs and stands today."""
    standing = set()
    ids = list(inputs)
    for start in range(0, len(ids), WRITE_CHUNK):
        rows = await session.exec(
            select(  # type: ignore[call-overload]
                RiskJudgement.production_order_id,
                RiskJudgement.judged_on,
                RiskJudgement.stands_until,
                RiskJudgement.inputs,
            ).where(col(RiskJudgement.production_order_id).in_(ids[start : start + WRITE_CHUNK]))
        )
        for order_id, judged_on, stands_until, fingerprint in rows.all():
            if judged_on <= today < stands_until and fingerprint == inputs[order_id].inputs:
                standing.add(order_id)
    return standing


async def remember(
    session: AsyncSession, judged: Sequence[tuple[int, str, date]], today: date
) -> None:
    """Store each (order id, inputs, stands until) judged today, replacing what was there."""
    if not judged:
        return
    connection = await session.connection()
    table = RiskJudgement.__table__  # type: ignore[attr-defined]
    await connection.execute(
        delete(table).where(table.c.production_order_id.in_([row[0] for row in judged]))
    )
    await connection.execute(
        insert(table),
        [
            {
                "production_order_id": order_id,
                "judged_on": today,
                "stands_until": until,
                "inputs": fingerprint,
            }
            for order_id, fingerprint, until in judged
        ],
    )
