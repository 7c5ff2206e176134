"""The fast path for common check-in rows against the generic checker it stands in for.

Property: over any row, with any set of columns, and with its memory of cells already seen,
the fast path accepts a row exactly when the generic path accepts it with no error, and then
gives the very same check-in; it never records an error (a row it declines is checked, and
reported, by the generic path).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wipbot.store.db import SessionFactory
from wipbot.store.importing import checkins
from wipbot.store.importing.cells import Row
from wipbot.store.importing.checkin_rows import QUANTITY_COLUMNS, KnownOrder
from wipbot.store.importing.checkins_fast import CACHE_LIMIT, FastCheckIns
from wipbot.store.importing.errors import RowError
from wipbot.store.importing.sheet import SheetRow

from .import_files import BRAND, import_errors, seed, write_csv

ORDERS = {
    "po-1-a": KnownOrder(1, "PO-1-A", "Asia/Dhaka"),
    "po-2-a": KnownOrder(2, "PO-2-A", "Asia/Shanghai"),
    "po 3 a": KnownOrder(3, "PO 3 A", "Europe/Istanbul"),
}
VALID = {
    "production_order": ["PO-1-A", "po-1-a", " PO-1-A ", "PO-2-A", "po  3 A"],
    "reported_at": [
        "2026-11-22 10:30",
        "15/11/2026",
        "15/11/2026 10:00",
        "2026-11-23T09:00+07:00",
        "2026-11-23 09:00Z",
        " 2026-11-22 ",
    ],
    "milestone": ["", " ", "sewing", "Sewing", "cut", "materials in", "shipped", "Ship"],
    "issues": ["", "fabric_late:5; trims_late", "trims_late", ";"],
    "revised_exf": ["", "2026-11-20", "22/01/2027"],
    "shipped_on": ["", "2026-11-20", "2026-11-22", "22/11/2026"],
    "note": ["", "ok", " ok ", "n" * 2000],
    "count": ["", " ", "0", "12", " 12", "0012", "1,200", "1.0", "2147483647", "999999999"],
}
INVALID = {
    "production_order": ["PO-9-Z", "", " ", "P" * 49, "PO" + " " * 45 + "3 A"],
    "reported_at": ["2026-02-30", "2026-11-22 25:00", "", "22-11-2026"],
    "milestone": ["x", "sewing done"],
    "issues": ["fabric_late:x", "trims_late;trims_late", "x", "trims_late:-1"],
    "revised_exf": ["2026-02-30", "x", "2026-11-20 10:00"],
    "shipped_on": ["2026-11-23", "2026-02-30", "x"],
    "note": ["n" * 2001],
    "count": ["1.5", "-1", "2147483648", "9999999999", "１２", "١٢", "1e3", "NaN", "Infinity"],
}
OPTIONAL = [c for c in checkins.OPTIONAL if c != "brand"]


@st.composite
def _cell(draw: st.DrawFn, column: str) -> str:
    """Mostly a valid cell, so that whole rows are valid, or wrong in one place."""
    kind = "count" if column in QUANTITY_COLUMNS else column
    odds = draw(st.integers(min_value=0, max_value=9))
    if odds == 0:
        return draw(st.text(max_size=6))
    return draw(st.sampled_from(INVALID[kind] if odds == 1 else VALID[kind]))


@st.composite
def files(draw: st.DrawFn) -> tuple[frozenset[str], list[SheetRow]]:
    """A header (the required columns and some optional ones) and rows under it, some short,
    some with a cell beyond the header, drawn from a few values so that cells repeat."""
    columns = (*checkins.REQUIRED, *draw(st.lists(st.sampled_from(OPTIONAL), unique=True)))
    rows = []
    for line in range(2, 2 + draw(st.integers(min_value=1, max_value=12))):
        cells = {c: draw(_cell(c)) for c in columns if draw(st.integers(0, 19))}
        extra = ((len(columns) + 1, "x"),) if not draw(st.integers(0, 19)) else ()
        rows.append(SheetRow(line, cells, extra))
    return frozenset(columns), rows


@settings(max_examples=200)
@given(files())
def test_the_fast_path_accepts_exactly_what_the_generic_path_does(
    file: tuple[frozenset[str], list[SheetRow]],
) -> None:
    columns, rows = file
    fast = FastCheckIns(columns, ORDERS)
    for source in [*rows, *rows]:  # the second time round, every cell is remembered
        errors: list[RowError] = []
        generic = checkins._parse(Row("c.csv", source, errors), ORDERS, columns)
        quick = fast.parse(source)
        assert (quick is None) == (generic is None), (source, errors)
        if quick is not None and generic is not None:
            assert errors == []
            assert quick == generic
            assert quick.key == generic.key


def test_the_fast_path_takes_the_common_rows() -> None:
    columns = frozenset((*checkins.REQUIRED, *QUANTITY_COLUMNS, "issues", "note"))
    fast = FastCheckIns(columns, ORDERS)
    row = {"production_order": "PO-1-A", "reported_at": "2026-11-22 10:30", "milestone": "sewing"}
    taken = [
        fast.parse(SheetRow(line, {**row, "qty_cut": str(line), "issues": "trims_late:2"}))
        for line in range(2, 10)
    ]
    assert all(item is not None for item in taken)
    assert [item.quantities[0] for item in taken if item] == list(range(2, 10))


def test_its_memory_of_cells_stays_bounded() -> None:
    columns = frozenset((*checkins.REQUIRED, "qty_cut", "note"))
    fast = FastCheckIns(columns, ORDERS)
    for minute in range(CACHE_LIMIT * 3):
        cells = {
            "production_order": "PO-1-A",
            "reported_at": f"2026-11-22 {minute // 60 % 24:02}:{minute % 60:02}",
            "milestone": "sewing",
            "qty_cut": str(minute),
        }
        assert fast.parse(SheetRow(minute + 2, cells)) is not None
    memories = (fast._counts, fast._whens, *fast._times.values())
    assert max(len(memory) for memory in memories) <= CACHE_LIMIT


async def test_bad_rows_among_remembered_ones_are_named_as_ever(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Many good rows teach the fast path their cells; the bad rows after them, and a brand
    that changes once the brand is settled, are still reported by line and field."""
    header = ["brand", "production_order", "reported_at", "milestone", "qty_cut", "issues"]
    good = [
        [BRAND, "PO-1-A", f"2026-11-{day:02} 10:30", "sewing", "100", "trims_late"]
        for day in range(1, 21)
    ]
    bad = [
        [BRAND, "PO-1-A", "2026-11-21 10:30", "sewing", "1.5", "trims_late"],
        [BRAND, "PO-1-B", "2026-11-22 10:30", "sewing", "100", "trims_late"],
        ["Other Brand", "PO-1-A", "2026-11-23 10:30", "sewing", "100", "trims_late"],
        [BRAND, "PO-1-A", "2026-11-01 10:30", "sewing", "100", "trims_late"],
        [BRAND, "PO-1-A", "2026-11-24 10:30", "sewing", "100", "trims_late:x"],
    ]
    await seed(session_factory, tmp_path)
    errors = await import_errors(
        session_factory, "checkins", write_csv(tmp_path, "c.csv", header, good + bad)
    )
    assert [(e.line, e.field) for e in errors] == [
        (22, "qty_cut"),
        (23, "production_order"),
        (24, "brand"),
        (25, "reported_at"),
        (26, "issues"),
    ]
    assert "'1.5' is not a whole number" in errors[0].reason
    assert "did you mean PO-1-A" in errors[1].reason
    assert "on line 2" in errors[3].reason
