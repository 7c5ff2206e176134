"""The check-ins file: the history kept in spreadsheets before the bot, one row per report.

Columns (header on line 1, any order, case and spaces ignored):

- brand (optional), e.g. `Northwind Apparel`: defaults to --brand or the only brand
- production_order (required), e.g. `PO-1042-A`
- reported_at (required), e.g. `2026-11-16 or 2026-11-16 09:30`: naive times are the factory's
  local time; a date alone is taken as local noon
- milestone (required), e.g. `sewing`: materials_in, cutting, sewing, finishing, inspection,
  shipped
- qty_cut, qty_sewn, qty_finished, qty_packed, qty_shipped (optional), e.g. `1200`: pieces so
  far, 0 or more
- issues (optional), e.g. `fabric_late:5; trims_late`: flags with optional days of delay
- revised_exf (optional), e.g. `2027-01-22`: the factory's revised ex-factory date
- note (optional), e.g. `Line 4 short of operators`

The same production order, reported_at and milestone is the same check-in: re-importing
updates it and never duplicates it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.milestones import Milestone, parse_milestone
from wipbot.production.progress import ReportedIssue
from wipbot.store.models import CheckIn, CheckInIssue, ProductionOrder

from .assign import assign
from .cells import Row, key, parse_count, parse_date, parse_datetime, parse_issues
from .errors import ImportFailed
from .scope import import_done, open_sheet, orders_with_timezones
from .summary import ImportResult, ProgressHook, Tally, no_progress, tallies

QUANTITY_COLUMNS = ("qty_cut", "qty_sewn", "qty_finished", "qty_packed", "qty_shipped")
REQUIRED = ("production_order", "reported_at", "milestone")
OPTIONAL = ("brand", *QUANTITY_COLUMNS, "issues", "revised_exf", "note")
DATE_ONLY_LOCAL_TIME = time(12, 0)
SOURCE = "import"

CheckInKey = tuple[int, datetime, str | None]


@dataclass(frozen=True)
class CheckInRow:
    line: int
    production_order_id: int
    reported_at: datetime
    milestone: Milestone
    quantities: dict[str, int | None]
    issues: tuple[ReportedIssue, ...]
    revised_exf: date | None
    note: str

    @property
    def key(self) -> CheckInKey:
        return (self.production_order_id, self.reported_at, self.milestone.value)


def to_utc(value: datetime | date, timezone: str) -> datetime:
    """Spreadsheet times are the factory's local times unless they say otherwise."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, DATE_ONLY_LOCAL_TIME)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


async def import_checkins(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    """Checks every row, then writes the check-ins in one flush (their issues need their ids)
    and their issues in another; what exists already is loaded once up front."""
    opened = await open_sheet(session, path, REQUIRED, OPTIONAL, wanted=brand, file=file)
    sheet, errors, target = opened.sheet, opened.errors, opened.brand
    orders = await orders_with_timezones(session, target) if target is not None else None

    parsed: list[CheckInRow] = []
    seen: dict[CheckInKey, int] = {}
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        item = _parse(row, orders)
        if item is not None:
            if item.key in seen:
                row.error(
                    "reported_at",
                    f"the same production order, time and milestone is already on line "
                    f"{seen[item.key]}",
                )
            else:
                seen[item.key] = row.line
                parsed.append(item)
        progress("checking", done, total)
    if errors or target is None:
        raise ImportFailed(errors)

    order_ids = {item.production_order_id for item in parsed}
    existing = await _existing(session, order_ids)
    issues = await _existing_issues(session, order_ids)
    counts = tallies("check-ins")
    written: list[_Written] = []
    for done, item in enumerate(parsed, start=1):
        written.append(_write(session, existing.get(item.key), item))
        progress("writing", done, total)
    await session.flush()
    for checkin in written:
        await _write_issues(session, checkin, issues, counts["check-ins"])
    return await import_done(session, "checkins", opened, target, counts)


def _parse(row: Row, orders: dict[str, tuple[ProductionOrder, str]] | None) -> CheckInRow | None:
    """`orders` is None when the brand is unknown: then no production order can be checked."""
    number = row.text("production_order", max_length=48)
    found = orders.get(key(number)) if number and orders is not None else None
    if number and orders is not None and found is None:
        row.error("production_order", _unknown(number, orders))
    when = row.value("reported_at", parse_datetime)
    milestone = row.value("milestone", parse_milestone)
    quantities = {
        column.removeprefix("qty_"): row.value(column, parse_count, required=False)
        for column in QUANTITY_COLUMNS
    }
    issues = row.value("issues", parse_issues, required=False) or ()
    revised = row.value("revised_exf", parse_date, required=False)
    note = row.text("note", required=False, max_length=2000) or ""
    if not row.ok or found is None or when is None or milestone is None:
        return None
    order, timezone = found
    assert order.id is not None
    return CheckInRow(
        line=row.line,
        production_order_id=order.id,
        reported_at=to_utc(when, timezone),
        milestone=milestone,
        quantities=quantities,
        issues=issues,
        revised_exf=revised,
        note=note,
    )


def _unknown(number: str, orders: dict[str, tuple[ProductionOrder, str]]) -> str:
    names = [order.number for order, _ in orders.values()]
    close = difflib.get_close_matches(number, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown production order {number!r}{hint}"


async def _existing(session: AsyncSession, order_ids: set[int]) -> dict[CheckInKey, CheckIn]:
    if not order_ids:
        return {}
    found = (
        await session.exec(select(CheckIn).where(col(CheckIn.production_order_id).in_(order_ids)))
    ).all()
    return {(c.production_order_id, c.reported_at, c.milestone): c for c in found}


async def _existing_issues(
    session: AsyncSession, order_ids: set[int]
) -> dict[int, list[CheckInIssue]]:
    """The issues of every check-in of these production orders, by check-in id."""
    if not order_ids:
        return {}
    found = (
        await session.exec(
            select(CheckInIssue)
            .join(CheckIn, col(CheckIn.id) == col(CheckInIssue.checkin_id))
            .where(col(CheckIn.production_order_id).in_(order_ids))
        )
    ).all()
    by_checkin: dict[int, list[CheckInIssue]] = {}
    for issue in found:
        by_checkin.setdefault(issue.checkin_id, []).append(issue)
    return by_checkin


@dataclass(frozen=True)
class _Written:
    """A check-in written, waiting for its id before its issues are compared and written."""

    record: CheckIn
    item: CheckInRow
    created: bool
    changed: bool


def _write(session: AsyncSession, checkin: CheckIn | None, item: CheckInRow) -> _Written:
    created = checkin is None
    if checkin is None:
        checkin = CheckIn(
            production_order_id=item.production_order_id,
            source=SOURCE,
            reported_at=item.reported_at,
            milestone=item.milestone.value,
        )
        session.add(checkin)
    changed = assign(
        checkin,
        qty_cut=item.quantities["cut"],
        qty_sewn=item.quantities["sewn"],
        qty_finished=item.quantities["finished"],
        qty_packed=item.quantities["packed"],
        qty_shipped=item.quantities["shipped"],
        revised_exf=item.revised_exf,
        note=item.note,
    )
    return _Written(checkin, item, created, changed)


async def _write_issues(
    session: AsyncSession,
    written: _Written,
    existing: dict[int, list[CheckInIssue]],
    tally: Tally,
) -> None:
    """The file's issues replace the check-in's when they differ; then the check-in counts."""
    checkin, item, created, changed = written.record, written.item, written.created, written.changed
    assert checkin.id is not None
    current = [] if created else existing.get(checkin.id, [])
    if sorted(_issue_key(i.flag, i.delay_days) for i in current) != sorted(
        _issue_key(i.flag.value, i.delay_days) for i in item.issues
    ):
        for issue in current:
            await session.delete(issue)
        for reported in item.issues:
            session.add(
                CheckInIssue(
                    checkin_id=checkin.id, flag=reported.flag.value, delay_days=reported.delay_days
                )
            )
        changed = changed or not created
    tally.count(created=created, changed=changed)


def _issue_key(flag: str, delay_days: int | None) -> tuple[str, int]:
    return (flag, -1 if delay_days is None else delay_days)
