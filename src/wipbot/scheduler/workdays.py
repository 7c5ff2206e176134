"""When a factory works: its country's public holidays and weekend, and its own closures.

The weekly check-in goes out on the factory's slot day unless that day is a public holiday or
inside a closure; then it moves to the next working day at the same local time, because asking
an empty factory floor for numbers only teaches contacts to ignore the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from wipbot.store.models import Factory, FactoryClosure

DEFAULT_WEEKEND = frozenset({5, 6})
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_POSTPONE_DAYS = 120


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=64)
def _country_holidays(country: str) -> holidays.HolidayBase | None:
    """Expands by itself to any year asked about; None for a country the package lacks."""
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    country: str
    closures: tuple[Closure, ...] = ()

    def closed_reason(self, day: date) -> str | None:
        """Why nobody is at work on `day` (public holiday or closure); None on a normal day."""
        for closure in self.closures:
            if closure.covers(day):
                return closure.reason or "factory closure"
        public = _country_holidays(self.country)
        if public is not None and day in public:
            return str(public.get(day))
        return None

    def is_weekend(self, day: date) -> bool:
        public = _country_holidays(self.country)
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


def work_calendar(factory: Factory, closures: Iterable[FactoryClosure]) -> WorkCalendar:
    return WorkCalendar(
        factory.country,
        tuple(Closure(c.start, c.end, c.reason) for c in closures if c.factory_id == factory.id),
    )


@dataclass(frozen=True)
class Slot:
    """A factory's weekly check-in slot: weekday (0 = Monday) and local time in its timezone."""

    weekday: int
    at: time
    timezone: str

    @classmethod
    def of(cls, factory: Factory) -> Slot:
        return cls(factory.checkin_weekday, factory.checkin_time, factory.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, day: date) -> datetime:
        """`day` at the slot time, as an aware UTC datetime; correct on either side of DST."""
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def nominal(self, week_of: date) -> datetime:
        return self.local(week_of + timedelta(days=self.weekday))

    def latest_week(self, now: datetime) -> date:
        """The Monday of the week whose slot came last at or before `now`."""
        week = monday_of(now.astimezone(self.zone).date())
        return week if self.nominal(week) <= now else week - timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Due:
    """When a week's prompt goes out; `postponed_because` names the holiday or closure."""

    at: datetime
    postponed_because: str | None = None


def compute_due(slot: Slot, week_of: date, calendar: WorkCalendar) -> Due:
    """The slot day, or the next working day at the slot time when the slot day is closed."""
    day = week_of + timedelta(days=slot.weekday)
    reason = calendar.closed_reason(day)
    if reason is None:
        return Due(slot.local(day))
    return Due(slot.local(calendar.next_working_day(day)), reason)


def iso_week_label(week_of: date) -> str:
    year, week, _ = week_of.isocalendar()
    return f"{year}-W{week:02d}"
