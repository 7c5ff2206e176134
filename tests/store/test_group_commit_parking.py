"""GroupCommit's parked connections on PostgreSQL: a burst keeps reusing them, and a quiet
process gives them back (store/db.py, `PARK_SECONDS`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.db import GroupCommit, make_engine, make_session_factory
from wipbot.store.models import Brand

LANES = 8


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url)
    yield engine
    await engine.dispose()


async def work(session: AsyncSession) -> int:
    return len((await session.exec(select(Brand))).all())


async def burst(group: GroupCommit, units: int = 50) -> None:
    """More units at once than lanes: every lane runs, and parks its connection."""
    assert await asyncio.gather(*(group.run(work) for _ in range(units))) == [0] * units


def checked_out(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def backends(engine: AsyncEngine) -> int:
    """Connections PostgreSQL has open to the test's database, this one's own left out."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(url)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return int(count)


async def test_a_burst_reuses_the_parked_connections(engine: AsyncEngine) -> None:
    checkouts = 0

    def count(*_: object) -> None:
        nonlocal checkouts
        checkouts += 1

    event.listen(engine.sync_engine.pool, "checkout", count)
    group = GroupCommit(make_session_factory(engine), max_batch=4, lanes=LANES, park_seconds=60)
    try:
        await burst(group)
        assert (checkouts, checked_out(engine)) == (LANES, LANES)
        for _ in range(3):
            await burst(group)
        assert checkouts == LANES  # the later bursts took none from the pool
    finally:
        await group.close()
    assert checked_out(engine) == 0


async def test_connections_parked_unused_go_back_to_the_pool(engine: AsyncEngine) -> None:
    park = 0.3
    group = GroupCommit(make_session_factory(engine), max_batch=4, lanes=LANES, park_seconds=park)
    loop = asyncio.get_running_loop()
    try:
        began = loop.time()  # every connection was parked after this
        await burst(group)
        assert checked_out(engine) == LANES
        assert await backends(engine) == LANES
        for _ in range(500):
            if not checked_out(engine):
                break
            await asyncio.sleep(0.02)
        assert checked_out(engine) == 0
        assert loop.time() - began >= park  # not before they were left unused that long
        # the pool keeps what its size allows, no more: the overflow is closed
        assert await backends(engine) <= engine.sync_engine.pool.size()  # type: ignore[attr-defined]

        await burst(group)  # a later burst takes them again
        assert checked_out(engine) == LANES
    finally:
        await group.close()
    assert checked_out(engine) == 0


async def test_a_lane_in_use_keeps_its_connection_while_another_is_given_back(
    engine: AsyncEngine,
) -> None:
    """Deliveries one at a time need one lane: the connection parked last is taken again each
    time, and the other seven, left unused, go back."""
    group = GroupCommit(make_session_factory(engine), max_batch=4, lanes=LANES, park_seconds=0.3)
    try:
        await burst(group)
        async with asyncio.timeout(10):
            while checked_out(engine) > 1:
                assert await group.run(work) == 0
                await asyncio.sleep(0.05)
        assert checked_out(engine) == 1
    finally:
        await group.close()
    assert checked_out(engine) == 0
