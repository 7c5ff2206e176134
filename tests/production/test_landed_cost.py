from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from wipbot.production.landed_cost import (
    AllocationBasis,
    Charge,
    ChargeKind,
    CostLine,
    LandedLine,
    allocate,
    split,
    totals,
)

TEE = CostLine("tee", 100, D("5.00"), selling_price=D("12.00"), duty_rate=D("0.10"))
HOODIE = CostLine("hoodie", 300, D("10.00"), selling_price=D("25.00"))


@pytest.mark.parametrize(
    ("amount", "weights", "quantum", "parts"),
    [
        ("100.00", [1, 1, 1], "0.01", ["33.34", "33.33", "33.33"]),
        ("1.00", [1, 1, 1], "0.01", ["0.34", "0.33", "0.33"]),
        ("0.05", [1, 1, 1, 1, 1, 1], "0.01", ["0.01"] * 5 + ["0.00"]),
        ("10", [1, 2], "1", ["3", "7"]),
        ("0.01", [2, 1, 1], "0.01", ["0.01", "0.00", "0.00"]),
        ("10.00", [0, 1, 3], "0.01", ["0.00", "2.50", "7.50"]),
        ("350.00", [D("500"), D("3000")], "0.01", ["50.00", "300.00"]),
        ("10.00", [D("500"), D("3000")], "0.01", ["1.43", "8.57"]),
        ("0.00", [1, 2], "0.01", ["0.00", "0.00"]),
        ("99.99", [D("0.3333"), D("0.3333"), D("0.3334")], "0.01", ["33.33", "33.33", "33.33"]),
    ],
)
def test_split_is_proportional_and_sums_exactly(
    amount: str, weights: list[D | int], quantum: str, parts: list[str]
) -> None:
    result = split(D(amount), weights, D(quantum))
    assert result == [D(p) for p in parts]
    assert sum(result, D(0)) == D(amount)


@pytest.mark.parametrize(
    ("basis", "tee_share", "hoodie_share"),
    [
        (AllocationBasis.UNITS, D("87.50"), D("262.50")),
        (AllocationBasis.VALUE, D("50.00"), D("300.00")),
    ],
)
def test_freight_by_basis(basis: AllocationBasis, tee_share: D, hoodie_share: D) -> None:
    tee, hoodie = allocate(
        [CostLine("tee", 100, D("5.00")), CostLine("hoodie", 300, D("10.00"))],
        [Charge(ChargeKind.FREIGHT, D("350.00"), basis)],
    )
    assert (tee.charges[ChargeKind.FREIGHT], hoodie.charges[ChargeKind.FREIGHT]) == (
        tee_share,
        hoodie_share,
    )


def test_duty_rate_applies_to_cif_value_and_margin_follows() -> None:
    tee, hoodie = allocate(
        [TEE, HOODIE],
        [
            Charge(ChargeKind.FREIGHT, D("350.00")),
            Charge(ChargeKind.INSURANCE, D("10.00")),
            Charge(ChargeKind.BROKER, D("40.00"), AllocationBasis.UNITS),
        ],
    )
    assert tee == LandedLine(
        key="tee",
        units=100,
        fob_total=D("500.00"),
        charges={
            ChargeKind.FREIGHT: D("50.00"),
            ChargeKind.INSURANCE: D("1.43"),
            ChargeKind.DUTY: D("55.14"),
            ChargeKind.BROKER: D("10.00"),
            ChargeKind.OTHER: D("0.00"),
        },
        landed_total=D("616.57"),
        landed_unit_cost=D("6.1657"),
        margin_per_unit=D("5.8343"),
        margin_pct=D("48.62"),
    )
    assert hoodie.charges[ChargeKind.DUTY] == D("0.00")
    assert hoodie.landed_total == D("3338.57")
    assert hoodie.landed_unit_cost == D("11.1286")
    assert hoodie.margin_per_unit == D("13.8714")
    assert hoodie.margin_pct == D("55.49")


def test_allocated_duty_adds_to_rate_duty() -> None:
    tee, hoodie = allocate([TEE, HOODIE], [Charge(ChargeKind.DUTY, D("100.00"), "units")])  # type: ignore[arg-type]
    assert tee.charges[ChargeKind.DUTY] == D("25.00") + D("50.00")
    assert hoodie.charges[ChargeKind.DUTY] == D("75.00")


def test_charges_of_one_kind_accumulate() -> None:
    (line,) = allocate(
        [CostLine("tee", 10, D("2.00"))],
        [Charge(ChargeKind.OTHER, D("3.00")), Charge(ChargeKind.OTHER, D("4.50"))],
    )
    assert line.charges[ChargeKind.OTHER] == D("7.50")
    assert line.landed_unit_cost == D("2.7500")


@pytest.mark.parametrize(
    ("units", "fob", "charge", "selling", "unit_cost", "margin", "pct"),
    [
        (3, "1.00", "1.00", None, "1.3333", None, None),
        (3, "1.00", "1.00", "2.00", "1.3333", "0.6667", "33.34"),
        (7, "0.3333", "0.00", "1.00", "0.3333", "0.6667", "66.67"),
        (1, "10.00", "5.00", "12.00", "15.0000", "-3.0000", "-25.00"),
        (2, "0.00", "1.00", "1.00", "0.5000", "0.5000", "50.00"),
    ],
)
def test_unit_cost_rounds_to_four_places_and_margin(
    units: int,
    fob: str,
    charge: str,
    selling: str | None,
    unit_cost: str,
    margin: str | None,
    pct: str | None,
) -> None:
    line = CostLine("x", units, D(fob), selling_price=D(selling) if selling else None)
    (landed,) = allocate([line], [Charge(ChargeKind.FREIGHT, D(charge), AllocationBasis.UNITS)])
    assert landed.landed_unit_cost == D(unit_cost)
    assert landed.margin_per_unit == (D(margin) if margin else None)
    assert landed.margin_pct == (D(pct) if pct else None)


def test_totals_sum_lines() -> None:
    lines = allocate(
        [TEE, HOODIE],
        [Charge(ChargeKind.FREIGHT, D("350.00")), Charge(ChargeKind.INSURANCE, D("10.00"))],
    )
    result = totals(lines)
    assert result.units == 400
    assert result.fob_total == D("3500.00")
    assert result.charges[ChargeKind.FREIGHT] == D("350.00")
    assert result.charges[ChargeKind.INSURANCE] == D("10.00")
    assert result.charges[ChargeKind.DUTY] == D("55.14")
    assert result.landed_total == D("3915.14")
    assert result.landed_unit_cost == D("9.7879")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: allocate([], []), "at least one line"),
        (lambda: allocate([TEE, TEE], []), "appears twice"),
        (lambda: allocate([CostLine("a", 0, D("1"))], []), "units must be a whole number > 0"),
        (lambda: allocate([CostLine("a", -5, D("1"))], []), "units must be"),
        (lambda: allocate([CostLine("a", 5, D("-1"))], []), "FOB unit price must be"),
        (lambda: allocate([CostLine("a", 5, 1.5)], []), "must be a Decimal"),  # type: ignore[arg-type]
        (
            lambda: allocate([CostLine("a", 5, D("1"), selling_price=D("0"))], []),
            "selling price must be > 0",
        ),
        (
            lambda: allocate([CostLine("a", 5, D("1"), duty_rate=D("-0.1"))], []),
            "duty rate must be",
        ),
        (
            lambda: allocate([TEE], [Charge(ChargeKind.FREIGHT, D("-10.00"))]),
            "freight charge must be",
        ),
        (
            lambda: allocate([TEE], [Charge(ChargeKind.FREIGHT, D("10.005"))]),
            "finer than the rounding quantum",
        ),
        (
            lambda: allocate([TEE], [Charge(ChargeKind.FREIGHT, D("NaN"))]),
            "finite amount",
        ),
        (
            lambda: allocate([CostLine("a", 5, D("0"))], [Charge(ChargeKind.BROKER, D("5.00"))]),
            "cannot allocate the broker charge by value",
        ),
        (lambda: allocate([TEE], [], quantum=D("0")), "quantum must be > 0"),
        (lambda: split(D("1.00"), [0, 0], D("0.01")), "weights are all zero"),
        (lambda: totals([]), "no landed lines"),
    ],
)
def test_bad_input_is_refused_clearly(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
