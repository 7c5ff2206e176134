from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from wipbot.production.milestones import IssueFlag
from wipbot.production.milestones import Milestone as M
from wipbot.production.progress import Report, ReportedIssue
from wipbot.production.risk import RiskInput, RiskStatus, assess, assess_as_of, risk_status
from wipbot.production.tna import derive_plan

# Materials in 18 May, cutting 25 May, sewing 30 May, finishing 20 Jun, inspection 27 Jun.
PLAN = derive_plan(date(2025, 6, 30))
COMMITTED = date(2025, 7, 7)  # a week of float behind the factory's plan
ORDER = 2100  # sewing is planned at 100 units a day over 21 days

ON_TRACK, AT_RISK, LATE = RiskStatus.ON_TRACK, RiskStatus.AT_RISK, RiskStatus.LATE


def d(month: int, day: int) -> date:
    return date(2025, month, day)


def rep(
    day: date,
    milestone: M,
    *issues: ReportedIssue,
    revised: date | None = None,
    **quantities: int,
) -> Report:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return Report(at, milestone, quantities, tuple(issues), revised)


def issue(flag: IssueFlag, days: int | None) -> ReportedIssue:
    return ReportedIssue(flag, days)


def risk_input(
    reports: Sequence[Report] = (),
    committed: date = COMMITTED,
    slips: Sequence[int] = (),
    closed: frozenset[date] = frozenset(),
    factory_plan: bool = False,
) -> RiskInput:
    return RiskInput(
        committed, PLAN, ORDER, reports, slips, closed, plan_allows_for_closures=factory_plan
    )


ON_PLAN = (rep(d(5, 18), M.MATERIALS_IN), rep(d(5, 25), M.CUTTING))
SLOW_SEWING = (rep(d(5, 30), M.SEWING, sewn=0), rep(d(6, 9), M.SEWING, sewn=620))

CASES = [
    pytest.param(risk_input(ON_PLAN), d(5, 27), d(6, 30), ON_TRACK, (), id="on-track"),
    pytest.param(
        risk_input([rep(d(5, 18), M.MATERIALS_IN, issue(IssueFlag.FABRIC_LATE, 5))]),
        d(5, 20),
        d(7, 5),
        AT_RISK,
        ("fabric late +5 d",),
        id="fabric-late-issue",
    ),
    pytest.param(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)]),
        d(5, 29),
        d(7, 5),
        AT_RISK,
        ("materials in reached 5 d after plan",),
        id="materials-reached-late",
    ),
    pytest.param(
        risk_input([rep(d(5, 23), M.MATERIALS_IN)]),
        d(5, 24),
        d(6, 30),
        ON_TRACK,
        (),
        id="first-report-within-one-check-in-interval-of-plan-is-on-plan",
    ),
    pytest.param(
        risk_input([rep(d(5, 18), M.MATERIALS_IN), rep(d(5, 30), M.CUTTING)]),
        d(5, 30),
        d(6, 30),
        ON_TRACK,
        (),
        id="weekly-reporting-alone-loses-no-days",
    ),
    pytest.param(
        risk_input([rep(d(5, 27), M.MATERIALS_IN), rep(d(5, 30), M.CUTTING)]),
        d(5, 30),
        d(7, 3),
        ON_TRACK,
        ("cutting reached 3 d after plan",),
        id="a-not-yet-report-proves-a-late-start",
    ),
    pytest.param(
        risk_input([rep(d(5, 29), M.MATERIALS_IN, issue(IssueFlag.FABRIC_LATE, 5))]),
        d(5, 29),
        d(7, 5),
        AT_RISK,
        ("materials in reached 5 d after plan", "fabric late +5 d"),
        id="issue-overlapping-observed-delay-not-double-counted",
    ),
    pytest.param(
        risk_input([rep(d(5, 21), M.MATERIALS_IN, issue(IssueFlag.FABRIC_LATE, 6))]),
        d(5, 22),
        d(7, 6),
        AT_RISK,
        ("fabric late +6 d",),
        id="larger-issue-estimate-wins",
    ),
    pytest.param(
        risk_input(
            [
                rep(
                    d(5, 18),
                    M.MATERIALS_IN,
                    issue(IssueFlag.FABRIC_LATE, 5),
                    issue(IssueFlag.TRIMS_LATE, 3),
                ),
            ]
        ),
        d(5, 19),
        d(7, 5),
        AT_RISK,
        ("fabric late +5 d",),
        id="causes-on-one-stage-waited-out-in-parallel",
    ),
    pytest.param(
        risk_input(
            [
                rep(d(5, 26), M.MATERIALS_IN),
                rep(d(5, 27), M.CUTTING, issue(IssueFlag.SHIPPING_DELAY, 3)),
            ]
        ),
        d(5, 28),
        d(7, 5),
        AT_RISK,
        ("shipping delay +3 d", "cutting reached 2 d after plan"),
        id="delay-for-a-stage-ahead-adds-on-top",
    ),
    pytest.param(
        risk_input([rep(d(5, 25), M.CUTTING, issue(IssueFlag.OTHER, None))]),
        d(5, 26),
        d(6, 30),
        ON_TRACK,
        (),
        id="issue-without-delay-moves-nothing",
    ),
    pytest.param(
        risk_input(SLOW_SEWING, committed=d(6, 30)),
        d(6, 10),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        id="slow-sewing-late",
    ),
    pytest.param(
        risk_input(SLOW_SEWING[::-1], committed=d(6, 30)),
        d(6, 10),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        id="unsorted-reports",
    ),
    pytest.param(
        risk_input([rep(d(5, 30), M.SEWING, sewn=0), rep(d(6, 9), M.SEWING, sewn=1000)]),
        d(6, 10),
        d(6, 30),
        ON_TRACK,
        (),
        id="sewing-at-planned-rate",
    ),
    pytest.param(
        risk_input(
            [rep(d(6, 1), M.CUTTING), rep(d(6, 2), M.SEWING), rep(d(6, 9), M.SEWING, sewn=700)],
            committed=d(7, 5),
        ),
        d(6, 10),
        d(7, 3),
        AT_RISK,
        ("sewing reached 3 d after plan",),
        id="late-start-at-planned-rate-since-start",
    ),
    pytest.param(
        risk_input([*SLOW_SEWING, rep(d(6, 12), M.CUTTING, cut=2100)], committed=d(6, 30)),
        d(6, 13),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        id="furthest-milestone-wins",
    ),
    pytest.param(
        risk_input([*SLOW_SEWING, rep(d(6, 12), M.SEWING, sewn=620)], committed=d(6, 30)),
        d(6, 13),
        d(7, 24),
        LATE,
        ("sewing at 48 % of the planned rate",),
        id="stalled-week-falls-back-to-average-since-stage-start",
    ),
    pytest.param(
        risk_input([rep(d(6, 10), M.SEWING, sewn=2100)]),
        d(6, 12),
        d(6, 30),
        ON_TRACK,
        (),
        id="sewing-complete-before-finishing-due",
    ),
    pytest.param(
        risk_input([rep(d(6, 20), M.FINISHING), rep(d(6, 24), M.FINISHING, finished=1050)]),
        d(6, 25),
        d(7, 1),
        ON_TRACK,
        ("finishing at 88 % of the planned rate",),
        id="finishing-rate",
    ),
    pytest.param(
        risk_input([*ON_PLAN, rep(d(6, 1), M.CUTTING)]),
        d(6, 5),
        d(7, 6),
        AT_RISK,
        ("sewing 6 d overdue",),
        id="overdue-milestone",
    ),
    pytest.param(
        risk_input([*ON_PLAN, rep(d(5, 30), M.SEWING, revised=d(7, 10))]),
        d(6, 2),
        d(7, 10),
        LATE,
        ("factory revised ex-factory to 2025-07-10",),
        id="revised-date-honoured",
    ),
    pytest.param(
        risk_input(
            [
                rep(d(5, 18), M.MATERIALS_IN, issue(IssueFlag.FABRIC_LATE, 5), revised=d(7, 2)),
            ]
        ),
        d(5, 19),
        d(7, 5),
        AT_RISK,
        ("fabric late +5 d",),
        id="earlier-revised-date-ignored",
    ),
    pytest.param(
        risk_input(ON_PLAN, closed=frozenset({d(5, 20), d(6, 10), d(6, 11), d(7, 1)})),
        d(5, 27),
        d(7, 3),
        ON_TRACK,
        ("3 holidays before ex-factory",),
        id="holidays-push-out-including-newly-reached-ones",
    ),
    pytest.param(
        risk_input(ON_PLAN, closed=frozenset({d(6, 12)})),
        d(5, 27),
        d(7, 1),
        ON_TRACK,
        ("1 holiday before ex-factory",),
        id="one-holiday",
    ),
    pytest.param(
        risk_input(ON_PLAN, closed=frozenset({d(6, 12)}), factory_plan=True),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        id="a-factory-plan-already-works-around-its-holidays",
    ),
    pytest.param(
        risk_input(
            ON_PLAN, closed=frozenset({d(6, 12), d(7, 1)}), slips=(2, 3, 5), factory_plan=True
        ),
        d(5, 27),
        d(7, 4),
        ON_TRACK,
        ("factory history +3 d", "1 holiday before ex-factory"),
        id="a-slip-past-the-factory-plan-runs-into-unplanned-holidays",
    ),
    pytest.param(
        risk_input(ON_PLAN, slips=(2, 3, 5)),
        d(5, 27),
        d(7, 3),
        ON_TRACK,
        ("factory history +3 d",),
        id="history-median",
    ),
    pytest.param(
        risk_input(ON_PLAN, slips=(1, 2, 3, 4)),
        d(5, 27),
        d(7, 3),
        ON_TRACK,
        ("factory history +3 d",),
        id="history-half-day-rounds-up",
    ),
    pytest.param(
        risk_input(ON_PLAN, slips=(9, 9)),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        id="history-ignored-below-three-points",
    ),
    pytest.param(
        risk_input(ON_PLAN, slips=(-4, -1, 0)),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        id="early-history-ignored",
    ),
    pytest.param(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)], slips=(3, 3, 3)),
        d(5, 29),
        d(7, 5),
        AT_RISK,
        ("materials in reached 5 d after plan",),
        id="history-overlaps-observed-delay",
    ),
    pytest.param(
        risk_input([rep(d(5, 18), M.MATERIALS_IN)]),
        d(5, 30),
        d(7, 5),
        AT_RISK,
        ("cutting 5 d overdue", "no check-in for 12 d"),
        id="stale-and-overdue",
    ),
    pytest.param(
        risk_input(),
        d(5, 1),
        d(6, 30),
        ON_TRACK,
        ("no check-in yet",),
        id="no-report-yet",
    ),
    pytest.param(
        risk_input(slips=(4, 4, 4)),
        d(5, 20),
        d(7, 4),
        ON_TRACK,
        ("factory history +4 d", "no check-in yet"),
        id="no-report-plan-plus-history",
    ),
    pytest.param(
        risk_input(),
        d(7, 2),
        d(7, 2),
        ON_TRACK,
        ("ex-factory passed, not shipped", "no check-in yet"),
        id="no-report-ex-factory-passed",
    ),
    pytest.param(
        risk_input([*ON_PLAN, rep(d(6, 28), M.SHIPPED, shipped=2100)]),
        d(7, 20),
        d(6, 28),
        ON_TRACK,
        ("shipped 2025-06-28",),
        id="shipped-on-time",
    ),
    pytest.param(
        risk_input([rep(d(7, 9), M.SHIPPED), *ON_PLAN]),
        d(7, 10),
        d(7, 9),
        LATE,
        ("shipped 2025-07-09",),
        id="shipped-late",
    ),
]


@pytest.mark.parametrize(("inp", "today", "projected", "status", "drivers"), CASES)
def test_assess(
    inp: RiskInput, today: date, projected: date, status: RiskStatus, drivers: tuple[str, ...]
) -> None:
    result = assess(inp, today)
    assert (result.projected_exf, result.status, result.drivers) == (projected, status, drivers)
    assert result.slack_days == (inp.committed_exf - projected).days


@pytest.mark.parametrize(
    ("reports", "today", "stale", "age"),
    [
        pytest.param((), d(5, 17), False, None, id="never-reported-nothing-due"),
        pytest.param((), d(5, 18), True, None, id="never-reported-materials-due"),
        pytest.param([rep(d(5, 18), M.MATERIALS_IN)], d(5, 28), False, 10, id="exactly-limit"),
        pytest.param([rep(d(5, 18), M.MATERIALS_IN)], d(5, 29), True, 11, id="past-limit"),
        pytest.param(
            [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 28), M.SHIPPED)],
            d(8, 1),
            False,
            34,
            id="shipped-never-stale",
        ),
    ],
)
def test_staleness(reports: list[Report], today: date, stale: bool, age: int | None) -> None:
    result = assess(risk_input(reports), today)
    assert (result.stale, result.data_age_days) == (stale, age)


@pytest.mark.parametrize(
    ("slack", "buffer", "status"),
    [(-1, 3, LATE), (0, 3, AT_RISK), (2, 3, AT_RISK), (3, 3, ON_TRACK), (0, 0, ON_TRACK)],
)
def test_risk_status(slack: int, buffer: int, status: RiskStatus) -> None:
    assert risk_status(slack, buffer) is status


REPORTED_LATER = (
    rep(d(5, 18), M.MATERIALS_IN),
    rep(d(5, 30), M.CUTTING, revised=d(7, 20)),
)


@pytest.mark.parametrize(
    ("as_of", "projected", "status"),
    [
        pytest.param(d(5, 20), d(6, 30), ON_TRACK, id="before-the-late-report"),
        pytest.param(d(5, 29), d(7, 4), ON_TRACK, id="cutting-overdue-but-not-yet-reported"),
        pytest.param(d(5, 30), d(7, 20), LATE, id="late-report-known"),
    ],
)
def test_assess_as_of_drops_later_reports(as_of: date, projected: date, status: RiskStatus) -> None:
    result = assess_as_of(risk_input(REPORTED_LATER), as_of)
    assert (result.projected_exf, result.status) == (projected, status)


def test_assess_as_of_equals_assess_on_known_reports() -> None:
    known = risk_input(REPORTED_LATER[:1])
    assert assess_as_of(risk_input(REPORTED_LATER), d(5, 25)) == assess(known, d(5, 25))


@pytest.mark.parametrize(
    "kwargs",
    [{"order_quantity": 0}, {"buffer_days": -1}, {"stale_after_days": -3}],
)
def test_invalid_risk_input(kwargs: dict[str, int]) -> None:
    base = {"committed_exf": COMMITTED, "plan": PLAN, "order_quantity": ORDER, "reports": ()}
    with pytest.raises(ValueError, match="must"):
        RiskInput(**{**base, **kwargs})  # type: ignore[arg-type]
