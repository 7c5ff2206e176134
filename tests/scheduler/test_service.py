"""The leader's duties on a real AsyncIOScheduler: jobs from the tables, with the options that
make missed runs coalesce; the sender woken as soon as something is written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from wipbot.demo.clock import ManualClock
from wipbot.demo.simulate import SimulatedScheduler
from wipbot.scheduler.config import SchedulerConfig
from wipbot.scheduler.jobs import JobContext, install_jobs, sync_factory_jobs
from wipbot.scheduler.leader import SoleLeader
from wipbot.scheduler.service import SchedulerService
from wipbot.scheduler.workdays import Slot
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.outbox import Delivered, Outbound, enqueue


async def test_jobs_on_a_real_scheduler_coalesce_with_a_generous_grace(
    sqlite_session_factory: SessionFactory,
) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    try:
        ctx = JobContext(sqlite_session_factory, scheduler=scheduler)
        install_jobs(ctx)
        sync_factory_jobs(ctx, {7: Slot(0, time(10), "America/New_York")})
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"sweep", "risk_scan", "checkin_followup", "prompt:7", "midweek:7"}
        for job in jobs.values():
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time == 72 * 3600
        assert isinstance(jobs["sweep"].trigger, IntervalTrigger)
        prompt = jobs["prompt:7"]
        assert isinstance(prompt.trigger, CronTrigger)
        local = prompt.next_run_time.astimezone(ZoneInfo("America/New_York"))
        assert (local.weekday(), local.hour, local.minute) == (0, 10, 0)
        midweek = jobs["midweek:7"].next_run_time.astimezone(ZoneInfo("America/New_York"))
        assert (midweek.weekday(), midweek.hour, midweek.minute) == (3, 10, 0)

        sync_factory_jobs(ctx, {7: Slot(2, time(8, 30), "America/New_York")})
        moved = scheduler.get_job("prompt:7").next_run_time.astimezone(ZoneInfo("America/New_York"))
        assert (moved.weekday(), moved.hour, moved.minute) == (2, 8, 30)
        midweek = scheduler.get_job("midweek:7").next_run_time.astimezone(
            ZoneInfo("America/New_York")
        )
        assert (midweek.weekday(), midweek.hour, midweek.minute) == (5, 8, 30)
        sync_factory_jobs(ctx, {})
        assert scheduler.get_job("prompt:7") is None
        assert scheduler.get_job("midweek:7") is None
    finally:
        scheduler.shutdown(wait=False)


async def test_the_simulation_coalesces_missed_fire_times() -> None:
    clock = ManualClock(datetime(2026, 3, 2, tzinfo=UTC))
    scheduler = SimulatedScheduler(clock)
    seen: list[datetime] = []

    async def slow_job() -> None:
        seen.append(clock())
        clock.advance(timedelta(hours=5))

    scheduler.add_job(
        slow_job,
        IntervalTrigger(hours=1, start_date=clock() + timedelta(hours=1), timezone=UTC),
        id="slow",
    )
    await scheduler.run_until(clock() + timedelta(hours=12))
    assert [(t - datetime(2026, 3, 2, tzinfo=UTC)).seconds // 3600 for t in seen] == [1, 7]


class SignallingTransport:
    platform = "telegram"

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.arrived = asyncio.Event()

    async def deliver(self, message: Outbound) -> Delivered:
        self.delivered.append(str(message.payload["text"]))
        self.arrived.set()
        return Delivered(str(message.id))


async def test_the_leader_sends_what_is_written_without_waiting_for_a_poll(
    sqlite_session_factory: SessionFactory,
) -> None:
    transport = SignallingTransport()
    wake = asyncio.Event()
    service = SchedulerService(
        sqlite_session_factory,
        {"telegram": transport},
        SoleLeader(),
        SchedulerConfig(),
        wake,
        announce=lambda _: None,
    )
    running = asyncio.create_task(service.run())
    try:
        async with transaction(sqlite_session_factory) as session:
            enqueue(session, "telegram", "42", {"kind": "reply", "text": "hello"})
        wake.set()
        await asyncio.wait_for(transport.arrived.wait(), 10)
        assert transport.delivered == ["hello"]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert running.cancelled()
    left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert left == [], "the service stopped but left these running: " + repr(left)
