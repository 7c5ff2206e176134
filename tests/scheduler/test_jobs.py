"""The check-in follow-up and the risk scan as jobs: each new check-in scored once, the sender
woken only when an alert changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from tests import builders
from wipbot.demo.clock import ManualClock
from wipbot.scheduler.jobs import (
    JobContext,
    checkin_followup_job,
    risk_scan_job,
    startup_jobs,
)
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert

NOW = datetime(2026, 9, 2, 12, 0, tzinfo=UTC)


async def late_order(factory: SessionFactory) -> None:
    async with transaction(factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(
            session, brand, code="IST1", country="TR", timezone="Europe/Istanbul"
        )
        person = await builders.contact(session, plant)
        order = await builders.order(
            session, brand, plant, po_number="PO-7001", committed_exf=date(2026, 9, 27)
        )
        # Not started on 2 Sep: materials were due by 29 Aug at the latest (ex-factory 24 Sep).
        await builders.checkin(
            session, order, by=person, at=NOW, milestone=None, issues=[("fabric_late", 5)]
        )


async def late_alerts(factory: SessionFactory) -> list[tuple[str, str, int]]:
    async with factory() as session:
        rows = (await session.exec(select(Alert).where(Alert.kind == "late_risk"))).all()
    return [(a.subject, a.severity, a.revision) for a in rows]


async def test_a_checkin_written_elsewhere_is_scored_by_the_next_followup(
    session_factory: SessionFactory,
) -> None:
    woken: list[bool] = []
    ctx = JobContext(
        session_factory, clock=ManualClock(NOW), wake_sender=lambda: woken.append(True)
    )
    await late_order(session_factory)
    assert await checkin_followup_job(ctx) == 1
    assert await late_alerts(session_factory) == [("PO-7001-A", "danger", 1)]
    assert woken == [True]
    assert await checkin_followup_job(ctx) == 0


async def test_startup_scores_everything_and_skips_old_checkins_afterwards(
    sqlite_session_factory: SessionFactory,
) -> None:
    await late_order(sqlite_session_factory)
    woken: list[bool] = []
    ctx = JobContext(
        sqlite_session_factory, clock=ManualClock(NOW), wake_sender=lambda: woken.append(True)
    )
    await startup_jobs(ctx)
    assert await late_alerts(sqlite_session_factory) == [("PO-7001-A", "danger", 1)]
    assert woken
    assert await checkin_followup_job(ctx) == 0

    woken.clear()
    result = await risk_scan_job(ctx)
    # Same day, nothing new: the startup scan's judgement stands.
    assert (result.assessed, result.kept, result.raised, result.updated, result.resolved) == (
        0,
        1,
        0,
        0,
        0,
    )
    assert woken == []
