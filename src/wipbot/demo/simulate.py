"""APScheduler's own triggers on a manual clock: the real jobs, weeks in a second.

The demo and the tests register jobs exactly as the service does (`install_jobs`), then advance
time; each job runs at the fire time its trigger computes, missed fire times are coalesced as
`coalesce=True` does, and nobody sleeps.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from .clock import ManualClock


@dataclass
class SimulatedJob:
    id: str
    func: Callable[..., Awaitable[Any]]
    trigger: BaseTrigger
    kwargs: dict[str, Any]
    next_run_time: datetime | None
    order: int = 0


@dataclass(frozen=True)
class Run:
    job_id: str
    at: datetime
    result: Any


@dataclass
class SimulatedScheduler:
    clock: ManualClock
    jobs: dict[str, SimulatedJob] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def add_job(self, func: Any, trigger: Any = None, **options: Any) -> SimulatedJob:
        """AsyncIOScheduler's add_job as the jobs module calls it (id, kwargs, replace_existing)."""
        if not isinstance(trigger, BaseTrigger):
            raise ValueError("a simulated job needs a trigger")
        job_id = str(options["id"])
        if job_id in self.jobs and not options.get("replace_existing", False):
            raise ValueError(f"job {job_id!r} exists")
        job = SimulatedJob(
            job_id,
            func,
            trigger,
            dict(options.get("kwargs") or {}),
            trigger.get_next_fire_time(None, self.clock()),
            next(self._counter),
        )
        self.jobs[job_id] = job
        return job

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        del self.jobs[job_id]

    def get_job(self, job_id: str, jobstore: str | None = None) -> SimulatedJob | None:
        return self.jobs.get(job_id)

    async def run_until(
        self, until: datetime, after_each: Callable[[], Awaitable[Any]] | None = None
    ) -> list[Run]:
        """Run every job whose fire time comes before `until`, in time order; then stop there.

        `after_each` runs after every job, e.g. the sender, so its output keeps the job's time.
        """
        runs: list[Run] = []
        while True:
            due = [j for j in self.jobs.values() if j.next_run_time and j.next_run_time <= until]
            if not due:
                if until > self.clock():
                    self.clock.set(until)
                return runs
            job = min(due, key=lambda j: (j.next_run_time, j.order))
            fired = job.next_run_time
            assert fired is not None
            if fired > self.clock():
                self.clock.set(fired)
            result = await job.func(**job.kwargs)
            runs.append(Run(job.id, fired, result))
            if after_each is not None:
                await after_each()
            if self.jobs.get(job.id) is job:
                self._reschedule(job, fired)

    def _reschedule(self, job: SimulatedJob, fired: datetime) -> None:
        """Fire times that passed while the job ran are coalesced into the next one."""
        now = self.clock()
        upcoming = job.trigger.get_next_fire_time(fired, now)
        while upcoming is not None and upcoming <= now:
            upcoming = job.trigger.get_next_fire_time(upcoming, now)
        if upcoming is None:
            del self.jobs[job.id]
        else:
            job.next_run_time = upcoming
