"""Token buckets: bursts up to the limit, then one token per 1/rate seconds, a margin below the
configured rate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wipbot.demo.clock import ManualClock
from wipbot.scheduler.config import RateLimit
from wipbot.scheduler.ratelimit import CHAT_MARGIN, MARGIN, RateLimiter

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def limiter(clock: ManualClock, **chat: RateLimit) -> RateLimiter:
    return RateLimiter(clock, clock.sleep, {"telegram": RateLimit(30, 30)}, chat)


async def test_a_burst_of_thirty_then_thirty_a_second() -> None:
    clock = ManualClock(T0)
    rates = limiter(clock)
    waits = [await rates.acquire("telegram", f"chat{i}") for i in range(33)]
    assert waits[:30] == [0.0] * 30
    gap = 1 / (30 * (1 - MARGIN))
    assert waits[30:] == pytest.approx([gap] * 3, abs=1e-4)
    assert (clock() - T0).total_seconds() == pytest.approx(3 * gap, abs=1e-4)


async def test_one_chat_waits_without_slowing_others() -> None:
    clock = ManualClock(T0)
    rates = limiter(clock, telegram=RateLimit(1))
    assert await rates.acquire("telegram", "A") == 0.0
    assert await rates.acquire("telegram", "B") == 0.0
    assert await rates.acquire("telegram", "A") == pytest.approx(1 / (1 - CHAT_MARGIN))
    assert await rates.acquire("telegram", "B") == pytest.approx(0.0, abs=1e-6)


async def test_idle_time_refills_but_never_beyond_the_burst() -> None:
    clock = ManualClock(T0)
    rates = RateLimiter(clock, clock.sleep, {}, {"whatsapp": RateLimit(1, 3)})
    for _ in range(3):
        assert await rates.acquire("whatsapp", "X") == 0.0
    assert await rates.acquire("whatsapp", "X") == pytest.approx(1 / (1 - CHAT_MARGIN))
    await clock.sleep(3600)
    waits = [await rates.acquire("whatsapp", "X") for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 1 / (1 - CHAT_MARGIN)])


async def test_platforms_without_limits_never_wait() -> None:
    clock = ManualClock(T0)
    rates = limiter(clock)
    assert [await rates.acquire("console", "me") for _ in range(100)] == [0.0] * 100
