"""The POs file: one row per production-order line, plans given or derived, re-import updates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import col, select

from wipbot.production.milestones import Milestone
from wipbot.production.tna import derive_plan
from wipbot.store.db import SessionFactory
from wipbot.store.models import (
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)

from .import_files import (
    BRAND,
    EXAMPLES,
    FACTORIES,
    FACTORY_HEADER,
    import_errors,
    row_counts,
    run_import,
    write_csv,
)

HEADER = [
    "brand",
    "po_number",
    "factory",
    "style",
    "style_name",
    "colorway",
    "quantity",
    "unit_price",
    "currency",
    "selling_price",
    "committed_exf",
    "in_dc",
    "incoterm",
    "production_order",
    "tna_materials_in",
    "tna_sewing",
    "tna_shipped",
]
SPLIT_PO = [
    # PO-1042: two colourways, Black made in two production orders, Navy in the second.
    [BRAND, "PO-1042", "NGB1", "NW-QV-720", "Quilted vest", "Black", "1,200", "16.80", "usd",
     "69.00", "2027-01-08", "09/02/2027", "fob", "PO-1042-A", "2026-11-09", "2026-11-20",
     "2027-01-02"],
    [BRAND, "PO-1042", "NGB1", "NW-QV-720", "", "Black", "1200", "16.80", "USD", "", "08/01/2027",
     "", "", "PO-1042-B", "", "", ""],
    [BRAND, "PO-1042", "NGB1", "NW-QV-720", "", "Navy", "1600", "16.8", "USD", "", "2027-01-08",
     "", "", "PO-1042-B", "", "", ""],
    # PO-1043: no production_order column value (defaults to -A) and no T&A.
    [BRAND, "PO-1043", "ngb1", "NW-FZ-730", "Fleece half-zip", "Grey", "5000", "12.90", "USD", "",
     "2027-01-22", "", "", "", "", "", ""],
]  # fmt: skip


async def _seed_factories(session_factory: SessionFactory, folder: Path) -> None:
    await run_import(
        session_factory, "factories", write_csv(folder, "f.csv", FACTORY_HEADER, FACTORIES)
    )


async def _plans(session_factory: SessionFactory) -> dict[str, dict[Milestone, tuple[date, bool]]]:
    async with session_factory() as session:
        rows = (
            await session.exec(
                select(ProductionOrder.number, TnaMilestone).join(
                    TnaMilestone, col(TnaMilestone.production_order_id) == col(ProductionOrder.id)
                )
            )
        ).all()
    plans: dict[str, dict[Milestone, tuple[date, bool]]] = {}
    for number, row in rows:
        plans.setdefault(number, {})[Milestone(row.milestone)] = (row.planned_date, row.derived)
    return plans


async def test_split_po_lines_orders_and_plans(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _seed_factories(session_factory, tmp_path)
    result = await run_import(
        session_factory, "pos", write_csv(tmp_path, "p.csv", HEADER, SPLIT_PO)
    )
    assert result.tallies["purchase orders"].created == 2
    assert result.tallies["lines"].created == 3
    assert result.tallies["production orders"].created == 3

    async with session_factory() as session:
        po = (
            await session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == "PO-1042"))
        ).one()
        lines = (
            await session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.po_id == po.id))
        ).all()
        orders = (
            await session.exec(select(ProductionOrder).order_by(ProductionOrder.number))
        ).all()
        styles = (await session.exec(select(Style).order_by(Style.code))).all()
    assert (po.committed_exf, po.in_dc_date, po.incoterm, po.currency) == (
        date(2027, 1, 8),
        date(2027, 2, 9),
        "FOB",
        "USD",
    )
    assert sorted((line.colorway, line.quantity, line.unit_price) for line in lines) == [
        ("Black", 2400, Decimal("16.80")),
        ("Navy", 1600, Decimal("16.80")),
    ]
    assert next(line for line in lines if line.colorway == "Black").selling_price == Decimal("69")
    assert [(o.number, o.quantity) for o in orders] == [
        ("PO-1042-A", 1200),
        ("PO-1042-B", 2800),
        ("PO-1043-A", 5000),
    ]
    assert [(s.code, s.name) for s in styles] == [
        ("NW-FZ-730", "Fleece half-zip"),
        ("NW-QV-720", "Quilted vest"),
    ]

    plans = await _plans(session_factory)
    given = plans["PO-1042-A"]
    assert given[Milestone.MATERIALS_IN] == (date(2026, 11, 9), False)
    assert given[Milestone.SEWING] == (date(2026, 11, 20), False)
    assert given[Milestone.SHIPPED] == (date(2027, 1, 2), False)
    assert given[Milestone.CUTTING][1] is True
    # Without a plan: derived backwards, keeping the brand's 3 buffer days before committed.
    derived = derive_plan(date(2027, 1, 22) - timedelta(days=3))
    assert plans["PO-1043-A"] == {m: (day, True) for m, day in derived.items()}
    assert all(derived_flag for _, derived_flag in plans["PO-1042-B"].values())


async def test_reimport_updates_quantities_and_dates_without_duplicates(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _seed_factories(session_factory, tmp_path)
    await run_import(session_factory, "pos", write_csv(tmp_path, "p1.csv", HEADER, SPLIT_PO))
    before = await row_counts(session_factory)

    changed = [row[:] for row in SPLIT_PO[:3]] + [SPLIT_PO[3][:]]
    changed[0][6] = "1500"  # more Black in PO-1042-A
    changed[2][10] = "2027-01-12"  # one row moving the date moves it for the PO...
    changed[0][10] = changed[1][10] = "2027-01-12"  # ...and every row must agree
    result = await run_import(
        session_factory, "pos", write_csv(tmp_path, "p2.csv", HEADER, changed)
    )
    assert await row_counts(session_factory) == before
    assert result.tallies["purchase orders"].updated == 1
    assert result.tallies["purchase orders"].unchanged == 1
    async with session_factory() as session:
        po = (
            await session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == "PO-1042"))
        ).one()
        order_a = (
            await session.exec(select(ProductionOrder).where(ProductionOrder.number == "PO-1042-A"))
        ).one()
    assert (po.committed_exf, order_a.quantity) == (date(2027, 1, 12), 1500)

    # Dropping PO-1042-B from the file cancels it (its history stays) and drops the Navy line.
    result = await run_import(
        session_factory, "pos", write_csv(tmp_path, "p3.csv", HEADER, [changed[0], changed[3]])
    )
    assert result.tallies["production orders"].removed == 1
    assert result.tallies["lines"].removed == 1
    async with session_factory() as session:
        cancelled = (
            await session.exec(select(ProductionOrder).where(ProductionOrder.number == "PO-1042-B"))
        ).one()
        lines = (await session.exec(select(PurchaseOrderLine))).all()
    assert cancelled.status == "cancelled"
    assert sorted(line.colorway for line in lines) == ["Black", "Grey"]


async def test_xlsx_imports_exactly_like_csv(
    sqlite_session_factory: SessionFactory,
) -> None:
    await run_import(sqlite_session_factory, "factories", EXAMPLES / "factories.csv")
    from_xlsx = await run_import(sqlite_session_factory, "pos", EXAMPLES / "pos.xlsx")
    counts = await row_counts(sqlite_session_factory)
    snapshot = await _snapshot(sqlite_session_factory)
    from_csv = await run_import(sqlite_session_factory, "pos", EXAMPLES / "pos.csv")
    assert from_xlsx.rows == from_csv.rows == 46
    assert all(t.updated == 0 and t.created == 0 for t in from_csv.tallies.values())
    assert await row_counts(sqlite_session_factory) == counts
    assert await _snapshot(sqlite_session_factory) == snapshot


async def _snapshot(session_factory: SessionFactory) -> list[tuple[object, ...]]:
    async with session_factory() as session:
        pos = (await session.exec(select(PurchaseOrder))).all()
        lines = (await session.exec(select(PurchaseOrderLine))).all()
        plans = (await session.exec(select(TnaMilestone))).all()
    return sorted(
        [(p.po_number, p.committed_exf, p.in_dc_date, p.currency, p.incoterm) for p in pos]
        + [(x.po_id, x.colorway, x.quantity, x.unit_price, x.selling_price) for x in lines]
        + [(t.production_order_id, t.milestone, t.planned_date, t.derived) for t in plans],
        key=repr,
    )


async def test_gates_approved_before_wipbot_are_recorded_once(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _seed_factories(session_factory, tmp_path)
    header = [*HEADER, "gate_approved"]
    rows = [[*row, ""] for row in SPLIT_PO]
    rows[0][-1] = "2026-10-28"  # PO-1042-A was released to bulk before wipbot
    first = await run_import(session_factory, "pos", write_csv(tmp_path, "g1.csv", header, rows))
    again = await run_import(session_factory, "pos", write_csv(tmp_path, "g2.csv", header, rows))
    assert first.tallies["gates"].created == 1
    assert (again.tallies["gates"].created, again.tallies["gates"].updated) == (0, 0)
    async with session_factory() as session:
        gates = (
            await session.exec(
                select(ProductionOrder.number, Gate).join(
                    Gate, col(Gate.production_order_id) == col(ProductionOrder.id)
                )
            )
        ).all()
    assert [(number, gate.status, gate.decided_by) for number, gate in gates] == [
        ("PO-1042-A", "approved", "import")
    ]
    assert gates[0][1].decided_at is not None
    assert gates[0][1].decided_at.date() == date(2026, 10, 28)


async def test_a_bad_gate_date_names_the_file_line_and_field(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _seed_factories(session_factory, tmp_path)
    header = [*HEADER, "gate_approved"]
    rows = [[*row, ""] for row in SPLIT_PO]
    rows[1][-1] = "31/02/2026"
    before = await row_counts(session_factory)
    errors = await import_errors(session_factory, "pos", write_csv(tmp_path, "g.csv", header, rows))
    assert [str(e).split(": ")[:2] for e in errors] == [["g.csv:3", "gate_approved"]]
    assert await row_counts(session_factory) == before


async def test_a_style_keeps_its_season_and_two_seasons_for_one_style_are_refused(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await run_import(
        session_factory, "factories", write_csv(tmp_path, "f.csv", FACTORY_HEADER, FACTORIES)
    )
    header = [*PO_HEADER_FOR_SEASON, "season"]
    rows = [
        [BRAND, "PO-7", "DHK1", "ST-7", "Tee", "Navy", "100", "4", "USD", "2027-01-15", "SS27"],
        [BRAND, "PO-7", "DHK1", "ST-7", "", "White", "100", "4", "USD", "2027-01-15", ""],
    ]
    await run_import(session_factory, "pos", write_csv(tmp_path, "s.csv", header, rows))
    async with session_factory() as session:
        style = (await session.exec(select(Style).where(Style.code == "ST-7"))).one()
    assert style.season == "SS27"

    rows[1][-1] = "FW27"
    errors = await import_errors(
        session_factory, "pos", write_csv(tmp_path, "s2.csv", header, rows)
    )
    assert [(e.line, e.field) for e in errors] == [(3, "season")]
    assert "differs from 'SS27' on line 2" in errors[0].reason


PO_HEADER_FOR_SEASON = [
    "brand",
    "po_number",
    "factory",
    "style",
    "style_name",
    "colorway",
    "quantity",
    "unit_price",
    "currency",
    "committed_exf",
]
