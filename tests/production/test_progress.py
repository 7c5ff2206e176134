from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from wipbot.production.milestones import IssueFlag
from wipbot.production.milestones import Milestone as M
from wipbot.production.progress import (
    Report,
    ReportedIssue,
    StagePace,
    derive_state,
    percent_complete,
    stage_pace,
)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("milestone", "quantities", "expected"),
    [
        pytest.param(None, {}, 0.0, id="nothing-reported"),
        pytest.param(M.MATERIALS_IN, {}, 5.0, id="materials-count-fully-once-reached"),
        pytest.param(M.CUTTING, {}, 5.0, id="stage-without-quantity-counts-zero"),
        pytest.param(M.CUTTING, {"cut": 500}, 10.0, id="half-cut"),
        pytest.param(M.SEWING, {"cut": 1000, "sewn": 620}, 46.0, id="sewing-share"),
        pytest.param(M.SEWING, {"sewn": 1234}, 65.0, id="over-production-capped"),
        pytest.param(M.FINISHING, {"finished": 333}, 71.7, id="one-decimal"),
        pytest.param(M.INSPECTION, {"packed": 1000}, 95.0, id="packed-all"),
        pytest.param(M.SHIPPED, {}, 100.0, id="shipped-without-quantity"),
        pytest.param(M.SHIPPED, {"shipped": 500}, 97.5, id="part-shipped"),
        pytest.param(M.SHIPPED, {"shipped": 1000}, 100.0, id="all-shipped"),
    ],
)
def test_percent_complete(milestone: M | None, quantities: dict[str, int], expected: float) -> None:
    assert percent_complete(1000, milestone, quantities) == expected


REPORTS = (
    Report(at(date(2025, 5, 20)), M.CUTTING, {"cut": 400}),
    Report(
        at(date(2025, 6, 3)),
        M.SEWING,
        {"cut": 1000, "sewn": 300},
        revised_exf=date(2025, 7, 4),
    ),
    Report(
        at(date(2025, 6, 10)),
        M.CUTTING,
        {"sewn": 550},
        issues=(ReportedIssue(IssueFlag.TRIMS_LATE, 3),),
    ),
)


@pytest.mark.parametrize(
    "reports",
    [
        pytest.param(REPORTS, id="in-order"),
        pytest.param(REPORTS[::-1], id="reversed"),
        pytest.param((REPORTS[1], REPORTS[2], REPORTS[0]), id="shuffled"),
    ],
)
def test_derive_state_folds_reports_in_time_order(reports: tuple[Report, ...]) -> None:
    state = derive_state(1000, reports, at(date(2025, 6, 14), 12))
    assert state.milestone is M.SEWING
    assert state.quantities == {"cut": 1000, "sewn": 550}
    assert state.percent_complete == 42.5
    assert state.last_report_at == at(date(2025, 6, 10))
    assert state.days_since_last_report == 4
    assert state.milestone_dates == {
        M.MATERIALS_IN: date(2025, 5, 20),
        M.CUTTING: date(2025, 5, 20),
        M.SEWING: date(2025, 6, 3),
    }
    assert state.open_issues == (ReportedIssue(IssueFlag.TRIMS_LATE, 3),)
    assert state.revised_exf == date(2025, 7, 4)


def test_derive_state_without_reports() -> None:
    state = derive_state(1000, (), at(date(2025, 6, 1)))
    assert (state.milestone, state.percent_complete, state.days_since_last_report) == (
        None,
        0.0,
        None,
    )
    assert (state.milestone_dates, state.open_issues, state.revised_exf) == ({}, (), None)


def test_open_issues_cleared_by_a_report_without_them() -> None:
    reports = (
        Report(at(date(2025, 6, 1)), M.SEWING, {}, (ReportedIssue(IssueFlag.CAPACITY, 4),)),
        Report(at(date(2025, 6, 8)), M.SEWING, {"sewn": 10}),
    )
    assert derive_state(1000, reports, at(date(2025, 6, 9))).open_issues == ()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: Report(datetime(2025, 6, 1, 9), M.CUTTING, {}),
            "timezone-aware",
            id="naive-datetime",
        ),
        pytest.param(
            lambda: Report(at(date(2025, 6, 1)), M.CUTTING, {"knitted": 5}),
            "unknown quantities",
            id="unknown-quantity",
        ),
        pytest.param(
            lambda: Report(at(date(2025, 6, 1)), M.CUTTING, {"cut": -1}),
            "must not be negative",
            id="negative-quantity",
        ),
        pytest.param(
            lambda: ReportedIssue(IssueFlag.OTHER, -2), "must not be negative", id="negative-delay"
        ),
        pytest.param(
            lambda: derive_state(0, (), at(date(2025, 6, 1))),
            "order quantity must be positive",
            id="zero-order-quantity",
        ),
    ],
)
def test_invalid_input_is_rejected(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def sewn(day: int, quantity: int, hour: int = 9) -> Report:
    return Report(at(date(2025, 6, day), hour), M.SEWING, {"sewn": quantity})


@pytest.mark.parametrize(
    ("stage", "reports", "expected"),
    [
        pytest.param(M.SEWING, (), None, id="no-readings"),
        pytest.param(M.MATERIALS_IN, (sewn(9, 620),), None, id="stage-without-quantity"),
        pytest.param(
            M.SEWING,
            (sewn(9, 620), sewn(2, 100)),
            StagePace(520 / 7, date(2025, 6, 9), 620),
            id="between-last-two-readings",
        ),
        pytest.param(
            M.SEWING,
            (sewn(2, 300), sewn(9, 300)),
            StagePace(30.0, date(2025, 6, 9), 300),
            id="stalled-week-falls-back-to-average-since-start",
        ),
        pytest.param(
            M.SEWING,
            (sewn(2, 100), sewn(9, 500, 8), sewn(9, 800, 17)),
            StagePace(100.0, date(2025, 6, 9), 800),
            id="latest-reading-of-a-day-counts",
        ),
        pytest.param(M.SEWING, (sewn(9, 620),), None, id="one-reading-is-no-pace"),
        pytest.param(
            M.SEWING,
            (Report(at(date(2025, 5, 25)), M.CUTTING, {"sewn": 0}), sewn(2, 300), sewn(9, 1000)),
            StagePace(100.0, date(2025, 6, 9), 1000),
            id="a-reading-from-before-the-stage-is-left-out",
        ),
        pytest.param(
            M.SEWING,
            (Report(at(date(2025, 5, 25)), M.CUTTING, {"sewn": 0}), sewn(9, 620)),
            None,
            id="the-reading-before-the-stage-makes-no-pace",
        ),
    ],
)
def test_stage_pace(stage: M, reports: tuple[Report, ...], expected: StagePace | None) -> None:
    assert stage_pace(reports, stage, started=date(2025, 5, 30)) == expected
