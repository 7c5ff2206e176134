"""The check-ins file's common row, checked without the generic cell machinery.

A long history is almost all well-formed rows that repeat a few values: the same orders, report
times, milestones and issues. This path resolves the file's columns once, takes each cell
straight from the row, parses it with the very parser the generic path uses (cells.py), and
remembers what each distinct cell text parsed to, so a row costs a few dictionary lookups.

It never reports anything. A row it is not sure of (a blank required cell, a value that does not
parse, an unknown order, a ship date to check, a cell beyond the header) comes back as None and
goes through the generic path (checkins._parse), which names the file, line and field as ever:
a row this path accepts is one the generic path accepts, with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from wipbot.production.milestones import Milestone, parse_milestone
from wipbot.production.names import key
from wipbot.production.progress import ReportedIssue

from .cells import parse_count, parse_date, parse_datetime, parse_issues
from .checkin_rows import (
    NOTE_MAX_LENGTH,
    ORDER_MAX_LENGTH,
    QUANTITY_COLUMNS,
    CheckInRow,
    KnownOrder,
    to_utc,
)
from .sheet import SheetRow

T = TypeVar("T")

CACHE_LIMIT = 4096
"""Distinct cell texts remembered per column; past it the column's memory starts afresh, so
memory stays flat whatever the file holds."""
PLAIN_COUNT_DIGITS = 10
"""Fewer digits than this is always within MAX_COUNT."""
NO_QUANTITIES: tuple[int | None, ...] = (None,) * len(QUANTITY_COLUMNS)
_MISSING = object()


class FastCheckIns:
    """Checks the common rows of one file against one brand's production orders."""

    def __init__(self, columns: Collection[str], orders: dict[str, KnownOrder]) -> None:
        self._orders = orders
        self._quantity_plan = tuple(
            (place, column) for place, column in enumerate(QUANTITY_COLUMNS) if column in columns
        )
        self._has_shipped_on = "shipped_on" in columns
        self._order_cells: dict[str, KnownOrder] = {}
        self._whens: dict[str, datetime | date | None] = {}
        self._times: dict[str, dict[str, datetime]] = {}
        """By factory timezone, then cell text: the report time in UTC. A time with an offset
        is one object whatever the factory (to_utc keeps a UTC time as it is), which the bulk
        writer then converts once for a run of rows (bulk.py)."""
        self._milestones: dict[str, Milestone | None] = {}
        self._counts: dict[str, int | None] = {}
        self._issues: dict[str, tuple[ReportedIssue, ...] | None] = {}
        self._dates: dict[str, date | None] = {}

    def parse(self, source: SheetRow) -> CheckInRow | None:
        """The checked row, or None when the generic path must look at it."""
        if source.extra:
            return None
        cells = source.cells
        get = cells.get
        order = self._order_cells.get(get("production_order", ""))
        if order is None:
            order = self._order(get("production_order", ""))
            if order is None:
                return None
        try:
            reported_at = self._time(get("reported_at", ""), order.timezone)
            if reported_at is None:
                return None
            text = get("milestone", "")
            milestone = _parsed(self._milestones, parse_milestone, text) if text else None
            quantities = self._quantities(get) if self._quantity_plan else NO_QUANTITIES
            text = get("issues", "")
            issues = (_parsed(self._issues, parse_issues, text) if text else None) or ()
            text = get("revised_exf", "")
            revised = _parsed(self._dates, parse_date, text) if text else None
            shipped_on = None
            if self._has_shipped_on and (text := get("shipped_on", "")):
                shipped_on = _parsed(self._dates, parse_date, text)
        except ValueError:
            return None
        if shipped_on is not None and not _ship_fits(shipped_on, milestone, reported_at, order):
            return None
        note = get("note", "").strip()
        if len(note) > NOTE_MAX_LENGTH:
            return None
        return CheckInRow(
            source.line,
            order.id,
            reported_at,
            milestone,
            quantities,
            issues,
            revised,
            shipped_on,
            note,
        )

    def _quantities(self, get: Callable[[str, str], str]) -> tuple[int | None, ...]:
        """The file's quantity columns, each in its place of QUANTITY_COLUMNS; a plain number
        is read as parse_count's own first branch does, anything else by parse_count."""
        found: list[int | None] = [None] * len(QUANTITY_COLUMNS)
        counts = self._counts
        for place, column in self._quantity_plan:
            cell = get(column, "")
            if not cell:
                continue
            count = counts.get(cell)
            if count is None:
                if cell.isascii() and cell.isdigit() and len(cell) < PLAIN_COUNT_DIGITS:
                    count = int(cell)
                else:
                    count = _parsed(counts, parse_count, cell)
                    if count is None:
                        continue
                _remember(counts, cell, count)
            found[place] = count
        return tuple(found)

    def _order(self, cell: str) -> KnownOrder | None:
        number = cell.strip()
        if not number or len(number) > ORDER_MAX_LENGTH:
            return None
        found = self._orders.get(key(number))
        if found is not None:
            _remember(self._order_cells, cell, found)
        return found

    def _time(self, cell: str, timezone: str) -> datetime | None:
        by_text = self._times.get(timezone)
        if by_text is None:
            by_text = self._times[timezone] = {}
        found = by_text.get(cell)
        if found is None:
            when = _parsed(self._whens, parse_datetime, cell)
            if when is None:
                return None
            found = to_utc(when, timezone)
            _remember(by_text, cell, found)
        return found


def _parsed(cache: dict[str, T | None], parse: Callable[[str], T], cell: str) -> T | None:
    """`parse` of the stripped cell, None for a blank one, remembered by the cell's text; a
    ValueError (the cell does not parse) is raised, and not remembered."""
    found = cache.get(cell, _MISSING)
    if found is _MISSING:
        text = cell.strip()
        found = parse(text) if text else None
        _remember(cache, cell, found)
    return found  # type: ignore[return-value]


def _remember(cache: dict[str, T], cell: str, value: T) -> None:
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[cell] = value


def _ship_fits(
    shipped_on: date, milestone: Milestone | None, reported_at: datetime, order: KnownOrder
) -> bool:
    """The generic path's two rules for a ship date: a shipped row, not after its report day."""
    return (
        milestone is Milestone.SHIPPED
        and shipped_on <= reported_at.astimezone(ZoneInfo(order.timezone)).date()
    )
