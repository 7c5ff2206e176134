""" "All as last week" answers every order of the round in one tap; what it costs the database
must not grow with the orders beyond the rows it writes: it read each order, its PO and its
last check-in's issues one statement at a time, and flushed each repeated check-in alone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from tests.rows import checkins
from tests.statements import statements_run
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import AuditLog, Brand, CheckInIssue, Factory

from .factory_seed import NOW, Chat, _order, seed, text


async def _more_orders(factory: SessionFactory, factory_id: int, count: int) -> None:
    async with transaction(factory) as session:
        saigon = await session.get(Factory, factory_id)
        assert saigon is not None
        brand = await session.get(Brand, saigon.brand_id)
        assert brand is not None
        for n in range(count):
            await _order(session, brand, saigon, f"PO-3{n:03d}", 500, date(2026, 5, 1), None)


async def _week_then_same(factory: SessionFactory) -> tuple[int, str]:
    """Every order checked in once (one with an issue), then next week's one tap: the tap's
    statements (not counting BEGIN/COMMIT) and its reply."""
    first = Chat(factory)
    replies = await first.say("/checkin")
    issue = True
    while "a:same" not in {b.value for r in replies for b in r.buttons} and (
        "All done" not in text(replies)
    ):
        steps = ["m:sewing", "q:all"]
        steps += ["i:fabric_late", "i:done", "d:7", "n:skip", "x:keep"] if issue else ["i:clear"]
        for value in [*steps, "c:confirm"]:
            replies = await first.tap(value)
        issue = False
    next_week = Chat(factory, now=first.now + timedelta(days=7))
    await next_week.say("/checkin")
    with statements_run(factory) as executed:
        done = await next_week.tap("a:same")
    return len(executed), text(done)


async def test_all_as_last_week_costs_the_same_statements_for_2_or_8_orders(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    two, done = await _week_then_same(session_factory)
    assert "Production orders updated: 2" in done
    await _more_orders(session_factory, seeded.factory_id, 6)
    eight, done = await _week_then_same(session_factory)
    assert "Production orders updated: 8" in done
    assert eight == two
    repeated = sorted(await checkins(session_factory), key=lambda c: c.id or 0)[-8:]
    assert {c.reported_at for c in repeated} == {NOW + timedelta(days=7)}
    assert all(c.milestone == "sewing" and c.contact_id == seeded.contact_id for c in repeated)
    async with session_factory() as session:
        issues = (await session.exec(select(CheckInIssue))).all()
        audits = (
            await session.exec(
                select(AuditLog).where(AuditLog.action == "checkin.same_as_last_week")
            )
        ).all()
    assert len(audits) == 2 + 8
    assert all(a.brand_id == seeded.brand_id for a in audits)
    carried = [(i.flag, i.delay_days) for i in issues if i.checkin_id in {c.id for c in repeated}]
    assert carried == [("fabric_late", 7)]  # the one order with an issue last week
