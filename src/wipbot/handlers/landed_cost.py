"""Landed cost of one PO: its lines' FOB value plus the charges imported for it, spread over the
lines, and the margin each line leaves against its selling price.

A charge is an estimate while costing and actual once its invoice arrives. For each kind, the
actual charges replace the estimates as soon as there is one; until then the estimate stands in.
Once an actual charge replaced an estimate, the cost on the estimates (kinds never estimated
count the same on both sides) is worked out beside it, to compare the two line by line.

Charges must be in the PO's currency. A charge in another currency is refused by name rather
than converted at some rate nobody chose: the costing analyst converts it and imports it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.landed_cost import (
    PERCENT_PLACES,
    UNIT_COST_PLACES,
    AllocationBasis,
    Charge,
    ChargeKind,
    CostLine,
    LandedLine,
    allocate,
    totals,
)
from wipbot.store.models import (
    Factory,
    LandedCharge,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
)
from wipbot.store.wip import close_matches, find_po

FINEST_QUANTUM = Decimal("0.0001")
"""Charges are stored with four decimals: a split this fine always adds up."""


class LandedCostError(ValueError):
    """The landed cost cannot be worked out; the message says what to fix."""


ESTIMATE = "estimate"
ACTUAL = "actual"
STAGES = (ESTIMATE, ACTUAL)


@dataclass(frozen=True)
class ChargeInfo:
    kind: ChargeKind
    amount: Decimal
    currency: str
    basis: AllocationBasis
    reference: str
    stage: str = ACTUAL


@dataclass(frozen=True)
class LineCost:
    style: str
    style_name: str
    colorway: str
    units: int
    fob_unit_price: Decimal
    fob_total: Decimal
    charges: dict[ChargeKind, Decimal]
    landed_total: Decimal
    landed_unit_cost: Decimal
    selling_price: Decimal | None
    margin_per_unit: Decimal | None
    margin_pct: Decimal | None
    estimated_unit_cost: Decimal | None = None
    """The landed unit cost on the estimates alone, once some actual charges replaced them."""

    @property
    def charges_total(self) -> Decimal:
        return sum(self.charges.values(), Decimal(0))

    @property
    def estimate_gap(self) -> Decimal | None:
        """Actual less estimated unit cost: positive when the shipment cost more than planned."""
        if self.estimated_unit_cost is None:
            return None
        return self.landed_unit_cost - self.estimated_unit_cost


@dataclass(frozen=True)
class CostTotals:
    units: int
    fob_total: Decimal
    charges: dict[ChargeKind, Decimal]
    charges_total: Decimal
    landed_total: Decimal
    landed_unit_cost: Decimal
    fob_unit_price: Decimal
    """Average over all units, like the landed unit cost."""
    revenue: Decimal | None
    """Selling value of all units; None when a line has no selling price."""
    selling_price: Decimal | None
    margin_total: Decimal | None
    margin_per_unit: Decimal | None
    margin_pct: Decimal | None


@dataclass(frozen=True)
class PoLandedCost:
    po_number: str
    factory: str
    incoterm: str
    currency: str
    lines: tuple[LineCost, ...]
    charges: tuple[ChargeInfo, ...]
    totals: CostTotals
    quantum: Decimal
    """The rounding step of each line's share of a charge."""
    estimate: CostTotals | None = None
    """The whole PO on its estimated charges, when actual charges replaced some of them."""
    pending: tuple[ChargeKind, ...] = ()
    """Kinds still costed on their estimate: no actual charge has arrived for them yet."""

    @property
    def in_use(self) -> tuple[ChargeInfo, ...]:
        """The charges behind the landed cost: the actual ones, and estimates still pending."""
        return effective_charges(self.charges)


async def landed_cost(session: AsyncSession, brand_id: int, po_number: str) -> PoLandedCost:
    """The PO of this brand by its number (or one of its production orders' numbers)."""
    po = await _find_po(session, brand_id, po_number)
    assert po.id is not None
    rows = (
        await session.exec(
            select(PurchaseOrderLine, Style)
            .join(Style, col(Style.id) == col(PurchaseOrderLine.style_id))
            .where(PurchaseOrderLine.po_id == po.id)
            .order_by(col(PurchaseOrderLine.id))
        )
    ).all()
    if not rows:
        raise LandedCostError(f"{po.po_number} has no lines to cost")
    stored = (
        await session.exec(
            select(LandedCharge).where(LandedCharge.po_id == po.id).order_by(col(LandedCharge.id))
        )
    ).all()
    charges = tuple(
        ChargeInfo(
            ChargeKind(c.kind), c.amount, c.currency, AllocationBasis(c.basis), c.reference, c.stage
        )
        for c in stored
    )
    _refuse_other_currencies(po, charges)
    quantum = _quantum(po.currency, charges)
    in_use = effective_charges(charges)
    estimated_kinds = {c.kind for c in charges if c.stage == ESTIMATE}
    estimates = tuple(c for c in charges if c.stage == ESTIMATE or c.kind not in estimated_kinds)
    compared = bool(estimated_kinds) and any(
        c.stage == ACTUAL and c.kind in estimated_kinds for c in charges
    )
    cost_lines = [
        CostLine(
            key=f"{style.code}/{line.colorway}",
            units=line.quantity,
            fob_unit_price=line.unit_price,
            selling_price=line.selling_price,
        )
        for line, style in rows
    ]
    try:
        landed = allocate(
            cost_lines, [Charge(c.kind, c.amount, c.basis) for c in in_use], quantum=quantum
        )
        estimated = (
            allocate(
                cost_lines, [Charge(c.kind, c.amount, c.basis) for c in estimates], quantum=quantum
            )
            if compared
            else None
        )
    except ValueError as error:
        raise LandedCostError(f"{po.po_number}: {error}") from None
    lines = tuple(
        LineCost(
            style=style.code,
            style_name=style.name,
            colorway=line.colorway,
            units=result.units,
            fob_unit_price=line.unit_price,
            fob_total=result.fob_total,
            charges=result.charges,
            landed_total=result.landed_total,
            landed_unit_cost=result.landed_unit_cost,
            selling_price=line.selling_price,
            margin_per_unit=result.margin_per_unit,
            margin_pct=result.margin_pct,
            estimated_unit_cost=estimated[n].landed_unit_cost if estimated else None,
        )
        for n, ((line, style), result) in enumerate(zip(rows, landed, strict=True))
    )
    factory = await session.get(Factory, po.factory_id)
    return PoLandedCost(
        po_number=po.po_number,
        factory=factory.code if factory else "",
        incoterm=po.incoterm,
        currency=po.currency,
        lines=lines,
        charges=charges,
        totals=_totals(lines, landed),
        quantum=quantum,
        estimate=_totals(lines, estimated) if estimated else None,
        pending=tuple(
            sorted(
                {c.kind for c in in_use if c.stage == ESTIMATE} if compared else set(),
                key=list(ChargeKind).index,
            )
        ),
    )


def effective_charges(charges: Sequence[ChargeInfo]) -> tuple[ChargeInfo, ...]:
    """Per kind, the actual charges when there are any, else the estimates."""
    actual_kinds = {c.kind for c in charges if c.stage == ACTUAL}
    return tuple(c for c in charges if c.stage == ACTUAL or c.kind not in actual_kinds)


def _totals(lines: tuple[LineCost, ...], landed: Sequence[LandedLine]) -> CostTotals:
    summed = totals(landed)
    priced = [(line.selling_price, line.units) for line in lines if line.selling_price is not None]
    revenue = None
    if len(priced) == len(lines):
        revenue = sum((price * units for price, units in priced), Decimal(0))
    margin = revenue - summed.landed_total if revenue is not None else None
    return CostTotals(
        units=summed.units,
        fob_total=summed.fob_total,
        charges=summed.charges,
        charges_total=sum(summed.charges.values(), Decimal(0)),
        landed_total=summed.landed_total,
        landed_unit_cost=summed.landed_unit_cost,
        fob_unit_price=_per_unit(summed.fob_total, summed.units),
        revenue=revenue,
        selling_price=_per_unit(revenue, summed.units) if revenue is not None else None,
        margin_total=margin,
        margin_per_unit=_per_unit(margin, summed.units) if margin is not None else None,
        margin_pct=(
            (margin / revenue * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)
            if margin is not None and revenue
            else None
        ),
    )


def _per_unit(amount: Decimal, units: int) -> Decimal:
    return (amount / units).quantize(UNIT_COST_PLACES, ROUND_HALF_UP)


def _refuse_other_currencies(po: PurchaseOrder, charges: tuple[ChargeInfo, ...]) -> None:
    foreign = [c for c in charges if c.currency != po.currency]
    if not foreign:
        return
    named = "; ".join(
        f"{c.kind.value} {_amount(c.amount)} {c.currency}"
        + (f" ({c.reference})" if c.reference else "")
        for c in foreign
    )
    raise LandedCostError(
        f"{po.po_number} is in {po.currency} but these charges are not: {named}. "
        f"Convert them to {po.currency} and import the charges again; "
        "wipbot never converts currencies on its own."
    )


def _amount(amount: Decimal) -> str:
    cents = amount.quantize(Decimal("0.01"))
    return str(cents) if cents == amount else f"{amount.normalize():f}"


def _quantum(currency: str, charges: tuple[ChargeInfo, ...]) -> Decimal:
    """The currency's minor unit (cents; whole yen), unless a charge is given finer than that."""
    quantum = Decimal(1).scaleb(-get_currency_precision(currency))
    if all(c.amount % quantum == 0 for c in charges):
        return quantum
    return FINEST_QUANTUM


async def _find_po(session: AsyncSession, brand_id: int, number: str) -> PurchaseOrder:
    found = await find_po(session, brand_id, number)
    if found is not None:
        return found
    matches = await close_matches(session, brand_id, number)
    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
    raise LandedCostError(f"no PO {number.strip()!r}{hint}")
