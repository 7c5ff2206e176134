"""Landed-cost charges: exact Decimal amounts, one charge per PO, kind and reference."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.models import LandedCharge, PurchaseOrder

from .import_files import BRAND, import_errors, run_import, seed, write_csv

HEADER = ["brand", "po_number", "kind", "amount", "currency", "basis", "reference"]
ROWS = [
    [BRAND, "PO-1", "freight", "1,650.00", "usd", "units", "MAEU-1"],
    [BRAND, "po-1", "Insurance", "38.4125", "USD", "", ""],
    [BRAND, "PO-2", "duty", "0", "EUR", "value", "ENTRY-9"],
]


async def test_charges_are_stored_exactly_and_updated_on_reimport(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    result = await run_import(
        session_factory, "charges", write_csv(tmp_path, "c.csv", HEADER, ROWS)
    )
    assert result.tallies["charges"].created == 3
    async with session_factory() as session:
        po_1 = (
            await session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == "PO-1"))
        ).one()
        charges = (await session.exec(select(LandedCharge).order_by(LandedCharge.kind))).all()
    assert [(c.kind, c.amount, c.currency, c.basis, c.reference) for c in charges] == [
        ("duty", Decimal("0"), "EUR", "value", "ENTRY-9"),
        ("freight", Decimal("1650.00"), "USD", "units", "MAEU-1"),
        ("insurance", Decimal("38.4125"), "USD", "value", ""),
    ]
    assert all(isinstance(c.amount, Decimal) for c in charges)
    assert charges[1].po_id == po_1.id

    changed = [row[:] for row in ROWS]
    changed[0][3] = "1720.50"
    again = await run_import(
        session_factory, "charges", write_csv(tmp_path, "c2.csv", HEADER, changed)
    )
    assert (again.tallies["charges"].updated, again.tallies["charges"].unchanged) == (1, 2)
    async with session_factory() as session:
        freight = (
            await session.exec(select(LandedCharge).where(LandedCharge.kind == "freight"))
        ).all()
    assert [f.amount for f in freight] == [Decimal("1720.50")]


async def test_an_estimate_and_the_actual_charge_of_one_kind_are_two_charges(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(session_factory, tmp_path)
    header = [*HEADER, "stage"]
    rows = [
        [BRAND, "PO-1", "freight", "1500", "USD", "units", "", "estimate"],
        [BRAND, "PO-1", "freight", "1650", "USD", "units", "", "Actual"],
        [BRAND, "PO-1", "duty", "90", "USD", "value", "", ""],
    ]
    result = await run_import(
        session_factory, "charges", write_csv(tmp_path, "s.csv", header, rows)
    )
    assert result.tallies["charges"].created == 3
    async with session_factory() as session:
        charges = (await session.exec(select(LandedCharge).order_by(LandedCharge.id))).all()
    assert [(c.kind, c.amount, c.stage) for c in charges] == [
        ("freight", Decimal("1500"), "estimate"),
        ("freight", Decimal("1650"), "actual"),
        ("duty", Decimal("90"), "actual"),
    ]

    bad = [[BRAND, "PO-1", "freight", "1", "USD", "units", "", "guess"]]
    errors = await import_errors(
        session_factory, "charges", write_csv(tmp_path, "b.csv", header, bad)
    )
    assert [(e.line, e.field) for e in errors] == [(2, "stage")]
    assert "estimate, actual" in errors[0].reason
