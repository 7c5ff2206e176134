"""The mid-week check-in by the clock: Thursday at a Monday slot's local time, moved by closures
like the weekly one, about the open orders near their ex-factory date only, at most once, never
reminded or escalated, and never after the next weekly slot."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tests import builders
from wipbot.bot.config import Settings
from wipbot.demo.clock import ManualClock
from wipbot.demo.simulate import SimulatedScheduler
from wipbot.handlers.checkin import start_checkin
from wipbot.scheduler.config import SchedulerConfig
from wipbot.scheduler.jobs import (
    JobContext,
    install_jobs,
    load_slots,
    prompt_job,
    startup_jobs,
    sweep_job,
    sync_factory_jobs,
)
from wipbot.scheduler.prompts import PromptOutcome
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Alert,
    Contact,
    ConversationState,
    OutboxMessage,
    ProductionOrder,
    ScheduledPrompt,
)

MONDAY = date(2026, 3, 2)
THURSDAY = date(2026, 3, 5)
LATE = date(2026, 2, 20)
EDGE = THURSDAY + timedelta(days=42)
"""The last committed date the default window asks about on Thursday."""
SIMULATION = SchedulerConfig(
    followup_every=timedelta(hours=6),
    sweep_every=timedelta(hours=6),
    risk_scan_every=timedelta(days=1),
)
DHAKA = {"code": "DHK1", "country": "BD", "timezone": "Asia/Dhaka"}
ISTANBUL = {"code": "IST1", "country": "TR", "timezone": "Europe/Istanbul"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def setup_factory(
    sessions: SessionFactory,
    *,
    exfs: tuple[date, ...] = (LATE, EDGE, EDGE + timedelta(days=1)),
    closures: tuple[tuple[date, date, str], ...] = (),
    **where: str,
) -> tuple[int, list[int]]:
    """A factory (Dhaka unless told) with its Monday 10:00 slot, one linked contact, and an
    order PO-200n-A per committed date: late, at the window's edge, one day beyond it."""
    async with transaction(sessions) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(
            session, brand, **{**DHAKA, **where}, at=time(10, 0), closures=closures
        )
        await builders.contact(session, plant)
        ids = []
        for n, exf in enumerate(exfs, start=1):
            order = await builders.order(
                session, brand, plant, po_number=f"PO-200{n}", committed_exf=exf
            )
            assert order.id is not None
            ids.append(order.id)
        assert plant.id is not None
        return plant.id, ids


async def weekly_done(sessions: SessionFactory, factory_id: int, week_of: date) -> None:
    """The week's weekly round, sent at its Monday slot and answered (Dhaka, 04:00 UTC)."""
    sent = datetime.combine(week_of, time(4), UTC)
    async with transaction(sessions) as session:
        session.add(
            ScheduledPrompt(
                factory_id=factory_id,
                week_of=week_of,
                due_at=sent,
                sent_at=sent,
                answered_at=sent + timedelta(hours=2),
            )
        )


async def outbox(sessions: SessionFactory, prefix: str = "") -> list[OutboxMessage]:
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return [m for m in rows if (m.dedupe_key or "").startswith(prefix)]


async def rounds(sessions: SessionFactory, kind: str) -> list[ScheduledPrompt]:
    async with sessions() as session:
        found = await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.kind == kind)
            .order_by(col(ScheduledPrompt.week_of))
        )
        return list(found.all())


async def asked(sessions: SessionFactory) -> list[int]:
    """The orders the contact's conversation queued."""
    async with sessions() as session:
        state = (await session.exec(select(ConversationState))).one()
    return list(state.data["queue"])


@pytest.mark.parametrize(
    ("where", "thursday_10_local"),
    [(DHAKA, utc(2026, 3, 5, 4, 0)), (ISTANBUL, utc(2026, 3, 5, 7, 0))],
    ids=["Asia/Dhaka", "Europe/Istanbul"],
)
async def test_due_thursday_at_the_monday_slots_local_time_about_the_near_orders_only(
    sqlite_session_factory: SessionFactory, where: dict[str, str], thursday_10_local: datetime
) -> None:
    factory_id, (late, edge, beyond) = await setup_factory(sqlite_session_factory, **where)
    clock = ManualClock(thursday_10_local - timedelta(minutes=1))
    ctx = JobContext(sqlite_session_factory, clock=clock)

    early = await prompt_job(ctx, factory_id, "midweek")
    assert early is not None and early.outcome is not PromptOutcome.SENT
    assert await outbox(sqlite_session_factory) == []

    clock.advance(timedelta(minutes=1))
    tick = await prompt_job(ctx, factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.SENT and tick.prompt is not None
    assert (tick.prompt.week_of, tick.prompt.due_at, tick.prompt.sent_at) == (
        MONDAY,
        thursday_10_local,
        thursday_10_local,
    )
    intro, question = await outbox(sqlite_session_factory, "midweek:")
    assert str(intro.payload["text"]).startswith(
        f"Mid-week check for {where['code']} Garments: the orders due to leave the factory by "
        "Apr 16. Production orders to update: 2."
    )
    assert "PO-2001-A" in str(question.payload["text"])  # the late one first
    assert await asked(sqlite_session_factory) == [late, edge]
    assert beyond not in await asked(sqlite_session_factory)


async def test_the_weekly_round_still_asks_about_every_open_order(
    sqlite_session_factory: SessionFactory,
) -> None:
    _, orders = await setup_factory(sqlite_session_factory)
    ctx = JobContext(sqlite_session_factory, clock=ManualClock(utc(2026, 3, 2, 4, 0)))
    await sweep_job(ctx)
    intro = (await outbox(sqlite_session_factory, "prompt:"))[0]
    assert "Weekly check-in" in str(intro.payload["text"])
    assert "Production orders to update: 3" in str(intro.payload["text"])
    assert await asked(sqlite_session_factory) == orders
    assert await outbox(sqlite_session_factory, "midweek:") == []


async def test_closed_and_shipped_orders_are_not_asked(
    sqlite_session_factory: SessionFactory,
) -> None:
    factory_id, (late, edge, _) = await setup_factory(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        closed = await session.get(ProductionOrder, edge)
        assert closed is not None
        closed.status = "closed"
        shipped = await session.get(ProductionOrder, late)
        assert shipped is not None
        await builders.checkin(
            session, shipped, at=utc(2026, 3, 3), milestone="shipped", shipped=shipped.quantity
        )
    tick = await prompt_job(
        JobContext(sqlite_session_factory, clock=ManualClock(utc(2026, 3, 5, 4, 0))),
        factory_id,
        "midweek",
    )
    assert tick is not None and tick.outcome is PromptOutcome.NOTHING_TO_ASK
    assert await outbox(sqlite_session_factory) == []


async def test_no_order_near_its_date_sends_nothing_and_the_round_is_done(
    session_factory: SessionFactory,
) -> None:
    far = (EDGE + timedelta(days=1), EDGE + timedelta(days=90))
    factory_id, _ = await setup_factory(session_factory, exfs=far)
    await weekly_done(session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 5, 4, 0))
    ctx = JobContext(session_factory, clock=clock)

    tick = await prompt_job(ctx, factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.NOTHING_TO_ASK
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        await sweep_job(ctx)
    assert await outbox(session_factory) == []
    [done] = await rounds(session_factory, "midweek")
    assert (done.week_of, done.sent_at) == (MONDAY, utc(2026, 3, 5, 4, 0))


async def test_a_closure_postpones_it_to_the_next_working_day(
    sqlite_session_factory: SessionFactory,
) -> None:
    repair = (THURSDAY, THURSDAY, "generator repair")
    factory_id, _ = await setup_factory(sqlite_session_factory, closures=(repair,))
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 4, 23, 0))
    scheduler = SimulatedScheduler(clock)
    ctx = JobContext(sqlite_session_factory, SIMULATION, clock, scheduler=scheduler)
    install_jobs(ctx)
    sync_factory_jobs(ctx, await load_slots(ctx))

    runs = await scheduler.run_until(utc(2026, 3, 8, 12, 0))
    midweek_runs = [(r.job_id, r.at) for r in runs if r.job_id.startswith("midweek")]
    # Friday and Saturday are Bangladesh's weekend: Sunday 10:00 in Dhaka.
    assert midweek_runs == [
        (f"midweek:{factory_id}", utc(2026, 3, 5, 4)),
        (f"midweek-due:{factory_id}", utc(2026, 3, 8, 4)),
    ]
    [postponed] = await rounds(sqlite_session_factory, "midweek")
    assert (postponed.due_at, postponed.sent_at) == (utc(2026, 3, 8, 4), utc(2026, 3, 8, 4))
    assert len(await outbox(sqlite_session_factory, f"midweek:{postponed.id}:")) == 2


async def test_at_most_once_across_concurrent_sweeps_and_restarts(
    session_factory: SessionFactory,
) -> None:
    factory_id, _ = await setup_factory(session_factory)
    await weekly_done(session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 5, 4, 0))

    results = await asyncio.gather(
        sweep_job(JobContext(session_factory, clock=clock)),
        sweep_job(JobContext(session_factory, clock=clock)),
        prompt_job(JobContext(session_factory, clock=clock), factory_id, "midweek"),
        return_exceptions=True,
    )
    # On PostgreSQL a process that lost the race may fail on the messages' unique keys: its
    # transaction is rolled back whole (the sweep logs it and the next one finds it sent).
    assert all(not isinstance(r, Exception) or isinstance(r, IntegrityError) for r in results)
    sent = await outbox(session_factory, "midweek:")
    assert len(sent) == 2
    clock.advance(timedelta(hours=2))
    await startup_jobs(JobContext(session_factory, clock=clock))
    await sweep_job(JobContext(session_factory, clock=clock))
    assert [m.id for m in await outbox(session_factory, "midweek:")] == [m.id for m in sent]
    [only] = await rounds(session_factory, "midweek")
    assert only.sent_at == utc(2026, 3, 5, 4, 0)


async def test_never_reminded_nor_escalated(session_factory: SessionFactory) -> None:
    factory_id, _ = await setup_factory(session_factory)
    await weekly_done(session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 5, 4, 0))
    config = SchedulerConfig(reminder_after=timedelta(hours=24), escalate_after=timedelta(hours=48))
    ctx = JobContext(session_factory, config, clock)
    tick = await prompt_job(ctx, factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.SENT

    for hours in (24, 30, 48, 60):
        clock.set(utc(2026, 3, 5, 4, 0) + timedelta(hours=hours))
        await sweep_job(ctx)
    assert await outbox(session_factory, "reminder:") == []
    async with session_factory() as session:
        assert (await session.exec(select(Alert))).all() == []
    [midweek] = await rounds(session_factory, "midweek")
    assert (midweek.reminded_at, midweek.escalated_at, midweek.answered_at) == (None, None, None)


@pytest.mark.parametrize(
    ("restart", "sent"),
    [(utc(2026, 3, 6, 3, 0), True), (utc(2026, 3, 6, 5, 0), False)],
    ids=["within-24h", "past-24h-though-within-the-weekly-72h"],
)
async def test_a_missed_midweek_prompt_expires_sooner_than_a_weekly_one(
    sqlite_session_factory: SessionFactory, restart: datetime, sent: bool
) -> None:
    factory_id, _ = await setup_factory(sqlite_session_factory)
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    await startup_jobs(JobContext(sqlite_session_factory, clock=ManualClock(restart)))
    assert bool(await outbox(sqlite_session_factory, "midweek:")) is sent
    [midweek] = await rounds(sqlite_session_factory, "midweek")
    assert midweek.due_at == utc(2026, 3, 5, 4, 0)


async def test_never_after_the_next_weekly_slot(sqlite_session_factory: SessionFactory) -> None:
    shutdown = (THURSDAY, date(2026, 3, 8), "annual maintenance")
    factory_id, _ = await setup_factory(sqlite_session_factory, closures=(shutdown,))
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 9, 4, 0))  # the next Monday slot: the closure ends Sunday
    ctx = JobContext(sqlite_session_factory, clock=clock)

    tick = await prompt_job(ctx, factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.EXPIRED
    assert tick.prompt is not None and tick.prompt.due_at == clock()
    await sweep_job(ctx)
    assert await outbox(sqlite_session_factory, "midweek:") == []
    assert "Weekly check-in" in str((await outbox(sqlite_session_factory, "prompt:"))[0].payload)


async def test_a_weekly_prompt_pushed_to_thursday_stands_in_for_it(
    sqlite_session_factory: SessionFactory,
) -> None:
    closure = (MONDAY, date(2026, 3, 4), "power cut")
    await setup_factory(sqlite_session_factory, closures=(closure,))
    ctx = JobContext(sqlite_session_factory, clock=ManualClock(utc(2026, 3, 5, 4, 0)))
    counts = await sweep_job(ctx)
    assert (counts.get("sent"), counts.get("nothing_to_ask")) == (1, 1)
    assert len(await outbox(sqlite_session_factory, "prompt:")) == 2
    assert await outbox(sqlite_session_factory, "midweek:") == []


async def test_a_weekly_checkin_under_way_is_resumed_not_replaced(
    sqlite_session_factory: SessionFactory,
) -> None:
    factory_id, orders = await setup_factory(sqlite_session_factory)
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    async with transaction(sqlite_session_factory) as session:
        person = (await session.exec(select(Contact))).one()
        await start_checkin(session, person, now=utc(2026, 3, 4, 9, 0))
    tick = await prompt_job(
        JobContext(sqlite_session_factory, clock=ManualClock(utc(2026, 3, 5, 4, 0))),
        factory_id,
        "midweek",
    )
    assert tick is not None and tick.outcome is PromptOutcome.SENT
    resumed, question = await outbox(sqlite_session_factory, "midweek:")
    assert resumed.payload["text"] == "Let's continue where you left off."
    assert "PO-2001-A" in str(question.payload["text"])
    assert await asked(sqlite_session_factory) == orders


def test_the_setting_reaches_the_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).scheduler_config().midweek_days == 42  # type: ignore[call-arg]
    monkeypatch.setenv("WIPBOT_MIDWEEK_CHECKIN_DAYS", "28")
    assert Settings(_env_file=None).scheduler_config().midweek_days == 28  # type: ignore[call-arg]
    monkeypatch.setenv("WIPBOT_MIDWEEK_CHECKIN_DAYS", "-1")
    with pytest.raises(ValueError, match="WIPBOT_MIDWEEK_CHECKIN_DAYS"):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_a_shorter_window_asks_about_fewer_orders_and_zero_turns_it_off(
    sqlite_session_factory: SessionFactory,
) -> None:
    factory_id, (late, _, _) = await setup_factory(sqlite_session_factory)
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    clock = ManualClock(utc(2026, 3, 5, 4, 0))
    scheduler = SimulatedScheduler(clock)
    off = JobContext(
        sqlite_session_factory, SchedulerConfig(midweek_days=0), clock, scheduler=scheduler
    )
    install_jobs(off)
    assert await sweep_job(off) == {}
    assert scheduler.get_job(f"prompt:{factory_id}") is not None
    assert scheduler.get_job(f"midweek:{factory_id}") is None
    assert await rounds(sqlite_session_factory, "midweek") == []

    short = JobContext(sqlite_session_factory, SchedulerConfig(midweek_days=14), clock)
    tick = await prompt_job(short, factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.SENT
    assert await asked(sqlite_session_factory) == [late]


async def test_a_restart_rebuilds_the_postponed_midweek_job(
    sqlite_session_factory: SessionFactory,
) -> None:
    repair = (THURSDAY, THURSDAY, "generator repair")
    factory_id, _ = await setup_factory(sqlite_session_factory, closures=(repair,))
    await weekly_done(sqlite_session_factory, factory_id, MONDAY)
    thursday = ManualClock(utc(2026, 3, 5, 4, 0))
    tick = await prompt_job(
        JobContext(sqlite_session_factory, clock=thursday), factory_id, "midweek"
    )
    assert tick is not None and tick.outcome is PromptOutcome.POSTPONED
    assert (tick.wait_until, tick.postponed_because) == (utc(2026, 3, 8, 4), "generator repair")

    scheduler = SimulatedScheduler(thursday)
    await startup_jobs(JobContext(sqlite_session_factory, clock=thursday, scheduler=scheduler))
    rebuilt = scheduler.get_job(f"midweek-due:{factory_id}")
    assert rebuilt is not None and rebuilt.kwargs["kind"] == "midweek"
    assert await outbox(sqlite_session_factory, "midweek:") == []
