"""The check-in history: local factory times stored as UTC, issues parsed, re-import updates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.models import CheckIn, CheckInIssue

from .import_files import row_counts, run_import, seed, write_csv

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
