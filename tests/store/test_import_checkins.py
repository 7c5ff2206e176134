"""The check-in history: local factory times stored as UTC, issues parsed, re-import updates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import checkins
from wipbot.store.importing.bulk import page_cache
from wipbot.store.models import CheckIn, CheckInIssue

from .import_files import import_errors, row_counts, run_import, seed, write_csv

HEADER = [
    "production_order",
    "reported_at",
    "milestone",
    "qty_cut",
    "qty_sewn",
    "issues",
    "revised_exf",
    "note",
]
ROWS = [
    # Dhaka is UTC+6: 10:30 local is 04:30 UTC.
    ["PO-1-A", "2026-11-22 10:30", "Sewing", "1000", "250", "", "", "Line 4 on it"],
    # A date alone is local noon, so the day never shifts.
    ["po-1-a", "15/11/2026", "cut", "600", "", "fabric_late:5; trims_late", "", ""],
    # Shanghai is UTC+8; an explicit offset wins over the factory's zone.
    ["PO-2-A", "2026-11-23T09:00+07:00", "materials in", "", "", "", "22/01/2027", ""],
]


async def _checkins(session_factory: SessionFactory) -> list[CheckIn]:
    async with session_factory() as session:
        return list((await session.exec(select(CheckIn).order_by(CheckIn.reported_at))).all())


async def test_local_times_become_utc_and_issues_are_kept(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    result = await run_import(
        session_factory, "checkins", write_csv(tmp_path, "c.csv", HEADER, ROWS)
    )
    assert result.tallies["check-ins"].created == 3
    cut, sewing, materials = await _checkins(session_factory)
    assert cut.reported_at == datetime(2026, 11, 15, 6, 0, tzinfo=UTC)
    assert (cut.milestone, cut.qty_cut, cut.qty_sewn, cut.source) == (
        "cutting",
        600,
        None,
        "import",
    )
    assert sewing.reported_at == datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
    assert (sewing.milestone, sewing.qty_sewn, sewing.note) == ("sewing", 250, "Line 4 on it")
    assert materials.reported_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert (materials.milestone, materials.revised_exf) == ("materials_in", date(2027, 1, 22))
    async with session_factory() as session:
        issues = (await session.exec(select(CheckInIssue).order_by(CheckInIssue.flag))).all()
    assert [(i.checkin_id, i.flag, i.delay_days) for i in issues] == [
        (cut.id, "fabric_late", 5),
        (cut.id, "trims_late", None),
    ]


async def test_reimport_updates_the_same_checkin(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    await run_import(session_factory, "checkins", write_csv(tmp_path, "c1.csv", HEADER, ROWS))
    before = await row_counts(session_factory)
    changed = [row[:] for row in ROWS]
    changed[0][4] = "400"
    changed[1][5] = "fabric_late:7"
    result = await run_import(
        session_factory, "checkins", write_csv(tmp_path, "c2.csv", HEADER, changed)
    )
    assert (result.tallies["check-ins"].updated, result.tallies["check-ins"].unchanged) == (2, 1)
    after = await row_counts(session_factory)
    assert after["CheckIn"] == before["CheckIn"] == 3
    assert after["CheckInIssue"] == 1
    cut, sewing, _ = await _checkins(session_factory)
    assert sewing.qty_sewn == 400
    async with session_factory() as session:
        issue = (await session.exec(select(CheckInIssue))).one()
    assert (issue.checkin_id, issue.flag, issue.delay_days) == (cut.id, "fabric_late", 7)


NOT_STARTED_HEADER = ["production_order", "reported_at", "milestone", "issues", "shipped_on"]


async def test_a_blank_milestone_is_not_started_yet_with_its_delays(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    rows = [
        ["PO-1-A", "2026-11-09", "", "fabric_late:7", ""],
        ["PO-1-A", "2026-11-16", "materials_in", "", ""],
        ["PO-1-A", "2026-12-01", "shipped", "", "2026-11-28"],
    ]
    path = write_csv(tmp_path, "c.csv", NOT_STARTED_HEADER, rows)
    assert (await run_import(session_factory, "checkins", path)).tallies["check-ins"].created == 3
    waiting, materials, shipped = await _checkins(session_factory)
    assert (waiting.milestone, waiting.shipped_on) == (None, None)
    assert materials.milestone == "materials_in"
    assert (shipped.milestone, shipped.shipped_on) == ("shipped", date(2026, 11, 28))
    async with session_factory() as session:
        issue = (await session.exec(select(CheckInIssue))).one()
    assert (issue.checkin_id, issue.flag, issue.delay_days) == (waiting.id, "fabric_late", 7)
    again = await run_import(session_factory, "checkins", path)
    assert again.tallies["check-ins"].unchanged == 3
    assert (await row_counts(session_factory))["CheckIn"] == 3


async def test_a_ship_date_belongs_on_a_shipped_row_reported_after_it(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    rows = [
        ["PO-1-A", "2026-11-20", "sewing", "", "2026-11-18"],
        ["PO-1-A", "2026-11-20", "shipped", "", "2026-11-21"],
        ["PO-1-A", "2026-11-22", "shipped", "", "22.11.2026"],
    ]
    errors = await import_errors(
        session_factory, "checkins", write_csv(tmp_path, "c.csv", NOT_STARTED_HEADER, rows)
    )
    assert [(e.line, e.field) for e in errors] == [
        (2, "shipped_on"),
        (3, "shipped_on"),
        (4, "shipped_on"),
    ]
    assert "set milestone to shipped" in errors[0].reason
    assert "after the day it was reported" in errors[1].reason
    assert (await row_counts(session_factory))["CheckIn"] == 0


async def test_a_file_larger_than_a_batch_is_all_or_nothing_and_never_duplicates(
    session_factory: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 2 rows, so duplicates and bad rows fall in different batches."""
    monkeypatch.setattr(checkins, "BATCH_ROWS", 2)
    await seed(session_factory, tmp_path)
    days = [f"2026-11-{day:02d}" for day in range(2, 9)]
    good = [["PO-1-A", day, "cutting", "fabric_late:1", ""] for day in days]
    path = write_csv(tmp_path, "c.csv", NOT_STARTED_HEADER, good)
    assert (await run_import(session_factory, "checkins", path)).tallies["check-ins"].created == 7
    repeated = [*good, good[0], ["PO-1-A", "2026-11-30", "sewing", "", "bad"]]
    errors = await import_errors(
        session_factory, "checkins", write_csv(tmp_path, "d.csv", NOT_STARTED_HEADER, repeated)
    )
    assert [(e.line, e.field) for e in errors] == [(9, "reported_at"), (10, "shipped_on")]
    assert "already on an earlier line" in errors[0].reason
    counts = await row_counts(session_factory)
    assert (counts["CheckIn"], counts["CheckInIssue"]) == (7, 7)
    changed = [[*row[:3], "", ""] for row in good]
    result = await run_import(
        session_factory, "checkins", write_csv(tmp_path, "e.csv", NOT_STARTED_HEADER, changed)
    )
    assert result.tallies["check-ins"].updated == 7
    counts = await row_counts(session_factory)
    assert (counts["CheckIn"], counts["CheckInIssue"]) == (7, 0)


async def test_an_import_writes_with_a_larger_sqlite_cache_and_gives_the_old_one_back(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(sqlite_session_factory, tmp_path)
    path = write_csv(tmp_path, "c.csv", HEADER, ROWS)
    async with transaction(sqlite_session_factory) as session:
        connection = await session.connection()
        await connection.exec_driver_sql("PRAGMA cache_size = -500")
        async with page_cache(session, kib=4096):
            inside = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar()
        result = await checkins.import_checkins(session, path, file=path.name)
        after = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar()
    assert (inside, after) == (-4096, -500)
    assert result.tallies["check-ins"].created == 3
