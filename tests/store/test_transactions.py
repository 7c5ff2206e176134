"""One transaction per change: concurrent read-then-write units of work both land."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Brand


async def test_concurrent_read_then_write_transactions_both_commit(
    session_factory: SessionFactory,
) -> None:
    """PostgreSQL serializes them on the row lock. On SQLite a deferred BEGIN would fail the
    second writer at once ("database is locked"); transactions begin IMMEDIATE, so the second
    waits for the first instead."""
    async with transaction(session_factory) as s:
        s.add(Brand(name="counter", buffer_days=0))

    async def increment() -> None:
        async with transaction(session_factory) as s:
            query = select(Brand).where(Brand.name == "counter").with_for_update()
            brand = (await s.exec(query)).one()
            await asyncio.sleep(0.05)
            brand.buffer_days += 1

    await asyncio.gather(*(increment() for _ in range(4)))
    async with session_factory() as s:
        brand = (await s.exec(select(Brand).where(Brand.name == "counter"))).one()
    assert brand.buffer_days == 4


async def test_a_failing_unit_of_work_writes_nothing(session_factory: SessionFactory) -> None:
    with pytest.raises(ValueError, match="bad input"):
        async with transaction(session_factory) as s:
            s.add(Brand(name="half-written"))
            await s.flush()
            raise ValueError("bad input")
    async with session_factory() as s:
        assert (await s.exec(select(Brand))).all() == []
