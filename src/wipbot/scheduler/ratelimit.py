"""Token buckets: the sender, not the platform libraries, decides how fast each chat is written to.

A reservation takes its token at once (the bucket may go into debt) and says how long to wait,
so callers queue fairly in the order they asked without a lock. Buckets run `MARGIN` below the
configured rate: a platform measures arrivals, and two sends spaced exactly at its limit can
arrive closer than that after a few milliseconds of jitter on the way. A chat allowed one
message at a time (burst 1) also waits a full interval after its previous send *completed*:
the platform saw that request before it answered, so no delay on the way can bunch the two.
For the same reason a platform's "N per second" is also kept as a window: a send may start only
while fewer than N sends are in flight or were answered within the last second. Every send the
platform counts in any one second of its clock is among those, however the network or a busy
server bunches them, so a strict platform never answers 429 for our pace.
"""

from __future__ import annotations

from collections import defaultdict, deque
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


IN_FLIGHT_POLL_SECONDS = 0.005
"""How often a send waits for an answer when the whole window is in flight."""


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
    _completed: dict[tuple[str, str], float] = field(default_factory=dict)
    _in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _answered: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    async def acquire(self, platform: str, chat_id: str) -> float:
        """Wait for the chat's turn, then the platform's; returns the seconds waited."""
        chat_limit, platform_limit = (
            self.chat_limits.get(platform),
            self.platform_limits.get(platform),
        )
        if chat_limit is None and platform_limit is None:
            return 0.0  # nothing to keep: no clock read, no bookkeeping (limits lifted)
        waited = await self._after_previous(platform, chat_id, chat_limit)
        waited += await self._take(platform, chat_id, chat_limit)
        waited += await self._take(platform, None, platform_limit)
        return waited + await self._window(platform, platform_limit)

    def completed(self, platform: str, chat_id: str) -> None:
        """The platform answered (or refused) an acquired send: call once per `acquire`."""
        limit = self.chat_limits.get(platform)
        if limit is None and platform not in self.platform_limits:
            return
        now = self.clock().timestamp()
        if limit is not None and limit.burst == 1:
            self._completed[(platform, chat_id)] = now
        if self.platform_limits.get(platform) is not None:
            self._in_flight[platform] = max(0, self._in_flight[platform] - 1)
            self._answered[platform].append(now)

    async def _window(self, platform: str, limit: RateLimit | None) -> float:
        if limit is None:
            return 0.0
        capacity = max(1, int(limit.per_second))
        answered, waited = self._answered[platform], 0.0
        while True:
            now = self.clock().timestamp()
            while answered and answered[0] <= now - 1.0:
                answered.popleft()
            if self._in_flight[platform] + len(answered) < capacity:
                self._in_flight[platform] += 1
                return waited
            wait = answered[0] + 1.0 - now if answered else IN_FLIGHT_POLL_SECONDS
            await self.sleep(wait)
            waited += wait

    async def _after_previous(self, platform: str, chat_id: str, limit: RateLimit | None) -> float:
        done = self._completed.get((platform, chat_id))
        if limit is None or done is None:
            return 0.0
        interval = 1 / (limit.per_second * (1 - CHAT_MARGIN))
        wait = done + interval - self.clock().timestamp()
        if wait <= 0:
            return 0.0
        await self.sleep(wait)
        return wait

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
        for chat, done in list(self._completed.items()):
            if now - done > older_than_seconds:
                del self._completed[chat]
