"""Every kind of bad row is reported as file:line: field: reason, all of them, and a file with any
bad row changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from wipbot.store.db import SessionFactory

from .import_files import (
    BRAND,
    CHECKIN_HEADER,
    FACTORIES,
    FACTORY_HEADER,
    PO_HEADER,
    POS,
    import_errors,
    row_counts,
    seed,
    write_csv,
)

CHARGE_HEADER = ["po_number", "kind", "amount", "currency", "basis", "reference"]
GOOD_FACTORY = FACTORIES[0]
GOOD_PO = POS[0]


def factory(**changes: str) -> list[str]:
    row = dict(zip(FACTORY_HEADER, GOOD_FACTORY, strict=True))
    return list({**row, **changes}.values())


def po(**changes: str) -> list[str]:
    row = dict(zip(PO_HEADER, GOOD_PO, strict=True))
    return list({**row, **changes}.values())


def checkin(order: str = "PO-1-A", at: str = "2026-11-22 10:00", milestone: str = "cutting",
            cut: str = "100", issues: str = "") -> list[str]:  # fmt: skip
    return [order, at, milestone, cut, issues]


Expected = list[tuple[int, str, str]]

CASES: list[tuple[str, str, list[str], list[list[str]], Expected]] = [
    ("missing-field", "factories", FACTORY_HEADER, [factory(code="")], [(2, "code", "required")]),
    (
        "bad-country-timezone-language-slot",
        "factories",
        FACTORY_HEADER,
        [
            factory(
                code="X1",
                country="XX",
                timezone="Asia/Dhak",
                language="klingon-x",
                checkin_weekday="someday",
                checkin_time="25:61",
            )
        ],
        [
            (2, "checkin_time", "not a time"),
            (2, "checkin_weekday", "not a weekday"),
            (2, "country", "ISO 3166"),
            (2, "language", "language tag"),
            (2, "timezone", "IANA timezone"),
        ],
    ),
    (
        "weekday-digit-int-cannot-read",  # "²".isdigit() is true; int("²") fails
        "factories",
        FACTORY_HEADER,
        [factory(code="X1", checkin_weekday="²"), factory(code="X2", checkin_weekday="①")],
        [(2, "checkin_weekday", "'²' is not a weekday"), (3, "checkin_weekday", "not a weekday")],
    ),
    (
        "duplicate-factory-code",
        "factories",
        FACTORY_HEADER,
        [factory(code="X1"), factory(code="x1")],
        [(3, "code", "already on line 2")],
    ),
    (
        "inconsistent-brand",
        "factories",
        FACTORY_HEADER,
        [factory(code="X1"), factory(code="X2", brand="Acme Outdoor")],
        [(3, "brand", "differs from 'Northwind Apparel' on line 2")],
    ),
    (
        "misspelt-and-missing-columns",
        "factories",
        ["brand", "code", "name", "country", "colour", "langauge"],
        [[BRAND, "X1", "X", "BD", "red", "bn"]],
        [
            (1, "langauge", "unknown column; did you mean language?"),
            (1, "timezone", "missing column"),
        ],
    ),
    (
        "repeated-column",
        "factories",
        [*FACTORY_HEADER, "code"],
        [[*factory(code="X1"), "X2"]],
        [(1, "code", "column appears twice")],
    ),
    (
        "closure-backwards",
        "factories",
        FACTORY_HEADER,
        [factory(code="X1", closures="2027-02-19..2027-02-05 CNY")],
        [(2, "closures", "ends before it starts")],
    ),
    (
        "unknown-factory",
        "pos",
        PO_HEADER,
        [po(factory="XYZ")],
        [(2, "factory", "unknown factory 'XYZ'; known codes: DHK1, NGB1")],
    ),
    (
        "bad-date",
        "pos",
        PO_HEADER,
        [po(committed_exf="31/02/2027")],
        [(2, "committed_exf", "not a date")],
    ),
    (
        "bad-numbers",
        "pos",
        PO_HEADER,
        [po(quantity="12a", unit_price="4,35")],
        [(2, "quantity", "not a number"), (2, "unit_price", "not a number")],
    ),
    (
        "negative-and-zero-quantity",
        "pos",
        PO_HEADER,
        [po(po_number="PO-8", quantity="-5"), po(po_number="PO-9", quantity="0")],
        [(2, "quantity", "must not be negative"), (3, "quantity", "more than 0")],
    ),
    ("bad-currency", "pos", PO_HEADER, [po(currency="USX")], [(2, "currency", "ISO 4217")]),
    (
        "too-many-decimals",
        "pos",
        PO_HEADER,
        [po(unit_price="6.85001")],
        [(2, "unit_price", "more than 4 decimals")],
    ),
    (
        "duplicate-po-row",
        "pos",
        PO_HEADER,
        [po(po_number="PO-9"), po(po_number="po-9", colorway="navy ")],
        [(3, "production_order", "already on line 2")],
    ),
    (
        "po-values-disagree",
        "pos",
        PO_HEADER,
        [po(po_number="PO-9"), po(po_number="PO-9", colorway="White", committed_exf="2027-01-20")],
        [(3, "committed_exf", "'2027-01-20' differs from '2027-01-15' on line 2 for PO-9")],
    ),
    (
        "unknown-brand",
        "pos",
        PO_HEADER,
        [po(brand="Acme Outdoor")],
        [(2, "brand", "unknown brand 'Acme Outdoor'")],
    ),
    (
        "production-order-of-another-po",
        "pos",
        PO_HEADER,
        [po(po_number="PO-9", production_order="PO-2-A")],
        [(2, "production_order", "already belongs to another PO")],
    ),
    (
        "plan-out-of-order-and-after-committed",
        "pos",
        [*PO_HEADER, "in_dc", "tna_materials_in", "tna_sewing", "tna_shipped"],
        [
            [*po(po_number="PO-9"), "2027-01-01", "", "", ""],
            [*po(po_number="PO-10"), "", "2026-12-01", "2026-11-20", "2027-01-20"],
        ],
        [
            (2, "in_dc", "before committed_exf"),
            (3, "tna_sewing", "before tna_materials_in"),
            (3, "tna_shipped", "after committed_exf"),
        ],
    ),
    (
        "unknown-production-order",
        "checkins",
        CHECKIN_HEADER,
        [checkin(order="PO-1-X")],
        [(2, "production_order", "unknown production order 'PO-1-X'; did you mean PO-1-A")],
    ),
    (
        "bad-milestone-issue-quantity-time",
        "checkins",
        CHECKIN_HEADER,
        [
            checkin(milestone="knitting"),
            checkin(at="2026-11-23", issues="weather:3"),
            checkin(at="yesterday", cut="-3"),
            checkin(at="2026-11-25", issues="fabric_late:soon"),
        ],
        [
            (2, "milestone", "unknown milestone 'knitting'"),
            (3, "issues", "unknown issue 'weather'"),
            (4, "qty_cut", "must not be negative"),
            (4, "reported_at", "not a date or time"),
            (5, "issues", "days of delay must be a whole number"),
        ],
    ),
    (
        "duplicate-checkin",
        "checkins",
        CHECKIN_HEADER,
        [checkin(), checkin(order="po-1-a", cut="200")],
        [(3, "reported_at", "already on line 2")],
    ),
    (
        "charges",
        "charges",
        CHARGE_HEADER,
        [
            ["PO-404", "freight", "10", "USD", "", ""],
            ["PO-1", "tip", "-1", "USD", "weight", ""],
            ["PO-1", "duty", "1.00001", "US", "", ""],
            ["PO-1", "broker", "1", "USD", "", "A"],
            ["PO-1", "broker", "2", "USD", "", "a"],
        ],
        [
            (2, "po_number", "unknown PO 'PO-404'"),
            (3, "amount", "must not be negative"),
            (3, "basis", "not one of units, value"),
            (3, "kind", "not one of freight, insurance, duty, broker, other"),
            (4, "amount", "more than 4 decimals"),
            (4, "currency", "ISO 4217"),
            (6, "reference", "already on line 5"),
        ],
    ),
    (
        "value-without-column",
        "charges",
        CHARGE_HEADER,
        [["PO-1", "freight", "10", "USD", "", "", "surprise"]],
        [(2, "column 7", "'surprise' is in a column without a header")],
    ),
]


@pytest.mark.parametrize(
    ("kind", "header", "rows", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_bad_rows_are_all_reported_and_change_nothing(
    sqlite_session_factory: SessionFactory,
    tmp_path: Path,
    kind: str,
    header: list[str],
    rows: list[list[str]],
    expected: Expected,
) -> None:
    await seed(sqlite_session_factory, tmp_path)
    before = await row_counts(sqlite_session_factory)
    path = write_csv(tmp_path, f"bad-{kind}.csv", header, rows)
    errors = await import_errors(sqlite_session_factory, kind, path)
    assert [(e.line, e.field) for e in errors] == [(line, field) for line, field, _ in expected]
    for error, (_, _, reason) in zip(errors, expected, strict=True):
        assert reason in error.reason
        assert str(error) == f"{path.name}:{error.line}: {error.field}: {error.reason}"
    assert await row_counts(sqlite_session_factory) == before


async def test_one_bad_row_among_good_ones_changes_nothing_on_either_database(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    before = await row_counts(session_factory)
    rows = [po(po_number=f"PO-{n}", colorway="Navy") for n in range(10, 20)]
    rows[3] = po(po_number="PO-13", quantity="lots")
    rows[7] = po(po_number="PO-17", committed_exf="2027-13-01")
    path = write_csv(tmp_path, "mixed.csv", PO_HEADER, rows)
    errors = await import_errors(session_factory, "pos", path)
    assert [str(e) for e in errors] == [
        "mixed.csv:5: quantity: 'lots' is not a number",
        "mixed.csv:9: committed_exf: '2027-13-01' is not a date; write YYYY-MM-DD or DD/MM/YYYY",
    ]
    assert await row_counts(session_factory) == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", "", "the file is empty"),
        ("blank-header.csv", "\n\nbrand,code\n", "line 1 must be the header row"),
        ("notes.txt", "brand,code\n", "expected a .csv or .xlsx file"),
        ("broken.xlsx", "not a zip", "not a readable XLSX workbook"),
    ],
)
async def test_unreadable_files_are_reported_on_line_one(
    sqlite_session_factory: SessionFactory, tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    errors = await import_errors(sqlite_session_factory, "factories", path)
    assert [(e.line, e.field) for e in errors] == [(1, "file")]
    assert reason in errors[0].reason


async def test_files_without_brand_need_one_brand_or_a_choice(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(sqlite_session_factory, tmp_path)
    other = [["Acme Outdoor", "ACM1", "Acme Mill", "PT", "Europe/Lisbon"]]
    acme = write_csv(tmp_path, "acme.csv", FACTORY_HEADER[:5], other)
    from .import_files import run_import

    await run_import(sqlite_session_factory, "factories", acme)
    path = write_csv(tmp_path, "c.csv", CHECKIN_HEADER, [checkin()])
    errors = await import_errors(sqlite_session_factory, "checkins", path)
    assert [(e.line, e.field) for e in errors] == [(1, "brand")]
    assert "several brands exist" in errors[0].reason
    # Another brand's production order is invisible: PO-1-A belongs to Northwind.
    errors = await import_errors(sqlite_session_factory, "checkins", path, brand="Acme Outdoor")
    assert [(e.line, e.field) for e in errors] == [(2, "production_order")]
    result = await run_import(sqlite_session_factory, "checkins", path, brand=BRAND.upper())
    assert result.tallies["check-ins"].created == 1
