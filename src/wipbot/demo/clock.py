"""A clock that only moves when told: tests and the demo drive time with it, nobody sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """Callable like `production.clock.Clock`; `sleep` advances it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("clocks give timezone-aware datetimes")
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("time does not run backwards")
        self._now += by
        return self._now

    def set(self, to: datetime) -> datetime:
        if to.tzinfo is None:
            raise ValueError("clocks give timezone-aware datetimes")
        if to < self._now:
            raise ValueError(f"time does not run backwards: {to} is before {self._now}")
        self._now = to
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._now += timedelta(seconds=seconds)
