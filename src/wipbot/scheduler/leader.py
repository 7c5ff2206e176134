"""Exactly one process runs the scheduler and the sender: the one holding the leader lock.

On PostgreSQL the lock is a session-level advisory lock on a dedicated connection that stays
open for as long as this process leads. PostgreSQL releases it the moment that connection ends,
whether the process exited, was killed, or lost its network, so a follower polling with
pg_try_advisory_lock takes over within one poll interval. The leader watches its own connection
and steps down as soon as it breaks, because by then someone else may already hold the lock.
With SQLite the lock is an exclusive file lock beside the database file, released by the
operating system when the process ends: a second process on the same file waits as a follower.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from pathlib import Path
from typing import IO, Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from wipbot.store.db import is_sqlite

log = logging.getLogger(__name__)

# "wipbot" in ASCII, then the lock's number: fits PostgreSQL's signed bigint key.
LEADER_LOCK_KEY = 0x7769_7062_6F74_0001

CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class Leadership(Protocol):
    async def acquire(self) -> None:
        """Return once this process leads; wait (polling) while another one does."""

    async def lost(self) -> None:
        """Return when this process no longer leads."""

    async def release(self) -> None:
        """Step down, so a follower can take over at once."""


class SoleLeader:
    """An in-memory SQLite database: one process by definition, always the leader."""

    def __init__(self) -> None:
        self._released = asyncio.Event()

    async def acquire(self) -> None:
        self._released.clear()

    async def lost(self) -> None:
        await self._released.wait()

    async def release(self) -> None:
        self._released.set()


class FileLockLeader:
    """SQLite file: an exclusive lock on a file beside the database, so that a second
    `wipbot run` on the same file waits instead of sending everything twice. The operating
    system drops the lock when the leader dies, however it dies."""

    def __init__(self, path: Path, *, poll_seconds: float = 3.0) -> None:
        self._path = path
        self._poll = poll_seconds
        self._file: IO[bytes] | None = None
        self._released = asyncio.Event()

    async def acquire(self) -> None:
        self._released.clear()
        announced = False
        while not self._try_lock():
            if not announced:
                log.info("leader: %s is held by another process; waiting", self._path)
                announced = True
            await asyncio.sleep(self._poll)

    def _try_lock(self) -> bool:
        handle = self._path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    async def lost(self) -> None:
        await self._released.wait()

    async def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self._released.set()


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database."""
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def postgres_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (postgresql+asyncpg://…) as a plain DSN asyncpg connects with."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class AdvisoryLockLeader:
    def __init__(
        self,
        dsn: str,
        *,
        key: int = LEADER_LOCK_KEY,
        poll_seconds: float = 3.0,
        check_seconds: float = 2.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._key = key
        self._poll = poll_seconds
        self._check = check_seconds
        self._timeout = timeout_seconds
        self._connection: Any = None
        self._broken = asyncio.Event()

    async def acquire(self) -> None:
        following = False
        while True:
            if await self._try_lock():
                return
            if not following:
                log.info("another process leads; polling for the lock every %s s", self._poll)
                following = True
            await asyncio.sleep(self._poll)

    async def lost(self) -> None:
        """Watch the lock's connection: a termination or a failed ping means it is gone."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._broken.wait(), self._check)
            if self._broken.is_set() or not await self._alive():
                await self._close()
                return

    async def release(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(*CONNECTION_ERRORS):
                await self._connection.execute("SELECT pg_advisory_unlock($1)", self._key)
        await self._close()

    async def _try_lock(self) -> bool:
        try:
            if self._connection is None or self._connection.is_closed():
                self._broken.clear()
                self._connection = await asyncpg.connect(self._dsn, timeout=self._timeout)
                self._connection.add_termination_listener(lambda _: self._broken.set())
            locked = await self._connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
            )
        except CONNECTION_ERRORS as error:
            log.warning("leader lock: database unreachable (%s); retrying", error)
            await self._close()
            return False
        return bool(locked)

    async def _alive(self) -> bool:
        try:
            await self._connection.fetchval("SELECT 1", timeout=self._timeout)
        except CONNECTION_ERRORS as error:
            log.warning("leader lock: connection lost (%s); stepping down", error)
            return False
        return True

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None or connection.is_closed():
            return
        try:
            await connection.close(timeout=self._timeout)
        except CONNECTION_ERRORS:
            connection.terminate()


def leadership_for(
    database_url: str, *, poll_seconds: float = 3.0, check_seconds: float = 2.0
) -> Leadership:
    if is_sqlite(database_url):
        path = sqlite_file(database_url)
        if path is None:
            return SoleLeader()
        return FileLockLeader(path.with_name(path.name + ".leader"), poll_seconds=poll_seconds)
    return AdvisoryLockLeader(
        postgres_dsn(database_url), poll_seconds=poll_seconds, check_seconds=check_seconds
    )
