"""A checked line of the check-ins file, as both parsers make it (checkins.py, checkins_fast.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from wipbot.production.milestones import Milestone
from wipbot.production.progress import ReportedIssue

QUANTITY_COLUMNS = ("qty_cut", "qty_sewn", "qty_finished", "qty_packed", "qty_shipped")
UPDATED_FIELDS = (*QUANTITY_COLUMNS, "revised_exf", "shipped_on", "note")
DATE_ONLY_LOCAL_TIME = time(12, 0)
ORDER_MAX_LENGTH = 48
NOTE_MAX_LENGTH = 2000

CheckInKey = tuple[int, datetime, str]
"""Production order, reported_at (UTC), milestone ("" for not started yet)."""


@dataclass(slots=True)
class CheckInRow:
    """One checked line of the file (plain slots: half a million are made in a large import)."""

    line: int
    production_order_id: int
    reported_at: datetime
    milestone: Milestone | None
    quantities: tuple[int | None, ...]
    """In the order of QUANTITY_COLUMNS."""
    issues: tuple[ReportedIssue, ...]
    revised_exf: date | None
    shipped_on: date | None
    note: str

    key: CheckInKey = field(init=False, compare=False)

    def __post_init__(self) -> None:
        self.key = (self.production_order_id, self.reported_at, milestone_key(self.milestone))

    def updated(self) -> tuple[Any, ...]:
        """The columns a re-import may change, in the order of UPDATED_FIELDS."""
        return (*self.quantities, self.revised_exf, self.shipped_on, self.note)

    def values(self) -> dict[str, Any]:
        return dict(zip(UPDATED_FIELDS, self.updated(), strict=True))


@dataclass(frozen=True)
class KnownOrder:
    id: int
    number: str
    timezone: str


def milestone_key(milestone: Milestone | None) -> str:
    """The member's plain attribute: `.value` is a descriptor, and this runs for every row."""
    return milestone._value_ if milestone is not None else ""  # type: ignore[no-any-return]


def to_utc(value: datetime | date, timezone: str) -> datetime:
    """Spreadsheet times are the factory's local times unless they say otherwise."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, DATE_ONLY_LOCAL_TIME)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


cached_to_utc = lru_cache(maxsize=4096)(to_utc)
"""Rows of one round share their time: converted once, and as one object, which the bulk
writer then converts for the database once too (bulk.py)."""
