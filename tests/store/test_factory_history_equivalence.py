"""The slip record read in a few statements equals the record computed from the whole history."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.factory_history import (
    CANCELLED,
    HISTORY_ORDERS,
    SHIPPED,
    FactoryHistory,
    estimated_ship_day,
    plan_of,
)
from wipbot.store.models import (
    CheckIn,
    CheckInIssue,
    Factory,
    ProductionOrder,
    PurchaseOrder,
    TnaMilestone,
)

from .import_files import BRAND, FACTORIES, FACTORY_HEADER, PO_HEADER, run_import, write_csv

START = date(2026, 3, 2)
BUFFER_DAYS = 3


async def _random_history(session_factory: SessionFactory, folder: Path, seed: int) -> Factory:
    """One Dhaka factory, 70 orders with 0 to 10 shipped reports each, some at the same
    instant, some at hours that are another day in Dhaka, ship dates, announced delays,
    partial T&A plans and cancelled orders."""
    rng = random.Random(seed)
    factory_row = [BRAND, *FACTORIES[0][1:]]
    await run_import(
        session_factory, "factories", write_csv(folder, "f.csv", FACTORY_HEADER, [factory_row])
    )
    pos = [
        [BRAND, f"PO-R{n}", "DHK1", "S1", "", "Navy", "100", "5", "USD", str(exf), ""]
        for n, exf in ((n, START + timedelta(days=rng.randrange(120))) for n in range(70))
    ]
    await run_import(session_factory, "pos", write_csv(folder, "p.csv", PO_HEADER, pos))
    async with transaction(session_factory) as session:
        factory = (await session.exec(select(Factory).where(Factory.code == "DHK1"))).one()
        orders = (await session.exec(select(ProductionOrder))).all()
        shared = datetime.combine(START + timedelta(days=60), time(6), UTC)
        for order in orders:
            assert order.id is not None
            if rng.random() < 0.1:
                order.status = CANCELLED
                session.add(order)
            plan = (
                await session.exec(
                    select(TnaMilestone).where(TnaMilestone.production_order_id == order.id)
                )
            ).all()
            shift = timedelta(days=rng.choice([0, 0, -4, 6]))
            for row in plan:
                if rng.random() < 0.2:
                    await session.delete(row)
                else:
                    row.planned_date += shift
                    session.add(row)
            day = START + timedelta(days=rng.randrange(100))
            shipped_reports = rng.choice([0, 1, 1, 2, 3, 5, 8, 10])
            steps: list[str | None] = [
                rng.choice([None, *(m.value for m in MILESTONES[:-1])])
                for _ in range(rng.randrange(4))
            ]
            for milestone_value in [*steps, *([SHIPPED] * shipped_reports)]:
                day += timedelta(days=rng.randrange(1, 9))
                reported_at = datetime.combine(day, time(rng.randrange(24)), UTC)
                if rng.random() < 0.05:
                    reported_at = shared
                checkin = CheckIn(
                    production_order_id=order.id,
                    source="import",
                    reported_at=reported_at,
                    milestone=milestone_value,
                    shipped_on=(
                        day - timedelta(days=rng.randrange(6))
                        if milestone_value == SHIPPED and rng.random() < 0.3
                        else None
                    ),
                )
                session.add(checkin)
                await session.flush()
                assert checkin.id is not None
                if rng.random() < 0.15:
                    session.add(
                        CheckInIssue(
                            checkin_id=checkin.id,
                            flag="fabric_late",
                            delay_days=rng.choice([None, 0, 2, 5]),
                        )
                    )
    return factory


async def _reference(
    session_factory: SessionFactory, factory: Factory, as_of: date | None
) -> tuple[tuple[int, ...], tuple[int, int]]:
    """The record from every check-in of the factory, as its definition says."""
    zone = ZoneInfo(factory.timezone)
    cutoff = (
        None
        if as_of is None
        else datetime.combine(as_of + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    )
    async with session_factory() as session:
        orders = {
            o.id: o
            for o in (
                await session.exec(
                    select(ProductionOrder).where(ProductionOrder.factory_id == factory.id)
                )
            ).all()
            if o.status != CANCELLED
        }
        checkins = [
            c
            for c in (
                await session.exec(
                    select(CheckIn)
                    .where(col(CheckIn.production_order_id).in_(list(orders)))
                    .order_by(col(CheckIn.reported_at), col(CheckIn.id))
                )
            ).all()
            if cutoff is None or c.reported_at.astimezone(UTC) < cutoff
        ]
        announcing_ids = set(
            (
                await session.exec(
                    select(CheckInIssue.checkin_id).where(col(CheckInIssue.delay_days) > 0)
                )
            ).all()
        )
        committed = dict(
            (await session.exec(select(PurchaseOrder.id, PurchaseOrder.committed_exf))).all()
        )
        tna: dict[int, dict[Milestone, date]] = defaultdict(dict)
        for row in (await session.exec(select(TnaMilestone))).all():
            tna[row.production_order_id][Milestone(row.milestone)] = row.planned_date
    latest: dict[int, tuple[datetime, int]] = {}
    reports: dict[int, list[tuple[date, str | None, date | None]]] = defaultdict(list)
    announcing: set[int] = set()
    for c in checkins:
        assert c.id is not None
        reports[c.production_order_id].append(
            (c.reported_at.astimezone(zone).date(), c.milestone, c.shipped_on)
        )
        if c.id in announcing_ids:
            announcing.add(c.production_order_id)
        if c.milestone == SHIPPED:
            key = (c.reported_at.astimezone(UTC), c.id)
            latest[c.production_order_id] = max(latest.get(c.production_order_id, key), key)
    recent = sorted(latest, key=latest.__getitem__)[-HISTORY_ORDERS:]
    slips = []
    announced = came_true = 0
    for order_id in recent:
        order = orders[order_id]
        plan = plan_of(tna[order_id], committed[order.po_id], BUFFER_DAYS)
        shipped = estimated_ship_day(reports[order_id])
        assert shipped is not None
        slip = (shipped - plan[Milestone.SHIPPED]).days
        slips.append(slip)
        if order_id in announcing:
            announced += 1
            came_true += slip > 0
    return tuple(slips), (announced, came_true)


async def test_the_record_is_the_one_the_whole_history_gives(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    factory = await _random_history(session_factory, tmp_path, seed=10)
    assert factory.id is not None
    days: list[date | None] = [None, *(START + timedelta(days=d) for d in range(0, 260, 9))]
    seen = []
    for as_of in days:
        history = FactoryHistory(BUFFER_DAYS, as_of)
        async with session_factory() as session:
            slips = (await history.slips(session, [factory]))[factory.id]
        record = (slips, history.announced_delays(factory.id))
        assert record == await _reference(session_factory, factory, as_of), as_of
        seen.append(record)
    # The data reaches every case: empty, short and full records, announced delays kept.
    assert {len(s) for s, _ in seen} >= {0, HISTORY_ORDERS}
    assert any(0 < len(s) < HISTORY_ORDERS for s, _ in seen)
    assert any(a > t > 0 for _, (a, t) in seen)
