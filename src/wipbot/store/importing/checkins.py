"""The check-ins file: the history kept in spreadsheets before the bot, one row per report.

Columns (header on line 1, any order, case and spaces ignored):

- brand (optional), e.g. `Northwind Apparel`: defaults to --brand or the only brand
- production_order (required), e.g. `PO-1042-A`
- reported_at (required), e.g. `2026-11-16 or 2026-11-16 09:30`: naive times are the factory's
  local time; a date alone is taken as local noon
- milestone (required column, blank allowed), e.g. `sewing`: materials_in, cutting, sewing,
  finishing, inspection, shipped; blank means "not started yet" (materials not in), which may
  still carry issues and delays
- qty_cut, qty_sewn, qty_finished, qty_packed, qty_shipped (optional), e.g. `1200`: pieces so
  far, 0 or more
- issues (optional), e.g. `fabric_late:5; trims_late`: flags with optional days of delay
- revised_exf (optional), e.g. `2027-01-22`: the factory's revised ex-factory date
- shipped_on (optional, shipped rows only), e.g. `2027-01-19`: the day the goods really left,
  when the report came later than that
- note (optional), e.g. `Line 4 short of operators`

The same production order, reported_at and milestone is the same check-in: re-importing
updates it and never duplicates it.

The file is streamed: rows are checked (the common well-formed row by checkins_fast.py, any
other cell by cell here) and written a batch at a time inside the caller's one
transaction, so memory does not grow with the file, and a batch is written while the next is
read (write_behind.py). Any bad row makes the import raise ImportFailed at the end, after every
row was checked, and the caller rolls the whole file back.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.milestones import Milestone, parse_milestone
from wipbot.production.names import key
from wipbot.store.models import (
    Brand,
    CheckIn,
    CheckInIssue,
    Factory,
    ProductionOrder,
    PurchaseOrder,
)

from ..risk_judgement_reset import forget
from .bulk import insert_rows, one_of, page_cache, take_ids
from .cells import Row, parse_count, parse_date, parse_datetime, parse_issues
from .checkin_rows import (
    NOTE_MAX_LENGTH,
    ORDER_MAX_LENGTH,
    QUANTITY_COLUMNS,
    UPDATED_FIELDS,
    CheckInKey,
    CheckInRow,
    KnownOrder,
    cached_to_utc,
)
from .checkin_rows import to_utc as to_utc
from .checkins_fast import FastCheckIns
from .errors import ImportFailed, RowError
from .scope import OpenedStream, import_done, open_stream
from .sheet import SheetRow
from .summary import ImportResult, ProgressHook, Tally, no_progress, tallies
from .write_behind import YIELD_EVERY, WriteBehind

REQUIRED = ("production_order", "reported_at", "milestone")
OPTIONAL = ("brand", *QUANTITY_COLUMNS, "issues", "revised_exf", "shipped_on", "note")
INSERTED_COLUMNS = (
    "id",
    "production_order_id",
    "contact_id",
    "source",
    "reported_at",
    "milestone",
    "created_at",
    *UPDATED_FIELDS,
)
ISSUE_COLUMNS = ("checkin_id", "flag", "delay_days", "note")
SOURCE = "import"
BATCH_ROWS = 2_000
"""Rows checked and written together: large enough to amortise a statement, small enough that
memory stays flat (and within SQLite's limit on bound parameters)."""

_milestone = lru_cache(maxsize=256)(parse_milestone)
_issues = lru_cache(maxsize=1024)(parse_issues)
_reported_at = lru_cache(maxsize=4096)(parse_datetime)
_order_key = lru_cache(maxsize=4096)(key)
"""A long history repeats a few spellings of milestones and issues, the same order numbers and
the same report times (a weekly round is one date for a whole factory): each is parsed once (a
cell that does not parse raises again, so its reason is still reported)."""


async def import_checkins(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    """Checks and writes the file a batch at a time; see the module docstring."""
    opened = await open_stream(session, path, REQUIRED, OPTIONAL, wanted=brand, file=file)
    errors, target = opened.errors, opened.brand
    orders = await known_orders(session, target) if target is not None else None
    counts = tallies("check-ins")
    writer = _BatchWriter(
        session, opened.file, await _last_checkin_id(session), counts["check-ins"], errors
    )
    writes = WriteBehind(writer.write)
    columns = frozenset(opened.columns)
    async with page_cache(session):
        rows = await _check_and_write(opened, orders, columns, writes, errors, progress)
    progress("writing", rows, opened.total)
    if errors or target is None:
        raise ImportFailed(errors)
    return await import_done(session, "checkins", opened, target, counts, rows=rows)


async def _check_and_write(
    opened: OpenedStream,
    orders: dict[str, KnownOrder] | None,
    columns: frozenset[str],
    writes: WriteBehind[Sequence[CheckInRow]],
    errors: list[RowError],
    progress: ProgressHook,
) -> int:
    """Every row of the file checked, and the good ones written a batch at a time; returns
    the rows read."""
    batch: dict[CheckInKey, CheckInRow] = {}
    fast = FastCheckIns(columns, orders) if orders is not None else None
    rows = 0
    try:
        for source in _every_row(opened.rows, errors):
            rows += 1
            if rows % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            item = fast.parse(source) if fast and opened.brand_settled(source) else None
            if item is None:
                item = _parse_generic(opened, source, orders, columns, errors)
            if item is not None:
                earlier = batch.get(item.key)
                if earlier is not None:
                    errors.append(
                        RowError(
                            opened.file,
                            item.line,
                            "reported_at",
                            _duplicate(f"on line {earlier.line}"),
                        )
                    )
                else:
                    batch[item.key] = item
            if len(batch) >= BATCH_ROWS:
                await writes.submit(list(batch.values()))
                batch.clear()
                progress("writing", rows, opened.total)
        await writes.submit(list(batch.values()))
        await writes.drain()
    except BaseException:
        await writes.abandon()
        raise
    return rows


def _parse_generic(
    opened: OpenedStream,
    source: SheetRow,
    orders: dict[str, KnownOrder] | None,
    columns: frozenset[str],
    errors: list[RowError],
) -> CheckInRow | None:
    """Every cell of the row checked, and each problem recorded with its file, line and field."""
    row = Row(opened.file, source, errors)
    opened.check_brand(row)
    return _parse(row, orders, columns)


def _every_row(rows: Iterator[SheetRow], errors: list[RowError]) -> Iterator[SheetRow]:
    """The file's rows; cells the reader refused (it reports them once every row was read)
    join the other errors instead of hiding them."""
    try:
        yield from rows
    except ImportFailed as refused:
        errors.extend(refused.errors)


def _duplicate(where: str) -> str:
    return f"the same production order, time and milestone is already {where}"


async def known_orders(session: AsyncSession, brand: Brand) -> dict[str, KnownOrder]:
    """The brand's production orders by matching key, with their factory's timezone (naive
    times in a file are the factory's local time). Columns only: a brand's orders, not its
    history, and no ORM objects."""
    found = await session.exec(
        select(ProductionOrder.id, ProductionOrder.number, Factory.timezone)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return {key(number): KnownOrder(id_, number, tz) for id_, number, tz in found.all() if id_}


def _parse(
    row: Row, orders: dict[str, KnownOrder] | None, columns: frozenset[str]
) -> CheckInRow | None:
    """`orders` is None when the brand is unknown: then no production order can be checked.
    `columns` are the file's: a column it lacks is not looked up row after row."""
    number = row.text("production_order", max_length=ORDER_MAX_LENGTH)
    found = orders.get(_order_key(number)) if number and orders is not None else None
    if number and orders is not None and found is None:
        row.error("production_order", _unknown(number, orders))
    when = row.value("reported_at", _reported_at)
    milestone = row.value("milestone", _milestone, required=False)
    quantities = tuple(
        [
            row.value(column, parse_count, required=False) if column in columns else None
            for column in QUANTITY_COLUMNS
        ]
    )
    issues = row.value("issues", _issues, required=False) or ()
    revised = row.value("revised_exf", parse_date, required=False)
    shipped_on = (
        row.value("shipped_on", parse_date, required=False) if "shipped_on" in columns else None
    )
    if shipped_on is not None and milestone is not Milestone.SHIPPED:
        row.error("shipped_on", "only a shipped row has a ship date; set milestone to shipped")
    note = row.text("note", required=False, max_length=NOTE_MAX_LENGTH) or ""
    if not row.ok or found is None or when is None:
        return None
    reported_at = cached_to_utc(when, found.timezone)
    if (
        shipped_on is not None
        and shipped_on > reported_at.astimezone(ZoneInfo(found.timezone)).date()
    ):
        row.error("shipped_on", "after the day it was reported; a report tells what has happened")
        return None
    return CheckInRow(
        line=row.line,
        production_order_id=found.id,
        reported_at=reported_at,
        milestone=milestone,
        quantities=quantities,
        issues=issues,
        revised_exf=revised,
        shipped_on=shipped_on,
        note=note,
    )


def _unknown(number: str, orders: dict[str, KnownOrder]) -> str:
    close = difflib.get_close_matches(key(number), list(orders), n=3)
    hint = f"; did you mean {', '.join(orders[c].number for c in close)}?" if close else ""
    return f"unknown production order {number!r}{hint}"


async def _last_checkin_id(session: AsyncSession) -> int:
    """Check-ins with a higher id were written by this import: a key found among them is a
    duplicate line of the file, not an earlier import to update."""
    found = (await session.exec(select(func.max(CheckIn.id)))).one()
    return int(found or 0)


class _BatchWriter:
    """Writes batches of checked rows with a few statements each: the existing check-ins of
    the batch's keys are read, new ones inserted in bulk, changed ones updated in bulk."""

    def __init__(
        self,
        session: AsyncSession,
        file: str,
        last_id: int,
        tally: Tally,
        errors: list[RowError],
    ) -> None:
        self.session = session
        self.file = file
        self.last_id = last_id
        self.tally = tally
        self.errors = errors
        self.matched = bytearray()
        """One bit per existing check-in id that a line of this file already matched: a
        second match is a duplicate line. An eighth of a byte per check-in kept, whatever
        the file's size."""

    def _matched_before(self, checkin_id: int) -> bool:
        """True when a line of this file already matched `checkin_id`; marks it matched."""
        byte, bit = divmod(checkin_id, 8)
        if byte >= len(self.matched):
            self.matched.extend(bytes(byte + 1 - len(self.matched)))
        seen = bool(self.matched[byte] & (1 << bit))
        self.matched[byte] |= 1 << bit
        return seen

    async def write(self, batch: Sequence[CheckInRow]) -> None:
        if not batch:
            return
        existing = await self._existing(batch)
        issues = await self._existing_issues([row["id"] for row in existing.values()])
        new: list[CheckInRow] = []
        changed: list[tuple[int, CheckInRow]] = []
        replaced_issues: list[tuple[int, CheckInRow]] = []
        for item in batch:
            found = existing.get(item.key)
            if found is None:
                new.append(item)
                continue
            if found["id"] > self.last_id or self._matched_before(found["id"]):
                self.errors.append(
                    RowError(
                        self.file,
                        item.line,
                        "reported_at",
                        _duplicate("on an earlier line of this file"),
                    )
                )
                continue
            fields_differ = any(
                found[name] != value
                for name, value in zip(UPDATED_FIELDS, item.updated(), strict=True)
            )
            issues_differ = _issue_keys(issues.get(found["id"], [])) != sorted(
                _issue_key(i.flag.value, i.delay_days) for i in item.issues
            )
            if fields_differ:
                changed.append((found["id"], item))
            if issues_differ:
                replaced_issues.append((found["id"], item))
            self.tally.count(created=False, changed=fields_differ or issues_differ)
        await self._insert(new)
        await self._update(changed)
        await self._replace_issues(replaced_issues)
        # Edited in place, so the risk scan's fingerprint would not see it: judge them anew.
        await forget(self.session, {item.production_order_id for _, item in changed})
        await forget(self.session, {item.production_order_id for _, item in replaced_issues})

    async def _existing(self, batch: Sequence[CheckInRow]) -> dict[CheckInKey, dict[str, Any]]:
        columns = [
            CheckIn.id,
            CheckIn.production_order_id,
            CheckIn.reported_at,
            CheckIn.milestone,
            *(getattr(CheckIn, name) for name in UPDATED_FIELDS),
        ]
        table = CheckIn.__table__  # type: ignore[attr-defined]
        dialect = (await self.session.connection()).dialect.name
        found = await self.session.exec(
            select(*columns)
            .where(
                one_of(table.c.production_order_id, {i.production_order_id for i in batch}, dialect)
            )
            .where(one_of(table.c.reported_at, {i.reported_at for i in batch}, dialect))
        )
        names = ("id", "production_order_id", "reported_at", "milestone", *UPDATED_FIELDS)
        rows = [dict(zip(names, row, strict=True)) for row in found.all()]
        return {
            (row["production_order_id"], row["reported_at"], row["milestone"] or ""): row
            for row in rows
        }

    async def _existing_issues(self, checkin_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
        if not checkin_ids:
            return {}
        table = CheckInIssue.__table__  # type: ignore[attr-defined]
        dialect = (await self.session.connection()).dialect.name
        found = await self.session.exec(
            select(CheckInIssue.checkin_id, CheckInIssue.flag, CheckInIssue.delay_days).where(
                one_of(table.c.checkin_id, checkin_ids, dialect)
            )
        )
        by_checkin: dict[int, list[tuple[str, int]]] = {}
        for checkin_id, flag, days in found.all():
            by_checkin.setdefault(checkin_id, []).append(_issue_key(flag, days))
        return by_checkin

    async def _insert(self, items: Sequence[CheckInRow]) -> None:
        """One bulk insert (COPY on PostgreSQL) with ids taken beforehand, so the issues can
        refer to their check-ins without reading them back."""
        if not items:
            return
        now = datetime.now(UTC)
        table = CheckIn.__table__  # type: ignore[attr-defined]
        ids = await take_ids(self.session, table, len(items))
        await insert_rows(
            self.session,
            table,
            INSERTED_COLUMNS,
            [
                (
                    checkin_id,
                    item.production_order_id,
                    None,
                    SOURCE,
                    item.reported_at,
                    item.milestone.value if item.milestone else None,
                    now,
                    *item.updated(),
                )
                for checkin_id, item in zip(ids, items, strict=True)
            ],
        )
        await self._insert_issues(
            (checkin_id, item) for checkin_id, item in zip(ids, items, strict=True) if item.issues
        )
        for _ in items:
            self.tally.count(created=True, changed=True)

    async def _insert_issues(self, written: Iterable[tuple[int, CheckInRow]]) -> None:
        rows = [
            (checkin_id, i.flag.value, i.delay_days, "")
            for checkin_id, item in written
            for i in item.issues
        ]
        table = CheckInIssue.__table__  # type: ignore[attr-defined]
        await insert_rows(self.session, table, ISSUE_COLUMNS, rows)

    async def _update(self, changed: Sequence[tuple[int, CheckInRow]]) -> None:
        if not changed:
            return
        connection = await self.session.connection()
        table = CheckIn.__table__  # type: ignore[attr-defined]
        await connection.execute(
            update(table)
            .where(table.c.id == bindparam("checkin_id"))
            .values({name: bindparam(name) for name in UPDATED_FIELDS}),
            [{"checkin_id": checkin_id, **item.values()} for checkin_id, item in changed],
        )

    async def _replace_issues(self, replaced: Sequence[tuple[int, CheckInRow]]) -> None:
        """The file's issues replace the check-in's when they differ."""
        if not replaced:
            return
        connection = await self.session.connection()
        table = CheckInIssue.__table__  # type: ignore[attr-defined]
        await connection.execute(
            table.delete().where(table.c.checkin_id.in_([checkin_id for checkin_id, _ in replaced]))
        )
        await self._insert_issues(replaced)


def _issue_keys(keys: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(keys)


def _issue_key(flag: str, delay_days: int | None) -> tuple[str, int]:
    return (flag, -1 if delay_days is None else delay_days)
