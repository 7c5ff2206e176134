"""A PostgreSQL engine gives its pooled connections back once none was in use for a while
(store/db.py, `POOL_IDLE_SECONDS`): a worker that served a burst and went quiet held up to
`pool_size` (5) connections for good."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from wipbot.store.db import make_engine

from .test_group_commit_parking import backends

IDLE = 0.5


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url, pool_idle_seconds=IDLE)
    yield engine
    await engine.dispose()


async def burst(engine: AsyncEngine, connections: int = 5) -> None:
    """`connections` sessions at once: the pool opens as many and keeps them."""

    async def one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(0.05)"))

    await asyncio.gather(*(one() for _ in range(connections)))


async def test_a_quiet_engine_closes_the_connections_a_burst_opened(engine: AsyncEngine) -> None:
    await burst(engine)
    assert await backends(engine) == 5
    await asyncio.sleep(IDLE * 3)
    assert await backends(engine) == 0
    await burst(engine, 2)  # and it opens them again when work comes back
    assert await backends(engine) == 2


async def test_connections_in_steady_use_are_kept(engine: AsyncEngine) -> None:
    await burst(engine, 3)
    for _ in range(6):
        await asyncio.sleep(IDLE / 3)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    assert await backends(engine) == 3


async def test_a_connection_held_through_the_quiet_time_is_not_cut(engine: AsyncEngine) -> None:
    await burst(engine, 3)
    async with engine.connect() as held:
        await asyncio.sleep(IDLE * 3)
        assert (await held.execute(text("SELECT 1"))).scalar() == 1
        assert await backends(engine) == 3
    await asyncio.sleep(IDLE * 3)
    assert await backends(engine) == 0
