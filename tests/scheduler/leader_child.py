"""One process of a deployment, started by test_leader: runs the real scheduler service and
prints its leadership changes (and the lock's log lines) on stdout."""

from __future__ import annotations

import asyncio
import logging
import sys

from wipbot.scheduler.leader import AdvisoryLockLeader, postgres_dsn
from wipbot.scheduler.service import SchedulerService
from wipbot.store.db import make_engine, make_session_factory


async def main(database_url: str) -> None:
    engine = make_engine(database_url)
    leadership = AdvisoryLockLeader(postgres_dsn(database_url), poll_seconds=0.2, check_seconds=0.2)
    service = SchedulerService(
        make_session_factory(engine),
        {},
        leadership,
        announce=lambda message: print(message, flush=True),
    )
    await service.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(message)s", force=True)
    logging.getLogger("wipbot.scheduler.leader").setLevel(logging.INFO)
    asyncio.run(main(sys.argv[1]))
