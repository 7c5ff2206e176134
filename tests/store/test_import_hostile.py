"""Files no importer should trust: other encodings, NUL bytes, huge cells. Each is stored
correctly or refused as `file:line: field: reason`, and a refused file changes nothing."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.models import Factory

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


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ningbo(name: str) -> list[list[str]]:
    row = list(FACTORIES[1])
    row[FACTORY_HEADER.index("name")] = name
    return [FACTORIES[0], row]


async def test_a_gb18030_csv_is_read_in_its_own_encoding(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = tmp_path / "factories.csv"
    path.write_bytes(csv_text(FACTORY_HEADER, ningbo("宁波针织厂")).encode("gb18030"))
    await run_import(session_factory, "factories", path)
    async with session_factory() as session:
        names = set((await session.exec(select(Factory.name))).all())
    assert "宁波针织厂" in names


async def test_a_csv_whose_encoding_cannot_be_told_is_refused_and_changes_nothing(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = tmp_path / "factories.csv"
    garbage = b"Northwind Apparel,X9," + bytes(range(128, 256)) * 3 + b",CN\n"
    path.write_bytes(csv_text(FACTORY_HEADER, FACTORIES).encode() + garbage)
    before = await row_counts(session_factory)
    [error] = await import_errors(session_factory, "factories", path)
    assert (error.line, error.field) == (4, "file")
    assert "encoding" in error.reason
    assert await row_counts(session_factory) == before


async def test_a_nul_byte_is_reported_with_its_cell_and_nothing_is_written(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = tmp_path / "factories.csv"
    path.write_text(csv_text(FACTORY_HEADER, ningbo("Ningbo\x00Knit")), encoding="utf-8")
    [error] = await import_errors(session_factory, "factories", path)
    assert str(error) == "factories.csv:3: name: contains a NUL character; remove it"
    assert sum((await row_counts(session_factory)).values()) == 0


async def test_a_cell_over_128_kib_is_reported_and_nothing_is_written(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    before = await row_counts(session_factory)
    rows = [list(POS[0]), list(POS[1])]
    rows[1][PO_HEADER.index("style_name")] = "x" * (200 * 1024)
    path = tmp_path / "pos.csv"
    path.write_text(csv_text(PO_HEADER, rows), encoding="utf-8")
    [error] = await import_errors(session_factory, "pos", path)
    assert str(error) == "pos.csv:3: style_name: is 200 KiB; a cell holds at most 128 KiB"
    assert await row_counts(session_factory) == before


async def test_a_timezone_too_long_for_a_file_name_is_a_bad_cell_not_a_crash(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    row = list(FACTORIES[0])
    row[FACTORY_HEADER.index("timezone")] = "a" * 300
    path = tmp_path / "factories.csv"
    path.write_text(csv_text(FACTORY_HEADER, [row]), encoding="utf-8")
    [error] = await import_errors(sqlite_session_factory, "factories", path)
    assert (error.line, error.field) == (2, "timezone")
    assert "IANA timezone" in error.reason


async def test_a_utf16_csv_without_its_byte_order_mark_is_read(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """It decodes as UTF-8 too, with a NUL beside every letter: every cell was refused as
    "contains a NUL character" instead of the file being read."""
    for encoding, name in (("utf-16-le", "宁波针织厂"), ("utf-16-be", "Ningbo Knit")):
        path = tmp_path / f"factories-{encoding}.csv"
        path.write_bytes(csv_text(FACTORY_HEADER, ningbo(name)).encode(encoding))
        await run_import(session_factory, "factories", path)
        async with session_factory() as session:
            names = set((await session.exec(select(Factory.name))).all())
        assert name in names


async def test_a_nul_between_utf8_letters_is_still_a_nul(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = tmp_path / "factories.csv"
    path.write_bytes(csv_text(FACTORY_HEADER, ningbo("N\x00i\x00n\x00g\x00b\x00o")).encode())
    errors = await import_errors(session_factory, "factories", path)
    assert [e.reason for e in errors] == ["contains a NUL character; remove it"]


async def test_a_day_outside_the_years_wipbot_accepts_is_refused_and_changes_nothing(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A check-in dated 9999-12-31 was stored, and every `po list` after it overflowed the
    calendar; one dated 0001-01-01 01:00 crashed the import turning it into UTC."""
    await seed(session_factory, tmp_path)
    before = await row_counts(session_factory)
    for when in ("9999-12-31 10:00", "0001-01-01 01:00", "31/12/9999"):
        path = write_csv(
            tmp_path, "checkins.csv", CHECKIN_HEADER, [["PO-1-A", when, "cutting", "100", ""]]
        )
        [error] = await import_errors(session_factory, "checkins", path)
        assert (error.line, error.field) == (2, "reported_at"), when
        assert "out of range; give a date from 1900-01-01 to 2999-12-31" in error.reason
    path = write_csv(tmp_path, "pos.csv", PO_HEADER, [[*POS[0][:9], "9999-12-31", ""]])
    [error] = await import_errors(session_factory, "pos", path)
    assert (error.line, error.field) == (2, "committed_exf")
    assert await row_counts(session_factory) == before


async def test_a_closure_of_centuries_is_refused(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    row = list(FACTORIES[1])
    row[FACTORY_HEADER.index("closures")] = "1900-01-01..2999-12-31 forever"
    path = write_csv(tmp_path, "factories.csv", FACTORY_HEADER, [FACTORIES[0], row])
    [error] = await import_errors(session_factory, "factories", path)
    assert (error.line, error.field) == (3, "closures")
    assert "more than 366 days" in error.reason
    assert sum((await row_counts(session_factory)).values()) == 0


async def test_a_file_with_no_line_breaks_is_refused_without_reading_it_whole(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A 50 MB one-line file took 466 MB to be refused cell by cell; now it stops at the line's
    limit (4 Mi characters), which tracemalloc sees as the peak."""
    await seed(session_factory, tmp_path)
    before = await row_counts(session_factory)
    path = tmp_path / "checkins.csv"
    header = ",".join(CHECKIN_HEADER)
    path.write_text(header + "\n" + "PO-1-A," * (50 * 1024 * 1024 // 7), encoding="utf-8")
    tracemalloc.start()
    try:
        [error] = await import_errors(session_factory, "checkins", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.line, error.field) == (2, "file")
    assert "a line longer than 4 Mi characters" in error.reason
    assert peak < 64 * 1024 * 1024
    assert await row_counts(session_factory) == before
