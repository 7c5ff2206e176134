"""The Monday digest by the clock: one weekly job per brand at Monday 09:00 in its timezone.

An hourly sweep gives every brand with a subscribed channel its job (and moves it when the
brand's timezone changes) and makes a digest missed on a Monday while the process was down.
Making a digest twice is harmless: one per channel and week is kept, the second run finds it.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.digest import make_weekly_digests
from wipbot.production.digest import DIGEST_TIME, digest_due
from wipbot.store.models import Brand, DigestSubscription

from .jobs import JobContext, unit_of_work

SWEEP_EVERY = timedelta(hours=1)


def digest_trigger(timezone: str) -> CronTrigger:
    return CronTrigger(
        day_of_week="mon", hour=DIGEST_TIME.hour, minute=DIGEST_TIME.minute, timezone=timezone
    )


async def digest_job(ctx: JobContext, brand_id: int) -> int:
    """This Monday's digests of one brand; nothing outside Monday after 09:00 local."""
    now = ctx.clock()

    async def work(session: AsyncSession) -> int:
        brand = await session.get(Brand, brand_id)
        if brand is None or not digest_due(now, brand.timezone):
            return 0
        return len(await make_weekly_digests(session, brand, now))

    made = await unit_of_work(ctx, work)
    if made:
        ctx.wake_sender()
    return made


async def digest_sweep_job(ctx: JobContext) -> int:
    """Jobs for the brands with subscribers, and today's digest if it is Monday and none yet."""
    async with ctx.session_factory() as session:
        brands = (
            await session.exec(
                select(Brand.id, Brand.timezone)
                .join(DigestSubscription, col(DigestSubscription.brand_id) == col(Brand.id))
                .distinct()
            )
        ).all()
    now = ctx.clock()
    made = 0
    for brand_id, timezone in brands:
        assert brand_id is not None
        _schedule(ctx, brand_id, timezone)
        if digest_due(now, timezone):
            made += await digest_job(ctx, brand_id)
    return made


def install_digest_jobs(ctx: JobContext) -> None:
    """The hourly sweep, and one run of it at once so a restart on Monday catches up."""
    assert ctx.scheduler is not None
    start = ctx.clock()
    for job_id, trigger in (
        (
            "digest_sweep",
            IntervalTrigger(
                seconds=int(SWEEP_EVERY.total_seconds()),
                start_date=start + SWEEP_EVERY,
                timezone=UTC,
            ),
        ),
        ("digest_sweep_now", DateTrigger(run_date=start)),
    ):
        _add(ctx, job_id, trigger, sweep=True)


def _schedule(ctx: JobContext, brand_id: int, timezone: str) -> None:
    if ctx.scheduler is None:
        return
    job = ctx.scheduler.get_job(f"digest:{brand_id}")
    if job is not None and str(getattr(job.trigger, "timezone", "")) == timezone:
        return
    _add(ctx, f"digest:{brand_id}", digest_trigger(timezone), brand_id=brand_id)


def _add(
    ctx: JobContext,
    job_id: str,
    trigger: CronTrigger | DateTrigger | IntervalTrigger,
    *,
    sweep: bool = False,
    brand_id: int | None = None,
) -> None:
    assert ctx.scheduler is not None
    kwargs = {"ctx": ctx} if sweep else {"ctx": ctx, "brand_id": brand_id}
    ctx.scheduler.add_job(
        digest_sweep_job if sweep else digest_job,
        trigger,
        id=job_id,
        name=job_id,
        kwargs=kwargs,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(1, int(ctx.config.prompt_grace.total_seconds())),
    )
