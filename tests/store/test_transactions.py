"""One transaction per change: concurrent read-then-write units of work both land."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.db import (
    GroupCommit,
    SessionFactory,
    make_engine,
    make_session_factory,
    reading,
    transaction,
    writer_queue,
)
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


async def test_sqlite_writers_take_turns_in_the_order_they_asked(
    sqlite_session_factory: SessionFactory,
) -> None:
    """The writer queue, not SQLite's busy handler, decides who goes next: first come first
    served, each waiting without polling."""
    order: list[int] = []
    started = asyncio.Event()

    async def write(number: int) -> None:
        async with transaction(sqlite_session_factory) as s:
            started.set()
            order.append(number)
            s.add(Brand(name=f"b{number}"))
            await asyncio.sleep(0.01)

    first = asyncio.create_task(write(0))
    await started.wait()
    others = []
    for number in range(1, 8):
        others.append(asyncio.create_task(write(number)))
        await asyncio.sleep(0)
    await asyncio.gather(first, *others)
    assert order == list(range(8))


async def test_a_transaction_inside_a_transaction_of_the_same_task_does_not_wait_for_itself(
    sqlite_session_factory: SessionFactory,
) -> None:
    queue = writer_queue(sqlite_session_factory)
    assert queue is not None
    async with queue.turn(), asyncio.timeout(2), queue.turn():
        assert queue.waiting == 0


async def test_a_reader_does_not_wait_for_the_writer(
    sqlite_session_factory: SessionFactory,
) -> None:
    async with transaction(sqlite_session_factory) as writer:
        writer.add(Brand(name="not yet committed"))
        await writer.flush()
        async with asyncio.timeout(2), reading(sqlite_session_factory) as reader:
            assert (await reader.exec(select(Brand))).all() == []


async def test_concurrent_units_share_one_commit_and_a_failing_one_stays_alone(
    session_factory: SessionFactory,
) -> None:
    group = GroupCommit.for_factory(session_factory)

    async def add(name: str) -> str:
        async def work(s: AsyncSession) -> str:
            if name == "bad":
                raise ValueError(name)
            s.add(Brand(name=name))
            await s.flush()
            return name

        return str(await group.run(work))

    results = await asyncio.gather(
        *(add(n) for n in ("a", "b", "bad", "c")), return_exceptions=True
    )
    await group.close()
    assert results[:2] == ["a", "b"] and isinstance(results[2], ValueError) and results[3] == "c"
    async with session_factory() as s:
        assert sorted(b.name for b in (await s.exec(select(Brand))).all()) == ["a", "b", "c"]


async def test_a_unit_that_arrives_as_the_last_lane_ends_is_still_run(
    session_factory: SessionFactory,
) -> None:
    """A second unit is queued k loop turns after the first, for every k: one of them lands in
    the turn between a lane finding nothing pending and that lane being counted as gone."""

    async def work(s: AsyncSession) -> str:
        return "done"

    for k in range(200):
        group = GroupCommit.for_factory(session_factory)
        first = asyncio.ensure_future(group.run(work))
        for _ in range(k):
            await asyncio.sleep(0)
        second = asyncio.ensure_future(group.run(work))
        try:
            async with asyncio.timeout(5):
                assert await asyncio.gather(first, second) == ["done", "done"]
        except TimeoutError:
            pytest.fail(f"a unit queued {k} loop turns after another was never run")
        finally:
            await group.close()


async def test_a_lane_keeps_its_connection_between_deliveries_on_postgresql(
    pg_url: str,
) -> None:
    """Deliveries one after another take no connection from the pool (and send no ping) after
    the first: the lane parks it. Closing the group gives it back."""
    engine = make_engine(pg_url)
    checkouts = 0

    def count(*_: object) -> None:
        nonlocal checkouts
        checkouts += 1

    event.listen(engine.sync_engine.pool, "checkout", count)
    group = GroupCommit.for_factory(make_session_factory(engine))

    async def work(s: AsyncSession) -> int:
        return len((await s.exec(select(Brand))).all()) + 1

    try:
        assert [await group.run(work) for _ in range(5)] == [1] * 5
        assert checkouts == 1
        await group.close()
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
