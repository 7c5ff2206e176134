"""Weekly prompts by the clock: sent once at the slot, postponed past holidays and closures,
coalesced after downtime; reminders, missed-check-in alerts and their resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from tests import builders
from wipbot.demo.clock import ManualClock
from wipbot.demo.simulate import SimulatedScheduler
from wipbot.scheduler.config import SchedulerConfig
from wipbot.scheduler.jobs import (
    JobContext,
    checkin_followup_job,
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
    Factory,
    OutboxMessage,
    ProductionOrder,
    ScheduledPrompt,
)

SIMULATION = SchedulerConfig(
    followup_every=timedelta(hours=6),
    sweep_every=timedelta(hours=6),
    risk_scan_every=timedelta(days=1),
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def setup_factory(factory: SessionFactory, **kwargs: object) -> tuple[int, int]:
    """A Dhaka factory (Monday 10:00 local = 04:00 UTC) with one linked contact and one order."""
    async with transaction(factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand, **kwargs)  # type: ignore[arg-type]
        person = await builders.contact(session, plant)
        await builders.order(session, brand, plant, committed_exf=date(2026, 6, 30))
        assert plant.id is not None and person.id is not None
        return plant.id, person.id


async def outbox(factory: SessionFactory, prefix: str = "") -> list[OutboxMessage]:
    async with factory() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return [m for m in rows if (m.dedupe_key or "").startswith(prefix)]


async def rounds(factory: SessionFactory, kind: str = "weekly") -> list[ScheduledPrompt]:
    async with factory() as session:
        found = await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.kind == kind)
            .order_by(col(ScheduledPrompt.week_of))
        )
        return list(found.all())


async def alerts(factory: SessionFactory, kind: str = "missed_checkin") -> list[Alert]:
    async with factory() as session:
        found = await session.exec(select(Alert).where(Alert.kind == kind).order_by(col(Alert.id)))
        return list(found.all())


async def test_the_weekly_prompt_goes_out_once_at_the_slot(
    session_factory: SessionFactory,
) -> None:
    factory_id, contact_id = await setup_factory(session_factory)
    clock = ManualClock(utc(2026, 3, 2, 4, 0))
    woken: list[bool] = []
    ctx = JobContext(session_factory, clock=clock, wake_sender=lambda: woken.append(True))

    tick = await prompt_job(ctx, factory_id)
    assert tick is not None and tick.outcome is PromptOutcome.SENT
    sent = await outbox(session_factory, "prompt:")
    assert sent, "the contact was prompted"
    assert {(m.platform, m.chat_id) for m in sent} == {("telegram", "1001")}
    assert sent[0].dedupe_key == f"prompt:{tick.prompt.id if tick.prompt else 0}:{contact_id}:0"
    assert "Weekly check-in" in str(sent[0].payload["text"])
    assert all(m.next_attempt_at == clock() for m in sent)
    assert woken == [True]

    again = await prompt_job(ctx, factory_id)
    assert again is not None and again.outcome is PromptOutcome.ALREADY_SENT
    clock.advance(timedelta(hours=2))
    await sweep_job(ctx)
    assert len(await outbox(session_factory, "prompt:")) == len(sent)
    [only] = await rounds(session_factory)
    assert (only.week_of, only.due_at, only.sent_at) == (
        date(2026, 3, 2),
        utc(2026, 3, 2, 4),
        utc(2026, 3, 2, 4),
    )


async def test_reminder_then_missed_checkin_alert_then_resolved_by_the_answer(
    session_factory: SessionFactory,
) -> None:
    factory_id, contact_id = await setup_factory(session_factory)
    clock = ManualClock(utc(2026, 3, 2, 4, 0))
    config = SchedulerConfig(reminder_after=timedelta(hours=24), escalate_after=timedelta(hours=48))
    ctx = JobContext(session_factory, config, clock)
    await prompt_job(ctx, factory_id)

    clock.set(utc(2026, 3, 3, 3, 0))
    await sweep_job(ctx)
    assert await outbox(session_factory, "reminder:") == []

    clock.set(utc(2026, 3, 3, 4, 0))
    await sweep_job(ctx)
    reminders = await outbox(session_factory, "reminder:")
    assert reminders and "Reminder" in str(reminders[0].payload["text"])
    assert await alerts(session_factory) == []

    clock.set(utc(2026, 3, 4, 4, 0))
    await sweep_job(ctx)
    [alert] = await alerts(session_factory)
    assert (alert.kind, alert.subject, alert.resolved_at) == (
        "missed_checkin",
        "DHK1 2026-W10",
        None,
    )
    assert "has not answered" in alert.summary
    posted = await outbox(session_factory, f"alert:{alert.id}:")
    assert [(m.platform, m.chat_id, m.action) for m in posted] == [("slack", "C-ALERTS", "send")]

    for hours in (1, 5, 30):
        clock.set(utc(2026, 3, 4, 4, 0) + timedelta(hours=hours))
        await sweep_job(ctx)
    assert len(await alerts(session_factory)) == 1
    assert len(await outbox(session_factory, f"alert:{alert.id}:")) == 1
    assert len(await outbox(session_factory, "reminder:")) == len(reminders)

    async with transaction(session_factory) as session:
        order_id = (await session.exec(select(ProductionOrder.id))).one()
        order = await session.get(ProductionOrder, order_id)
        person = await session.get(Contact, contact_id)
        assert order is not None
        await builders.checkin(session, order, by=person, at=clock(), milestone="materials_in")
    await checkin_followup_job(ctx)
    [resolved] = await alerts(session_factory)
    assert resolved.resolved_at is not None
    assert "answered" in resolved.details["resolution"]
    assert [m.action for m in await outbox(session_factory, f"alert:{alert.id}:")] == [
        "send",
        "update",
    ]
    [answered] = await rounds(session_factory)
    assert answered.answered_at == clock()


async def test_a_holiday_moves_the_prompt_to_the_next_working_day(
    sqlite_session_factory: SessionFactory,
) -> None:
    factory_id, _ = await setup_factory(sqlite_session_factory)
    clock = ManualClock(utc(2026, 3, 22, 0, 0))
    scheduler = SimulatedScheduler(clock)
    ctx = JobContext(sqlite_session_factory, SIMULATION, clock, scheduler=scheduler)
    install_jobs(ctx)
    sync_factory_jobs(ctx, await load_slots(ctx))

    runs = await scheduler.run_until(utc(2026, 3, 24, 12, 0))
    prompt_runs = [(r.job_id, r.at) for r in runs if r.job_id.startswith("prompt")]
    assert prompt_runs == [
        (f"prompt:{factory_id}", utc(2026, 3, 23, 4)),
        (f"prompt-due:{factory_id}", utc(2026, 3, 24, 4)),
    ]
    [eid_week] = [r for r in await rounds(sqlite_session_factory) if r.week_of == date(2026, 3, 23)]
    assert eid_week.due_at == utc(2026, 3, 24, 4)
    assert eid_week.sent_at == utc(2026, 3, 24, 4)
    assert len({m.chat_id for m in await outbox(sqlite_session_factory, "prompt:")}) == 1


async def test_a_closure_coalesces_its_weeks_into_one_prompt(
    sqlite_session_factory: SessionFactory,
) -> None:
    closure = (date(2026, 2, 9), date(2026, 2, 27), "Chinese New Year")
    await setup_factory(
        sqlite_session_factory,
        code="SZX1",
        country="CN",
        timezone="Asia/Shanghai",
        at=time(9, 30),
        closures=[closure],
    )
    clock = ManualClock(utc(2026, 2, 8, 0, 0))
    scheduler = SimulatedScheduler(clock)
    ctx = JobContext(sqlite_session_factory, SIMULATION, clock, scheduler=scheduler)
    install_jobs(ctx)
    sync_factory_jobs(ctx, await load_slots(ctx))
    await scheduler.run_until(utc(2026, 3, 3, 0, 0))

    sent = {r.week_of: r.sent_at for r in await rounds(sqlite_session_factory)}
    assert sent == {
        date(2026, 2, 2): None,
        date(2026, 2, 9): None,
        date(2026, 2, 16): None,
        date(2026, 2, 23): utc(2026, 2, 28, 1, 30),
        date(2026, 3, 2): utc(2026, 3, 2, 1, 30),
    }


async def test_after_downtime_missed_prompts_go_out_once(
    session_factory: SessionFactory,
) -> None:
    await setup_factory(session_factory)
    clock = ManualClock(utc(2026, 3, 18, 12, 0))
    ctx = JobContext(session_factory, clock=clock)

    await startup_jobs(ctx)
    await startup_jobs(JobContext(session_factory, clock=clock))
    only = await rounds(session_factory)
    assert [(r.week_of, r.sent_at) for r in only] == [(date(2026, 3, 16), clock())]
    prompts = await outbox(session_factory, "prompt:")
    assert {m.dedupe_key.split(":")[1] for m in prompts if m.dedupe_key} == {str(only[0].id)}


@pytest.mark.parametrize(
    ("restart", "sent"),
    [(utc(2026, 3, 5, 3, 0), True), (utc(2026, 3, 5, 5, 0), False)],
    ids=["within-72h-grace", "past-grace"],
)
async def test_a_prompt_too_late_is_not_sent(
    sqlite_session_factory: SessionFactory, restart: datetime, sent: bool
) -> None:
    factory_id, _ = await setup_factory(sqlite_session_factory)
    tick = await prompt_job(
        JobContext(sqlite_session_factory, clock=ManualClock(restart)), factory_id
    )
    assert tick is not None
    assert tick.outcome is (PromptOutcome.SENT if sent else PromptOutcome.EXPIRED)
    assert bool(await outbox(sqlite_session_factory, "prompt:")) is sent


async def test_nobody_linked_means_no_prompt_until_someone_is(
    sqlite_session_factory: SessionFactory,
) -> None:
    async with transaction(sqlite_session_factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand)
        await builders.contact(session, plant, chat_id=None, linked_at=None)
        await builders.order(session, brand, plant, committed_exf=date(2026, 6, 30))
        factory_id = plant.id
    assert factory_id is not None
    clock = ManualClock(utc(2026, 3, 2, 4, 0))
    ctx = JobContext(sqlite_session_factory, clock=clock)
    tick = await prompt_job(ctx, factory_id)
    assert tick is not None and tick.outcome is PromptOutcome.NOBODY

    clock.advance(timedelta(hours=50))
    await sweep_job(ctx)
    assert await alerts(sqlite_session_factory) == []

    async with transaction(sqlite_session_factory) as session:
        plant = await session.get(Factory, factory_id)
        assert plant is not None
        await builders.contact(session, plant, name="Karim", chat_id="2002")
    await sweep_job(ctx)
    assert {m.chat_id for m in await outbox(sqlite_session_factory, "prompt:")} == {"2002"}
