"""Which brand a file belongs to: every import is scoped to exactly one brand."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key
from wipbot.store.audit import record
from wipbot.store.brand_names import find_brand
from wipbot.store.models import Brand, Factory, ProductionOrder, PurchaseOrder

from .cells import Row
from .errors import ImportFailed, RowError
from .sheet import HEADER_LINE, Sheet, SheetRow, SheetStream, check_columns, stream_sheet
from .summary import ImportResult, Tally

BRAND_MAX_LENGTH = 120
SETTLED_BRANDS_LIMIT = 64


@dataclass(frozen=True)
class BrandChoice:
    name: str
    brand: Brand | None
    """None when the brand does not exist yet and the file may create it."""


async def choose_brand(
    session: AsyncSession,
    sheet: Sheet,
    errors: list[RowError],
    *,
    wanted: str | None,
    may_create: bool = False,
) -> BrandChoice | None:
    """The one brand named in the `brand` column, or `wanted`, or the only brand there is."""
    found: tuple[str, int] | None = None
    if "brand" in sheet.columns:
        for row in sheet.rows:
            found = brand_cell(sheet.file, row, found, errors)
    if found and wanted and key(found[0]) != key(wanted):
        errors.append(
            RowError(sheet.file, found[1], "brand", f"the file is for {found[0]!r}, not {wanted!r}")
        )
        return None
    name = found[0] if found else wanted
    line = found[1] if found else HEADER_LINE
    if name is None:
        brands = (await session.exec(select(Brand))).all()
        if len(brands) == 1:
            return BrandChoice(brands[0].name, brands[0])
        reason = (
            "no brand exists yet; import the factories file first"
            if not brands
            else "several brands exist; add a brand column or pass --brand"
        )
        errors.append(RowError(sheet.file, line, "brand", reason))
        return None
    brand = await find_brand(session, name)
    if brand is None and not may_create:
        errors.append(
            RowError(
                sheet.file, line, "brand", f"unknown brand {name!r}; import its factories first"
            )
        )
        return None
    return BrandChoice(brand.name if brand else name, brand)


def brand_cell(
    file: str, row: SheetRow, found: tuple[str, int] | None, errors: list[RowError]
) -> tuple[str, int] | None:
    """Checks one row's brand against the one found so far; returns the one found after it."""
    value = " ".join(row.cells.get("brand", "").split())
    if not value:
        errors.append(RowError(file, row.line, "brand", "required"))
    elif len(value) > BRAND_MAX_LENGTH:
        errors.append(RowError(file, row.line, "brand", f"longer than {BRAND_MAX_LENGTH}"))
    elif found is None:
        return (value, row.line)
    elif key(value) != key(found[0]):
        errors.append(
            RowError(
                file,
                row.line,
                "brand",
                f"{value!r} differs from {found[0]!r} on line {found[1]}; one file holds one brand",
            )
        )
    return found


@dataclass(frozen=True)
class OpenedSheet:
    sheet: Sheet
    errors: list[RowError]
    """Collects every bad row; the importer raises ImportFailed with it before writing."""
    choice: BrandChoice | None
    ignored: tuple[str, ...] = ()
    """Columns of the file that mean nothing to its kind, left unread."""

    @property
    def brand(self) -> Brand | None:
        return self.choice.brand if self.choice else None


async def open_sheet(
    session: AsyncSession,
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    *,
    wanted: str | None,
    file: str | None,
    may_create: bool = False,
) -> OpenedSheet:
    """Every import starts alike: check the file's header, read its rows, pick its one brand."""
    stream = _checked_stream(path, required, optional, file)
    sheet = Sheet(stream.file, stream.columns, tuple(stream.rows))
    errors: list[RowError] = []
    choice = await choose_brand(session, sheet, errors, wanted=wanted, may_create=may_create)
    return OpenedSheet(sheet, errors, choice, stream.ignored)


def _checked_stream(
    path: Path, required: Sequence[str], optional: Sequence[str], file: str | None
) -> SheetStream:
    """The file's rows without the columns its kind ignores, once its header was found sound:
    a bad header refuses the file before any row is read."""
    stream = stream_sheet(path, file=file)
    checked = check_columns(stream, required, optional)
    if checked.errors:
        raise ImportFailed(checked.errors)
    return stream.ignoring(checked.ignored)


@dataclass
class OpenedStream:
    """A file opened for streaming: its brand is chosen from the first row (or --brand, or the
    only brand), and every later row's brand is checked against it as the row arrives."""

    file: str
    columns: tuple[str, ...]
    rows: Iterator[SheetRow]
    errors: list[RowError]
    choice: BrandChoice | None
    total: int
    """Lines in the file less the header: the rows to expect, for progress only."""
    ignored: tuple[str, ...] = ()
    """Columns of the file that mean nothing to its kind, left unread."""
    _first_brand: tuple[str, int] | None = None

    @property
    def brand(self) -> Brand | None:
        return self.choice.brand if self.choice else None

    _settled_brands: set[str] = field(default_factory=set)
    """Brand cells (as written) already found to be the file's brand, once it was known."""

    def check_brand(self, row: Row) -> None:
        if "brand" not in self.columns or (
            self._first_brand is not None and row.line == self._first_brand[1]
        ):
            return
        source = SheetRow(row.line, {"brand": row.raw("brand")})
        before = len(self.errors)
        self._first_brand = brand_cell(self.file, source, self._first_brand, self.errors)
        if (
            len(self.errors) == before
            and self._first_brand is not None
            and len(self._settled_brands) < SETTLED_BRANDS_LIMIT
        ):
            self._settled_brands.add(row.raw("brand"))

    def brand_settled(self, row: SheetRow) -> bool:
        """True when checking the row's brand could neither fail nor change anything: the file
        has no brand column, or the cell says what an earlier row's did once the brand was
        known (a later row is checked against the same brand)."""
        return "brand" not in self.columns or (
            self._first_brand is not None
            and row.cells.get("brand", "").strip() in self._settled_brands
        )


async def open_stream(
    session: AsyncSession,
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    *,
    wanted: str | None,
    file: str | None,
) -> OpenedStream:
    """As open_sheet, for a file read one row at a time."""
    stream = _checked_stream(path, required, optional, file)
    errors: list[RowError] = []
    first = next(stream.rows, None)
    rows = stream.rows if first is None else itertools.chain((first,), stream.rows)
    head = Sheet(stream.file, stream.columns, (first,) if first is not None else ())
    choice = await choose_brand(session, head, errors, wanted=wanted)
    first_brand = None
    if first is not None and "brand" in stream.columns:
        value = " ".join(first.cells.get("brand", "").split())
        first_brand = (value, first.line) if value else None
    return OpenedStream(
        stream.file,
        stream.columns,
        rows,
        errors,
        choice,
        _line_count(path) - 1,
        stream.ignored,
        first_brand,
    )


def _line_count(path: Path) -> int:
    if path.suffix.lower() != ".csv":
        return 0
    with path.open("rb") as raw:
        return sum(block.count(b"\n") for block in iter(lambda: raw.read(1 << 20), b""))


async def orders_with_timezones(
    session: AsyncSession, brand: Brand
) -> dict[str, tuple[ProductionOrder, str]]:
    """The brand's production orders by number, with their factory's timezone (naive times in
    a file are the factory's local time)."""
    found = (
        await session.exec(
            select(ProductionOrder, Factory.timezone)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
            .where(PurchaseOrder.brand_id == brand.id)
        )
    ).all()
    return {key(order.number): (order, tz) for order, tz in found}


async def import_done(
    session: AsyncSession,
    kind: str,
    opened: OpenedSheet | OpenedStream,
    brand: Brand,
    counts: dict[str, Tally],
    **details: int,
) -> ImportResult:
    """Every import ends alike: an audit row naming the file (and the columns it ignored), and
    the tallies to print."""
    if isinstance(opened, OpenedSheet):
        file, rows = opened.sheet.file, len(opened.sheet.rows)
    else:
        file, rows = opened.file, details.pop("rows")
    ignored = {"ignored": list(opened.ignored)} if opened.ignored else {}
    record(
        session,
        actor="import",
        action=f"import.{kind}",
        subject=file,
        brand_id=brand.id,
        details={"rows": rows, **details, **ignored},
    )
    await session.flush()
    return ImportResult(kind, file, brand.name, rows, counts, opened.ignored)
