"""One holder at a time per key, the others waiting in order of arrival.

asyncio.Lock wakes its waiters first come, first served, so two deliveries of one chat are
handled in the order they arrived while other chats go on in parallel. A key's lock is dropped
once nobody holds it or waits for it, so the table does not grow with every chat ever seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class TakingTurns(Generic[K]):
    def __init__(self) -> None:
        self._locks: dict[K, asyncio.Lock] = {}
        self._holders: dict[K, int] = {}

    @asynccontextmanager
    async def turn(self, key: K) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]
