"""When a factory's weekly check-in goes out: its slot, moved off days nobody works.

The weekly check-in goes out on the factory's slot day unless that day is a public holiday or
inside a closure; then it moves to the next working day at the same local time, because asking
an empty factory floor for numbers only teaches contacts to ignore the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wipbot.production.calendar import Closure, WorkCalendar
from wipbot.production.checkin_cadence import MIDWEEK_OFFSET_DAYS, midweek_day
from wipbot.store.models import Factory, FactoryClosure

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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

    def day(self, week_of: date) -> date:
        """The slot's day in the week beginning on Monday `week_of`."""
        return week_of + timedelta(days=self.weekday)

    def midweek(self, week_of: date) -> date:
        """The mid-week check-in's day of that week's round (it may fall in the next week)."""
        return midweek_day(self.day(week_of))

    def nominal(self, week_of: date) -> datetime:
        return self.local(self.day(week_of))

    def latest_week(self, now: datetime) -> date:
        """The Monday of the week whose slot came last at or before `now`."""
        week = monday_of(now.astimezone(self.zone).date())
        return week if self.nominal(week) <= now else week - timedelta(days=7)

    @property
    def midweek_weekday(self) -> int:
        """The weekday of the mid-week check-in (Thursday for a Monday slot)."""
        return (self.weekday + MIDWEEK_OFFSET_DAYS) % 7

    def midweek_nominal(self, week_of: date) -> datetime:
        """The mid-week check-in of the week whose weekly slot is in `week_of`: a few days
        after that slot, at the same local time (it may fall in the next calendar week)."""
        return self.local(self.midweek(week_of))

    def latest_midweek_week(self, now: datetime) -> date:
        """The Monday of the week whose mid-week check-in came last at or before `now`."""
        week = monday_of(now.astimezone(self.zone).date())
        while self.midweek_nominal(week) > now:
            week -= timedelta(days=7)
        return week


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Due:
    """When a week's prompt goes out; `postponed_because` names the holiday or closure."""

    at: datetime
    postponed_because: str | None = None


def compute_due(slot: Slot, week_of: date, calendar: WorkCalendar) -> Due:
    """The slot day, or the next working day at the slot time when the slot day is closed."""
    return due_on(slot, slot.day(week_of), calendar)


def compute_midweek_due(slot: Slot, week_of: date, calendar: WorkCalendar) -> Due:
    """The week's mid-week day, moved off holidays and closures as the weekly slot is."""
    return due_on(slot, slot.midweek(week_of), calendar)


def due_on(slot: Slot, day: date, calendar: WorkCalendar) -> Due:
    """`day` at the slot time, or the next working day at that time when `day` is closed."""
    reason = calendar.closed_reason(day)
    if reason is None:
        return Due(slot.local(day))
    return Due(slot.local(calendar.next_working_day(day)), reason)


def iso_week_label(week_of: date) -> str:
    year, week, _ = week_of.isocalendar()
    return f"{year}-W{week:02d}"
