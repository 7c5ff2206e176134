"""Rows of a CSV or XLSX file as text, keyed by normalised column name, with their line numbers.

Everything is turned into text first, so an XLSX file and the CSV Excel saves from it import the
same: dates typed into Excel arrive as dates, numbers without a trailing `.0`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from difflib import get_close_matches
from itertools import compress
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ImportFailed, RowError
from .utf16 import UTF16_SNIFF, bomless_utf16

HEADER_LINE = 1
SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xlsm")
READ_BLOCK = 1 << 20
MAX_CELL_BYTES = 128 * 1024
MAX_LINE_CHARS = 4 * 1024 * 1024
"""Room for a row of 30 cells at their largest; a longer line is no spreadsheet's."""
CSV_FIELD_LIMIT = 64 * 1024 * 1024
"""The csv module stops at 128 Ki characters with an error that names no cell; its limit is
raised so the size check below can name the cell instead."""
NEAR_MISS = 0.8
"""difflib similarity from which an unknown column is taken for a misspelt known one: a slip or
two in a word (`shiped_on`, `po_nubmer`, `notes` for `note`), not a word added to it
(`amount_usd`, `season_code`), which is another column."""


class SheetRow(NamedTuple):
    """One line of the file: a tuple, the cheapest immutable record, since a large import makes
    one for each of its rows."""

    line: int
    cells: dict[str, str]
    extra: tuple[tuple[int, str], ...] = ()
    """Values beyond the last named column, with their 1-based column numbers."""


@dataclass(frozen=True)
class Sheet:
    file: str
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class SheetStream:
    """The header, and the rows read one at a time: a large file never sits in memory whole."""

    file: str
    columns: tuple[str, ...]
    rows: Iterator[SheetRow]
    ignored: tuple[str, ...] = ()
    """Columns left out of `columns` and of every row (see `ignoring`)."""
    _source: tuple[list[str], Iterator[tuple[int, list[str]]]] | None = field(
        default=None, repr=False, compare=False
    )
    """The whole header and the lines after it, while no row was read and nothing ignored."""

    def ignoring(self, columns: Collection[str]) -> SheetStream:
        """The same file without `columns`: their cells are skipped as each row is split, so
        they cost no check and take no memory. Only before the first row is read."""
        if not columns:
            return self
        if self._source is None:
            raise ValueError("columns can be ignored only once, before any row is read")
        header, lines = self._source
        dropped = frozenset(columns)
        kept = tuple(column for column in self.columns if column not in dropped)
        ignored = tuple(dict.fromkeys(c for c in self.columns if c in dropped))
        return SheetStream(self.file, kept, _rows(self.file, header, lines, dropped), ignored)


@dataclass(frozen=True)
class ColumnCheck:
    """What a header means to one kind of file."""

    errors: list[RowError]
    """Unknown columns that look like a misspelt known one, missing and repeated columns."""
    ignored: tuple[str, ...]
    """Columns that mean nothing to this kind of file, as the header names them."""


def normalise_column(name: str) -> str:
    """`PO Number`, `po-number` and ` po_number ` all mean `po_number`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_sheet(path: Path, *, file: str | None = None) -> Sheet:
    """Read the first worksheet (XLSX) or the whole file (CSV); blank lines are skipped."""
    stream = stream_sheet(path, file=file)
    return Sheet(stream.file, stream.columns, tuple(stream.rows))


def stream_sheet(path: Path, *, file: str | None = None) -> SheetStream:
    """As read_sheet, but the rows come one at a time as they are read."""
    name = file or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _file_error(name, f"expected a .csv or .xlsx file, got {path.suffix or 'no suffix'}")
    if not path.is_file():
        raise _file_error(name, "no such file")
    lines = _xlsx_lines(path, name) if suffix != ".csv" else _csv_lines(path, name)
    return _stream(name, lines)


def check_columns(
    sheet: Sheet | SheetStream, required: Sequence[str], optional: Sequence[str] = ()
) -> ColumnCheck:
    """Problems of the header, reported on the header line, and the columns to ignore.

    ERP and spreadsheet exports carry columns of their own (buyer, colour, remarks): those are
    ignored. An unknown column close to a known one the file lacks is refused instead, since
    ignoring a misspelt `shiped_on` would lose its dates; close to a known column the file has
    (`po_number_2` beside `po_number`), it is another column. A column without a name is no
    column: a value under it is refused on its row (`_rows`)."""
    absent = [column for column in (*required, *optional) if column not in sheet.columns]
    known = frozenset((*required, *optional))
    errors: list[RowError] = []
    ignored: list[str] = []
    for column in dict.fromkeys(sheet.columns):
        if not column or column in known:
            continue
        meant = get_close_matches(column, absent, n=1, cutoff=NEAR_MISS)
        if meant:
            reason = f"unknown column; did you mean {meant[0]}?"
            errors.append(RowError(sheet.file, HEADER_LINE, column, reason))
        else:
            ignored.append(column)
    errors += [
        RowError(sheet.file, HEADER_LINE, column, "missing column")
        for column in required
        if column not in sheet.columns
    ]
    unread = {"", *ignored}  # twice or not, a nameless or an ignored column is never read
    seen: set[str] = set()
    for column in sheet.columns:
        if column in seen and column not in unread:
            errors.append(RowError(sheet.file, HEADER_LINE, column, "column appears twice"))
        seen.add(column)
    return ColumnCheck(errors, tuple(ignored))


def _stream(name: str, lines: Iterator[tuple[int, list[str]]]) -> SheetStream:
    first = next(lines, None)
    if first is None:
        raise _file_error(name, "the file is empty; line 1 must be the header row")
    line, values = first
    unstorable = _unstorable(name, line, None, values)
    if unstorable:
        raise ImportFailed(unstorable)
    if line != HEADER_LINE or not any(values):
        raise _file_error(name, "line 1 must be the header row with the column names")
    header = [normalise_column(v) for v in values]
    while header and not header[-1]:
        header.pop()
    rows = _rows(name, header, lines)
    return SheetStream(name, tuple(header), rows, _source=(header, lines))


def _rows(
    name: str,
    header: list[str],
    lines: Iterator[tuple[int, list[str]]],
    ignored: frozenset[str] = frozenset(),
) -> Iterator[SheetRow]:
    """Rows with an unstorable cell are held back; once every row was read they are reported
    together (ImportFailed), so nothing of such a file is kept. The cells of `ignored` columns
    are dropped unseen."""
    errors: list[RowError] = []
    whole = all(header)
    named = whole and not ignored
    width = len(header)
    kept = [bool(column) and column not in ignored for column in header]
    skip = frozenset(number for number, column in enumerate(header, start=1) if column in ignored)
    for line, values in lines:
        unstorable = _unstorable(name, line, header, values, skip)
        if unstorable:
            errors += unstorable
            continue
        if not any(values):
            continue
        if named and len(values) <= width:  # the common row: every cell under a named column
            yield SheetRow(line, dict(zip(header, values, strict=False)))
            continue
        cells = dict(compress(zip(header, values, strict=False), kept))
        if whole and len(values) <= width:  # every cell under a named column, some ignored
            yield SheetRow(line, cells)
            continue
        extra = tuple(
            (number, value)
            for number, value in enumerate(values, start=1)
            if value and (number > width or not header[number - 1])
        )
        yield SheetRow(line, cells, extra)
    if errors:
        raise ImportFailed(errors)


def _unstorable(
    name: str,
    line: int,
    header: list[str] | None,
    values: list[str],
    skip: frozenset[int] = frozenset(),
) -> list[RowError]:
    """Cells no database keeps as given: a NUL character (PostgreSQL refuses it), or a size
    that is surely a mistake (a whole document pasted into one cell). The cells of the columns
    numbered in `skip` are not kept, so they are never refused."""
    joined = "".join(values)
    if "\x00" not in joined and len(joined) * 4 <= MAX_CELL_BYTES:  # no cell can be too large
        return []
    errors = []
    for number, value in enumerate(values, start=1):
        if number in skip or ("\x00" not in value and len(value) * 4 <= MAX_CELL_BYTES):
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
    """Read as it streams, so a long history takes little memory: a UTF-8 file (checked a block
    at a time) as it is, any other in the encoding told from a sample of it (encoding.py), each
    of its lines checked to be in that encoding."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    if _is_utf8(path):
        with path.open(encoding="utf-8-sig", newline="") as text:
            yield from _read_csv(text, name)
        return
    from .encoding import LineCheck, detect_encoding  # charset detection, only for non-UTF-8

    encoding = detect_encoding(path, name)
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        yield from _read_csv(text, name, LineCheck(encoding))


def _read_csv(
    text: io.TextIOBase, name: str, check: Callable[[str], str | None] | None = None
) -> Iterator[tuple[int, list[str]]]:
    first = text.readline(MAX_LINE_CHARS + 1)
    delimiter = max((",", ";", "\t"), key=first.count)
    text.seek(0)
    reader = csv.reader(_bounded_lines(text, name, check), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, list(map(str.strip, values))
    except csv.Error as error:
        raise ImportFailed([RowError(name, reader.line_num, "file", str(error))]) from None


def _bounded_lines(
    text: io.TextIOBase, name: str, check: Callable[[str], str | None] | None = None
) -> Iterator[str]:
    """The file's lines, each read no further than MAX_LINE_CHARS: a file with no line breaks
    (a binary or a one-line dump) is refused at that length instead of being read whole.
    `check` gives the reason a line is refused (not in the file's encoding), or None."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            limit = MAX_LINE_CHARS // (1024 * 1024)
            reason = f"a line longer than {limit} Mi characters; is this a CSV file?"
            raise ImportFailed([RowError(name, number, "file", reason)])
        if check is not None and (refused := check(line)) is not None:
            raise ImportFailed([RowError(name, number, "file", refused)])
        yield line


def _is_utf8(path: Path) -> bool:
    """UTF-8 that is not UTF-16 without its mark (ASCII in it is valid UTF-8 too)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as raw:
        if bomless_utf16(raw.read(UTF16_SNIFF)) is not None:
            return False
        raw.seek(0)
        try:
            while block := raw.read(READ_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


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
