"""Columns a kind of file does not know: an ERP's own (buyer, colour, remarks) are ignored and named
in the summary; one that looks like a misspelt known column the file lacks refuses the file, since
ignoring it would lose its data."""

from __future__ import annotations

import tracemalloc
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import col, select

from wipbot.store.db import SessionFactory
from wipbot.store.importing.sheet import Sheet, check_columns, stream_sheet
from wipbot.store.models import AuditLog, CheckIn, PurchaseOrder

from .import_files import (
    CHECKIN_HEADER,
    FACTORIES,
    FACTORY_HEADER,
    PO_HEADER,
    POS,
    import_errors,
    row_counts,
    run_import,
    seed,
    write_csv,
)

CHECKINS = [
    ["PO-1-A", "2026-11-22 10:00", "cutting", "100", "fabric_late:3"],
    ["PO-2-A", "2026-11-23 09:00", "sewing", "", ""],
]


def _with(
    header: list[str], rows: list[list[str]], extra: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """The columns of `extra` put first, in the middle and last, with its value on every row."""
    names, values = list(extra), list(extra.values())
    middle = len(header) // 2
    spread = [names[0], *header[:middle], *names[1:-1], *header[middle:], names[-1]]
    return spread, [
        [values[0], *row[:middle], *values[1:-1], *row[middle:], values[-1]] for row in rows
    ]


async def test_other_columns_are_ignored_and_named_on_either_database(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Read whole (factories, pos) and streamed (checkins) alike; a value in an ignored column
    that no known column would take (`not a date` under `season code`) is never looked at."""
    header, rows = _with(FACTORY_HEADER, FACTORIES, {"Vendor ID": "V-1", "Remarks": "ok"})
    factories = await run_import(
        session_factory, "factories", write_csv(tmp_path, "f.csv", header, rows)
    )
    assert factories.ignored == ("vendor_id", "remarks")
    extra = {"Buyer": "Jane Roe", "season code": "not a date", "Colour": "", "Remarks": "rush"}
    header, rows = _with(PO_HEADER, POS, extra)
    pos = await run_import(session_factory, "pos", write_csv(tmp_path, "p.csv", header, rows))
    assert pos.ignored == ("buyer", "season_code", "colour", "remarks")
    assert pos.tallies["production orders"].created == 2
    assert pos.describe().endswith(". Ignored columns: buyer, season_code, colour, remarks")
    header, rows = _with(CHECKIN_HEADER, CHECKINS, {"buyer": "x", "reported_by": "Ali"})
    checkins = await run_import(
        session_factory, "checkins", write_csv(tmp_path, "c.csv", header, rows)
    )
    assert checkins.ignored == ("buyer", "reported_by")
    assert checkins.tallies["check-ins"].created == 2
    async with session_factory() as session:
        orders = (await session.exec(select(PurchaseOrder.po_number))).all()
        stored = (await session.exec(select(CheckIn).order_by(CheckIn.reported_at))).all()
        audits = (
            await session.exec(
                select(AuditLog.action, AuditLog.details).where(
                    col(AuditLog.action).startswith("import.")
                )
            )
        ).all()
    assert sorted(orders) == ["PO-1", "PO-2"]
    assert [(c.milestone, c.qty_cut, c.note) for c in stored] == [
        ("cutting", 100, ""),
        ("sewing", None, ""),
    ]
    assert {action: details["ignored"] for action, details in audits} == {
        "import.factories": ["vendor_id", "remarks"],
        "import.pos": ["buyer", "season_code", "colour", "remarks"],
        "import.checkins": ["buyer", "reported_by"],
    }


async def test_a_misspelt_column_refuses_the_file_and_writes_nothing_on_either_database(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    before = await row_counts(session_factory)
    header = [*CHECKIN_HEADER, "Shiped On", "buyer"]
    rows = [[*row, "2026-11-30", "x"] for row in CHECKINS]
    path = write_csv(tmp_path, "c.csv", header, rows)
    errors = await import_errors(session_factory, "checkins", path)
    assert [str(e) for e in errors] == [
        "c.csv:1: shiped_on: unknown column; did you mean shipped_on?"
    ]
    header = ["PO Nubmer" if column == "po_number" else column for column in PO_HEADER]
    rows = [[*row[:1], "PO-9", *row[2:]] for row in POS]
    path = write_csv(tmp_path, "p.csv", [*header, "notes"], [[*row, "late"] for row in rows])
    errors = await import_errors(session_factory, "pos", path)
    assert [str(e) for e in errors] == [
        "p.csv:1: po_nubmer: unknown column; did you mean po_number?",
        "p.csv:1: po_number: missing column",
    ]
    assert await row_counts(session_factory) == before


async def test_a_column_like_one_the_file_has_is_another_column(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    """`po_number_2` beside `po_number` is no misspelling of it: the file spelt it right."""
    await seed(sqlite_session_factory, tmp_path)
    header = [*PO_HEADER, "po_number_2", "notes", "notes"]
    rows = [[*row, "X-1", "a", "b"] for row in POS]
    result = await run_import(
        sqlite_session_factory, "pos", write_csv(tmp_path, "p.csv", header, rows)
    )
    assert result.ignored == ("po_number_2", "notes")
    assert result.tallies["production orders"].unchanged == 2
    header = ["po_number_2" if column == "po_number" else column for column in PO_HEADER]
    errors = await import_errors(
        sqlite_session_factory, "pos", write_csv(tmp_path, "q.csv", header, POS)
    )
    assert [(e.field, e.reason) for e in errors] == [
        ("po_number", "missing column"),
        ("po_number_2", "unknown column; did you mean po_number?"),
    ]


async def test_cells_of_an_ignored_column_are_not_checked(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A NUL or a cell past 128 KiB is refused only where it would be kept."""
    await seed(sqlite_session_factory, tmp_path)
    huge = "x" * (200 * 1024)
    rows = [[*CHECKINS[0], "a\x00b"], [*CHECKINS[1], huge]]
    path = write_csv(tmp_path, "c.csv", [*CHECKIN_HEADER, "erp dump"], rows)
    result = await run_import(sqlite_session_factory, "checkins", path)
    assert (result.ignored, result.tallies["check-ins"].created) == (("erp_dump",), 2)
    rows = [[*CHECKINS[0][:4], "a\x00b"], CHECKINS[1]]
    path = write_csv(tmp_path, "d.csv", [*CHECKIN_HEADER, "erp dump"], [[*r, ""] for r in rows])
    errors = await import_errors(sqlite_session_factory, "checkins", path)
    assert [(e.line, e.field) for e in errors] == [(2, "issues")]


async def test_a_blank_header_cell_is_no_column_and_a_value_under_it_is_refused(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A spacer column between named ones is skipped; a value under it has no meaning to keep."""
    await seed(sqlite_session_factory, tmp_path)
    header = [*CHECKIN_HEADER[:2], "", *CHECKIN_HEADER[2:], "", "buyer"]
    rows = [[*row[:2], "", *row[2:], "", "x"] for row in CHECKINS]
    path = write_csv(tmp_path, "c.csv", header, rows)
    result = await run_import(sqlite_session_factory, "checkins", path)
    assert (result.ignored, result.tallies["check-ins"].created) == (("buyer",), 2)
    rows[1][2] = "oops"
    errors = await import_errors(
        sqlite_session_factory, "checkins", write_csv(tmp_path, "d.csv", header, rows)
    )
    assert [(e.line, e.field, e.reason) for e in errors] == [
        (3, "column 3", "'oops' is in a column without a header")
    ]


async def test_an_xlsx_file_ignores_its_other_columns_too(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Typed cells (a date, a number) under an ignored column, and cells past the header, which
    a workbook's rows carry as wide as its widest."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Updated", *FACTORY_HEADER[:3], "Fob", *FACTORY_HEADER[3:]])
    for n, row in enumerate(FACTORIES):
        sheet.append([datetime(2026, 11, 2, 9, 30), *row[:3], Decimal("6.85") * n, *row[3:]])
    sheet.cell(row=5, column=len(FACTORY_HEADER) + 4, value=None)
    path = tmp_path / "factories.xlsx"
    book.save(path)
    result = await run_import(sqlite_session_factory, "factories", path)
    assert result.ignored == ("updated", "fob")
    assert (result.rows, result.tallies["factories"].created) == (2, 2)


def test_ignored_cells_never_reach_a_row_and_memory_stays_flat(tmp_path: Path) -> None:
    """8 MB of remarks, streamed: rows hold only the known columns, memory what a row needs."""
    remark = "r" * 2000
    path = tmp_path / "c.csv"
    rows = 8 * 1024 * 1024 // len(remark)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(["remarks", *CHECKIN_HEADER]) + "\n")
        for n in range(rows):
            out.write(f"{remark},PO-{n}-A,2026-03-02,sewing,800,\n")
    stream = stream_sheet(path)
    checked = check_columns(stream, CHECKIN_HEADER)
    assert (checked.errors, checked.ignored) == ([], ("remarks",))
    stream = stream.ignoring(checked.ignored)
    assert stream.columns == tuple(CHECKIN_HEADER)
    tracemalloc.start()
    try:
        keys = {tuple(row.cells) for row in stream.rows}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert keys == {tuple(CHECKIN_HEADER)}
    assert peak < 2 * 1024 * 1024


def test_a_near_miss_is_one_slip_not_another_word() -> None:
    """The rule on names brands' exports carry: slips are refused, other words ignored."""
    required = ["production_order", "reported_at", "milestone"]
    optional = ["qty_cut", "revised_exf", "shipped_on", "note"]
    meant = {
        "shiped_on": "shipped_on",
        "revisd_exf": "revised_exf",
        "qty_cutt": "qty_cut",
        "notes": "note",
        "buyer": None,
        "colour": None,
        "season": None,
        "remarks": None,
        "reported_by": None,  # reported_at is there, spelt right
        "shipping_note_number": None,
    }
    checked = check_columns(Sheet("c.csv", (*required, *meant), ()), required, optional)
    refused = {e.field: e.reason for e in checked.errors}
    assert refused == {
        name: f"unknown column; did you mean {known}?" for name, known in meant.items() if known
    }
    assert checked.ignored == tuple(name for name, known in meant.items() if known is None)
