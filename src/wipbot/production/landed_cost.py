"""Landed cost: what a unit really costs once freight, insurance, duty, broker and other charges
are spread over the lines of a shipment, and the margin left against the selling price.

All amounts are in one currency; converting invoices and charges into it happens before this
module is called. Money is Decimal throughout. Duty rates are fractions (0.12 for 12 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from math import floor

UNIT_COST_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")


class ChargeKind(StrEnum):
    FREIGHT = "freight"
    INSURANCE = "insurance"
    DUTY = "duty"
    BROKER = "broker"
    OTHER = "other"


class AllocationBasis(StrEnum):
    UNITS = "units"
    VALUE = "value"


@dataclass(frozen=True)
class CostLine:
    key: str
    units: int
    fob_unit_price: Decimal
    selling_price: Decimal | None = None
    duty_rate: Decimal | None = None

    @property
    def fob_total(self) -> Decimal:
        return self.units * self.fob_unit_price


@dataclass(frozen=True)
class Charge:
    kind: ChargeKind
    amount: Decimal
    basis: AllocationBasis = AllocationBasis.VALUE


@dataclass(frozen=True)
class LandedLine:
    key: str
    units: int
    fob_total: Decimal
    charges: dict[ChargeKind, Decimal]
    landed_total: Decimal
    landed_unit_cost: Decimal
    margin_per_unit: Decimal | None
    margin_pct: Decimal | None


@dataclass(frozen=True)
class LandedTotals:
    units: int
    fob_total: Decimal
    charges: dict[ChargeKind, Decimal]
    landed_total: Decimal
    landed_unit_cost: Decimal


def allocate(
    lines: Sequence[CostLine],
    charges: Sequence[Charge],
    *,
    quantum: Decimal = Decimal("0.01"),
) -> list[LandedLine]:
    """Each charge is split so the lines' shares add up to the charge exactly (largest remainder).

    Lines with a duty rate also pay rate × CIF (FOB + their freight + their insurance), on top of
    any duty charge allocated to them.
    """
    _check_lines(lines)
    _check_charges(charges, quantum)
    shares = [dict.fromkeys(ChargeKind, Decimal(0) * quantum) for _ in lines]
    for charge in charges:
        weights = [_weight(line, charge.basis) for line in lines]
        if not any(weights):
            raise ValueError(
                f"cannot allocate the {charge.kind} charge by {charge.basis}: "
                f"every line has zero {charge.basis}"
            )
        for share, part in zip(shares, split(charge.amount, weights, quantum), strict=True):
            share[charge.kind] += part
    for line, share in zip(lines, shares, strict=True):
        if line.duty_rate is not None:
            cif = line.fob_total + share[ChargeKind.FREIGHT] + share[ChargeKind.INSURANCE]
            duty = (line.duty_rate * cif).quantize(quantum, ROUND_HALF_UP)
            share[ChargeKind.DUTY] += duty
    return [_landed(line, share) for line, share in zip(lines, shares, strict=True)]


def split(amount: Decimal, weights: Sequence[Decimal | int], quantum: Decimal) -> list[Decimal]:
    """Proportional split rounded to the quantum; leftover quanta go to the largest remainders,
    ties to the earlier line, so the parts always sum to the amount."""
    total_weight = sum(Fraction(w) for w in weights)
    if total_weight == 0:
        raise ValueError("cannot split a charge over lines whose weights are all zero")
    quanta = Fraction(amount) / Fraction(quantum)
    exact = [quanta * Fraction(w) / total_weight for w in weights]
    counts = [floor(e) for e in exact]
    leftover = int(quanta) - sum(counts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:leftover]:
        counts[i] += 1
    return [count * quantum for count in counts]


def totals(lines: Sequence[LandedLine]) -> LandedTotals:
    units = sum(line.units for line in lines)
    if units == 0:
        raise ValueError("no landed lines to total")
    landed_total = sum((line.landed_total for line in lines), Decimal(0))
    return LandedTotals(
        units=units,
        fob_total=sum((line.fob_total for line in lines), Decimal(0)),
        charges={
            kind: sum((line.charges.get(kind, Decimal(0)) for line in lines), Decimal(0))
            for kind in ChargeKind
        },
        landed_total=landed_total,
        landed_unit_cost=(landed_total / units).quantize(UNIT_COST_PLACES, ROUND_HALF_UP),
    )


def _weight(line: CostLine, basis: AllocationBasis) -> Decimal | int:
    return line.units if basis == AllocationBasis.UNITS else line.fob_total


def _landed(line: CostLine, share: dict[ChargeKind, Decimal]) -> LandedLine:
    landed_total = line.fob_total + sum(share.values(), Decimal(0))
    unit_cost = (landed_total / line.units).quantize(UNIT_COST_PLACES, ROUND_HALF_UP)
    margin = margin_pct = None
    if line.selling_price is not None:
        margin = line.selling_price - unit_cost
        margin_pct = (margin / line.selling_price * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)
    return LandedLine(
        key=line.key,
        units=line.units,
        fob_total=line.fob_total,
        charges=share,
        landed_total=landed_total,
        landed_unit_cost=unit_cost,
        margin_per_unit=margin,
        margin_pct=margin_pct,
    )


def _check_lines(lines: Sequence[CostLine]) -> None:
    if not lines:
        raise ValueError("landed cost needs at least one line")
    seen: set[str] = set()
    for line in lines:
        if line.key in seen:
            raise ValueError(f"line {line.key!r} appears twice")
        seen.add(line.key)
        if isinstance(line.units, bool) or not isinstance(line.units, int) or line.units <= 0:
            raise ValueError(f"line {line.key!r}: units must be a whole number > 0")
        _check_money(f"line {line.key!r}: FOB unit price", line.fob_unit_price)
        if line.selling_price is not None:
            _check_money(f"line {line.key!r}: selling price", line.selling_price)
            if line.selling_price == 0:
                raise ValueError(f"line {line.key!r}: selling price must be > 0 when given")
        if line.duty_rate is not None:
            _check_money(f"line {line.key!r}: duty rate", line.duty_rate)


def _check_charges(charges: Sequence[Charge], quantum: Decimal) -> None:
    _check_money("quantum", quantum)
    if quantum == 0:
        raise ValueError("quantum must be > 0")
    for charge in charges:
        kind = ChargeKind(charge.kind)
        AllocationBasis(charge.basis)
        _check_money(f"{kind.value} charge", charge.amount)
        if charge.amount % quantum != 0:
            raise ValueError(
                f"{kind.value} charge {charge.amount} is finer than the rounding quantum {quantum}"
            )


def _check_money(what: str, value: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise ValueError(f"{what} must be a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a finite amount >= 0, got {value}")
