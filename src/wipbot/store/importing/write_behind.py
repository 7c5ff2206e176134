"""One batch written while the next is read: the database works while this process parses.

A streamed import alternates two kinds of work: reading and checking rows (this process's CPU)
and writing a batch (SQLite's thread, or PostgreSQL's server). Done one after the other, each
waits for the other; here a batch's write runs as a task while the rows of the next are read,
so on a machine with a core to spare the two overlap. Writes still reach the one connection one
at a time and in order: a batch is not handed over before the previous one is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")

YIELD_EVERY = 256
"""Rows read between two turns of the event loop: the write in flight needs the loop to send
its data and to take the database's answers, and reading rows never awaits on its own."""


class WriteBehind(Generic[T]):
    def __init__(self, write: Callable[[T], Coroutine[Any, Any, None]]) -> None:
        self._write = write
        self._pending: asyncio.Task[None] | None = None

    async def submit(self, batch: T) -> None:
        """Hand `batch` to a writer task once the batch before it is written."""
        await self.drain()
        self._pending = asyncio.create_task(self._write(batch))
        await asyncio.sleep(0)  # let it start before the next rows are read

    async def drain(self) -> None:
        """Wait until the batch in flight is written; its failure is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending

    async def abandon(self) -> None:
        """Something else failed: let the write in flight finish (the caller rolls the whole
        transaction back) rather than cut a statement off half-way, and drop its outcome."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await asyncio.wait({pending})
            if not pending.cancelled():
                pending.exception()
