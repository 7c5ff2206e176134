"""SQLite calls that cannot wait, made in place instead of through aiosqlite's thread.

aiosqlite hands every call to its connection's thread and wakes the event loop with the answer:
a statement is about four such round trips (cursor, execute, fetch, close), and each costs the
event loop more than the statement costs SQLite. Inside a transaction that already holds the
write lock (`BEGIN IMMEDIATE`), a statement of a short unit of work waits for nobody, so a
connection opened by `connect_in_place` runs its cursors' calls in place while a transaction
marked `in_place` is open (`store.db.transaction(..., in_place=True)`: the inbound group commit
and the sender's results). What can wait still goes to the thread: BEGIN (another process may
hold the lock), COMMIT (the disk), rollback, and every statement of any other transaction, so
long reads (`/po`, the board, a scan) never hold up the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

import aiosqlite

IN_PLACE = "wipbot_in_place"
"""Execution option of a connection whose next write transaction runs in place."""

_QUICK = frozenset(
    {"cursor", "execute", "executemany", "fetchone", "fetchmany", "fetchall", "close"}
)
_ENDS = frozenset({"commit", "rollback"})


class InPlaceConnection(aiosqlite.Connection):
    in_place = False
    """Set once BEGIN IMMEDIATE of an in-place transaction went through; cleared when it ends."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "")
        if name in _ENDS:
            self.in_place = False
        elif self.in_place and name in _QUICK and _on_cursor_or_connection(fn):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


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
        return await connection

    return creator


def mark_in_place(driver_connection: Any) -> None:
    """Called right after BEGIN IMMEDIATE of a transaction that asked to run in place."""
    if isinstance(driver_connection, InPlaceConnection):
        driver_connection.in_place = True
