from datetime import date, timedelta

import pytest

from wipbot.production.milestones import FASTEST_DAYS_TO_NEXT, STANDARD_DAYS_TO_NEXT
from wipbot.production.milestones import Milestone as M
from wipbot.production.tna import derive_plan, latest_plan

EXF = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            None,
            {
                M.MATERIALS_IN: date(2025, 5, 18),
                M.CUTTING: date(2025, 5, 25),
                M.SEWING: date(2025, 5, 30),
                M.FINISHING: date(2025, 6, 20),
                M.INSPECTION: date(2025, 6, 27),
                M.SHIPPED: EXF,
            },
            id="all-derived-backwards",
        ),
        pytest.param(
            {M.SEWING: date(2025, 5, 20)},
            {
                M.MATERIALS_IN: date(2025, 5, 8),
                M.CUTTING: date(2025, 5, 15),
                M.SEWING: date(2025, 5, 20),
                M.FINISHING: date(2025, 6, 20),
                M.INSPECTION: date(2025, 6, 27),
                M.SHIPPED: EXF,
            },
            id="given-date-wins-and-anchors-earlier-ones",
        ),
        pytest.param(
            {M.CUTTING: date(2025, 6, 5), M.SHIPPED: EXF},
            {
                M.MATERIALS_IN: date(2025, 5, 29),
                M.CUTTING: date(2025, 6, 5),
                M.SEWING: date(2025, 6, 5),
                M.FINISHING: date(2025, 6, 20),
                M.INSPECTION: date(2025, 6, 27),
                M.SHIPPED: EXF,
            },
            id="derived-date-never-before-an-earlier-given-one",
        ),
        pytest.param(
            {M.FINISHING: date(2025, 6, 30), M.INSPECTION: date(2025, 6, 30)},
            {
                M.MATERIALS_IN: date(2025, 5, 28),
                M.CUTTING: date(2025, 6, 4),
                M.SEWING: date(2025, 6, 9),
                M.FINISHING: EXF,
                M.INSPECTION: EXF,
                M.SHIPPED: EXF,
            },
            id="same-day-milestones-allowed",
        ),
    ],
)
def test_derive_plan(given: dict[M, date] | None, expected: dict[M, date]) -> None:
    plan = derive_plan(EXF, given)
    assert plan == expected
    assert list(plan) == list(M)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param(
            {M.CUTTING: date(2025, 6, 1), M.SEWING: date(2025, 5, 30)},
            "sewing on 2025-05-30 is planned before cutting on 2025-06-01",
            id="given-dates-backwards",
        ),
        pytest.param(
            {M.INSPECTION: date(2025, 7, 2)},
            "shipped on 2025-06-30 is planned before inspection on 2025-07-02",
            id="given-date-after-ex-factory",
        ),
        pytest.param(
            {M.SHIPPED: date(2025, 7, 1)},
            "planned shipped date 2025-07-01 differs from the ex-factory date 2025-06-30",
            id="shipped-differs-from-ex-factory",
        ),
    ],
)
def test_derive_plan_rejects_impossible_plans(given: dict[M, date], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        derive_plan(EXF, given)


def test_a_derived_plan_walks_back_with_the_factory_s_own_stage_times() -> None:
    days = {M.MATERIALS_IN: 6, M.CUTTING: 4, M.SEWING: 12, M.FINISHING: 8, M.INSPECTION: 2}
    plan = derive_plan(EXF, {M.CUTTING: date(2025, 5, 20)}, days)
    assert plan == {
        M.MATERIALS_IN: date(2025, 5, 14),
        M.CUTTING: date(2025, 5, 20),  # given dates still win
        M.SEWING: date(2025, 6, 8),
        M.FINISHING: date(2025, 6, 20),
        M.INSPECTION: date(2025, 6, 28),
        M.SHIPPED: EXF,
    }


def test_a_derived_date_is_judged_at_the_fastest_time_it_is_given() -> None:
    plan = derive_plan(EXF)
    derived = frozenset(list(M)[:-1])
    standard = latest_plan(plan, derived)
    own = latest_plan(plan, derived, {m: STANDARD_DAYS_TO_NEXT[m] for m in list(M)[:-1]})
    assert standard[M.SEWING] == EXF - timedelta(
        days=FASTEST_DAYS_TO_NEXT[M.INSPECTION]
        + FASTEST_DAYS_TO_NEXT[M.FINISHING]
        + FASTEST_DAYS_TO_NEXT[M.SEWING]
    )
    # Judged at its typical times, a derived plan is not moved at all.
    assert own == plan
