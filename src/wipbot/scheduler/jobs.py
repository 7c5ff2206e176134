"""The job functions and their triggers, rebuilt from the tables whenever the scheduler starts.

Jobs are plain `async def`s taking a JobContext (database, clock, settings, a way to wake the
sender) and ids: the real AsyncIOScheduler, the accelerated demo and the tests all run these same
functions. Every job is idempotent, because the ground truth is in the tables, not in the
scheduler: a job that runs twice, late, or after a restart does no harm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.reminders import FollowUpRules, RoundStep, follow_up
from wipbot.handlers.risk_scan import (
    ScanResult,
    local_today,
    rescore_all_local,
    rescore_production_order,
)
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import CheckIn, Factory, ProductionOrder, ScheduledPrompt
from wipbot.store.models.messaging import PromptKind

from .config import SchedulerConfig
from .prompts import (
    PromptOutcome,
    PromptTick,
    latest_round,
    needs_prompt,
    prompt_factory,
    unsent_future_rounds,
)
from .workdays import WEEKDAY_NAMES, Slot

log = logging.getLogger(__name__)

FOLLOW_UP_WEEKS = 8
T = TypeVar("T")


class JobScheduler(Protocol):
    """What the jobs need of a scheduler; AsyncIOScheduler and SimulatedScheduler both fit."""

    def add_job(self, func: Any, trigger: Any = None, **options: Any) -> Any: ...

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None: ...

    def get_job(self, job_id: str, jobstore: str | None = None) -> Any: ...


def _no_wake() -> None:
    return None


@dataclass
class JobContext:
    session_factory: SessionFactory
    config: SchedulerConfig = field(default_factory=SchedulerConfig)
    clock: Clock = system_clock
    wake_sender: Callable[[], None] = _no_wake
    scheduler: JobScheduler | None = None
    slots: dict[int, Slot] = field(default_factory=dict)
    last_checkin_id: int = 0
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def rules(self) -> FollowUpRules:
        return FollowUpRules(self.config.reminder_after, self.config.escalate_after)


# The jobs.


async def unit_of_work(ctx: JobContext, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One job transaction, one job at a time.

    No retry for "database is locked": on SQLite every `transaction` waits its turn in the
    engine's writer queue (store/db.py) and begins IMMEDIATE, so it cannot meet the lock
    half-way; serialising the jobs keeps them from interleaving with each other.
    """
    async with ctx.write_lock, transaction(ctx.session_factory) as session:
        return await work(session)


async def prompt_job(
    ctx: JobContext, factory_id: int, kind: str = PromptKind.WEEKLY.value
) -> PromptTick | None:
    """One factory's weekly slot or mid-week time (or a postponed due time) has come."""
    now = ctx.clock()
    round_kind = PromptKind(kind)
    grace = _grace(ctx, round_kind)

    async def work(session: AsyncSession) -> PromptTick | None:
        factory = await session.get(Factory, factory_id)
        if factory is None:
            return None
        return await prompt_factory(
            session,
            factory,
            now=now,
            grace=grace,
            kind=round_kind,
            midweek_days=ctx.config.midweek_days,
        )

    tick = await unit_of_work(ctx, work)
    if tick is None:
        return None
    if tick.outcome is PromptOutcome.SENT:
        ctx.wake_sender()
    if tick.wait_until is not None:
        schedule_due_prompt(ctx, factory_id, tick.wait_until, round_kind)
    return tick


async def sweep_job(ctx: JobContext) -> dict[str, int]:
    """Hourly: new factories get their slot jobs, due rounds go out, open rounds move on.

    One read decides which factories have anything to do; only those get a transaction. The
    weekly round of a factory is looked at before its mid-week one, which stands down when the
    weekly prompt has only just gone out.
    """
    slots = await load_slots(ctx)
    sync_factory_jobs(ctx, slots)
    now = ctx.clock()
    since = (now - timedelta(weeks=FOLLOW_UP_WEEKS)).date()
    async with ctx.session_factory() as session:
        recent = (
            await session.exec(
                select(ScheduledPrompt)
                .where(ScheduledPrompt.week_of >= since)
                .order_by(col(ScheduledPrompt.week_of))
            )
        ).all()
    latest = {
        kind: {r.factory_id: r for r in recent if r.kind == kind.value} for kind in PromptKind
    }
    waiting = {
        r.factory_id
        for r in recent
        if r.kind == PromptKind.WEEKLY and r.sent_at is not None and r.answered_at is None
    }
    counts: dict[str, int] = {}
    for factory_id, slot in sorted(slots.items()):
        try:
            for kind in _kinds(ctx):
                if not needs_prompt(
                    slot, latest[kind].get(factory_id), now, _grace(ctx, kind), kind
                ):
                    continue
                tick = await prompt_job(ctx, factory_id, kind.value)
                if tick is not None:
                    counts[tick.outcome.value] = counts.get(tick.outcome.value, 0) + 1
                    if tick.outcome is PromptOutcome.SENT and kind is PromptKind.WEEKLY:
                        waiting.add(factory_id)
            if factory_id in waiting:
                for step in await follow_up_factory(ctx, factory_id):
                    counts[step] = counts.get(step, 0) + 1
        except Exception:
            log.exception("sweep: factory %s failed; the next sweep tries again", factory_id)
    return counts


async def follow_up_factory(ctx: JobContext, factory_id: int) -> list[str]:
    """Answered, reminder, escalation: each sent weekly round of the last weeks, in one
    transaction (a mid-week round is not followed up)."""
    now = ctx.clock()

    async def work(session: AsyncSession) -> list[str]:
        steps: list[str] = []
        factory = await session.get(Factory, factory_id)
        if factory is None:
            return steps
        latest = await latest_round(session, factory_id, PromptKind.WEEKLY)
        rounds = (
            await session.exec(
                select(ScheduledPrompt)
                .where(ScheduledPrompt.factory_id == factory_id)
                .where(ScheduledPrompt.kind == PromptKind.WEEKLY.value)
                .where(col(ScheduledPrompt.sent_at).is_not(None))
                .where(ScheduledPrompt.answered_at == None)  # noqa: E711
                .where(ScheduledPrompt.week_of >= (now - timedelta(weeks=FOLLOW_UP_WEEKS)).date())
                .order_by(col(ScheduledPrompt.week_of))
            )
        ).all()
        for prompt in rounds:
            is_latest = latest is not None and prompt.id == latest.id
            step = await follow_up(
                session, factory, prompt, now=now, rules=ctx.rules, latest=is_latest
            )
            steps.append(step.value)
        return steps

    steps = await unit_of_work(ctx, work)
    if set(steps) - {RoundStep.WAITING.value}:
        ctx.wake_sender()
    return steps


def _kinds(ctx: JobContext) -> list[PromptKind]:
    """The rounds this process holds: weekly, and mid-week unless turned off."""
    return [PromptKind.WEEKLY, *([PromptKind.MIDWEEK] if ctx.config.midweek_on else [])]


def _grace(ctx: JobContext, kind: PromptKind) -> timedelta:
    """How late a round of this kind may still go out."""
    if kind is PromptKind.MIDWEEK:
        return ctx.config.midweek_expires_after
    return ctx.config.prompt_grace


async def risk_scan_job(ctx: JobContext) -> ScanResult:
    """Every few hours: judge every production order again; alerts follow the judgement."""
    now = ctx.clock()

    async def work(session: AsyncSession) -> ScanResult:
        return await rescore_all_local(session, now=now)

    result = await unit_of_work(ctx, work)
    if result.raised or result.updated or result.resolved:
        ctx.wake_sender()
    return result


async def checkin_followup_job(ctx: JobContext) -> int:
    """Every minute: score each newly checked-in production order, and mark rounds answered.

    This is where a check-in saved in a chat is judged (the webhook that saved it does not
    wait for the judgement, and an order many contacts reported on is judged once); it also
    covers check-ins written any other way (imports, other processes) and is harmless when
    repeated.
    """
    async with ctx.session_factory() as session:
        rows = (
            await session.exec(
                select(CheckIn.id, CheckIn.production_order_id, Factory.id, Factory.timezone)
                .join(ProductionOrder, col(ProductionOrder.id) == CheckIn.production_order_id)
                .join(Factory, col(Factory.id) == ProductionOrder.factory_id)
                .where(col(CheckIn.id) > ctx.last_checkin_id)
                .order_by(col(CheckIn.id))
            )
        ).all()
    if not rows:
        return 0
    now = ctx.clock()

    for order_id, timezone in dict.fromkeys((order, tz) for _, order, _, tz in rows):
        # One transaction per order: on SQLite the webhooks queued behind it wait for one
        # judgement, not for every order of a Monday's burst.
        today = local_today(now, timezone)
        await unit_of_work(
            ctx, partial(rescore_production_order, production_order_id=order_id, today=today)
        )
    for factory_id in dict.fromkeys(factory for _, _, factory, _ in rows):
        assert factory_id is not None
        await follow_up_factory(ctx, factory_id)
    ctx.last_checkin_id = max(checkin_id or 0 for checkin_id, _, _, _ in rows)
    ctx.wake_sender()
    return len(rows)


async def startup_jobs(ctx: JobContext) -> None:
    """After any downtime: send what is due once, move rounds on, judge everything."""
    async with ctx.session_factory() as session:
        ctx.last_checkin_id = (await session.exec(select(func.max(CheckIn.id)))).first() or 0
        postponed = await unsent_future_rounds(session, ctx.clock())
    for prompt in postponed:
        kind = PromptKind(prompt.kind)
        if kind in _kinds(ctx):
            schedule_due_prompt(ctx, prompt.factory_id, prompt.due_at, kind)
    await sweep_job(ctx)
    await risk_scan_job(ctx)


# The triggers.


def prompt_trigger(slot: Slot, kind: PromptKind = PromptKind.WEEKLY) -> CronTrigger:
    """The factory's local weekday (the mid-week one's, for that round) and time; APScheduler
    keeps it right across DST changes."""
    weekday = slot.midweek_weekday if kind is PromptKind.MIDWEEK else slot.weekday
    return CronTrigger(
        day_of_week=WEEKDAY_NAMES[weekday],
        hour=slot.at.hour,
        minute=slot.at.minute,
        timezone=slot.zone,
    )


def install_jobs(ctx: JobContext) -> None:
    """Register every job; the per-factory ones come from the Factory rows (sync_factory_jobs)."""
    scheduler = ctx.scheduler
    assert scheduler is not None
    config = ctx.config
    _add(ctx, "sweep", sweep_job, _every(ctx, config.sweep_every), {})
    _add(ctx, "risk_scan", risk_scan_job, _every(ctx, config.risk_scan_every), {})
    _add(ctx, "checkin_followup", checkin_followup_job, _every(ctx, config.followup_every), {})


def _every(ctx: JobContext, interval: timedelta) -> IntervalTrigger:
    """Counted from the context's clock, not the wall clock, so the demo can run it fast."""
    return IntervalTrigger(
        seconds=_seconds(interval), start_date=ctx.clock() + interval, timezone=UTC
    )


async def load_slots(ctx: JobContext) -> dict[int, Slot]:
    async with ctx.session_factory() as session:
        factories = (await session.exec(select(Factory))).all()
    return {f.id: Slot.of(f) for f in factories if f.id is not None}


def sync_factory_jobs(ctx: JobContext, slots: dict[int, Slot] | None = None) -> None:
    """One weekly job per factory, and one mid-week job unless mid-week check-ins are off;
    added, moved or removed when the Factory rows change."""
    if ctx.scheduler is None:
        return
    wanted = slots if slots is not None else ctx.slots
    for factory_id in set(ctx.slots) - set(wanted):
        for kind in PromptKind:
            _remove(ctx, _job_id(kind, factory_id))
    for factory_id, slot in wanted.items():
        for kind in _kinds(ctx):
            job_id = _job_id(kind, factory_id)
            if ctx.slots.get(factory_id) == slot and ctx.scheduler.get_job(job_id) is not None:
                continue
            kwargs = {"factory_id": factory_id, "kind": kind.value}
            _add(ctx, job_id, prompt_job, prompt_trigger(slot, kind), kwargs)
    ctx.slots = dict(wanted)


def _job_id(kind: PromptKind, factory_id: int, *, due: bool = False) -> str:
    """`prompt:7` and `midweek:7` at the slots; `prompt-due:7`, `midweek-due:7` when postponed."""
    name = "prompt" if kind is PromptKind.WEEKLY else kind.value
    return f"{name}{'-due' if due else ''}:{factory_id}"


def schedule_due_prompt(
    ctx: JobContext, factory_id: int, due_at: datetime, kind: PromptKind = PromptKind.WEEKLY
) -> None:
    """A one-off job at a postponed prompt's due time (precise, where the sweep is hourly)."""
    if ctx.scheduler is None:
        return
    _add(
        ctx,
        _job_id(kind, factory_id, due=True),
        prompt_job,
        DateTrigger(run_date=due_at.astimezone(UTC)),
        {"factory_id": factory_id, "kind": kind.value},
    )


def _add(
    ctx: JobContext,
    job_id: str,
    job: Callable[..., Any],
    trigger: BaseTrigger,
    kwargs: dict[str, Any],
) -> None:
    assert ctx.scheduler is not None
    ctx.scheduler.add_job(
        job,
        trigger,
        id=job_id,
        name=job_id,
        kwargs={"ctx": ctx, **kwargs},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=_seconds(ctx.config.prompt_grace),
    )


def _remove(ctx: JobContext, job_id: str) -> None:
    assert ctx.scheduler is not None
    if ctx.scheduler.get_job(job_id) is not None:
        ctx.scheduler.remove_job(job_id)


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds()))
