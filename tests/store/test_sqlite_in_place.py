"""Short write transactions on SQLite run their statements on the event loop's thread, without
aiosqlite's round trips; everything else still goes through its thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from wipbot.store.db import SessionFactory, make_engine, make_session_factory, reading, transaction


def _thread_function(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("thread_id", 0, threading.get_ident)


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sqlite_url)
    event.listen(engine.sync_engine, "connect", _thread_function)
    yield engine
    await engine.dispose()


async def thread_of(factory: SessionFactory, *, in_place: bool) -> int:
    async with transaction(factory, in_place=in_place) as session:
        await session.exec(text("UPDATE contact SET name = name"))  # type: ignore[call-overload]
        return int((await session.exec(text("SELECT thread_id()"))).one()[0])  # type: ignore[call-overload]


async def test_only_transactions_marked_in_place_skip_the_thread(engine: AsyncEngine) -> None:
    factory = make_session_factory(engine)
    loop_thread = threading.get_ident()

    assert await thread_of(factory, in_place=True) == loop_thread
    assert await thread_of(factory, in_place=False) != loop_thread
    assert await thread_of(factory, in_place=True) == loop_thread
    async with reading(factory) as session:
        read = (await session.exec(text("SELECT thread_id()"))).one()[0]  # type: ignore[call-overload]
    assert read != loop_thread
    async with reading(factory, in_place=True) as session:
        short = (await session.exec(text("SELECT thread_id()"))).one()[0]  # type: ignore[call-overload]
    assert short == loop_thread


async def test_a_failed_in_place_transaction_leaves_nothing_and_the_next_one_works(
    engine: AsyncEngine,
) -> None:
    factory = make_session_factory(engine)
    with pytest.raises(Exception, match="no such table"):
        async with transaction(factory, in_place=True) as session:
            await session.exec(text("CREATE TABLE scratch (n INTEGER)"))  # type: ignore[call-overload]
            await session.exec(text("INSERT INTO nowhere VALUES (1)"))  # type: ignore[call-overload]
    assert await thread_of(factory, in_place=False) != threading.get_ident()
    async with reading(factory) as session:
        tables = (
            await session.exec(text("SELECT name FROM sqlite_master WHERE name = 'scratch'"))  # type: ignore[call-overload]
        ).all()
    assert tables == []


async def test_an_in_place_transaction_waits_in_the_thread_while_another_writer_holds_the_lock(
    engine: AsyncEngine, sqlite_url: str
) -> None:
    """BEGIN IMMEDIATE is tried in place without waiting; a lock held elsewhere (here a plain
    connection on the same loop, as another process would) sends it to the thread, so the event
    loop keeps running and the holder can finish."""
    factory = make_session_factory(engine)
    async with transaction(factory) as session:
        await session.exec(text("CREATE TABLE scratch (n INTEGER)"))  # type: ignore[call-overload]
    holder = sqlite3.connect(sqlite_url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO scratch VALUES (1)")

    async def writer() -> int:
        async with transaction(factory, in_place=True) as session:
            await session.exec(text("INSERT INTO scratch VALUES (2)"))  # type: ignore[call-overload]
            return int((await session.exec(text("SELECT thread_id()"))).one()[0])  # type: ignore[call-overload]

    waiting = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    holder.execute("COMMIT")
    holder.close()
    assert await waiting == threading.get_ident()
    async with reading(factory) as session:
        rows = (await session.exec(text("SELECT n FROM scratch ORDER BY n"))).all()  # type: ignore[call-overload]
    assert [row[0] for row in rows] == [1, 2]
    assert await thread_of(factory, in_place=True) == threading.get_ident()
