from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from wipbot.production.aql import (
    _TABLE_I,
    _TABLE_II_A,
    AQLS,
    CODE_LETTERS,
    LEVELS,
    AqlConfig,
    SamplingPlan,
    Severity,
    code_letter,
    judge,
    sampling_plan,
)


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (2, "II", "A"),
        (8, "II", "A"),
        (9, "II", "B"),
        (10, "II", "B"),
        (15, "II", "B"),
        (16, "II", "C"),
        (50, "II", "D"),
        (51, "II", "E"),
        (150, "II", "F"),
        (280, "II", "G"),
        (281, "II", "H"),
        (500, "II", "H"),
        (501, "II", "J"),
        (1200, "II", "J"),
        (1201, "II", "K"),
        (3200, "II", "K"),
        (3201, "II", "L"),
        (10000, "II", "L"),
        (10001, "II", "M"),
        (35001, "II", "N"),
        (150001, "II", "P"),
        (500001, "II", "Q"),
        (3200, "I", "H"),
        (3200, "III", "L"),
        (2, "III", "B"),
        (500001, "III", "R"),
        (500001, "I", "N"),
        (3200, "S-1", "C"),
        (3200, "S-4", "G"),
        (500001, "S-4", "K"),
        (26, "S-2", "B"),
        (3200, "g-ii", "K"),
        (3200, "2", "K"),
        (3200, "s3", "E"),
    ],
)
def test_code_letter(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


@pytest.mark.parametrize("level", LEVELS)
def test_table_i_letters_never_shrink_as_lots_grow(level: str) -> None:
    column = [letters[LEVELS.index(level)] for _, letters in _TABLE_I]
    indexes = [CODE_LETTERS.index(letter) for letter in column]
    assert indexes == sorted(indexes)


@pytest.mark.parametrize(("upper", "letters"), _TABLE_I)
def test_table_i_stricter_levels_never_sample_less(upper: int | None, letters: str) -> None:
    indexes = [CODE_LETTERS.index(letter) for letter in letters]
    assert indexes == sorted(indexes), upper


_DIAGONAL = ["1/2", "2/3", "3/4", "5/6", "7/8", "10/11", "14/15", "21/22"]


def _expected_cell(letter: str, aql: Decimal) -> str:
    """Table II-A is constant along diagonals: sample size and AQL step by the same ratio."""
    d = CODE_LETTERS.index(letter) + AQLS.index(aql)
    if d < 12:
        return "v"
    if d == 12:
        return "0/1"
    if d == 13:
        return "^"
    if d == 14:
        return "v"
    return _DIAGONAL[d - 15] if d - 15 < len(_DIAGONAL) else "^"


@pytest.mark.parametrize("letter", CODE_LETTERS)
def test_table_ii_a_rows_follow_the_diagonals(letter: str) -> None:
    cells = _TABLE_II_A[letter].split()
    assert cells == [_expected_cell(letter, aql) for aql in AQLS]


@pytest.mark.parametrize(
    ("lot_size", "aql", "level", "plan"),
    [
        (3200, "2.5", "II", SamplingPlan("K", 125, 7, 8)),
        (3200, "4.0", "II", SamplingPlan("K", 125, 10, 11)),
        (3200, "1.0", "II", SamplingPlan("K", 125, 3, 4)),
        (3201, "2.5", "II", SamplingPlan("L", 200, 10, 11)),
        (3201, "4.0", "II", SamplingPlan("L", 200, 14, 15)),
        (3201, "0.065", "II", SamplingPlan("L", 200, 0, 1)),
        (500, "2.5", "II", SamplingPlan("H", 50, 3, 4)),
        (500, "4.0", "II", SamplingPlan("H", 50, 5, 6)),
        (500, "1.5", "II", SamplingPlan("H", 50, 2, 3)),
        (500, "0.65", "II", SamplingPlan("J", 80, 1, 2)),
        (1200, "2.5", "II", SamplingPlan("J", 80, 5, 6)),
        (1200, "4.0", "II", SamplingPlan("J", 80, 7, 8)),
        (1200, "6.5", "II", SamplingPlan("J", 80, 10, 11)),
        (10, "4.0", "II", SamplingPlan("B", 3, 0, 1)),
        (10, "6.5", "II", SamplingPlan("A", 2, 0, 1)),
        (10, "2.5", "II", SamplingPlan("C", 5, 0, 1)),
        (150, "2.5", "II", SamplingPlan("F", 20, 1, 2)),
        (150, "6.5", "II", SamplingPlan("F", 20, 3, 4)),
        (150, "1.0", "II", SamplingPlan("E", 13, 0, 1)),
        (150, "1.5", "II", SamplingPlan("G", 32, 1, 2)),
        (10001, "1.0", "II", SamplingPlan("M", 315, 7, 8)),
        (10001, "2.5", "II", SamplingPlan("M", 315, 14, 15)),
        (10001, "4.0", "II", SamplingPlan("M", 315, 21, 22)),
        (10001, "6.5", "II", SamplingPlan("L", 200, 21, 22)),
        (10001, "0.065", "II", SamplingPlan("L", 200, 0, 1)),
        (35001, "2.5", "II", SamplingPlan("N", 500, 21, 22)),
        (35001, "4.0", "II", SamplingPlan("M", 315, 21, 22)),
        (35001, "0.065", "II", SamplingPlan("P", 800, 1, 2)),
        (35001, "0.10", "II", SamplingPlan("N", 500, 1, 2)),
        (150001, "1.0", "II", SamplingPlan("P", 800, 14, 15)),
        (500001, "1.0", "II", SamplingPlan("Q", 1250, 21, 22)),
        (500001, "1.5", "II", SamplingPlan("P", 800, 21, 22)),
        (500001, "0.065", "III", SamplingPlan("R", 2000, 3, 4)),
        (500001, "0.65", "III", SamplingPlan("R", 2000, 21, 22)),
        (500001, "1.0", "III", SamplingPlan("Q", 1250, 21, 22)),
        (3200, "2.5", "I", SamplingPlan("H", 50, 3, 4)),
        (3200, "2.5", "S-4", SamplingPlan("G", 32, 2, 3)),
        (3200, "2.50", "II", SamplingPlan("K", 125, 7, 8)),
    ],
)
def test_sampling_plan(lot_size: int, aql: str, level: str, plan: SamplingPlan) -> None:
    assert sampling_plan(lot_size, Decimal(aql), level) == plan


@pytest.mark.parametrize(
    ("lot_size", "level", "plan"),
    [
        (500, "II", SamplingPlan("H", 50, 0, 1)),
        (3200, "II", SamplingPlan("K", 125, 0, 1)),
        (5, "II", SamplingPlan("A", 2, 0, 1)),
        (500001, "III", SamplingPlan("R", 2000, 0, 1)),
        (2, "III", SamplingPlan("B", 2, 0, 1)),
    ],
)
def test_zero_tolerance_uses_the_levels_sample(
    lot_size: int, level: str, plan: SamplingPlan
) -> None:
    assert sampling_plan(lot_size, Decimal("0"), level) == plan


@pytest.mark.parametrize(
    ("lot_size", "aql", "plan"),
    [
        (3, "2.5", SamplingPlan("C", 3, 0, 1)),
        (20, "0.065", SamplingPlan("L", 20, 0, 1)),
        (100, "0.25", SamplingPlan("H", 50, 0, 1)),
        (45, "0.25", SamplingPlan("H", 45, 0, 1)),
    ],
)
def test_sample_larger_than_lot_means_full_inspection(
    lot_size: int, aql: str, plan: SamplingPlan
) -> None:
    assert sampling_plan(lot_size, Decimal(aql)) == plan


@pytest.mark.parametrize(
    ("lot_size", "defects", "passed", "reasons"),
    [
        (500, {}, True, ()),
        (500, {Severity.MAJOR: 3, Severity.MINOR: 5}, True, ()),
        (500, {Severity.MAJOR: 4}, False, ("major defects 4 > accept 3 (AQL 2.5, sample 50)",)),
        (500, {Severity.MINOR: 6}, False, ("minor defects 6 > accept 5 (AQL 4.0, sample 50)",)),
        (500, {Severity.CRITICAL: 1}, False, ("critical defects 1 > accept 0 (AQL 0, sample 50)",)),
        (
            1200,
            {Severity.MINOR: 9, Severity.MAJOR: 6},
            False,
            (
                "major defects 6 > accept 5 (AQL 2.5, sample 80)",
                "minor defects 9 > accept 7 (AQL 4.0, sample 80)",
            ),
        ),
        (3201, {"major": 10, "minor": 14}, True, ()),
    ],
)
def test_judge_default_config(
    lot_size: int, defects: dict[Severity, int], passed: bool, reasons: tuple[str, ...]
) -> None:
    verdict = judge(lot_size, defects)
    assert verdict.passed is passed
    assert verdict.reasons == reasons


def test_judge_reports_plans_and_sample_sizes_per_severity() -> None:
    verdict = judge(10, {Severity.MAJOR: 1})
    assert verdict.sample_size_by_severity == {
        Severity.CRITICAL: 3,
        Severity.MAJOR: 5,
        Severity.MINOR: 3,
    }
    assert verdict.sample_size == 5
    assert verdict.plans[Severity.MAJOR] == SamplingPlan("C", 5, 0, 1)
    assert verdict.found == {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 0}
    assert verdict.reasons == ("major defects 1 > accept 0 (AQL 2.5, sample 5)",)


def test_judge_custom_config() -> None:
    config = AqlConfig(level="I", major=Decimal("1.5"), minor=Decimal("2.5"))
    verdict = judge(3200, {Severity.MAJOR: 2, Severity.MINOR: 4}, config)
    assert verdict.plans[Severity.MAJOR] == SamplingPlan("H", 50, 2, 3)
    assert verdict.plans[Severity.MINOR] == SamplingPlan("H", 50, 3, 4)
    assert verdict.reasons == ("minor defects 4 > accept 3 (AQL 2.5, sample 50)",)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sampling_plan(1, Decimal("2.5")), "at least 2"),
        (lambda: sampling_plan(0, Decimal("2.5")), "at least 2"),
        (lambda: sampling_plan(-40, Decimal("2.5")), "at least 2"),
        (lambda: sampling_plan(2.5, Decimal("2.5")), "whole number"),  # type: ignore[arg-type]
        (lambda: sampling_plan(500, Decimal("3.0")), "unsupported AQL 3.0"),
        (lambda: sampling_plan(500, Decimal("-1")), "unsupported AQL"),
        (lambda: sampling_plan(500, "lots"), "AQL must be a number"),  # type: ignore[arg-type]
        (lambda: sampling_plan(500, Decimal("2.5"), "IV"), "unknown inspection level"),
        (lambda: judge(500, {Severity.MAJOR: -1}), "major defect count"),
        (lambda: judge(500, {"cosmetic": 1}), "unknown severity"),  # type: ignore[dict-item]
        (lambda: judge(1, {}), "at least 2"),
        (lambda: AqlConfig(level="G-IV"), "unknown inspection level 'G-IV'"),
        (lambda: AqlConfig(major=Decimal("2.0")), "unsupported AQL 2.0"),
    ],
)
def test_bad_input_is_refused_clearly(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
