"""Engine and sessions, built on demand from a URL, never at import time.

SQLite has one writer. Units of work that go through `transaction` wait for their turn in an
asyncio queue per engine, first come first served, instead of polling SQLite's lock through its
busy handler (which wakes at random and lets a late arrival overtake a waiting one). The queue is
re-entrant within one task, so a nested `transaction` does not wait for itself.
`GroupCommit` goes one step further for many small concurrent units (inbound chat updates): it
runs those that queued up meanwhile in one transaction and pays for one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AnyAsyncSession
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from .sqlite_in_place import (
    BUSY_TIMEOUT_MS,
    IN_PLACE,
    begin_in_place,
    begin_read_in_place,
    connect_in_place,
    mark_in_place,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./wipbot.db"

POOL_IDLE_SECONDS = 30.0
"""How long a PostgreSQL engine's pool may go without a connection in use before it closes the
connections it keeps (up to `pool_size`, 5). A burst of webhooks opens several; a worker that
then sits idle behind a load balancer held them for good, a share of max_connections (100) per
worker. 30 s outlasts the gaps within a burst and between the sender's polls, and a connection
opened again afterwards costs a few milliseconds once."""

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; foreign keys are off in SQLite by default.

    The driver's own transaction handling is switched off (we emit BEGIN ourselves, below):
    left on, it does not begin before a SAVEPOINT, and releasing one would commit.
    The busy timeout is only the fallback for sessions outside `transaction` and for other
    processes on the same file; writers of this process queue in `WriterQueue`.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


READ_ONLY = "wipbot_read_only"


def _sqlite_begin(connection: Any) -> None:
    """IMMEDIATE takes the write lock up front: a read that turns into a write cannot fail
    half-way with "database is locked". Connections marked read-only (`reading`) begin
    deferred and read beside the writer, as WAL allows; those marked in place run the whole
    transaction without aiosqlite's thread when the lock is free (`store.sqlite_in_place`)."""
    options = connection.get_execution_options()
    in_place = options.get(IN_PLACE)
    driver_connection = connection.connection.driver_connection
    if options.get(READ_ONLY):
        if not (in_place and begin_read_in_place(driver_connection)):
            connection.exec_driver_sql("BEGIN")
        return
    if in_place and begin_in_place(driver_connection):
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    if in_place:
        mark_in_place(driver_connection)


def make_engine(
    url: str = DEFAULT_DATABASE_URL,
    *,
    pool_idle_seconds: float | None = POOL_IDLE_SECONDS,
    **kwargs: Any,
) -> AsyncEngine:
    """PostgreSQL: pooled connections are closed once none was in use for `pool_idle_seconds`
    (None: kept for good)."""
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        args, options = engine.dialect.create_connect_args(engine.url)
        if options.get("check_same_thread") is False and "async_creator" not in kwargs:
            engine = create_async_engine(
                url, async_creator=connect_in_place(list(args), options), **kwargs
            )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if pool_idle_seconds is not None:
        IdleRelease(engine, pool_idle_seconds)
    return engine


class IdleRelease:
    """Closes the pooled connections of an engine none of whose connections was in use for
    `seconds`: the pool is replaced by an empty one (as `Engine.dispose` does) and the old one
    closed. SQLAlchemy's pool has no idle timeout of its own (`pool_recycle` acts only at the
    next checkout, which an idle process never makes). A timer armed at a check-in does it, on
    the loop that checked the connection in; nothing runs while no connection is pooled."""

    def __init__(self, engine: AsyncEngine, seconds: float) -> None:
        self._engine = weakref.ref(engine)
        self._seconds = seconds
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self.releases = 0
        event.listen(engine.sync_engine, "checkin", self._checked_in)

    def _checked_in(self, *_: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # checked in outside a loop (garbage collected): nothing to time
            return
        self._last = loop.time()
        if self._timer is None:
            self._timer = loop.call_later(self._seconds, self._due, loop)

    def _due(self, loop: asyncio.AbstractEventLoop) -> None:
        """Swaps the pool in the same step as it sees none of its connections in use, so no
        checkout can come between; closing the old pool's connections then takes a task."""
        self._timer = None
        engine = self._engine()
        if engine is None:
            return
        pool = engine.sync_engine.pool
        if pool.checkedout():  # type: ignore[attr-defined]
            return  # its check-in arms the timer again
        quiet = loop.time() - self._last
        if quiet < self._seconds:
            self._timer = loop.call_later(self._seconds - quiet, self._due, loop)
            return
        if not pool.checkedin():  # type: ignore[attr-defined]
            return
        engine.sync_engine.pool = pool.recreate()
        self.releases += 1
        task = loop.create_task(greenlet_spawn(pool.dispose))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class WriterQueue:
    """One writer at a time, in order of arrival (asyncio.Lock wakes its waiters FIFO);
    re-entrant for the task that holds it."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @property
    def waiting(self) -> int:
        waiters = getattr(self._lock, "_waiters", None)
        return len(waiters) if waiters else 0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


_queues: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, WriterQueue]] = (
    weakref.WeakKeyDictionary()
)


def bound_engine(factory: SessionFactory) -> AsyncEngine | None:
    """The engine the factory's sessions go to; None when they are bound to anything else."""
    bind = factory.kw.get("bind")
    return bind if isinstance(bind, AsyncEngine) else None


Database = SessionFactory | AnyAsyncSession | AsyncEngine | AsyncConnection | None
"""Whatever a caller holds that leads to the database: its sessions' factory, a session, an
engine or a connection (None: a factory bound to something other than an engine)."""


def on_sqlite(database: Database) -> bool:
    """Whether this goes to SQLite: one writer, a thread per connection, so writers queue,
    readers take turns and rows are never locked. The one place that tells the databases apart
    by their handle; a factory not bound to an engine is not SQLite (nothing queues for it)."""
    if isinstance(database, async_sessionmaker):
        database = bound_engine(database)
    if isinstance(database, AnyAsyncSession):
        return database.get_bind().dialect.name == "sqlite"
    return database is not None and database.dialect.name == "sqlite"


def writer_queue(factory: SessionFactory) -> WriterQueue | None:
    """The engine's queue on this event loop; None when the database has writers in parallel."""
    bind = bound_engine(factory)
    if bind is None or not on_sqlite(bind):
        return None
    loop = asyncio.get_running_loop()
    known = _queues.get(bind.sync_engine)
    if known is None or known[0] is not loop:
        known = _queues[bind.sync_engine] = (loop, WriterQueue())
    return known[1]


@asynccontextmanager
async def transaction(
    factory: SessionFactory, *, in_place: bool = False
) -> AsyncIterator[AsyncSession]:
    """One unit of work: everything inside commits together or not at all.

    `in_place` (SQLite): a short unit whose statements run without aiosqlite's thread once it
    holds the write lock (`store.sqlite_in_place`); nothing long belongs in one."""
    queue = writer_queue(factory)
    if queue is None:
        async with factory() as session, session.begin():
            yield session
        return
    if not in_place:
        async with queue.turn(), factory() as session, session.begin():
            yield session
        return
    bind = factory.kw["bind"]
    async with queue.turn(), bind.connect() as connection:
        await connection.execution_options(**{IN_PLACE: True})
        async with factory(bind=connection) as session, session.begin():
            yield session


@asynccontextmanager
async def reading(
    factory: SessionFactory, *, in_place: bool = False
) -> AsyncIterator[AsyncSession]:
    """A session that only reads: on SQLite it neither takes the write lock nor queues for it,
    so /healthz, /metrics and the sender's look at the outbox are not held up by writers.

    `in_place` (SQLite): a short read, such as the sender's look at the outbox, runs on the event
    loop instead of aiosqlite's thread (a read in WAL mode waits for no lock)."""
    bind = bound_engine(factory)
    if bind is None or not on_sqlite(bind):
        async with factory() as session:
            yield session
        return
    async with bind.connect() as connection:
        await connection.execution_options(**{READ_ONLY: True, IN_PLACE: in_place})
        async with factory(bind=connection) as session:
            yield session


Work = Callable[[AsyncSession], Awaitable[Any]]

PARK_SECONDS = 5.0
"""How long a `GroupCommit` lane's connection stays parked unused before it goes back to the
pool. Parking saves a checkout and its ping per batch, which counts only while deliveries
follow each other closely (a burst: milliseconds apart); after a few quiet seconds a new
checkout costs nothing anyone notices, while 8 parked connections per worker, several workers
behind a load balancer, would hold a good share of PostgreSQL's max_connections (100)."""


class GroupCommit:
    """Units of work that arrive while a transaction is open wait and then share the next one.

    Each unit must be safe to run again: when any unit of a shared transaction fails, the whole
    transaction is rolled back and its units are run again one transaction each, so the failure
    stays with the unit that caused it and the others still commit. `lanes` transactions run at
    once (one for SQLite, which has one writer anyway).
    """

    def __init__(
        self,
        factory: SessionFactory,
        *,
        max_batch: int = 32,
        lanes: int = 1,
        park_seconds: float = PARK_SECONDS,
    ) -> None:
        self._factory = factory
        self._max_batch = max_batch
        self._lanes = lanes
        self._park_seconds = park_seconds
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._draining: set[asyncio.Task[None]] = set()
        self._idle: list[tuple[AsyncConnection, float]] = []
        """Parked connections, each with the loop time it was parked at, oldest first."""
        self._reaper: asyncio.Task[None] | None = None
        self._closed = False
        self._closing = asyncio.Event()
        self.commits = 0

    @classmethod
    def for_factory(cls, factory: SessionFactory) -> GroupCommit:
        """SQLite: one lane, big batches (one writer, and a commit is what costs). PostgreSQL:
        several lanes of small batches, since a batch runs its units one after another on one
        connection while other connections could run them side by side."""
        if on_sqlite(factory):
            return cls(factory, max_batch=32, lanes=1)
        return cls(factory, max_batch=4, lanes=8)

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def run(self, work: Work) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        if len(self._draining) < self._lanes:
            self._draining.add(asyncio.create_task(self._drain()))
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        """A lane leaves `_draining` in the same step in which it finds nothing pending: left to
        a done-callback, which runs a loop iteration later, a unit queued in between would see
        every lane still busy and wait for a drain that never comes.

        On a database with writers in parallel (PostgreSQL) a lane runs its batches on one
        connection, and parks it for the next lane when it finds no more work, instead of
        taking one from the pool (and pinging it) for every batch; one left unused for
        `park_seconds` goes back to the pool (`_reap`). A batch that fails on it
        is run again unit by unit in transactions of their own, and the connection is let go:
        it may be what failed."""
        try:
            while self._pending:
                connection = await self._take_connection()
                healthy = True
                try:
                    while self._pending:
                        batch = self._pending[: self._max_batch]
                        del self._pending[: len(batch)]
                        if not await self._commit(batch, connection):
                            healthy = False
                            break
                finally:
                    if connection is not None:
                        if healthy and not self._closed and len(self._idle) < self._lanes:
                            self._park(connection)
                        else:
                            await close_quietly(connection)
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._draining.discard(task)

    async def _take_connection(self) -> AsyncConnection | None:
        """A parked connection, else a new one; None on SQLite, and when none can be had now:
        then each batch takes its own transaction, whose failure goes to its units (a lane
        that died here would leave them waiting)."""
        if self._idle:
            return self._idle.pop()[0]
        bind = bound_engine(self._factory)
        if bind is None or on_sqlite(bind):
            return None
        try:
            return await bind.connect()
        except Exception:
            return None

    def _park(self, connection: AsyncConnection) -> None:
        """The next lane takes the connection parked last (`_take_connection`), so those parked
        first are the ones that stay unused, and the reaper gives them back to the pool."""
        self._idle.append((connection, asyncio.get_running_loop().time()))
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap())

    async def _reap(self) -> None:
        """Give back each connection parked longer than `park_seconds`: a process whose lanes
        went quiet holds none of them. Ends when nothing is parked; the next park starts it."""
        loop = asyncio.get_running_loop()
        while self._idle and not self._closed:
            wait = self._idle[0][1] + self._park_seconds - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), wait)
                continue
            connection, _ = self._idle.pop(0)
            await close_quietly(connection)

    async def close(self) -> None:
        """Let the connections go (before the engine is disposed): lanes under way finish
        their work, and no lane parks one any more."""
        self._closed = True
        self._closing.set()
        await asyncio.gather(*self._draining, return_exceptions=True)
        if self._reaper is not None:
            await asyncio.gather(self._reaper, return_exceptions=True)  # not cut mid-close
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await close_quietly(connection)

    @asynccontextmanager
    async def _shared(self, connection: AsyncConnection | None) -> AsyncIterator[AsyncSession]:
        """A batch's transaction: on the lane's connection when it keeps one."""
        if connection is None:
            async with transaction(self._factory, in_place=True) as session:
                yield session
            return
        async with self._factory(bind=connection) as session, session.begin():
            yield session

    async def _commit(
        self, batch: list[tuple[Work, asyncio.Future[Any]]], connection: AsyncConnection | None
    ) -> bool:
        """Run the batch; False when it failed on the lane's connection (then each unit was
        run again alone, and the lane lets the connection go)."""
        if len(batch) > 1 or connection is not None:
            try:
                results = []
                async with self._shared(connection) as session:
                    for work, _ in batch:
                        results.append(await work(session))
            except Exception:
                pass
            else:
                self.commits += 1
                for (_, future), result in zip(batch, results, strict=True):
                    _settle(future, result)
                return True
        for work, future in batch:
            try:
                async with transaction(self._factory, in_place=True) as session:
                    result = await work(session)
            except Exception as error:
                _settle(future, error=error)
            else:
                self.commits += 1
                _settle(future, result)
        return connection is None


async def close_quietly(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):  # a connection that failed may fail to close
        await connection.close()


def _settle(
    future: asyncio.Future[Any], result: Any = None, *, error: Exception | None = None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
