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


async def test_a_burst_of_thirty_then_nothing_until_that_second_is_over() -> None:
    clock = ManualClock(T0)
    rates = limiter(clock)
    waits = []
    for i in range(33):
        waits.append(await rates.acquire("telegram", f"chat{i}"))
        rates.completed("telegram", f"chat{i}")  # answered at once
    assert waits[:30] == [0.0] * 30
    assert waits[30] == pytest.approx(1.0, abs=1e-4)
    assert waits[31:] == pytest.approx([0.0, 0.0], abs=1e-4)
    assert (clock() - T0).total_seconds() == pytest.approx(1.0, abs=1e-4)


async def test_the_average_stays_a_margin_under_the_limit() -> None:
    clock = ManualClock(T0)
    rates = RateLimiter(clock, clock.sleep, {"telegram": RateLimit(30)}, {})
    for i in range(300):
        await rates.acquire("telegram", f"chat{i}")
        rates.completed("telegram", f"chat{i}")
    elapsed = (clock() - T0).total_seconds()
    assert 299 / elapsed == pytest.approx(30 * (1 - MARGIN), rel=1e-3)


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


async def test_a_one_at_a_time_chat_is_timed_from_the_previous_answer() -> None:
    clock = ManualClock(T0)
    rates = limiter(clock, telegram=RateLimit(1))
    assert await rates.acquire("telegram", "A") == 0.0
    await clock.sleep(0.8)  # the request took 0.8 s: it may have reached the platform at 0.79
    rates.completed("telegram", "A")
    interval = 1 / (1 - CHAT_MARGIN)
    assert await rates.acquire("telegram", "A") == pytest.approx(interval)
    assert (clock() - T0).total_seconds() == pytest.approx(0.8 + interval)


async def test_a_chat_with_a_burst_is_not_slowed_by_answers() -> None:
    clock = ManualClock(T0)
    rates = RateLimiter(clock, clock.sleep, {}, {"whatsapp": RateLimit(1, 3)})
    for _ in range(3):
        assert await rates.acquire("whatsapp", "X") == 0.0
        rates.completed("whatsapp", "X")


async def test_a_platform_second_counts_sends_in_flight_and_answered_within_it() -> None:
    clock = ManualClock(T0)
    rates = RateLimiter(clock, clock.sleep, {"telegram": RateLimit(3, 3)}, {})
    assert [await rates.acquire("telegram", f"c{i}") for i in range(3)] == [0.0] * 3
    await clock.sleep(0.5)  # the platform may have counted all three just now
    for i in range(3):
        rates.completed("telegram", f"c{i}")
    assert await rates.acquire("telegram", "c3") == pytest.approx(1.0)
    rates.completed("telegram", "c3")
    assert (clock() - T0).total_seconds() == pytest.approx(1.5)
