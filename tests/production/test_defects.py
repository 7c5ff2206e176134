"""Defect roll-ups: rates over pieces sampled, first-pass yield, repeats across factories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wipbot.production.defects import (
    DefectTally,
    InspectionTally,
    per_hundred,
    repeated_defects,
    roll_up,
)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 0, "0.00"), (5, 80, "6.25"), (1, 3, "33.33"), (2, 3, "66.67"), (200, 200, "100.00")],
)
def test_per_hundred_rounds_half_up_and_is_zero_without_a_sample(
    part: int, whole: int, expected: str
) -> None:
    assert per_hundred(part, whole) == Decimal(expected)


TALLIES = [
    InspectionTally("TEE", "Crew tee", "SGN1", 2, 160, 1, 0),
    InspectionTally("TEE", "Crew tee", "DAC1", 1, 80, 1, 1),
    InspectionTally("POLO", "Pique polo", "SGN1", 1, 125, 1, 1),
]
DEFECTS = [
    DefectTally("TEE", "SGN1", "open seam", 6),
    DefectTally("TEE", "DAC1", "open seam", 2),
    DefectTally("TEE", "SGN1", "stain", 1),
    DefectTally("POLO", "SGN1", "stain", 3),
]


def test_rates_per_style_factory_and_category_worst_first() -> None:
    report = roll_up(TALLIES, DEFECTS)
    assert [(r.key, r.defects, r.sampled, r.per_hundred) for r in report.styles] == [
        ("TEE", 9, 240, Decimal("3.75")),
        ("POLO", 3, 125, Decimal("2.40")),
    ]
    assert report.styles[0].name == "Crew tee"
    assert [(r.key, r.per_hundred) for r in report.factories] == [
        ("SGN1", Decimal("3.51")),
        ("DAC1", Decimal("2.50")),
    ]
    assert [(r.key, r.defects) for r in report.categories] == [("open seam", 8), ("stain", 4)]
    assert report.overall.sampled == 365 and report.overall.defects == 12


def test_first_pass_yield_counts_orders_whose_first_final_passed() -> None:
    report = roll_up(TALLIES, DEFECTS)
    styles = {r.key: r.first_pass_yield for r in report.styles}
    assert styles == {"TEE": Decimal("50.00"), "POLO": Decimal("100.00")}
    assert report.overall.first_pass_yield == Decimal("66.67")
    only_inline = roll_up([InspectionTally("X", "", "F", 3, 60, 0, 0)], [])
    assert only_inline.overall.first_pass_yield is None


def test_a_category_on_one_style_at_two_factories_is_a_design_problem() -> None:
    repeated = repeated_defects(DEFECTS, {"TEE": "Crew tee"})
    assert [(r.style, r.style_name, r.category, r.factories, r.defects) for r in repeated] == [
        ("TEE", "Crew tee", "open seam", ("DAC1", "SGN1"), 8)
    ]
    same_factory_twice = [
        DefectTally("TEE", "SGN1", "hole", 1),
        DefectTally("TEE", "SGN1", "hole", 2),
    ]
    assert repeated_defects(same_factory_twice) == ()
    assert (
        repeated_defects([DefectTally("TEE", "A", "hole", 0), DefectTally("TEE", "B", "hole", 1)])
        == ()
    )


def test_nothing_inspected_gives_an_empty_report() -> None:
    report = roll_up([], [])
    assert report.styles == () and report.repeated == ()
    assert report.overall.inspections == 0 and report.overall.per_hundred == Decimal("0.00")
