from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wipbot.production.milestones import MILESTONES, IssueFlag
from wipbot.production.milestones import Milestone as M
from wipbot.production.progress import Report, ReportedIssue
from wipbot.production.risk import (
    RiskInput,
    RiskStatus,
    assess,
    assess_as_of,
    delay_share,
    risk_status,
)
from wipbot.production.tna import derive_plan

# Materials in 18 May, cutting 25 May, sewing 30 May, finishing 20 Jun, inspection 27 Jun,
# shipped 30 Jun: the factory's own T&A unless a case says the plan was derived.
PLAN = derive_plan(date(2025, 6, 30))
COMMITTED = date(2025, 7, 7)  # a week of slack behind the factory's plan
ON_TIME = date(2025, 6, 30)  # a T&A whose shipped date is the committed date: no slack
ORDER = 2100  # sewing is planned at 100 units a day over 21 days
DERIVED = frozenset(MILESTONES[:-1])

ON_TRACK, AT_RISK, LATE = RiskStatus.ON_TRACK, RiskStatus.AT_RISK, RiskStatus.LATE
NOT_STARTED = None


def d(month: int, day: int) -> date:
    return date(2025, month, day)


def rep(
    day: date,
    milestone: M | None,
    *issues: ReportedIssue,
    revised: date | None = None,
    shipped_on: date | None = None,
    **quantities: int,
) -> Report:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return Report(at, milestone, quantities, tuple(issues), revised, shipped_on)


def issue(flag: IssueFlag, days: int | None) -> ReportedIssue:
    return ReportedIssue(flag, days)


def risk_input(
    reports: Sequence[Report] = (),
    committed: date = COMMITTED,
    slips: Sequence[int] = (),
    closed: frozenset[date] = frozenset(),
    plan: dict[M, date] = PLAN,
    derived: frozenset[M] = frozenset(),
) -> RiskInput:
    return RiskInput(committed, plan, ORDER, reports, slips, closed, derived_milestones=derived)


ON_PLAN = (rep(d(5, 18), M.MATERIALS_IN), rep(d(5, 25), M.CUTTING))
SLOW_SEWING = (rep(d(5, 30), M.SEWING, sewn=0), rep(d(6, 9), M.SEWING, sewn=620))
# Inspection planned a week before ex-factory: four days more than it needs (free float).
ROOMY = {**PLAN, M.INSPECTION: d(6, 23)}


def case(
    inp: RiskInput,
    today: date,
    projected: date,
    status: RiskStatus,
    drivers: tuple[str, ...],
    id: str,
) -> object:
    return pytest.param(inp, today, projected, status, drivers, id=id)


CASES = [
    case(risk_input(ON_PLAN), d(5, 27), d(6, 30), ON_TRACK, (), "on-plan"),
    case(
        risk_input([rep(d(5, 18), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 5))]),
        d(5, 20),
        d(7, 5),
        ON_TRACK,
        ("fabric late +5 d",),
        "announced-delay-within-the-slack-is-on-track",
    ),
    case(
        risk_input([rep(d(5, 18), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 5))], ON_TIME),
        d(5, 20),
        d(7, 5),
        AT_RISK,
        ("fabric late +5 d",),
        "announced-delay-past-the-committed-date-is-at-risk",
    ),
    case(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)], ON_TIME),
        d(5, 29),
        d(7, 5),
        LATE,
        ("materials in reached 5 d after plan", "cutting 4 d overdue"),
        "observed-delay-past-the-committed-date-is-late",
    ),
    case(
        risk_input([rep(d(5, 23), M.MATERIALS_IN)]),
        d(5, 24),
        d(6, 30),
        ON_TRACK,
        (),
        "first-report-within-one-check-in-interval-of-plan-is-on-plan",
    ),
    case(
        risk_input([rep(d(5, 18), M.MATERIALS_IN), rep(d(5, 30), M.CUTTING)]),
        d(5, 30),
        d(6, 30),
        ON_TRACK,
        (),
        "weekly-reporting-alone-loses-no-days",
    ),
    case(
        risk_input(
            [
                rep(
                    d(5, 18),
                    NOT_STARTED,
                    issue(IssueFlag.FABRIC_LATE, 5),
                    issue(IssueFlag.TRIMS_LATE, 3),
                ),
            ]
        ),
        d(5, 19),
        d(7, 5),
        ON_TRACK,
        ("fabric late +5 d",),
        "causes-on-one-stage-waited-out-in-parallel",
    ),
    case(
        risk_input(
            [*ON_PLAN, rep(d(5, 26), M.CUTTING, issue(IssueFlag.SHIPPING_DELAY, 4))], ON_TIME
        ),
        d(5, 27),
        d(7, 4),
        AT_RISK,
        ("shipping delay +4 d",),
        "delay-for-a-stage-ahead-adds-on-top",
    ),
    case(
        risk_input([rep(d(5, 25), M.CUTTING, issue(IssueFlag.OTHER, None))]),
        d(5, 26),
        d(6, 30),
        ON_TRACK,
        (),
        "issue-without-delay-moves-nothing",
    ),
    case(
        risk_input(SLOW_SEWING, ON_TIME),
        d(6, 10),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        "slow-sewing-late",
    ),
    case(
        risk_input(SLOW_SEWING[::-1], ON_TIME),
        d(6, 10),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        "unsorted-reports",
    ),
    case(
        risk_input([*SLOW_SEWING, rep(d(6, 12), M.CUTTING, cut=2100)], ON_TIME),
        d(6, 13),
        d(7, 13),
        LATE,
        ("sewing at 62 % of the planned rate",),
        "furthest-milestone-wins",
    ),
    case(
        risk_input([*SLOW_SEWING, rep(d(6, 12), M.SEWING, sewn=620)], ON_TIME),
        d(6, 13),
        d(7, 24),
        LATE,
        ("sewing at 48 % of the planned rate",),
        "stalled-week-falls-back-to-average-since-stage-start",
    ),
    case(
        risk_input([rep(d(5, 30), M.SEWING, sewn=0), rep(d(6, 9), M.SEWING, sewn=1000)]),
        d(6, 10),
        d(6, 30),
        ON_TRACK,
        (),
        "sewing-at-planned-rate",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(6, 5), M.CUTTING)], ON_TIME),
        d(6, 6),
        d(7, 7),
        LATE,
        ("sewing 7 d overdue",),
        "overdue-milestone-counts-to-the-judging-day-after-a-report-proves-it",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(5, 30), M.SEWING, revised=d(7, 10))]),
        d(6, 2),
        d(7, 10),
        AT_RISK,
        ("factory revised ex-factory to 2025-07-10",),
        "revised-date-honoured-as-an-estimate",
    ),
    case(
        risk_input([rep(d(5, 18), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 5), revised=d(7, 2))]),
        d(5, 19),
        d(7, 5),
        ON_TRACK,
        ("fabric late +5 d",),
        "earlier-revised-date-ignored",
    ),
    case(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)], closed=frozenset({d(6, 12), d(7, 1), d(7, 2)})),
        d(5, 29),
        d(7, 7),
        ON_TRACK,
        (
            "materials in reached 5 d after plan",
            "cutting 4 d overdue",
            "2 holidays before ex-factory",
        ),
        "a-slip-past-the-plan-runs-into-closures-nobody-planned-for",
    ),
    case(
        risk_input(ON_PLAN, closed=frozenset({d(6, 12)})),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        "the-committed-date-already-allows-for-closures-before-it",
    ),
    case(
        risk_input(ON_PLAN, closed=frozenset(d(6, 27) + timedelta(days=i) for i in range(14))),
        d(5, 27),
        d(7, 11),
        LATE,
        ("factory closed on ex-factory 2025-06-30, reopens 2025-07-11",),
        "a-plan-that-ships-inside-a-closure-waits-for-the-factory-to-reopen",
    ),
    case(
        risk_input(ON_PLAN, closed=frozenset({d(6, 30)})),
        d(5, 27),
        d(7, 1),
        ON_TRACK,
        ("factory closed on ex-factory 2025-06-30, reopens 2025-07-01",),
        "a-one-day-holiday-on-ex-factory-costs-a-day-of-the-slack",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(7, 3), M.INSPECTION)], ON_TIME),
        d(7, 4),
        d(7, 4),
        LATE,
        ("ex-factory passed 4 d ago, not shipped",),
        "ex-factory-passed-not-shipped",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(6, 28), M.SHIPPED, shipped=2100)]),
        d(7, 20),
        d(6, 28),
        ON_TRACK,
        ("shipped 2025-06-28",),
        "shipped-on-time",
    ),
    case(
        risk_input([rep(d(7, 9), M.SHIPPED), *ON_PLAN]),
        d(7, 10),
        d(7, 9),
        LATE,
        ("shipped 2025-07-09",),
        "shipped-late",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(7, 10), M.SHIPPED, shipped_on=d(7, 6))]),
        d(7, 10),
        d(7, 6),
        ON_TRACK,
        ("shipped 2025-07-06",),
        "the-real-ship-day-beats-the-day-it-was-reported",
    ),
    case(
        risk_input(plan={**PLAN, M.SHIPPED: d(7, 9)}, committed=COMMITTED),
        d(5, 1),
        d(7, 9),
        LATE,
        ("plan ships 2 d after the committed date",),
        "a-plan-past-the-committed-date-says-so",
    ),
]


# A milestone reported between two check-ins is reached somewhere in that window; the plan keeps
# the benefit of the doubt unless the evidence puts the day later (issue 9, item 4).
REACHED_IN_THE_WINDOW = [
    case(
        risk_input([rep(d(5, 23), NOT_STARTED), rep(d(5, 27), M.CUTTING)], ON_TIME),
        d(5, 27),
        d(7, 2),
        LATE,
        ("cutting reached 2 d after plan (materials in not reached on 2025-05-23)",),
        "a-stage-is-no-faster-than-its-fastest-time-after-a-report-proves-its-start-missing",
    ),
    case(
        risk_input([rep(d(5, 27), M.CUTTING)], ON_TIME),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        "without-a-report-before-it-the-plan-keeps-the-benefit-of-the-doubt",
    ),
]


# Fabric announced late on Friday 16 May (not started), materials in by a later report: the
# delay, weighed by the factory's record, places the day materials came inside that window.
@pytest.mark.parametrize(
    ("delay_days", "reached_report", "record", "projected", "driver"),
    [
        pytest.param(
            5,
            d(5, 23),
            (0, 0),
            d(7, 5),
            "materials in reached 5 d after plan (fabric late +5 d)",
            id="an-announced-delay-is-the-estimate-inside-the-window-that-reaches-its-milestone",
        ),
        pytest.param(
            9,
            d(5, 20),
            (0, 0),
            d(7, 2),
            "materials in reached 2 d after plan (fabric late +9 d)",
            id="the-estimate-never-leaves-the-window",
        ),
        pytest.param(
            6,
            d(5, 23),
            (5, 0),
            d(7, 3),
            "materials in reached 3 d after plan (fabric late +6 d)",
            id="the-estimate-weighs-the-delay-by-the-factory-s-record",
        ),
    ],
)
def test_an_announced_delay_places_the_day_inside_the_window_that_reaches_its_milestone(
    delay_days: int, reached_report: date, record: tuple[int, int], projected: date, driver: str
) -> None:
    reports = [
        rep(d(5, 16), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, delay_days)),
        rep(reached_report, M.MATERIALS_IN),
    ]
    inp = replace(risk_input(reports, ON_TIME), announced_delays=record)
    found = assess(inp, reached_report)
    assert (found.projected_exf, found.status, found.drivers) == (projected, AT_RISK, (driver,))


# Each defect of issue 9, as the engine judged it before and as it must judge it now.
DEFECTS = [
    case(
        risk_input((), ON_TIME),
        d(5, 1),
        d(6, 30),
        ON_TRACK,
        (),
        "an-imported-plan-on-the-committed-date-starts-on-track",
    ),
    case(
        risk_input(ON_PLAN, ON_TIME, slips=(5, 5, 5, 5, 5)),
        d(5, 27),
        d(6, 30),
        ON_TRACK,
        (),
        "factory-history-is-no-minimum-slip",
    ),
    case(
        risk_input([rep(d(5, 18), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 3))], slips=(10,) * 9),
        d(5, 19),
        d(7, 3),
        ON_TRACK,
        ("fabric late +3 d",),
        "factory-history-never-on-an-order-not-started",
    ),
    case(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)], slips=(4,) * 5),
        d(5, 29),
        d(7, 6),
        ON_TRACK,
        ("materials in reached 5 d after plan", "cutting 4 d overdue", "factory history +1 d"),
        "factory-history-shrunk-and-only-on-the-work-ahead",
    ),
    case(
        risk_input([rep(d(5, 29), M.MATERIALS_IN)], slips=(-6,) * 5),
        d(5, 29),
        d(7, 3),
        ON_TRACK,
        ("materials in reached 5 d after plan", "cutting 4 d overdue", "factory history -2 d"),
        "a-factory-that-ships-early-recovers-part-of-a-slip",
    ),
    case(
        risk_input(ON_PLAN, ON_TIME),
        d(6, 10),
        d(6, 30),
        ON_TRACK,
        (),
        "no-check-in-for-two-weeks-is-stale-not-late",
    ),
    case(
        risk_input((), ON_TIME),
        d(5, 25),
        d(7, 7),
        LATE,
        ("materials in 7 d overdue",),
        "an-overdue-materials-date-counts-with-no-report",
    ),
    case(
        risk_input([rep(d(5, 25), NOT_STARTED)], ON_TIME),
        d(5, 26),
        d(7, 8),
        LATE,
        ("materials in 8 d overdue",),
        "a-not-started-report-past-the-materials-date-proves-the-days-lost",
    ),
    case(
        risk_input([rep(d(5, 25), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 10))], ON_TIME),
        d(5, 26),
        d(7, 10),
        LATE,
        ("fabric late +10 d", "materials in 8 d overdue"),
        "a-not-started-report-carries-its-delays-like-a-milestone",
    ),
    case(
        risk_input([*ON_PLAN, rep(d(5, 30), M.SEWING, issue(IssueFlag.TRIMS_LATE, 3))], ON_TIME),
        d(6, 1),
        d(6, 30),
        ON_TRACK,
        (),
        "a-delay-stops-counting-once-its-stage-is-reached",
    ),
    case(
        risk_input(
            [*ON_PLAN, rep(d(5, 30), M.SEWING, issue(IssueFlag.CAPACITY, 3))], ON_TIME, plan=ROOMY
        ),
        d(6, 1),
        d(6, 30),
        ON_TRACK,
        (),
        "a-small-delay-is-weighed-against-the-plans-free-float",
    ),
    case(
        risk_input([rep(d(5, 25), M.CUTTING, sewn=0), rep(d(6, 6), M.SEWING, sewn=700)], ON_TIME),
        d(6, 7),
        d(6, 30),
        ON_TRACK,
        (),
        "sewing-pace-is-not-read-from-before-sewing-began",
    ),
    case(
        risk_input([rep(d(5, 25), NOT_STARTED)], ON_TIME, derived=DERIVED),
        d(5, 26),
        d(6, 30),
        ON_TRACK,
        (),
        "a-derived-plan-date-is-a-guess-not-a-deadline",
    ),
    case(
        risk_input([rep(d(6, 6), NOT_STARTED)], ON_TIME, derived=DERIVED),
        d(6, 7),
        d(7, 3),
        LATE,
        ("materials in 3 d overdue",),
        "a-derived-plan-is-overdue-once-too-late-at-the-fastest-pace",
    ),
]


@pytest.mark.parametrize(
    ("inp", "today", "projected", "status", "drivers"), [*CASES, *REACHED_IN_THE_WINDOW, *DEFECTS]
)
def test_assess(
    inp: RiskInput, today: date, projected: date, status: RiskStatus, drivers: tuple[str, ...]
) -> None:
    result = assess(inp, today)
    assert (result.projected_exf, result.status, result.drivers) == (projected, status, drivers)
    assert result.slack_days == (inp.committed_exf - projected).days


@pytest.mark.parametrize(
    ("announced", "came_true", "share"),
    [(0, 0, 1.0), (5, 5, 1.0), (5, 0, 0.5), (15, 3, 0.4)],
)
def test_an_announced_delay_counts_as_often_as_the_factorys_came_true(
    announced: int, came_true: int, share: float
) -> None:
    assert delay_share(announced, came_true) == pytest.approx(share)


@pytest.mark.parametrize(
    ("record", "projected", "status", "words"),
    [
        ((0, 0), d(7, 6), AT_RISK, "fabric late +6 d"),
        ((10, 10), d(7, 6), AT_RISK, "fabric late +6 d"),
        (
            (15, 3),
            d(7, 2),
            AT_RISK,
            "fabric late +6 d (counted 2 d: 40 % of this factory's announced delays came true)",
        ),
        (
            (20, 0),
            d(7, 1),
            AT_RISK,
            "fabric late +6 d (counted 1 d: 20 % of this factory's announced delays came true)",
        ),
    ],
)
def test_a_factory_whose_delays_came_to_nothing_is_weighed_accordingly(
    record: tuple[int, int], projected: date, status: RiskStatus, words: str
) -> None:
    reports = [rep(d(5, 14), NOT_STARTED, issue(IssueFlag.FABRIC_LATE, 6))]
    inp = replace(risk_input(reports, ON_TIME), announced_delays=record)
    result = assess(inp, d(5, 15))
    assert (result.projected_exf, result.status, result.drivers) == (projected, status, (words,))


def test_an_announced_delay_record_must_make_sense() -> None:
    with pytest.raises(ValueError, match="announced_delays"):
        replace(risk_input(), announced_delays=(2, 3))


@pytest.mark.parametrize(
    ("reports", "today", "reason", "age"),
    [
        pytest.param((), d(5, 17), None, None, id="never-reported-nothing-due"),
        pytest.param((), d(5, 18), "no check-in yet", None, id="never-reported-materials-due"),
        pytest.param([rep(d(5, 18), M.MATERIALS_IN)], d(5, 28), None, 10, id="exactly-limit"),
        pytest.param(
            [rep(d(5, 18), M.MATERIALS_IN)], d(5, 29), "no check-in for 11 d", 11, id="past-limit"
        ),
        pytest.param(
            [rep(d(5, 18), M.MATERIALS_IN), rep(d(6, 28), M.SHIPPED)],
            d(8, 1),
            None,
            34,
            id="shipped-never-stale",
        ),
    ],
)
def test_staleness_is_its_own_signal(
    reports: list[Report], today: date, reason: str | None, age: int | None
) -> None:
    result = assess(risk_input(reports), today)
    assert (result.stale, result.stale_reason, result.data_age_days) == (
        reason is not None,
        reason,
        age,
    )
    assert all("check-in" not in driver for driver in result.drivers)


@pytest.mark.parametrize(
    ("slack", "observed_past", "status"),
    [(-1, True, LATE), (-1, False, AT_RISK), (0, True, ON_TRACK), (5, False, ON_TRACK)],
)
def test_risk_status(slack: int, observed_past: bool, status: RiskStatus) -> None:
    assert risk_status(slack, observed_past) is status


REPORTED_LATER = (
    rep(d(5, 18), M.MATERIALS_IN),
    rep(d(5, 30), M.CUTTING, revised=d(7, 20)),
)


@pytest.mark.parametrize(
    ("as_of", "projected", "status"),
    [
        pytest.param(d(5, 20), d(6, 30), ON_TRACK, id="before-the-late-report"),
        pytest.param(d(5, 29), d(6, 30), ON_TRACK, id="cutting-due-but-no-report-proves-it-late"),
        pytest.param(d(5, 30), d(7, 20), AT_RISK, id="late-report-known"),
    ],
)
def test_assess_as_of_drops_later_reports(as_of: date, projected: date, status: RiskStatus) -> None:
    result = assess_as_of(risk_input(REPORTED_LATER), as_of)
    assert (result.projected_exf, result.status) == (projected, status)


def test_assess_as_of_equals_assess_on_known_reports() -> None:
    known = risk_input(REPORTED_LATER[:1])
    assert assess_as_of(risk_input(REPORTED_LATER), d(5, 25)) == assess(known, d(5, 25))


@pytest.mark.parametrize("kwargs", [{"order_quantity": 0}, {"stale_after_days": -3}])
def test_invalid_risk_input(kwargs: dict[str, int]) -> None:
    base = {"committed_exf": COMMITTED, "plan": PLAN, "order_quantity": ORDER, "reports": ()}
    with pytest.raises(ValueError, match="must"):
        RiskInput(**{**base, **kwargs})  # type: ignore[arg-type]


START = datetime(2025, 4, 20, 9, tzinfo=UTC)

reports_strategy = st.lists(
    st.builds(
        lambda days, stage, qty, flags, revised: Report(
            START + timedelta(days=days),
            None if stage < 0 else MILESTONES[stage],
            {}
            if stage < 0 or MILESTONES[stage].quantity_field is None
            else {MILESTONES[stage].quantity_field or "cut": qty},
            tuple(ReportedIssue(flag, delay) for flag, delay in flags),
            None if revised is None else d(6, 1) + timedelta(days=revised),
        ),
        st.integers(0, 90),
        st.integers(-1, len(MILESTONES) - 1),
        st.integers(0, 2 * ORDER),
        st.lists(
            st.tuples(st.sampled_from(list(IssueFlag)), st.none() | st.integers(0, 30)), max_size=3
        ),
        st.none() | st.integers(0, 60),
    ),
    max_size=8,
)


@pytest.mark.fuzz
@given(
    reports=reports_strategy,
    committed_offset=st.integers(-5, 10),
    slips=st.lists(st.integers(-10, 20), max_size=8),
    derived=st.frozensets(st.sampled_from(MILESTONES[:-1])),
    closed=st.frozensets(
        st.integers(0, 120).map(lambda n: d(5, 1) + timedelta(days=n)), max_size=6
    ),
    today_offset=st.integers(0, 100),
)
def test_every_risk_names_a_driver(
    reports: list[Report],
    committed_offset: int,
    slips: list[int],
    derived: frozenset[M],
    closed: frozenset[date],
    today_offset: int,
) -> None:
    """at_risk and late always say why; on track exactly when the projection makes the date."""
    inp = risk_input(
        reports,
        ON_TIME + timedelta(days=committed_offset),
        slips,
        closed,
        derived=derived,
    )
    today = d(5, 1) + timedelta(days=today_offset)
    result = assess_as_of(inp, today)
    assert result.status is ON_TRACK or result.drivers
    assert (result.status is ON_TRACK) == (result.slack_days >= 0)
    if not any(r.milestone is M.SHIPPED for r in reports if r.day <= today):
        assert result.projected_exf >= PLAN[M.SHIPPED]  # early progress never pulls it forward


def test_a_plan_on_the_factory_s_own_stage_times_is_judged_as_its_own_t_and_a() -> None:
    """Sewing planned 8 Jun from the factory's learned times, still cutting on 13 Jun: five
    days lost on its own schedule, late. Judged as a standard guess (at the fastest times),
    the same silence is within reach of 30 Jun."""
    own = {M.MATERIALS_IN: 6, M.CUTTING: 4, M.SEWING: 12, M.FINISHING: 8, M.INSPECTION: 2}
    plan = derive_plan(d(6, 30), None, own)
    reports = (rep(d(6, 6), M.CUTTING), rep(d(6, 13), M.CUTTING))
    guess = RiskInput(d(7, 3), plan, ORDER, reports, derived_milestones=DERIVED)
    learned = replace(guess, fastest_days_to_next=own)
    judged = assess(learned, d(6, 13))
    assert (judged.status, judged.drivers) == (
        LATE,
        ("sewing 5 d overdue by this factory's own stage times",),
    )
    assert assess(guess, d(6, 13)).status is ON_TRACK
