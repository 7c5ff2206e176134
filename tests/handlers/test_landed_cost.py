"""Landed cost of a PO from its lines and imported charges: shares add up to the charges to the
cent, margins are against the selling price, and a charge in another currency is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from tests.handlers.test_qc import Seeded, seed
from wipbot.handlers.landed_cost import LandedCostError, landed_cost
from wipbot.production.landed_cost import ChargeKind
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    LandedCharge,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
)

D = Decimal


async def add_charges(
    factory: SessionFactory, po_id: int, charges: list[tuple[str, str, str, str, str]]
) -> None:
    """(kind, amount, currency, basis, reference) rows as `wipbot import charges` writes them."""
    async with transaction(factory) as session:
        session.add_all(
            LandedCharge(
                po_id=po_id,
                kind=kind,
                amount=D(amount),
                currency=currency,
                basis=basis,
                reference=reference,
            )
            for kind, amount, currency, basis, reference in charges
        )


async def add_lines(
    factory: SessionFactory, po_id: int, lines: list[tuple[str, int, str, str | None]]
) -> None:
    """Extra lines (colorway, quantity, FOB, selling price) on the seeded vest style."""
    async with transaction(factory) as session:
        style = (await session.exec(select(Style).where(Style.code == "NW-QV-720"))).one()
        assert style.id is not None
        session.add_all(
            PurchaseOrderLine(
                po_id=po_id,
                style_id=style.id,
                colorway=colorway,
                quantity=quantity,
                unit_price=D(price),
                selling_price=D(selling) if selling else None,
            )
            for colorway, quantity, price, selling in lines
        )


async def set_currency(factory: SessionFactory, po_id: int, currency: str) -> None:
    async with transaction(factory) as session:
        po = await session.get(PurchaseOrder, po_id)
        assert po is not None
        po.currency = currency


@pytest.fixture
async def db(sqlite_session_factory: SessionFactory) -> tuple[SessionFactory, Seeded]:
    return sqlite_session_factory, await seed(sqlite_session_factory)


AWKWARD = [
    ("freight", "1000.00", "USD", "units", "MAEU-1"),
    ("insurance", "33.33", "USD", "value", "AXA-1"),
    ("duty", "1234.57", "USD", "value", "ENTRY-1"),
    ("duty", "0.05", "USD", "units", "ENTRY-2"),
    ("broker", "100.00", "USD", "units", ""),
    ("other", "0.01", "USD", "units", "Pallets"),
]


async def test_line_shares_add_up_to_the_charges_exactly(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    await add_lines(session_factory, seeded.po_id, [("Olive", 333, "12.3456", "55.00")])
    await add_charges(session_factory, seeded.po_id, AWKWARD)
    async with session_factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "PO-1042")
    totals = cost.totals
    for kind in ChargeKind:
        charged = sum((D(a) for k, a, *_ in AWKWARD if k == kind.value), D(0))
        assert totals.charges[kind] == charged
        assert sum((line.charges[kind] for line in cost.lines), D(0)) == charged
    assert totals.charges_total == D("2367.96")
    assert totals.fob_total == D("16800") + D("333") * D("12.3456")
    assert totals.landed_total == totals.fob_total + totals.charges_total
    for line in cost.lines:
        assert line.landed_total == line.fob_total + line.charges_total
    assert totals.units == 1333
    assert cost.quantum == D("0.01")


async def test_shares_follow_units_or_value_and_margins_the_selling_price(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    await add_lines(factory, seeded.po_id, [("Olive", 1000, "8.4000", None)])
    await add_charges(
        factory,
        seeded.po_id,
        [
            ("freight", "200.00", "USD", "units", ""),
            ("duty", "2520.00", "USD", "value", ""),
        ],
    )
    async with factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "po-1042")
    lines = {line.colorway: line for line in cost.lines}
    black, navy, olive = lines["Black"], lines["Navy"], lines["Olive"]
    assert (black.charges[ChargeKind.FREIGHT], olive.charges[ChargeKind.FREIGHT]) == (
        D("60.00"),
        D("100.00"),
    )
    # FOB value: Black 10,080, Navy 6,720, Olive 8,400 of 25,200.
    assert [line.charges[ChargeKind.DUTY] for line in (black, navy, olive)] == [
        D("1008.00"),
        D("672.00"),
        D("840.00"),
    ]
    assert black.landed_unit_cost == D("18.5800")  # 16.80 + 0.10 freight + 1.68 duty
    assert black.margin_per_unit == D("50.4200")
    assert black.margin_pct == D("73.07")
    assert (olive.selling_price, olive.margin_per_unit, olive.margin_pct) == (None, None, None)
    assert cost.totals.margin_total is None and cost.totals.revenue is None


async def test_totals_give_the_margin_of_the_whole_po(db: tuple[SessionFactory, Seeded]) -> None:
    factory, seeded = db
    await add_charges(factory, seeded.po_id, [("freight", "500.00", "USD", "units", "")])
    async with factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "PO-1042")
    totals = cost.totals
    assert (totals.units, totals.fob_total, totals.landed_total) == (
        1000,
        D("16800"),
        D("17300"),
    )
    assert (totals.revenue, totals.margin_total) == (D("69000"), D("51700"))
    assert (totals.landed_unit_cost, totals.margin_per_unit, totals.margin_pct) == (
        D("17.3000"),
        D("51.7000"),
        D("74.93"),
    )


async def test_without_charges_the_landed_cost_is_the_fob_price(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    async with factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "PO-1042-B")
    assert cost.po_number == "PO-1042" and cost.charges == ()
    assert [line.landed_unit_cost for line in cost.lines] == [D("16.8000"), D("16.8000")]
    assert cost.totals.charges_total == 0


async def test_a_charge_in_another_currency_is_refused_by_name(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    await add_charges(
        session_factory,
        seeded.po_id,
        [
            ("freight", "1850.00", "USD", "units", "MAEU-2211"),
            ("duty", "940.50", "EUR", "value", "ENTRY-77"),
        ],
    )
    async with session_factory() as session:
        with pytest.raises(LandedCostError) as refused:
            await landed_cost(session, seeded.brand_id, "PO-1042")
    message = str(refused.value)
    assert "PO-1042 is in USD" in message
    assert "duty 940.50 EUR (ENTRY-77)" in message
    assert "freight" not in message
    assert "never converts" in message


async def test_a_currency_without_cents_splits_whole_units(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    await set_currency(factory, seeded.po_id, "JPY")
    await add_lines(factory, seeded.po_id, [("Olive", 500, "16.8000", None)])
    await add_charges(factory, seeded.po_id, [("freight", "1000", "JPY", "value", "")])
    async with factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "PO-1042")
    assert cost.quantum == D(1)
    # Black 600, Navy 400, Olive 500 pieces at one price: 400, 266.67, 333.33 -> 400, 267, 333.
    assert [line.charges[ChargeKind.FREIGHT] for line in cost.lines] == [D(400), D(267), D(333)]


async def test_a_charge_finer_than_cents_is_split_finer(db: tuple[SessionFactory, Seeded]) -> None:
    factory, seeded = db
    await add_charges(factory, seeded.po_id, [("broker", "10.0005", "USD", "units", "")])
    async with factory() as session:
        cost = await landed_cost(session, seeded.brand_id, "PO-1042")
    assert cost.quantum == D("0.0001")
    assert cost.totals.charges[ChargeKind.BROKER] == D("10.0005")


async def test_unknown_and_other_brands_pos_are_not_found(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    async with factory() as session:
        with pytest.raises(LandedCostError, match="no PO 'PO-104'; did you mean PO-1042"):
            await landed_cost(session, seeded.brand_id, "PO-104")
        with pytest.raises(LandedCostError, match="no PO 'PO-2001'"):
            await landed_cost(session, seeded.brand_id, "PO-2001")
        with pytest.raises(LandedCostError, match="PO-1043 has no lines"):
            await landed_cost(session, seeded.brand_id, "PO-1043")
        foreign = await landed_cost(session, seeded.other_brand_id, "PO-2001")
    assert [line.colorway for line in foreign.lines] == ["White"]
