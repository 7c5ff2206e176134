"""A factory's slip record: real ship dates, strictly as of the judged day, at a bounded cost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from wipbot.production.rollup import checkin_age_days
from wipbot.production.tna import derive_plan
from wipbot.store.backtest import overdue_milestone
from wipbot.store.db import SessionFactory
from wipbot.store.factory_history import (
    HISTORY_ORDERS,
    SHIPPED_REPORTS_PER_ORDER,
    FactoryHistory,
    estimated_ship_day,
)
from wipbot.store.models import Factory
from wipbot.store.wip import judge_brand, po_status, resolve_brand

from .import_files import BRAND, FACTORIES, FACTORY_HEADER, PO_HEADER, run_import, write_csv

D = date.fromisoformat


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        ([], None),
        ([(D("2026-10-09"), "sewing", None)], None),
        # Shipped between the 9th and the 11th: the 10th.
        ([(D("2026-10-09"), "inspection", None), (D("2026-10-11"), "shipped", None)], "10-10"),
        # A week's window (18th..24th): its middle day, the 21st.
        ([(D("2026-10-17"), None, None), (D("2026-10-24"), "shipped", None)], "10-21"),
        # No earlier report: one check-in interval before the first "shipped".
        ([(D("2026-10-24"), "shipped", None)], "10-21"),
        # The real date wins over any estimate, whenever it was given.
        (
            [(D("2026-10-24"), "shipped", None), (D("2026-10-30"), "shipped", D("2026-10-19"))],
            "10-19",
        ),
    ],
)
def test_the_ship_day_is_the_real_one_or_the_middle_of_what_the_reports_bound(
    reports: list[tuple[date, str | None, date | None]], expected: str | None
) -> None:
    assert estimated_ship_day(reports) == (D(f"2026-{expected}") if expected else None)


async def _season(
    session_factory: SessionFactory, folder: Path, finished: int, brand: str = BRAND
) -> None:
    """For `brand`, one Dhaka factory: `finished` shipped orders (plan end 3 days before
    committed, inspection 5 days later, shipped 7 days later), and PO-NOW in production."""
    factory = [brand, *FACTORIES[0][1:]]
    await run_import(
        session_factory, "factories", write_csv(folder, "f.csv", FACTORY_HEADER, [factory])
    )
    start = date(2026, 1, 10)
    pos = [
        [brand, f"PO-H{n}", "DHK1", "S1", "", "Navy", "100", "5", "USD", str(exf), ""]
        for n, exf in ((n, start + timedelta(days=3 * n)) for n in range(finished))
    ]
    pos.append([brand, "PO-NOW", "DHK1", "S1", "", "Navy", "100", "5", "USD", "2027-01-15", ""])
    await run_import(session_factory, "pos", write_csv(folder, "p.csv", PO_HEADER, pos))
    rows = [["brand", "production_order", "reported_at", "milestone"]]
    for n in range(finished):
        planned = start + timedelta(days=3 * n - 3)
        rows += [
            [brand, f"PO-H{n}-A", str(planned - timedelta(days=2)), "sewing"],
            [brand, f"PO-H{n}-A", str(planned + timedelta(days=5)), "inspection"],
            [brand, f"PO-H{n}-A", str(planned + timedelta(days=7)), "shipped"],
        ]
    rows.append([brand, "PO-NOW-A", "2026-11-20", "cutting"])
    path = write_csv(folder, "c.csv", rows[0], rows[1:])
    await run_import(session_factory, "checkins", path)


async def _dhaka(session_factory: SessionFactory) -> Factory:
    async with session_factory() as session:
        return (await session.exec(select(Factory).where(Factory.code == "DHK1"))).one()


async def test_nothing_reported_after_the_judged_day_counts(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _season(session_factory, tmp_path, 0)
    pos = [
        [BRAND, "PO-A", "DHK1", "S1", "", "Navy", "100", "5", "USD", "2026-10-13", ""],
        [BRAND, "PO-B", "DHK1", "S1", "", "Navy", "100", "5", "USD", "2026-10-23", ""],
    ]
    await run_import(session_factory, "pos", write_csv(tmp_path, "p2.csv", PO_HEADER, pos))
    rows = [
        # Planned 10 Oct; between 9 and 11 Oct: the 10th, on plan...
        ["PO-A-A", "2026-10-09", "inspection", ""],
        ["PO-A-A", "2026-10-11", "shipped", ""],
        # ...until a ship date reported on 20 Oct says the 8th: two days early.
        ["PO-A-A", "2026-10-20", "shipped", "2026-10-08"],
        # Planned 20 Oct, shipped the 24th; reported at 01:00 Dhaka time on the 25th, which is
        # still the 24th in UTC: not known on the 24th in Dhaka.
        ["PO-B-A", "2026-10-25 01:00", "shipped", "2026-10-24"],
    ]
    header = ["production_order", "reported_at", "milestone", "shipped_on"]
    await run_import(session_factory, "checkins", write_csv(tmp_path, "c2.csv", header, rows))
    dhaka = await _dhaka(session_factory)
    seen = {}
    for as_of in ("2026-10-10", "2026-10-15", "2026-10-24", "2026-10-25"):
        async with session_factory() as session:
            found = await FactoryHistory(3, D(as_of)).slips(session, [dhaka])
        seen[as_of] = found[dhaka.id or 0]
    assert seen == {
        "2026-10-10": (),
        "2026-10-15": (0,),
        "2026-10-24": (-2,),
        "2026-10-25": (-2, 4),
    }


@dataclass
class _Counts:
    statements: int = 0
    rows: int = 0


@contextmanager
def _counting(engine: AsyncEngine, session: Any) -> Iterator[_Counts]:
    """Statements sent to the database and rows the ORM fetched, through SQLAlchemy's hooks."""
    counts = _Counts()

    def statement(*_: object) -> None:
        counts.statements += 1

    def fetched(state: Any) -> Any:
        frozen = state.invoke_statement().freeze()
        counts.rows += len(frozen.data)
        return frozen()

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(session.sync_session, "do_orm_execute", fetched)
    try:
        yield counts
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(session.sync_session, "do_orm_execute", fetched)


async def _po_cost(
    session_factory: SessionFactory, folder: Path, finished: int, brand_name: str
) -> _Counts:
    await _season(session_factory, folder, finished, brand_name)
    async with session_factory() as session:
        brand = await resolve_brand(session, brand_name)
        assert brand.id is not None
        engine = session.bind
        assert isinstance(engine, AsyncEngine)
        with _counting(engine, session) as counts:
            status = await po_status(session, brand.id, "po-now", today=D("2026-11-26"))
    assert status is not None and status.po_number == "PO-NOW"
    assert len([d for d in status.risk.drivers if "factory history" in d]) <= 1
    return counts


async def test_a_po_card_costs_the_same_whatever_the_factory_s_past(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Two brands with one factory each: one with a past just over what the record reads,
    one with three times more."""
    page = HISTORY_ORDERS * SHIPPED_REPORTS_PER_ORDER
    small = await _po_cost(session_factory, tmp_path, page + 2, "Small Co")
    large = await _po_cost(session_factory, tmp_path, 3 * page, "Large Co")
    assert large.statements == small.statements
    assert large.rows == small.rows
    assert small.statements <= 13


def test_a_check_in_made_after_the_factory_s_midnight_is_not_in_the_future() -> None:
    # 01:00 on 5 Dec in Dhaka is 19:00 on 4 Dec in UTC, the server's date.
    assert checkin_age_days(D("2026-12-05"), D("2026-12-04")) == 0
    assert checkin_age_days(D("2026-12-01"), D("2026-12-04")) == 3


async def test_judge_brand_streams_every_po_once(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _season(session_factory, tmp_path, 5)
    async with session_factory() as session:
        brand = await resolve_brand(session, None)
        assert brand.id is not None
        chunks = [
            [s.po_number for s in chunk]
            async for chunk in judge_brand(session, brand.id, today=D("2026-11-26"), chunk=2)
        ]
    assert [len(c) for c in chunks] == [2, 2, 2]
    assert sorted(n for c in chunks for n in c) == sorted(
        [*(f"PO-H{n}" for n in range(5)), "PO-NOW"]
    )


async def test_the_record_says_how_often_announced_delays_came_true(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _season(session_factory, tmp_path, 0)
    pos = [
        [BRAND, f"PO-{n}", "DHK1", "S1", "", "Navy", "100", "5", "USD", "2026-10-23", ""]
        for n in "ABC"
    ]
    await run_import(session_factory, "pos", write_csv(tmp_path, "p2.csv", PO_HEADER, pos))
    rows = [
        # Planned 20 Oct. A announced 4 days and shipped on plan: its word did not hold.
        ["PO-A-A", "2026-10-01", "", "fabric_late:4", ""],
        ["PO-A-A", "2026-10-21", "shipped", "", "2026-10-20"],
        # B announced 3 days and shipped 4 days late: it did.
        ["PO-B-A", "2026-10-05", "", "trims_late:3", ""],
        ["PO-B-A", "2026-10-24", "shipped", "", "2026-10-24"],
        # C shipped late without a word; a delay it names after shipping is not an announcement
        # the record may know on the 24th.
        ["PO-C-A", "2026-10-22", "shipped", "", "2026-10-22"],
        ["PO-C-A", "2026-10-26", "shipped", "other:2", ""],
    ]
    header = ["production_order", "reported_at", "milestone", "issues", "shipped_on"]
    await run_import(session_factory, "checkins", write_csv(tmp_path, "c2.csv", header, rows))
    dhaka = await _dhaka(session_factory)
    seen = {}
    for as_of in ("2026-10-15", "2026-10-21", "2026-10-24", "2026-10-27"):
        history = FactoryHistory(3, D(as_of))
        async with session_factory() as session:
            await history.slips(session, [dhaka])
        seen[as_of] = history.announced_delays(dhaka.id or 0)
    assert seen == {
        "2026-10-15": (0, 0),
        "2026-10-21": (1, 0),
        "2026-10-24": (2, 1),
        "2026-10-27": (3, 2),
    }


async def test_a_derived_plan_follows_the_factory_s_own_stage_times(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Every finished order reported sewing 2 days before its plan's end, inspection 5 days
    after it and shipped 7 days after: sewing took 7 days as measured (from the 9 days before
    to the 2 days after the plan's end, each window's middle), finishing 0 (1 at the least),
    inspection 4. PO-NOW's derived plan walks back from 12 Jan with those, not the standard."""
    await _season(session_factory, tmp_path, 25)
    async with session_factory() as session:
        brand = await resolve_brand(session, None)
        assert brand.id is not None
        status = await po_status(session, brand.id, "PO-NOW", today=D("2026-11-26"))
    assert status is not None
    (order,) = status.orders
    assert {m.milestone.value: str(m.planned) for m in order.milestones} == {
        "materials_in": "2026-12-29",
        "cutting": "2026-12-30",
        "sewing": "2026-12-31",
        "finishing": "2027-01-07",
        "inspection": "2027-01-08",
        "shipped": "2027-01-12",
    }
    assert all(m.derived for m in order.milestones[:-1])
    standard = derive_plan(D("2027-01-12"))
    assert {m.milestone: m.stored_planned or m.planned for m in order.milestones} == standard
    assert any(m.stored_planned is not None for m in order.milestones)
    sewing = order.milestones[2]
    assert sewing.actual is None
    assert sewing.stored_planned is not None and sewing.stored_planned < sewing.planned
    assert not overdue_milestone(order, sewing.stored_planned)
    assert overdue_milestone(order, sewing.stored_planned + timedelta(days=1)), (
        "the plain rule reads the stored plan, not the learned one"
    )
