"""The knobs of the clock-driven side; bot/config.py fills them from WIPBOT_* settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS

MAX_MIDWEEK_DAYS = 366
"""The widest mid-week window: a year ahead is every order a season holds."""


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `per_second` on average, `burst` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs per_second > 0 and burst >= 1, got {self}")


def _platform_limits() -> dict[str, RateLimit]:
    """Telegram's 30 a second is read as "in any one second", so no burst above the rate."""
    return {"telegram": RateLimit(30), "whatsapp": RateLimit(80, 80)}


def _chat_limits() -> dict[str, RateLimit]:
    return {"telegram": RateLimit(1), "slack": RateLimit(1), "whatsapp": RateLimit(1, 3)}


@dataclass(frozen=True)
class SenderConfig:
    """Platform limits are over all chats of the platform; chat limits are per chat/channel."""

    max_attempts: int = 8
    max_age: timedelta = timedelta(hours=24)
    """A message not delivered this long after it was written is given up (dead-lettered),
    however its attempts went: flood limits spend no attempt, so age is what ends them."""
    concurrency: int = 8
    batch_size: int = 500
    poll_seconds: float = 5.0
    read_gap_seconds: float = 0.025
    """The least time between two reads of the queue: every commit that writes a message wakes
    the sender, and in a burst one read for the commits of a few milliseconds costs a fraction
    of a read for each, for a reply that leaves at most this much later."""
    claim_seconds: float = 60.0
    """How long a sender's claim on the rows it is sending lasts: another sender leaves them
    alone until then, and after a crash they go out again once it ran out. A read claims only
    what the rate limits let out within half of it."""
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 900.0
    platform_limits: Mapping[str, RateLimit] = field(default_factory=_platform_limits)
    chat_limits: Mapping[str, RateLimit] = field(default_factory=_chat_limits)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.concurrency < 1 or self.batch_size < 1:
            raise ValueError("max_attempts, concurrency and batch_size must be at least 1")
        if self.max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        if self.claim_seconds <= 0:
            raise ValueError("claim_seconds must be positive")


@dataclass(frozen=True)
class SchedulerConfig:
    """When to remind, when to escalate, how late a missed prompt may still go out, and which
    orders the mid-week check-in asks about."""

    reminder_after: timedelta = timedelta(hours=24)
    escalate_after: timedelta = timedelta(hours=48)
    prompt_grace: timedelta = timedelta(hours=72)
    midweek_days: int = MIDWEEK_WINDOW_DAYS
    """Orders whose committed ex-factory date is at most this many days away (or past) are
    asked mid-week too; 0 turns the mid-week check-in off."""
    midweek_grace: timedelta = timedelta(hours=24)
    """How late a missed mid-week prompt may still go out (never later than `prompt_grace`,
    nor after the next weekly slot): it is the short one, and the weekly round is near."""
    sweep_every: timedelta = timedelta(hours=1)
    risk_scan_every: timedelta = timedelta(hours=6)
    followup_every: timedelta = timedelta(minutes=1)
    sender: SenderConfig = field(default_factory=SenderConfig)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.reminder_after <= self.escalate_after:
            raise ValueError("the reminder must come before the escalation, both after the prompt")
        if not 0 <= self.midweek_days <= MAX_MIDWEEK_DAYS:
            raise ValueError(
                f"midweek_days must be 0 (off) to {MAX_MIDWEEK_DAYS}, got {self.midweek_days}"
            )
        if self.midweek_grace <= timedelta(0):
            raise ValueError("midweek_grace must be positive")

    @property
    def midweek_on(self) -> bool:
        return self.midweek_days > 0

    @property
    def midweek_expires_after(self) -> timedelta:
        """The mid-week round's grace: its own, and never more than the weekly round's."""
        return min(self.midweek_grace, self.prompt_grace)
