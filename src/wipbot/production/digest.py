"""The Monday digest's rules: when a brand's week begins, and which orders moved in it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .milestones import MILESTONES

DIGEST_WEEKDAY = 0
"""Monday."""
DIGEST_TIME = time(9, 0)


def week_of(now: datetime, timezone: str) -> date:
    """The Monday, in the brand's timezone, of the week `now` falls in."""
    local = now.astimezone(ZoneInfo(timezone)).date()
    return local - timedelta(days=local.weekday())


def digest_due(now: datetime, timezone: str) -> bool:
    """From Monday 09:00 local until the end of that Monday: late runs after downtime count,
    but a channel that opts in on a Wednesday waits for the next Monday."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.weekday() == DIGEST_WEEKDAY and local.time() >= DIGEST_TIME


def week_window(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The seven days before this Monday 09:00 local, as aware datetimes."""
    zone = ZoneInfo(timezone)
    end = datetime.combine(week_of(now, timezone), DIGEST_TIME, zone)
    return end - timedelta(days=7), end


@dataclass(frozen=True)
class OrderWeek:
    """One production order's milestones: the last one reported before the week, and those
    reported during it."""

    order: str
    po_number: str
    factory: str
    before: str | None
    during: tuple[str, ...]


@dataclass(frozen=True)
class Move:
    order: str
    po_number: str
    factory: str
    from_milestone: str | None
    to_milestone: str


def rank(milestone: str | None) -> int:
    """Position in the schema; -1 for none or anything before materials in."""
    names = [m.value for m in MILESTONES]
    return names.index(milestone) if milestone in names else -1


def moves(weeks: Iterable[OrderWeek]) -> list[Move]:
    """Orders whose furthest milestone this week is past the one they had reached before."""
    found = []
    for week in weeks:
        if not week.during:
            continue
        furthest = max(week.during, key=rank)
        if rank(furthest) > rank(week.before):
            found.append(Move(week.order, week.po_number, week.factory, week.before, furthest))
    return sorted(found, key=lambda m: (-rank(m.to_milestone), m.po_number, m.order))
