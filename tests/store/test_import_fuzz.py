"""Every importer over mutated example files: hostile cells, odd encodings, stray bytes.

Properties: an import either succeeds or raises ImportFailed whose every error names the file,
a line of it and a field (never another exception); a refused file changes no row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wipbot.store.db import SessionFactory
from wipbot.store.importing import ImportFailed

from .import_files import EXAMPLES, row_counts, run_import

pytestmark = pytest.mark.fuzz

KINDS = ("factories", "pos", "checkins", "charges", "qc")
SAMPLE_ROWS = 3
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1e400",
    "NaN",
    "99999999999999999999999999",
    "2026-02-30",
    "31/12/9999",
    "0001-01-01",
    "PO-1030",
    "NGB1",
    "USD",
    "XXX",
    "[/]",
    "[link=https://x.example]x[/link]",
    "宁波针织厂",
    "\x00",
    "\ud800",
    "=cmd|' /C calc'!A0",
    "a" * 300,
    "x" * 140_000,
    "Robert'); DROP TABLE factory;--",
    "\u202e",
    "1,5",
    "1.000,50",
    "..",
    "2027-01-30..2027-01-01 backwards",
]


def sample(kind: str) -> tuple[list[str], list[list[str]]]:
    with (EXAMPLES / f"{kind}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1 : SAMPLE_ROWS + 1]


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    header, rows = sample(kind)
    rows = [list(row) for row in rows]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        row = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        column = draw(st.integers(min_value=0, max_value=len(header) - 1))
        rows[row][column] = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)))
    if draw(st.booleans()):
        rows.append(draw(st.lists(st.sampled_from(HOSTILE), max_size=len(header) + 2)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "cp1252", "utf-16"]))
    raw = text.encode(
        encoding, errors="surrogatepass" if encoding.startswith("utf-8") else "replace"
    )
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        raw += draw(st.binary(max_size=40))
    return raw


@pytest.fixture
async def seeded(sqlite_session_factory: SessionFactory, tmp_path: Path) -> SessionFactory:
    """The examples' factories and POs (a few rows each), so the other files refer to them.

    SQLite only, to keep the suite fast; what PostgreSQL alone refuses (a NUL character) is
    caught before the database in test_import_hostile, which runs on both."""
    for kind in ("factories", "pos"):
        header, rows = sample(kind)
        path = tmp_path / f"seed-{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
        await run_import(sqlite_session_factory, kind, path)
    return sqlite_session_factory


async def check_import(sessions: SessionFactory, folder: Path, kind: str, raw: bytes) -> None:
    path = folder / f"{kind}.csv"
    path.write_bytes(raw)
    before = await row_counts(sessions)
    try:
        await run_import(sessions, kind, path)
    except ImportFailed as failed:
        lines = raw.count(b"\n") + raw.count(b"\r") + 2  # a CR alone ends a CSV line too
        assert failed.errors
        for error in failed.errors:
            assert error.file == path.name and error.field and 1 <= error.line <= lines, error
        assert await row_counts(sessions) == before


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=max(15, (settings.default.max_examples or 60) // 4),  # five importers
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_an_import_succeeds_or_names_file_line_and_field_and_changes_nothing(
    seeded: SessionFactory, tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    await check_import(seeded, tmp_path, kind, data.draw(mutated(kind)))
