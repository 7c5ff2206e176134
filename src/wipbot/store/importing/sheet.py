"""Rows of a CSV or XLSX file as text, keyed by normalised column name, with their line numbers.

Everything is turned into text first, so an XLSX file and the CSV Excel saves from it import the
same: dates typed into Excel arrive as dates, numbers without a trailing `.0`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from .encoding import decode_csv
from .errors import ImportFailed, RowError

HEADER_LINE = 1
SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAX_CELL_BYTES = 128 * 1024
CSV_FIELD_LIMIT = 64 * 1024 * 1024
"""The csv module stops at 128 Ki characters with an error that names no cell; its limit is
raised so the size check below can name the cell instead."""


@dataclass(frozen=True)
class SheetRow:
    line: int
    cells: dict[str, str]
    extra: tuple[tuple[int, str], ...] = ()
    """Values beyond the last named column, with their 1-based column numbers."""


@dataclass(frozen=True)
class Sheet:
    file: str
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]


def normalise_column(name: str) -> str:
    """`PO Number`, `po-number` and ` po_number ` all mean `po_number`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_sheet(path: Path, *, file: str | None = None) -> Sheet:
    """Read the first worksheet (XLSX) or the whole file (CSV); blank lines are skipped."""
    name = file or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _file_error(name, f"expected a .csv or .xlsx file, got {path.suffix or 'no suffix'}")
    if not path.is_file():
        raise _file_error(name, "no such file")
    lines = _xlsx_lines(path, name) if suffix != ".csv" else _csv_lines(path, name)
    return _sheet(name, lines)


def check_columns(
    sheet: Sheet, required: Sequence[str], optional: Sequence[str] = ()
) -> list[RowError]:
    """Unknown and missing columns, reported on the header line."""
    known = set(required) | set(optional)
    errors = [
        RowError(sheet.file, HEADER_LINE, column, f"unknown column; expected {_names(known)}")
        for column in sheet.columns
        if column not in known
    ]
    errors += [
        RowError(sheet.file, HEADER_LINE, column, "missing column")
        for column in required
        if column not in sheet.columns
    ]
    seen: set[str] = set()
    for column in sheet.columns:
        if column in seen:
            errors.append(RowError(sheet.file, HEADER_LINE, column, "column appears twice"))
        seen.add(column)
    return errors


def _names(columns: Iterable[str]) -> str:
    return ", ".join(sorted(columns))


def _sheet(name: str, lines: Iterator[tuple[int, list[str]]]) -> Sheet:
    header: list[str] | None = None
    rows: list[SheetRow] = []
    errors: list[RowError] = []
    for line, values in lines:
        errors += _unstorable(name, line, header, values)
        if header is None:
            if line != HEADER_LINE or not any(values):
                raise _file_error(name, "line 1 must be the header row with the column names")
            header = [normalise_column(v) for v in values]
            while header and not header[-1]:
                header.pop()
            continue
        if not any(values):
            continue
        cells = {column: value for column, value in zip(header, values, strict=False) if column}
        extra = tuple(
            (number, value)
            for number, value in enumerate(values, start=1)
            if value and (number > len(header) or not header[number - 1])
        )
        rows.append(SheetRow(line, cells, extra))
    if errors:
        raise ImportFailed(errors)
    if header is None:
        raise _file_error(name, "the file is empty; line 1 must be the header row")
    return Sheet(name, tuple(header), tuple(rows))


def _unstorable(
    name: str, line: int, header: list[str] | None, values: list[str]
) -> list[RowError]:
    """Cells no database keeps as given: a NUL character (PostgreSQL refuses it), or a size
    that is surely a mistake (a whole document pasted into one cell)."""
    errors = []
    for number, value in enumerate(values, start=1):
        if "\x00" not in value and len(value) * 4 <= MAX_CELL_BYTES:
            continue
        field = _column_name(header, number)
        if "\x00" in value:
            errors.append(RowError(name, line, field, "contains a NUL character; remove it"))
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > MAX_CELL_BYTES:
            errors.append(
                RowError(name, line, field, f"is {size // 1024} KiB; a cell holds at most 128 KiB")
            )
    return errors


def _column_name(header: list[str] | None, number: int) -> str:
    if header is not None and number <= len(header) and header[number - 1]:
        return header[number - 1]
    return f"column {number}"


def _csv_lines(path: Path, name: str) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv(path.read_bytes(), name)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, [v.strip() for v in values]
    except csv.Error as error:
        raise ImportFailed([RowError(name, reader.line_num, "file", str(error))]) from None


def _xlsx_lines(path: Path, name: str) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(name, f"not a readable XLSX workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as the text a person would have typed into it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value).strip()


def _file_error(name: str, reason: str) -> ImportFailed:
    return ImportFailed([RowError(name, HEADER_LINE, "file", reason)])
