"""SQLite calls that cannot wait, made in place instead of through aiosqlite's thread.

aiosqlite hands every call to its connection's thread and wakes the event loop with the answer:
a statement is about four such round trips (cursor, execute, fetch, close), and each costs the
event loop more than the statement costs SQLite (a thread switch, and the two threads taking the
GIL from each other). A transaction marked `in_place` (`store.db.transaction(..., in_place=True)`:
the inbound group commit and the sender's results) runs on the event loop from BEGIN IMMEDIATE
to its last statement; so does a short read marked `in_place` (`store.db.reading`: the sender's
look at the outbox). BEGIN IMMEDIATE is tried without waiting (busy timeout 0): when another
process or a connection outside the writer queue holds the write lock, it goes to the thread and
waits there as before, so the event loop never sleeps in SQLite's busy handler. COMMIT still goes
to the thread: it waits for the disk (WAL, synchronous FULL: an fsync of the log), which took
0.3 ms on a quiet machine and 5 ms on a busy one, and the event loop keeps taking webhooks
meanwhile (they form the next group commit). Rollbacks run in place whenever the thread has
nothing of the connection's under way. Every statement of any other transaction still goes to
the thread, so long reads (`/po`, the board, a scan) never hold up the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Mapping
from typing import Any

import aiosqlite

IN_PLACE = "wipbot_in_place"
"""Execution option of a connection whose next write transaction runs in place."""

BUSY_TIMEOUT_MS = 10_000
"""The busy handler of a connection waiting in aiosqlite's thread (see `store.db`)."""

STOP_WAIT_POLLS = 5000
"""Milliseconds, at most, a connection that failed to open is given to stop its thread."""

_QUICK = frozenset(
    {"cursor", "execute", "executemany", "fetchone", "fetchmany", "fetchall", "close"}
)


class InPlaceConnection(aiosqlite.Connection):
    in_place = False
    """Set once BEGIN IMMEDIATE of an in-place transaction went through; cleared when it ends."""

    _queued = 0
    """Calls handed to the thread (written by the event loop only)."""
    _finished = 0
    """Calls the thread has finished (written by the thread only)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "")
        if name == "rollback" and self._queued == self._finished:
            self.in_place = False
            return fn(*args, **kwargs)
        if self.in_place and name in _QUICK and _on_cursor_or_connection(fn):
            return fn(*args, **kwargs)
        if name in ("commit", "rollback"):
            self.in_place = False
        self._queued += 1
        return await super()._execute(self._counted, fn, *args, **kwargs)

    def _counted(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Runs in the thread; counts the call as finished even when its caller stopped waiting
        (a cancelled task), so that an in-place rollback never overlaps a call still running."""
        try:
            return fn(*args, **kwargs)
        finally:
            self._finished += 1

    def begin_immediate_in_place(self) -> bool:
        """BEGIN IMMEDIATE on the event loop if the write lock is free now; False (nothing begun)
        when someone else holds it, and the caller begins through the thread instead."""
        raw = self._conn
        raw.execute("PRAGMA busy_timeout=0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if raw.in_transaction or ("locked" not in str(error) and "busy" not in str(error)):
                raise
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.in_place = True
        return True


def _on_cursor_or_connection(fn: Callable[..., Any]) -> bool:
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, sqlite3.Cursor):
        return True
    return isinstance(owner, sqlite3.Connection) and getattr(fn, "__name__", "") == "cursor"


def connect_in_place(args: list[Any], options: Mapping[str, Any]) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine, with the arguments the dialect would pass."""

    async def creator() -> aiosqlite.Connection:
        connection = InPlaceConnection(lambda: sqlite3.connect(*args, **options), 64)
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        try:
            return await connection
        except BaseException:
            await _stopped(connection._thread)
            raise

    return creator


async def _stopped(thread: threading.Thread) -> None:
    """Wait for the thread of a connection that failed to open. aiosqlite (0.22) queues its stop
    without waiting for it; a loop that ended meanwhile (a command's `asyncio.run`) left the
    thread to answer a closed loop ("Event loop is closed", raised in the thread). The thread has
    only its stop left to run, and answers the loop while it still runs (bounded all the same:
    a connect cancelled while the file is still opening lets the thread finish that first)."""
    for _ in range(STOP_WAIT_POLLS):
        if not thread.is_alive():
            return
        await asyncio.sleep(0.001)


def begin_in_place(driver_connection: Any) -> bool:
    """BEGIN IMMEDIATE of a transaction that asked to run in place; False when it must go
    through the thread (not our connection class, or the write lock is taken)."""
    if isinstance(driver_connection, InPlaceConnection):
        return driver_connection.begin_immediate_in_place()
    return False


def begin_read_in_place(driver_connection: Any) -> bool:
    """BEGIN (deferred) of a short read on the event loop: in WAL mode it takes no lock and
    waits for nobody. False when the connection is not ours (then it goes through the thread)."""
    if not isinstance(driver_connection, InPlaceConnection):
        return False
    driver_connection._conn.execute("BEGIN")
    driver_connection.in_place = True
    return True


def mark_in_place(driver_connection: Any) -> None:
    """Called right after a BEGIN IMMEDIATE that went through the thread: the rest of the
    transaction runs in place."""
    if isinstance(driver_connection, InPlaceConnection):
        driver_connection.in_place = True
