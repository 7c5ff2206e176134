"""A quantity reading places a stage, goods ready before a closure leave before it, and a
revised date stands until the factory's own reports overtake it."""

from datetime import UTC, date, datetime, timedelta

import pytest

from wipbot.production.milestones import IssueFlag
from wipbot.production.milestones import Milestone as M
from wipbot.production.progress import Report, ReportedIssue
from wipbot.production.risk import RiskInput, RiskStatus, assess
from wipbot.production.tna import derive_plan

# Materials in 18 May, cutting 25 May, sewing 30 May, finishing 20 Jun, inspection 27 Jun,
# shipped 30 Jun: sewing 2,100 pieces is planned at 100 a day over 21 days.
PLAN = derive_plan(date(2025, 6, 30))
ORDER = 2100
COMMITTED = date(2025, 7, 7)
ON_TIME = date(2025, 6, 30)


def d(month: int, day: int) -> date:
    return date(2025, month, day)


def rep(day: date, milestone: M, **quantities: int) -> Report:
    return Report(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), milestone, quantities)


def judge(
    reports: list[Report],
    today: date,
    committed: date = COMMITTED,
    plan: dict[M, date] = PLAN,
    closed: frozenset[date] = frozenset(),
) -> tuple[date, RiskStatus, tuple[str, ...]]:
    found = assess(RiskInput(committed, plan, ORDER, reports, non_working_days=closed), today)
    return found.projected_exf, found.status, found.drivers


CUTTING_ON_PLAN = rep(d(5, 25), M.CUTTING)


@pytest.mark.parametrize(
    ("reports", "committed", "expected"),
    [
        pytest.param(
            [CUTTING_ON_PLAN, rep(d(6, 2), M.SEWING, sewn=300)],
            COMMITTED,
            (d(6, 30), RiskStatus.ON_TRACK, ()),
            id="sewn-as-the-plan-expects-is-on-plan",
        ),
        pytest.param(
            [CUTTING_ON_PLAN, rep(d(6, 2), M.SEWING, sewn=0)],
            ON_TIME,
            (
                d(7, 3),
                RiskStatus.LATE,
                ("sewing 3 d behind plan (0 of 2,100 sewn on 2025-06-02)",),
            ),
            id="nothing-sewn-three-days-after-plan-is-three-days-behind",
        ),
        pytest.param(
            [CUTTING_ON_PLAN, rep(d(5, 31), M.CUTTING), rep(d(6, 4), M.SEWING, sewn=800)],
            ON_TIME,
            (d(6, 30), RiskStatus.ON_TRACK, ()),
            id="output-ahead-of-plan-outweighs-a-late-start",
        ),
        pytest.param(
            [rep(d(5, 18), M.MATERIALS_IN), rep(d(5, 29), M.CUTTING, cut=0)],
            ON_TIME,
            (
                d(7, 4),
                RiskStatus.LATE,
                ("cutting 4 d behind plan (0 of 2,100 cut on 2025-05-29)",),
            ),
            id="nothing-cut-when-cutting-is-first-reported-places-its-start",
        ),
    ],
)
def test_one_reading_places_the_stage(
    reports: list[Report], committed: date, expected: tuple[date, RiskStatus, tuple[str, ...]]
) -> None:
    assert judge(reports, reports[-1].day, committed) == expected


# Inspection planned a week before ex-factory, and a closure from 28 June to 10 July, so the
# planned ex-factory (30 June) falls inside it.
ROOMY = {**PLAN, M.INSPECTION: d(6, 23)}
CLOSED = frozenset(d(6, 28) + timedelta(days=n) for n in range(13))


def test_goods_ready_before_a_closure_leave_on_its_eve() -> None:
    reports = [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 23), M.INSPECTION, packed=0)]
    assert judge(reports, d(6, 23), d(7, 1), ROOMY, CLOSED) == (d(6, 27), RiskStatus.ON_TRACK, ())


def test_work_that_runs_into_a_closure_waits_it_out() -> None:
    reports = [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 26), M.FINISHING, finished=0)]
    projected, status, drivers = judge(reports, d(6, 26), d(7, 1), ROOMY, CLOSED)
    # Finishing ends 29 June, inspection takes 3 days: 2 of them after the reopening.
    assert (projected, status) == (d(7, 12), RiskStatus.LATE)
    assert drivers[-1] == "10 holidays before ex-factory"


def test_goods_ready_before_a_closure_may_have_left_unreported() -> None:
    """Judged inside the closure, goods the last report left ready for its eve are taken to
    have left then: weekly check-ins report a shipment days late, so no report proves them
    still at the factory."""
    reports = [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 23), M.INSPECTION, packed=0)]
    assert judge(reports, d(7, 2), d(7, 1), ROOMY, CLOSED) == (d(6, 27), RiskStatus.ON_TRACK, ())


def test_work_the_last_report_leaves_unfinished_by_the_eve_still_waits_it_out() -> None:
    reports = [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 26), M.FINISHING, finished=0)]
    projected, status, _ = judge(reports, d(7, 2), d(7, 1), ROOMY, CLOSED)
    assert projected > d(7, 10) and status is RiskStatus.LATE


def revised(day: date, milestone: M, to: date) -> Report:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return Report(at, milestone, {}, (), to)


REVISED = [rep(d(5, 18), M.MATERIALS_IN), revised(d(5, 25), M.CUTTING, d(7, 12))]


@pytest.mark.parametrize(
    ("later", "today", "expected"),
    [
        pytest.param(
            [],
            d(5, 26),
            (d(7, 12), RiskStatus.AT_RISK, ("factory revised ex-factory to 2025-07-12",)),
            id="a-revision-stands-until-something-overtakes-it",
        ),
        pytest.param(
            [rep(d(5, 30), M.SEWING, sewn=0)],
            d(5, 31),
            (d(6, 30), RiskStatus.ON_TRACK, ()),
            id="sewing-reached-on-plan-after-it-overtakes-it",
        ),
        pytest.param(
            [rep(d(6, 2), M.CUTTING), rep(d(6, 6), M.SEWING)],
            d(6, 6),
            (
                d(7, 12),
                RiskStatus.AT_RISK,
                (
                    "factory revised ex-factory to 2025-07-12",
                    "sewing reached 4 d after plan",
                ),
            ),
            id="a-milestone-reached-late-after-it-keeps-it",
        ),
        pytest.param(
            [rep(d(5, 30), M.SEWING), revised(d(6, 6), M.SEWING, d(7, 14))],
            d(6, 6),
            (d(7, 14), RiskStatus.AT_RISK, ("factory revised ex-factory to 2025-07-14",)),
            id="a-later-revision-stands-again",
        ),
    ],
)
def test_a_revised_date_stands_until_the_reports_overtake_it(
    later: list[Report], today: date, expected: tuple[date, RiskStatus, tuple[str, ...]]
) -> None:
    assert judge([*REVISED, *later], today) == expected


def capacity_short(day: date, **quantities: int) -> Report:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return Report(at, M.SEWING, quantities, (ReportedIssue(IssueFlag.CAPACITY, 6),))


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        pytest.param(
            [CUTTING_ON_PLAN, rep(d(6, 2), M.SEWING, sewn=300), capacity_short(d(6, 9), sewn=1000)],
            (ON_TIME, RiskStatus.ON_TRACK, ()),
            id="a-pace-measured-on-plan-outweighs-the-announced-shortfall",
        ),
        pytest.param(
            [CUTTING_ON_PLAN, rep(d(6, 2), M.SEWING, sewn=300), capacity_short(d(6, 9), sewn=700)],
            (d(7, 14), RiskStatus.LATE, ("sewing at 57 % of the planned rate",)),
            id="a-slow-pace-is-counted-once-as-measured",
        ),
        pytest.param(
            [CUTTING_ON_PLAN, capacity_short(d(6, 9), sewn=1000)],
            (d(7, 6), RiskStatus.AT_RISK, ("capacity short +6 d",)),
            id="one-reading-measures-no-pace-so-the-announcement-stands",
        ),
    ],
)
def test_a_measured_pace_supersedes_a_delay_announced_for_its_stage(
    reports: list[Report], expected: tuple[date, RiskStatus, tuple[str, ...]]
) -> None:
    assert judge(reports, d(6, 9), committed=ON_TIME) == expected
