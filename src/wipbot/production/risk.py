"""The late-risk engine: when will this order really leave the factory, and why.

The projection starts from the T&A plan and moves ex-factory out by the days the order has
demonstrably lost. Observed lateness (a milestone reached late, a stage running below its planned
rate, a milestone overdue), the factory's own delay estimates for causes already in play, and the
factory's habitual slip are three estimates of the *same* lost days, so the largest of them wins
instead of their sum. Delays the factory announces for stages still ahead (a final QC rejection
while sewing, a missed vessel) have not been observed yet, so they are added on top. Early
progress never pulls ex-factory forward: vessel bookings and DC slots fix it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import (
    ProductionState,
    Report,
    ReportedIssue,
    derive_state,
    stage_pace,
)
from wipbot.production.tna import derive_plan

RATE_STAGES = frozenset({Milestone.SEWING, Milestone.FINISHING})
CHECKIN_INTERVAL_DAYS = 7
MIN_HISTORY_POINTS = 3

# The stage each cause holds up; `other` holds up whatever stage is in progress.
ISSUE_STAGE: dict[IssueFlag, Milestone] = {
    IssueFlag.FABRIC_LATE: Milestone.MATERIALS_IN,
    IssueFlag.TRIMS_LATE: Milestone.MATERIALS_IN,
    IssueFlag.SAMPLE_REAPPROVAL: Milestone.CUTTING,
    IssueFlag.CAPACITY: Milestone.SEWING,
    IssueFlag.QC_REJECTION: Milestone.INSPECTION,
    IssueFlag.SHIPPING_DELAY: Milestone.SHIPPED,
}

ISSUE_PHRASE: dict[IssueFlag, str] = {
    IssueFlag.FABRIC_LATE: "fabric late",
    IssueFlag.TRIMS_LATE: "trims late",
    IssueFlag.SAMPLE_REAPPROVAL: "sample re-approval",
    IssueFlag.QC_REJECTION: "QC rejection",
    IssueFlag.SHIPPING_DELAY: "shipping delay",
    IssueFlag.CAPACITY: "capacity short",
    IssueFlag.OTHER: "other issue",
}


class RiskStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"


@dataclass(frozen=True)
class RiskInput:
    committed_exf: date
    plan: Mapping[Milestone, date]
    order_quantity: int
    reports: Sequence[Report]
    factory_slip_days: Sequence[int] = ()
    non_working_days: frozenset[date] = frozenset()
    plan_allows_for_closures: bool = False
    buffer_days: int = 3
    stale_after_days: int = 10

    def __post_init__(self) -> None:
        if self.order_quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.order_quantity}")
        if self.buffer_days < 0 or self.stale_after_days < 0:
            raise ValueError("buffer_days and stale_after_days must not be negative")


@dataclass(frozen=True)
class RiskAssessment:
    projected_exf: date
    slack_days: int
    status: RiskStatus
    drivers: tuple[str, ...]
    stale: bool
    data_age_days: int | None


@dataclass(frozen=True)
class _Slip:
    days: int
    driver: str


def assess(inp: RiskInput, today: date) -> RiskAssessment:
    plan = derive_plan(inp.plan.get(Milestone.SHIPPED, inp.committed_exf), inp.plan)
    reports = sorted(inp.reports, key=lambda r: r.reported_at)
    state = derive_state(inp.order_quantity, reports, datetime.combine(today, time.max, UTC))
    age = max(0, (today - reports[-1].day).days) if reports else None

    if state.milestone is Milestone.SHIPPED:
        shipped_on = state.milestone_dates[Milestone.SHIPPED]
        return _assessment(inp, shipped_on, [f"shipped {shipped_on.isoformat()}"], False, age)

    slip, moved = _lost_days(inp, plan, state, reports, today)
    projected = plan[Milestone.SHIPPED] + timedelta(days=slip)
    if projected < today:
        moved.append(_Slip((today - projected).days, "ex-factory passed, not shipped"))
        projected = today

    # A factory's own T&A already works around its holidays: only a slip past the planned
    # ex-factory runs into closures it did not plan for. Standard durations know no holidays.
    closures_from = max(today, plan[Milestone.SHIPPED]) if inp.plan_allows_for_closures else today
    projected, closed = _skip_closures(closures_from, projected, inp.non_working_days)
    if closed:
        moved.append(
            _Slip(closed, f"{closed} holiday{'s' if closed > 1 else ''} before ex-factory")
        )
    if state.revised_exf is not None and state.revised_exf > projected:
        revised = state.revised_exf
        moved.append(_Slip((revised - projected).days, f"factory revised ex-factory to {revised}"))
        projected = revised

    drivers = [s.driver for s in sorted(moved, key=lambda s: -s.days)]
    if age is None:
        stale = plan[Milestone.MATERIALS_IN] <= today
        drivers.append("no check-in yet")
    else:
        stale = age > inp.stale_after_days
        if stale:
            drivers.append(f"no check-in for {age} d")
    return _assessment(inp, projected, drivers, stale, age)


def _lost_days(
    inp: RiskInput,
    plan: Mapping[Milestone, date],
    state: ProductionState,
    reports: Sequence[Report],
    today: date,
) -> tuple[int, list[_Slip]]:
    """Days the order has lost against plan, with the slips that set that figure (see module)."""
    history = _history_slip(inp.factory_slip_days)
    groups: list[tuple[int, list[_Slip]]] = [(0, [])]
    if history:
        groups.append((history, [_Slip(history, f"factory history +{history} d")]))
    ahead: list[_Slip] = []
    if state.milestone is not None:
        upcoming = state.milestone.next()
        assert upcoming is not None
        groups.append(_work_slip(inp.order_quantity, plan, state, reports, upcoming, today))
        overlapping, ahead = _issue_slips(state.open_issues, upcoming)
        if overlapping:
            top = max(s.days for s in overlapping)
            groups.append((top, [s for s in overlapping if s.days == top]))
    slip = max(total for total, _ in groups)
    moved = [s for total, slips in groups if total == slip for s in slips] + ahead
    return slip + sum(s.days for s in ahead), moved


def assess_as_of(inp: RiskInput, as_of: date) -> RiskAssessment:
    """Judge the order from what was known on `as_of`, to backtest the engine against history."""
    known = tuple(r for r in inp.reports if r.day <= as_of)
    return assess(replace(inp, reports=known), as_of)


def risk_status(slack_days: int, buffer_days: int) -> RiskStatus:
    if slack_days < 0:
        return RiskStatus.LATE
    if slack_days < buffer_days:
        return RiskStatus.AT_RISK
    return RiskStatus.ON_TRACK


def _assessment(
    inp: RiskInput, projected: date, drivers: list[str], stale: bool, age: int | None
) -> RiskAssessment:
    slack = (inp.committed_exf - projected).days
    return RiskAssessment(
        projected_exf=projected,
        slack_days=slack,
        status=risk_status(slack, inp.buffer_days),
        drivers=tuple(drivers),
        stale=stale,
        data_age_days=age,
    )


def _work_slip(
    order_quantity: int,
    plan: Mapping[Milestone, date],
    state: ProductionState,
    reports: Sequence[Report],
    upcoming: Milestone,
    today: date,
) -> tuple[int, list[_Slip]]:
    """Days by which the next milestone will be reached after its planned date."""
    current = state.milestone
    assert current is not None
    reached = _reached_on(reports, current, state.milestone_dates[current], plan[current])
    late_start = max(0, (reached - plan[current]).days)
    rate = None
    if current in RATE_STAGES:
        rate = _stage_rate(order_quantity, plan, state, reports, current)
    expected = rate[0] if rate else plan[upcoming] + timedelta(days=late_start)
    shift = (max(expected, today) - plan[upcoming]).days
    if shift <= 0:
        return 0, []
    if today > expected:
        return shift, [_Slip(shift, f"{_label(upcoming)} {shift} d overdue")]
    slips = []
    if late_start:
        days = min(late_start, shift)
        slips.append(_Slip(days, f"{_label(current)} reached {late_start} d after plan"))
    if rate and shift > late_start:
        ratio = rate[1]
        text = (
            f"{_label(current)} at {round(ratio * 100)} % of the planned rate"
            if ratio < 1
            else f"{_label(current)} output behind plan"
        )
        slips.append(_Slip(shift - late_start, text))
    return shift, slips


def _reached_on(
    reports: Sequence[Report], milestone: Milestone, first_seen: date, planned: date
) -> date:
    """The day a milestone counts as reached. A check-in only shows that it happened since the
    last report that had not reached it (or, with none, within one check-in interval), so inside
    that window the plan gets the benefit of the doubt: only days the reports prove lost count
    as a late start. Without this, weekly reporting alone would read as days lost."""
    not_yet = [r.day for r in reports if r.stage_index < milestone.index and r.day < first_seen]
    earliest = (
        max(not_yet) + timedelta(days=1)
        if not_yet
        else first_seen - timedelta(days=CHECKIN_INTERVAL_DAYS - 1)
    )
    return max(earliest, min(first_seen, planned))


def _stage_rate(
    order_quantity: int,
    plan: Mapping[Milestone, date],
    state: ProductionState,
    reports: Sequence[Report],
    stage: Milestone,
) -> tuple[date, float] | None:
    """When the stage's quantity reaches the order at the observed pace, and that pace vs plan."""
    upcoming = stage.next()
    assert upcoming is not None
    planned_days = (plan[upcoming] - plan[stage]).days
    pace = stage_pace(reports, stage, state.milestone_dates[stage])
    if pace is None or planned_days <= 0:
        return None
    ratio = pace.units_per_day / (order_quantity / planned_days)
    remaining = order_quantity - pace.last_quantity
    if remaining <= 0:
        return pace.last_day, max(ratio, 1.0)
    if pace.units_per_day <= 0:
        return None
    return pace.last_day + timedelta(days=math.ceil(remaining / pace.units_per_day)), ratio


def _issue_slips(
    issues: Sequence[ReportedIssue], upcoming: Milestone
) -> tuple[list[_Slip], list[_Slip]]:
    """Split open issue delays into those overlapping observed lateness and those still ahead.

    Several causes holding up the same stage are waited out in parallel: the longest counts.
    """
    longest: dict[Milestone, _Slip] = {}
    for issue in issues:
        if not issue.delay_days:
            continue
        stage = ISSUE_STAGE.get(issue.flag, upcoming)
        slip = _Slip(issue.delay_days, f"{ISSUE_PHRASE[issue.flag]} +{issue.delay_days} d")
        if stage not in longest or slip.days > longest[stage].days:
            longest[stage] = slip
    overlapping = [s for m, s in longest.items() if m.index <= upcoming.index]
    ahead = [s for m, s in longest.items() if m.index > upcoming.index]
    return overlapping, ahead


def _history_slip(slips: Sequence[int]) -> int:
    """A factory's typical slip, once there is enough history to call it typical."""
    if len(slips) < MIN_HISTORY_POINTS:
        return 0
    return max(0, math.ceil(statistics.median(slips)))


def _skip_closures(start: date, projected: date, closed: frozenset[date]) -> tuple[date, int]:
    """Every closed day between the start and the projection costs one more calendar day."""
    day, working_days_left, skipped = start, (projected - start).days, 0
    while working_days_left > 0:
        day += timedelta(days=1)
        if day in closed:
            skipped += 1
        else:
            working_days_left -= 1
    return (day, skipped) if skipped else (projected, 0)


def _label(milestone: Milestone) -> str:
    return milestone.value.replace("_", " ")
