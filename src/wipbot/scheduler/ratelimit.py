"""Token buckets: the sender, not the platform libraries, decides how fast each chat is written to.

A reservation takes its token at once (the bucket may go into debt) and says how long to wait,
so callers queue fairly in the order they asked without a lock. Buckets run `MARGIN` below the
configured rate: a platform measures arrivals, and two sends spaced exactly at its limit can
arrive closer than that after a few milliseconds of jitter on the way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from wipbot.production.clock import Clock

from .config import RateLimit

Sleep = Callable[[float], Awaitable[None]]

MARGIN = 0.04
"""Share of the configured rate left unused, as slack for jitter between us and the platform."""
CHAT_MARGIN = 0.10
"""Wider for one chat (1 s apart becomes 1.1 s): a chat's pace never limits a fan-out over many
chats, and the platform may clock one chat's messages across different connections."""


@dataclass
class TokenBucket:
    limit: RateLimit
    tokens: float
    updated: float
    margin: float = MARGIN

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it."""
        rate = self.limit.per_second * (1 - self.margin)
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / rate


@dataclass
class RateLimiter:
    """One bucket per platform over all its chats, and one per (platform, chat)."""

    clock: Clock
    sleep: Sleep
    platform_limits: Mapping[str, RateLimit]
    chat_limits: Mapping[str, RateLimit]
    _buckets: dict[tuple[str, str | None], TokenBucket] = field(default_factory=dict)

    async def acquire(self, platform: str, chat_id: str) -> float:
        """Wait for the chat's turn, then the platform's; returns the seconds waited."""
        waited = await self._take(platform, chat_id, self.chat_limits.get(platform))
        return waited + await self._take(platform, None, self.platform_limits.get(platform))

    async def _take(self, platform: str, chat_id: str | None, limit: RateLimit | None) -> float:
        if limit is None:
            return 0.0
        now = self.clock().timestamp()
        bucket = self._buckets.get((platform, chat_id))
        if bucket is None:
            margin = MARGIN if chat_id is None else CHAT_MARGIN
            bucket = TokenBucket(limit, limit.burst, now, margin)
            self._buckets[(platform, chat_id)] = bucket
        wait = bucket.reserve(now)
        if wait > 0:
            await self.sleep(wait)
        return wait

    def forget_idle(self, older_than_seconds: float = 3600.0) -> None:
        """Drop full per-chat buckets nobody used for a while, so memory stays flat."""
        now = self.clock().timestamp()
        for key, bucket in list(self._buckets.items()):
            if key[1] is not None and now - bucket.updated > older_than_seconds:
                del self._buckets[key]
