"""When a factory works: its country's public holidays and weekend, and its own closures.

One calendar, two questions. The weekly prompt asks "is this a working day?": weekends, public
holidays and closures all count (`WorkCalendar`). The late-risk model asks "which days are lost
beyond the plan?": only public holidays and closures (`public_holidays` plus the closure days),
because the T&A durations it projects with are calendar days that already include the weekly
rest days.

The `holidays` package is imported on first use, never when this module loads: it pulls in
every country's calendar, which the command line's start-up should not pay for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays import HolidayBase

DEFAULT_WEEKEND = frozenset({5, 6})
"""Saturday and Sunday, for a country the `holidays` package does not know."""
MAX_POSTPONE_DAYS = 120


@lru_cache(maxsize=64)
def country_holidays(country: str) -> HolidayBase | None:
    """Expands by itself to any year asked about; None for a country the package lacks."""
    import holidays

    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return None


@lru_cache(maxsize=64)
def public_holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    """The country's public holidays in those years (weekends or not); none for an unknown one."""
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=years))
    except NotImplementedError:
        return frozenset()


@dataclass(frozen=True)
class Closure:
    """A known shutdown of one factory beyond public holidays, both ends included."""

    start: date
    end: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def days(self) -> frozenset[date]:
        return frozenset(
            self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)
        )


@dataclass(frozen=True)
class WorkCalendar:
    country: str
    closures: tuple[Closure, ...] = ()

    def closed_reason(self, day: date) -> str | None:
        """Why nobody is at work on `day` (public holiday or closure); None on a normal day."""
        for closure in self.closures:
            if closure.covers(day):
                return closure.reason or "factory closure"
        public = country_holidays(self.country)
        if public is not None and day in public:
            return str(public.get(day))
        return None

    def is_weekend(self, day: date) -> bool:
        public = country_holidays(self.country)
        if public is None:
            return day.weekday() in DEFAULT_WEEKEND
        return day.weekday() in public.weekend and day not in public.weekend_workdays

    def is_working_day(self, day: date) -> bool:
        return self.closed_reason(day) is None and not self.is_weekend(day)

    def next_working_day(self, after: date) -> date:
        day = after
        for _ in range(MAX_POSTPONE_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {MAX_POSTPONE_DAYS} days after {after}")
