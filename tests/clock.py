"""The time the code under test sees in the channel tests: set or moved by the test, never slept."""

from __future__ import annotations

from datetime import datetime, timedelta


class SettableClock:
    """Callable like `production.clock.Clock`; the sender's rate-limit waits move it instead of
    the test's wall time. Tests may also set `now` outright, backwards too."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """`advance(30)` or `advance(minutes=5)`."""
        self.now += timedelta(seconds=seconds, **delta)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
