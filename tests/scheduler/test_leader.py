"""Exactly one process leads, by a PostgreSQL advisory lock; when it dies another takes over."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg

from wipbot.scheduler.leader import (
    AdvisoryLockLeader,
    FileLockLeader,
    SoleLeader,
    leadership_for,
    postgres_dsn,
)

CHILD = Path(__file__).with_name("leader_child.py")
LEADER = "leader: the scheduler and the sender run in this process"
FOLLOWER = "another process leads"


async def test_one_of_two_leads_until_its_connection_dies(pg_url: str) -> None:
    dsn = postgres_dsn(pg_url)
    first = AdvisoryLockLeader(dsn, poll_seconds=0.05, check_seconds=0.05)
    second = AdvisoryLockLeader(dsn, poll_seconds=0.05, check_seconds=0.05)
    await asyncio.wait_for(first.acquire(), 5)
    waiting = asyncio.create_task(second.acquire())
    watching = asyncio.create_task(first.lost())
    try:
        await asyncio.sleep(0)
        assert not waiting.done()
        admin = await asyncpg.connect(dsn)
        try:
            holder = await admin.fetchval(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            assert holder is not None
            await admin.execute("SELECT pg_terminate_backend($1)", holder)
        finally:
            await admin.close()
        await asyncio.wait_for(watching, 5)
        await asyncio.wait_for(waiting, 5)
    finally:
        waiting.cancel()
        watching.cancel()
        await first.release()
        await second.release()


async def test_a_second_process_on_one_sqlite_file_waits(tmp_path: Path) -> None:
    lock = tmp_path / "wipbot.db.leader"
    first = FileLockLeader(lock, poll_seconds=0.05)
    await asyncio.wait_for(first.acquire(), 5)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import fcntl, sys; f = open(sys.argv[1], 'a+b');"
        " fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)",
        str(lock),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await child.communicate()
    assert child.returncode != 0 and b"BlockingIOError" in err  # another process is refused
    second = FileLockLeader(lock, poll_seconds=0.05)
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await first.release()
    await asyncio.wait_for(waiting, 5)
    await second.release()


async def test_released_lock_passes_on_at_once(pg_url: str) -> None:
    dsn = postgres_dsn(pg_url)
    first, second = AdvisoryLockLeader(dsn), AdvisoryLockLeader(dsn, poll_seconds=0.05)
    await first.acquire()
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.3)  # six of the second's polls
    assert not waiting.done(), "the second process led while the first held the lock"
    released = time.monotonic()
    await first.release()
    await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - released < 1.0
    await second.release()


def test_sqlite_leads_through_a_lock_file_beside_the_database() -> None:
    sqlite = leadership_for("sqlite+aiosqlite:///./x.db")
    assert isinstance(sqlite, FileLockLeader)
    assert isinstance(leadership_for("sqlite+aiosqlite:///:memory:"), SoleLeader)
    assert isinstance(
        leadership_for("postgresql+asyncpg://postgres@127.0.0.1/db"), AdvisoryLockLeader
    )
    assert postgres_dsn("postgresql+asyncpg://u:p%40ss@h:5/db") == "postgresql://u:p%40ss@h:5/db"


class Child:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode().strip())

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)


async def until(condition: Callable[[], bool], within: float) -> float:
    """Poll a condition (a callable) until it holds; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise TimeoutError(f"condition not met within {within} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_two_processes_one_leader_and_a_takeover_after_kill_9(pg_url: str) -> None:
    children = [
        Child(
            await asyncio.create_subprocess_exec(
                sys.executable,
                str(CHILD),
                pg_url,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        )
        for _ in range(2)
    ]
    readers = [asyncio.create_task(c.read()) for c in children]
    try:
        await until(lambda: any(c.said(LEADER) for c in children), 20)
        [leader] = [c for c in children if c.said(LEADER)]
        [follower] = [c for c in children if c is not leader]
        await until(lambda: follower.said(FOLLOWER), 20)
        assert not follower.said(LEADER)

        leader.process.send_signal(signal.SIGKILL)
        await leader.process.wait()
        took = await until(lambda: follower.said(LEADER), 10)
        assert took < 5
        assert follower.process.returncode is None
    finally:
        for child in children:
            if child.process.returncode is None:
                child.process.kill()
            await child.process.wait()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
