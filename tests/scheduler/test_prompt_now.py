"""An operator sends this week's prompt now; a changed slot takes effect without a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from tests import builders
from wipbot.cli.main import app
from wipbot.demo.clock import ManualClock
from wipbot.scheduler.jobs import JobContext, sweep_job
from wipbot.scheduler.prompts import send_prompt_now
from wipbot.scheduler.workdays import Slot
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import Contact, Factory, OutboxMessage, ScheduledPrompt
from wipbot.store.models.messaging import PromptKind


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def setup_factory(factory: SessionFactory) -> int:
    """A Dhaka factory (Monday 10:00 local = 04:00 UTC), one linked contact, one open order."""
    async with transaction(factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand)
        await builders.contact(session, plant)
        await builders.order(session, brand, plant, committed_exf=date(2026, 6, 30))
        assert plant.id is not None
        return plant.id


async def test_a_changed_slot_takes_effect_at_the_next_sweep(
    session_factory: SessionFactory,
) -> None:
    factory_id = await setup_factory(session_factory)
    clock = ManualClock(utc(2026, 3, 2, 3, 0))  # Monday 09:00 in Dhaka: slot at 10:00
    ctx = JobContext(session_factory, clock=clock)
    await sweep_job(ctx)
    async with session_factory() as session:
        weekly = select(ScheduledPrompt.sent_at).where(ScheduledPrompt.kind == "weekly")
        assert (await session.exec(weekly)).all() in ([], [None])
    async with transaction(session_factory) as session:
        plant = await session.get(Factory, factory_id)
        assert plant is not None
        plant.checkin_time = time(9, 30)
    clock.advance(timedelta(minutes=40))  # 09:40 local: past the new slot, before the old one
    await sweep_job(ctx)
    async with session_factory() as session:
        round_ = (
            await session.exec(
                select(ScheduledPrompt)
                .where(ScheduledPrompt.week_of == date(2026, 3, 2))
                .where(ScheduledPrompt.kind == "weekly")
            )
        ).one()
    assert round_.due_at == utc(2026, 3, 2, 3, 30)
    assert round_.sent_at == clock()


SATURDAY = 5


@pytest.mark.parametrize(
    ("weekday", "command_at", "weeks"),
    [
        # Slot Saturday 9 May: its mid-week day is Tuesday 12 May, in the next calendar week.
        (SATURDAY, utc(2026, 5, 12, 3, 0), (date(2026, 5, 4), date(2026, 5, 11))),
        (SATURDAY, utc(2026, 5, 12, 5, 0), (date(2026, 5, 4), date(2026, 5, 11))),
        (SATURDAY, utc(2026, 5, 11, 5, 0), (date(2026, 5, 4), date(2026, 5, 11))),
        # Slot Monday 4 May: sent on the Tuesday, it stands in for Thursday's.
        (0, utc(2026, 5, 5, 5, 0), (date(2026, 5, 4), date(2026, 5, 11))),
    ],
    ids=["sat-slot-tue-before-its-time", "sat-slot-tue-after", "sat-slot-mon", "mon-slot-tue"],
)
async def test_a_midweek_prompt_sent_now_is_the_round_the_scheduler_sends(
    session_factory: SessionFactory,
    weekday: int,
    command_at: datetime,
    weeks: tuple[date, date],
) -> None:
    """The operator's mid-week prompt takes the place of its weekly round's: the scheduler
    neither sends that round again nor stands down the next week's, whichever calendar week
    the mid-week day falls in."""
    async with transaction(session_factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand, weekday=weekday)  # 10:00 in Dhaka
        await builders.contact(session, plant)
        await builders.order(session, brand, plant, committed_exf=date(2026, 5, 29))
    this_week, next_week = weeks
    clock = ManualClock(Slot.of(plant).nominal(this_week))
    ctx = JobContext(session_factory, clock=clock)
    await sweep_job(ctx)  # the weekly prompt at its slot

    clock.set(command_at)
    async with transaction(session_factory) as session:
        at = await session.get(Factory, plant.id)
        contacts = (await session.exec(select(Contact))).all()
        assert at is not None
        prompted = await send_prompt_now(
            session, at, now=clock(), contacts=contacts, kind=PromptKind.MIDWEEK
        )
    assert prompted == 1
    slot = Slot.of(plant)
    for moment in (
        slot.midweek_nominal(this_week),
        slot.midweek_nominal(this_week) + timedelta(hours=2),
        slot.nominal(next_week),
        slot.midweek_nominal(next_week),
    ):
        clock.set(max(moment, command_at))
        await sweep_job(ctx)

    async with session_factory() as session:
        rounds = (
            await session.exec(
                select(ScheduledPrompt)
                .where(ScheduledPrompt.kind == "midweek")
                .where(ScheduledPrompt.week_of >= this_week)  # not the one before, left to expire
                .order_by(col(ScheduledPrompt.week_of))
            )
        ).all()
    assert [(r.week_of, r.sent_at) for r in rounds] == [
        (this_week, command_at),
        (next_week, slot.midweek_nominal(next_week)),
    ]
    by_round: dict[str, set[str]] = {}
    for message in await outbox_for_sessions(session_factory):
        key = message.dedupe_key or ""
        if key.startswith("midweek:"):
            round_id, _, how = key.removeprefix("midweek:").partition(":")
            sender = "command" if how.startswith("now:") else "scheduler"
            by_round.setdefault(round_id, set()).add(sender)
    assert by_round == {str(rounds[0].id): {"command"}, str(rounds[1].id): {"scheduler"}}


async def outbox_for_sessions(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return list(rows.all())


@pytest.fixture
def cli_database(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


async def outbox_for(url: str) -> list[OutboxMessage]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
            return list(rows.all())
    finally:
        await engine.dispose()


async def seeded(url: str) -> None:
    engine = make_engine(url)
    await setup_factory(make_session_factory(engine))
    await engine.dispose()


def test_prompt_send_queues_this_weeks_checkin_now(cli_database: str) -> None:
    asyncio.run(seeded(cli_database))
    result = CliRunner().invoke(app, ["prompt", "send", "--factory", "dhk1 garments"])
    assert result.exit_code == 0, result.output
    assert "queued for 1 contact(s) at DHK1" in result.stdout
    sent = asyncio.run(outbox_for(cli_database))
    assert {m.chat_id for m in sent} == {"1001"}
    assert "Weekly check-in" in str(sent[0].payload["text"])


def test_prompt_send_to_an_unknown_contact_names_the_known_ones(cli_database: str) -> None:
    asyncio.run(seeded(cli_database))
    result = CliRunner().invoke(app, ["prompt", "send", "--factory", "DHK1", "--contact", "Zed"])
    assert result.exit_code == 1
    assert "no linked contact to prompt at DHK1" in result.stderr
    assert asyncio.run(outbox_for(cli_database)) == []


async def seeded_far(url: str) -> None:
    """A factory whose only order is due ex-factory well beyond the mid-week window."""
    engine = make_engine(url)
    async with transaction(make_session_factory(engine)) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand)
        await builders.contact(session, plant)
        far = datetime.now(UTC).date() + timedelta(days=120)
        await builders.order(session, brand, plant, committed_exf=far)
    await engine.dispose()


async def rounds_in(url: str) -> list[ScheduledPrompt]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.exec(select(ScheduledPrompt))).all())
    finally:
        await engine.dispose()


def test_prompt_send_midweek_asks_about_the_near_orders_now(cli_database: str) -> None:
    asyncio.run(seeded(cli_database))  # its one order is past its committed date: asked
    result = CliRunner().invoke(app, ["prompt", "send", "--factory", "DHK1", "--midweek"])
    assert result.exit_code == 0, result.output
    assert "mid-week check-in queued for 1 contact(s) at DHK1" in result.stdout
    sent = asyncio.run(outbox_for(cli_database))
    assert {m.chat_id for m in sent} == {"1001"}
    assert str(sent[0].payload["text"]).startswith("Mid-week check for DHK1 Garments")
    assert all((m.dedupe_key or "").startswith("midweek:") for m in sent)
    # A WhatsApp template standing in for it counts the one order it asks about.
    assert {m.payload.get("orders_asked") for m in sent} == {1}
    [done] = asyncio.run(rounds_in(cli_database))
    assert done.kind == "midweek" and done.sent_at is not None


def test_prompt_send_midweek_with_no_order_near_sends_nothing(cli_database: str) -> None:
    asyncio.run(seeded_far(cli_database))
    result = CliRunner().invoke(app, ["prompt", "send", "--factory", "DHK1", "--midweek"])
    assert result.exit_code == 0, result.output
    assert "no open order at DHK1 is due ex-factory within 42 days" in result.stdout
    assert asyncio.run(outbox_for(cli_database)) == []
    assert asyncio.run(rounds_in(cli_database)) == []


def test_prompt_send_midweek_when_turned_off(
    cli_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(seeded(cli_database))
    monkeypatch.setenv("WIPBOT_MIDWEEK_CHECKIN_DAYS", "0")
    result = CliRunner().invoke(app, ["prompt", "send", "--factory", "DHK1", "--midweek"])
    assert result.exit_code == 1
    assert "mid-week check-ins are off" in result.stderr
    assert asyncio.run(outbox_for(cli_database)) == []


def test_prompt_send_help_names_the_midweek_option() -> None:
    result = CliRunner().invoke(app, ["prompt", "send", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--midweek" in result.stdout
    assert "WIPBOT_MIDWEEK_CHECKIN_DAYS" in result.stdout
