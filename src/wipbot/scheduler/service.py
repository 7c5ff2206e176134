"""The leader's duties: the scheduler and the sender, started when leadership is won and
stopped the moment it is lost. Every process serves the web routes; only the leader runs this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.outbox import Transport

from .config import SchedulerConfig
from .digest import install_digest_jobs
from .jobs import JobContext, install_jobs, load_slots, startup_jobs, sync_factory_jobs
from .leader import Leadership
from .sender import OutboxSender

log = logging.getLogger(__name__)


def _log(message: str) -> None:
    log.info(message)


class AwaitableExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """APScheduler's asyncio executor, whose running jobs can be waited for. Its shutdown only
    cancels them: a cancelled job still closing its database connection would outlive the
    scheduler, and the engine, and wait for ever on a connection that is gone."""

    def running(self) -> list[asyncio.Future[Any]]:
        return [future for future in self._pending_futures if not future.done()]


@dataclass
class SchedulerService:
    session_factory: SessionFactory
    transports: Mapping[str, Transport]
    leadership: Leadership
    config: SchedulerConfig = field(default_factory=SchedulerConfig)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    clock: Clock = system_clock
    announce: Callable[[str], None] = _log

    async def run(self) -> None:
        """Lead whenever possible, for as long as this process lives."""
        try:
            while True:
                await self.leadership.acquire()
                self.announce("leader: the scheduler and the sender run in this process")
                await self._lead()
                self.announce("leadership lost: the scheduler and the sender stopped")
        finally:
            await self.leadership.release()

    async def _lead(self) -> None:
        executor = AwaitableExecutor()
        scheduler = AsyncIOScheduler(timezone=UTC, executors={"default": executor})
        ctx = JobContext(
            self.session_factory,
            self.config,
            self.clock,
            wake_sender=self.wake.set,
            scheduler=scheduler,
        )
        sender = OutboxSender(
            self.session_factory, self.transports, config=self.config.sender, clock=self.clock
        )
        scheduler.start()
        tasks: list[asyncio.Task[None]] = []
        try:
            install_jobs(ctx)
            install_digest_jobs(ctx)
            sync_factory_jobs(ctx, await load_slots(ctx))
            sending = asyncio.create_task(sender.run_forever(self.wake), name="outbox sender")
            lost = asyncio.create_task(self.leadership.lost(), name="leader watch")
            tasks = [sending, lost, asyncio.create_task(_catch_up(ctx), name="catch-up")]
            await asyncio.wait([sending, lost], return_when=asyncio.FIRST_COMPLETED)
            if sending.done():
                sending.result()
        finally:
            jobs = executor.running()
            scheduler.shutdown(wait=False)
            for task in tasks:
                task.cancel()
            for ending in [*tasks, *jobs]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await ending


async def _catch_up(ctx: JobContext) -> None:
    """Missed runs after downtime, once; a failure here waits for the next sweep."""
    try:
        await startup_jobs(ctx)
    except Exception:
        log.exception("start-up catch-up failed; the hourly sweep will retry")
