"""The late-risk engine: when will this order really leave the factory, and why.

The projection walks the order's remaining milestones like a critical path. The next milestone
is expected on the latest of: its planned date; the day the current stage began plus the time
that stage needs; the day the stage's measured pace finishes it (sewing, finishing); today, when
its planned date has passed unreported; and its planned date plus any delay the factory
announced for it. Those are estimates of the *same* lost days, so the latest wins instead of
their sum. Every later milestone follows at the time its stage needs, plus the delays announced
for it. A stage "needs" its planned time, or the standard time when the plan gives more: the
difference is free float, and a small delay first uses it up before it moves ex-factory. The day
a stage began is dated by the evidence inside the window its weekly reports leave: the plan's
date unless a report or an announced delay puts it later (_reached_on).

Every day the projection moves carries a driver in plain words, so `at_risk` and `late` always
say why. Missing data is a separate, quieter signal (`stale`): it never moves the projection.
A factory's record of past slips is a prior, not evidence about this order: it only adds to an
order that already has a driver, shrunk toward zero when the record is short, and only for the
share of the work still ahead. Early progress never pulls ex-factory forward: vessel bookings and
DC slots fix it. See docs/risk.md.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from wipbot.production.milestones import (
    FASTEST_DAYS_TO_NEXT,
    MILESTONES,
    STANDARD_DAYS_TO_NEXT,
    IssueFlag,
    Milestone,
)
from wipbot.production.progress import (
    ProductionState,
    Report,
    ReportedIssue,
    derive_state,
    last_reading,
    stage_pace,
    stage_readings,
)
from wipbot.production.ramp import RAMP_BOUNDS, time_share
from wipbot.production.tna import derive_plan, latest_plan

RATE_STAGES = frozenset({Milestone.SEWING, Milestone.FINISHING})
CHECKIN_INTERVAL_DAYS = 7
HISTORY_PRIOR_ORDERS = 5
"""How many past orders of evidence a factory's record needs to count half: n / (n + 5)."""
DELAY_PRIOR_SHARE = 1.0
"""With no record, an announced delay is taken at the factory's word."""

# The milestone each cause holds up. A cause stops counting once that milestone is reached:
# the real date supersedes the estimate. Causes not listed hold up the next milestone.
ISSUE_HOLDS: dict[IssueFlag, Milestone] = {
    IssueFlag.FABRIC_LATE: Milestone.MATERIALS_IN,
    IssueFlag.TRIMS_LATE: Milestone.MATERIALS_IN,
    IssueFlag.SAMPLE_REAPPROVAL: Milestone.CUTTING,
    IssueFlag.QC_REJECTION: Milestone.SHIPPED,
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
    """What the engine judges from.

    `factory_slip_days`: for each finished order of the same factory, the real ship day minus
    its planned ex-factory day (negative = early). `non_working_days`: public holidays and
    closures; they cost days only once the projection runs past the planned ex-factory.
    `derived_milestones`: plan dates wipbot derived with standard durations because the
    factory gave none; they are judged as guesses (see production/tna.py: latest_plan).
    `announced_delays`: of the factory's finished orders whose check-ins announced a delay,
    (how many, how many then shipped after their planned ex-factory): how far its word holds.
    """

    committed_exf: date
    plan: Mapping[Milestone, date]
    order_quantity: int
    reports: Sequence[Report]
    factory_slip_days: Sequence[int] = ()
    non_working_days: frozenset[date] = frozenset()
    derived_milestones: frozenset[Milestone] = frozenset()
    stale_after_days: int = 10
    announced_delays: tuple[int, int] = (0, 0)
    fastest_days_to_next: Mapping[Milestone, int] | None = None
    """The fastest plausible stage times of this factory (see production/stage_times.py), used
    to judge derived dates at their latest; None: the standard ones."""
    ramp: float = 1.0
    """How this factory's output grows inside a stage (production/ramp.py): 1, evenly."""

    def __post_init__(self) -> None:
        if self.order_quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.order_quantity}")
        if not RAMP_BOUNDS[0] <= self.ramp <= RAMP_BOUNDS[1]:
            raise ValueError(f"ramp must lie within {RAMP_BOUNDS}, got {self.ramp}")
        if self.stale_after_days < 0:
            raise ValueError("stale_after_days must not be negative")
        announced, came_true = self.announced_delays
        if not 0 <= came_true <= announced:
            raise ValueError(
                f"announced_delays must be (n, k) with 0 <= k <= n, got {self.announced_delays}"
            )


@dataclass(frozen=True)
class RiskAssessment:
    """`drivers` name every day the projection moved; `stale_reason` says why data is missing."""

    projected_exf: date
    slack_days: int
    status: RiskStatus
    drivers: tuple[str, ...]
    stale: bool
    data_age_days: int | None
    stale_reason: str | None = None


@dataclass(frozen=True)
class _Expected:
    """When a milestone is expected, and the drivers of the days it lies past its plan."""

    day: date
    drivers: tuple[str, ...]
    ready: date | None = None
    """The day the work is done, before the plan's ex-factory floor; None when nothing is
    projected past the plan."""


def assess(inp: RiskInput, today: date) -> RiskAssessment:
    plan = derive_plan(inp.plan.get(Milestone.SHIPPED, inp.committed_exf), inp.plan)
    reports = sorted(inp.reports, key=lambda r: r.reported_at)
    state = derive_state(inp.order_quantity, reports, datetime.combine(today, time.max, UTC))
    age = max(0, (today - reports[-1].day).days) if reports else None
    stale_reason = _stale_reason(age, plan, inp.stale_after_days, today)

    if state.milestone is Milestone.SHIPPED:
        shipped_on = state.milestone_dates[Milestone.SHIPPED]
        slack = (inp.committed_exf - shipped_on).days
        status = RiskStatus.LATE if slack < 0 else RiskStatus.ON_TRACK
        shipped = (f"shipped {shipped_on.isoformat()}",)
        return RiskAssessment(shipped_on, slack, status, shipped, False, age)

    latest = latest_plan(plan, inp.derived_milestones, inp.fastest_days_to_next)
    expected = _project(inp, latest, state, reports, today, estimates=True)
    seen = _project(inp, latest, state, reports, today, estimates=False)
    closed_days = inp.non_working_days
    # The goods may have left any day since the last report that showed them still here.
    since = reports[-1].day if reports else today
    observed = _leaves_before_closure(seen.day, seen.ready, since, closed_days)
    projected, drivers = expected.day, list(expected.drivers)
    history = _history_days(inp.factory_slip_days, plan, state, today)
    ready = expected.ready
    if drivers and history:
        # A prior, never a driver on its own: it only weighs days already lost.
        moved = max(plan[Milestone.SHIPPED], projected + timedelta(days=history)) - projected
        if moved.days:
            projected += moved
            ready = ready + moved if ready is not None else None
            drivers.append(f"factory history {moved.days:+d} d")
    projected = _leaves_before_closure(projected, ready, since, closed_days)

    # The committed date was agreed with a factory that knows its own calendar, so only a slip
    # past the planned ex-factory runs into closures nobody planned for. Goods leave on a
    # working day, though: a projection that lands in a closure (a plan whose own ex-factory
    # falls in Chinese New Year, say) leaves on its eve when the work is done by then
    # (_leaves_before_closure, above), and otherwise waits for the factory to reopen.
    closures_from = max(today, plan[Milestone.SHIPPED])
    observed, _, _ = _skip_closures(closures_from, observed, inp.non_working_days)
    landed_on = projected
    projected, closed, reopens = _skip_closures(closures_from, projected, inp.non_working_days)
    if closed:
        drivers.append(f"{closed} holiday{'s' if closed > 1 else ''} before ex-factory")
    if reopens:
        reopened = f"reopens {projected.isoformat()}"
        drivers.append(f"factory closed on ex-factory {landed_on.isoformat()}, {reopened}")
    revised = state.revised_exf if drivers else _standing_revision(reports, plan)
    if revised is not None and revised > projected:
        projected = revised
        drivers.insert(0, f"factory revised ex-factory to {projected.isoformat()}")
    if projected > inp.committed_exf and not drivers:
        gap = (plan[Milestone.SHIPPED] - inp.committed_exf).days
        drivers.append(f"plan ships {gap} d after the committed date")

    slack = (inp.committed_exf - projected).days
    status = risk_status(slack, observed > inp.committed_exf) if drivers else RiskStatus.ON_TRACK
    assert status is RiskStatus.ON_TRACK or drivers, "at_risk and late must name a driver"
    return RiskAssessment(
        projected_exf=projected,
        slack_days=slack,
        status=status,
        drivers=tuple(drivers),
        stale=stale_reason is not None,
        data_age_days=age,
        stale_reason=stale_reason,
    )


def assess_as_of(inp: RiskInput, as_of: date) -> RiskAssessment:
    """Judge the order from what was known on `as_of`, to backtest the engine against history."""
    known = tuple(r for r in inp.reports if r.day <= as_of)
    return assess(replace(inp, reports=known), as_of)


def risk_status(slack_days: int, observed_past_committed: bool) -> RiskStatus:
    """Status of a projection that has drivers.

    Within the committed date the plan's own slack absorbs the delay: on track. Past it, the
    order is late when the days already observed (overdue milestones, late starts, measured
    pace, closures) take it past; at risk when it takes the factory's estimates (announced
    delays, a revised date) or its record to get there.
    """
    if slack_days >= 0:
        return RiskStatus.ON_TRACK
    return RiskStatus.LATE if observed_past_committed else RiskStatus.AT_RISK


def _stale_reason(
    age: int | None, plan: Mapping[Milestone, date], stale_after_days: int, today: date
) -> str | None:
    if age is None:
        return "no check-in yet" if plan[Milestone.MATERIALS_IN] <= today else None
    return f"no check-in for {age} d" if age > stale_after_days else None


def _project(
    inp: RiskInput,
    plan: Mapping[Milestone, date],
    state: ProductionState,
    reports: Sequence[Report],
    today: date,
    *,
    estimates: bool,
) -> _Expected:
    """Expected ex-factory: the next milestone from what is observed, the rest from the plan.

    `plan` is the latest plan (see latest_plan). An announced delay is the factory's word
    against its own schedule, so it counts in full from the plan date it holds up.
    """
    current = state.milestone
    upcoming = MILESTONES[0] if current is None else current.next()
    assert upcoming is not None
    said_at = reports[-1].milestone if reports else None
    holds = (
        _issue_delays(
            state.open_issues, said_at, current, upcoming, delay_share(*inp.announced_delays)
        )
        if estimates
        else {}
    )

    candidates = [_Expected(plan[upcoming], ())]
    if current is not None:
        share = delay_share(*inp.announced_delays) if estimates else None
        began, because = _reached_on(reports, state, plan, current, share)
        late_start = (began - plan[current]).days
        late = (
            (f"{_label(current)} reached {late_start} d after plan{_own(inp, current)}{because}",)
            if late_start > 0
            else ()
        )
        # A quantity read inside the stage says where it stands more directly than the check-in
        # window says when it began (the window's first day is the most favourable, not the
        # likely one), so it replaces that estimate; a late start stays as its cause.
        measured = _measured_finish(inp, plan, reports, current, began)
        if upcoming in holds and _paced(reports, current):
            # The pace measured inside the stage places its end; a delay announced for that end
            # is the factory's estimate of the same pace, superseded by the measurement.
            holds = {m: hold for m, hold in holds.items() if m is not upcoming}
        if measured is None:
            candidates.append(_Expected(began + timedelta(days=_need(plan, current)), late))
        else:
            behind = (*measured.drivers, *late) if measured.drivers else ()
            candidates.append(_Expected(measured.day, behind))
    # Overdue days count once a report dated after the plan proves the milestone not reached;
    # from then on it stays unreached until a report says otherwise, so the days run to the
    # judging day while the data is fresh. Past that the data is stale, and the days count only
    # to the last report: silence is missing data, not evidence. An order never reported on is
    # overdue to date.
    known_until = reports[-1].day if reports else today
    fresh = (today - known_until).days <= inp.stale_after_days
    if known_until > plan[upcoming] and fresh:
        known_until = today
    if known_until > plan[upcoming]:
        overdue = (known_until - plan[upcoming]).days
        words = _overdue_phrase(upcoming, overdue) + _own(inp, upcoming)
        candidates.append(_Expected(known_until, (words,)))
    if upcoming in holds:
        days, why = holds[upcoming]
        candidates.append(_Expected(plan[upcoming] + timedelta(days=days), (why,)))
    expected = _latest(candidates)
    ready = max((c.day for c in candidates[1:]), default=None)

    for stage in MILESTONES[upcoming.index : -1]:
        following = MILESTONES[stage.index + 1]
        days, why = holds.get(following, (0, ""))
        chained = _Expected(
            expected.day + timedelta(days=_need(plan, stage) + days),
            (*expected.drivers, why) if days else expected.drivers,
        )
        ready = chained.day
        expected = _latest([_Expected(plan[following], ()), chained])
    return replace(expected, ready=ready)


def _standing_revision(reports: Sequence[Report], plan: Mapping[Milestone, date]) -> date | None:
    """The factory's last revised ex-factory date, unless its own later reports overtook it.

    Called for an order that shows no lost days. A revised date is an estimate of lost days,
    like an announced delay, and the real date a milestone is reached supersedes it the same
    way: once a milestone first reported after the revision could have been reached on its
    plan date (its check-in window opens on or before the plan), the order has caught up and
    the revision no longer stands. A later revision stands again until overtaken in turn."""
    given = [r for r in reports if r.revised_exf is not None]
    if not given:
        return None
    revision = given[-1]
    assert revision.revised_exf is not None
    reached_by = revision.stage_index
    previous = revision.day
    for report in reports:
        if report.day <= revision.day:
            continue
        for milestone in MILESTONES[reached_by + 1 : report.stage_index + 1]:
            if previous + timedelta(days=1) <= plan[milestone]:
                return None
        reached_by = max(reached_by, report.stage_index)
        previous = report.day
    return revision.revised_exf


def _leaves_before_closure(
    projected: date, ready: date | None, since: date, closed: frozenset[date]
) -> date:
    """Goods ready before a closure leave on its eve rather than wait it out: a factory whose
    ex-factory falls in Chinese New Year ships before the holiday if the work is done. Only
    the day the work is done can push a shipment into or past a closure."""
    if ready is None or projected not in closed:
        return projected
    day = projected
    earliest = max(ready, since)
    while day in closed and day > earliest:
        day -= timedelta(days=1)
    return projected if day in closed else day


def _latest(candidates: Sequence[_Expected]) -> _Expected:
    """The latest estimate wins. Its drivers come first, then those of other estimates that
    also run past the plan (candidates[0] is the plan), largest first."""
    planned = candidates[0].day
    ranked = sorted(candidates, key=lambda c: c.day, reverse=True)
    if ranked[0].day <= planned:
        return _Expected(planned, ())
    drivers: list[str] = []
    for candidate in ranked:
        if candidate.day > planned:
            drivers.extend(d for d in candidate.drivers if d not in drivers)
    return _Expected(ranked[0].day, tuple(drivers))


def _need(plan: Mapping[Milestone, date], stage: Milestone) -> int:
    """Calendar days a stage needs: its planned time, or the standard time when the plan gives
    more (the rest is free float). Sewing and finishing scale with the order, so their planned
    time is taken as needed."""
    following = stage.next()
    if following is None:
        return 0
    planned = (plan[following] - plan[stage]).days
    if stage in RATE_STAGES:
        return planned
    return min(planned, STANDARD_DAYS_TO_NEXT[stage])


def delay_share(announced: int, came_true: int) -> float:
    """The share of an announced delay to count: how often the factory's announced delays came
    true (its finished orders that announced one and then shipped after plan), shrunk toward
    the factory's word (DELAY_PRIOR_SHARE) by HISTORY_PRIOR_ORDERS orders' worth of prior."""
    prior = DELAY_PRIOR_SHARE * HISTORY_PRIOR_ORDERS
    return (came_true + prior) / (announced + HISTORY_PRIOR_ORDERS)


def _issue_delays(
    issues: Sequence[ReportedIssue],
    said_at: Milestone | None,
    current: Milestone | None,
    upcoming: Milestone,
    share: float = 1.0,
    *,
    brief: bool = False,
) -> dict[Milestone, tuple[int, str]]:
    """The longest announced delay per milestone still ahead, with its words.

    A delay counts at `share` of its days (see delay_share): a factory whose announced delays
    mostly came to nothing is weighed accordingly, and the words say so unless `brief`.

    Several causes holding up the same milestone are waited out in parallel: the longest
    counts. A cause whose milestone has been reached is superseded by the reports that bound
    its real date (the delay then only places that date inside their window: _reached_on). A cause
    named in the very report that reaches its milestone ("materials in, but the grey fabric is
    late") holds up the next one: part of the materials is still missing.
    """
    current_index = -1 if current is None else current.index
    longest: dict[Milestone, tuple[int, str]] = {}
    for issue in issues:
        if not issue.delay_days:
            continue
        holds = ISSUE_HOLDS.get(issue.flag, upcoming)
        if holds is said_at and holds is not Milestone.SHIPPED:
            holds = MILESTONES[holds.index + 1]
        if holds.index <= current_index:
            continue
        counted = round(issue.delay_days * share)
        words = f"{ISSUE_PHRASE[issue.flag]} +{issue.delay_days} d"
        if counted < issue.delay_days and not brief:
            came_true = f"{round(share * 100)} % of this factory's announced delays came true"
            words += f" (counted {counted} d: {came_true})"
        if counted and (holds not in longest or counted > longest[holds][0]):
            longest[holds] = (counted, words)
    return longest


def _rate_finish(
    inp: RiskInput,
    plan: Mapping[Milestone, date],
    reports: Sequence[Report],
    stage: Milestone,
    began: date,
) -> _Expected | None:
    """When the stage's quantity reaches the order at the pace measured inside the stage (the
    rest at the planned pace while there is one reading). The pace is measured on the
    factory's output curve (production/ramp.py), so a line that ramps up is not read as slow."""
    order_quantity = inp.order_quantity
    upcoming = stage.next()
    assert upcoming is not None
    planned_days = (plan[upcoming] - plan[stage]).days
    if planned_days <= 0:
        return None

    def as_even(done: int) -> float:
        return order_quantity * time_share(done, order_quantity, inp.ramp)

    pace = stage_pace(reports, stage, began, as_even)
    if pace is None:
        return _planned_rate_finish(inp, plan, reports, stage)
    if pace.units_per_day <= 0:
        return None
    remaining = order_quantity - pace.last_quantity
    if remaining <= 0:
        return _Expected(pace.last_day, ())
    finish = pace.last_day + timedelta(days=math.ceil(remaining / pace.units_per_day))
    ratio = pace.units_per_day / (order_quantity / planned_days)
    words = (
        f"{_label(stage)} at {round(ratio * 100)} % of the planned rate"
        if ratio < 1
        else f"{_label(stage)} output behind plan"
    )
    return _Expected(finish, (words,))


def _paced(reports: Sequence[Report], stage: Milestone) -> bool:
    """Whether the stage's pace is measured: two readings inside sewing or finishing."""
    return stage in RATE_STAGES and len(stage_readings(reports, stage)) >= 2


def _measured_finish(
    inp: RiskInput,
    plan: Mapping[Milestone, date],
    reports: Sequence[Report],
    stage: Milestone,
    began: date,
) -> _Expected | None:
    """Where the stage's quantity readings put its end (the pace between the last two in
    sewing or finishing, else the rest at the planned pace); None without a reading."""
    if stage in RATE_STAGES:
        return _rate_finish(inp, plan, reports, stage, began)
    return _planned_rate_finish(inp, plan, reports, stage)


def _planned_rate_finish(
    inp: RiskInput,
    plan: Mapping[Milestone, date],
    reports: Sequence[Report],
    stage: Milestone,
) -> _Expected | None:
    """With one reading inside the stage its pace is unknown (the stage began somewhere in the
    week before), but the reading still says how much is left: the rest at the planned rate.
    An order that keeps its plan is then projected on its plan, whatever day it began; one that
    has done less than the plan expects by then is as many days behind as the shortfall takes.
    What is left is read on the factory's output curve (production/ramp.py). Stages without a
    quantity (materials in) have no reading."""
    order_quantity = inp.order_quantity
    reading = last_reading(reports, stage)
    upcoming = stage.next()
    if reading is None or upcoming is None:
        return None
    day, done = reading
    left = (1 - time_share(done, order_quantity, inp.ramp)) * _need(plan, stage)
    finish = day + timedelta(days=round(left))
    behind = (finish - plan[upcoming]).days
    if behind <= 0:
        return _Expected(finish, ())
    field_name = stage.quantity_field
    words = (
        f"{_label(stage)} {behind} d behind plan ({done:,} of {order_quantity:,} "
        f"{field_name} on {day.isoformat()})"
    )
    return _Expected(finish, (words,))


def _reached_on(
    reports: Sequence[Report],
    state: ProductionState,
    plan: Mapping[Milestone, date],
    milestone: Milestone,
    share: float | None,
) -> tuple[date, str]:
    """The day a milestone counts as reached, and, when more than the reports bounding it puts
    that day past the plan, why (" (fabric late +6 d)"; "" otherwise).

    A check-in only shows that the milestone was reached since the last report that had not
    reached it (or, with none, within one check-in interval). Inside that window the plan gets
    the benefit of the doubt, so weekly reporting alone never reads as days lost, unless the
    evidence puts the day later. The milestones up to this one are walked in turn:

    - a stage takes at least the fastest time it plausibly runs (FASTEST_DAYS_TO_NEXT, or the
      plan's own time for it when shorter), so a milestone comes no earlier than the previous
      one's day plus that time: materials proven missing on a Monday are not cut on the Tuesday;
    - with `share` (the projection with estimates), the delay the factory announced for the
      milestone in its last report before reaching it, weighed by its record (delay_share),
      puts the day at its plan date plus that delay.

    Walking from plan dates moves nothing (a plan's stage is never shorter than its fastest
    time here), so only a report or an announced delay moves a day. It never leaves the window.
    """
    earliest = plan[MILESTONES[0]]
    cause = ""
    for reached in MILESTONES[: milestone.index + 1]:
        first_seen = state.milestone_dates[reached]
        before = [r.day for r in reports if r.stage_index < reached.index and r.day < first_seen]
        window = (
            max(before) + timedelta(days=1)
            if before
            else first_seen - timedelta(days=CHECKIN_INTERVAL_DAYS - 1)
        )
        day, why = plan[reached], ""
        if reached.index:
            previous = MILESTONES[reached.index - 1]
            fastest = min(FASTEST_DAYS_TO_NEXT[previous], (plan[reached] - plan[previous]).days)
            if earliest + timedelta(days=fastest) > day:
                day, why = earliest + timedelta(days=fastest), cause
        if before and share is not None:
            delay = _announced_before(reports, reached, first_seen, share)
            if delay is not None and plan[reached] + timedelta(days=delay[0]) > day:
                day, why = plan[reached] + timedelta(days=delay[0]), delay[1]
        if before and window > day:
            day, why = window, f"{_label(reached)} not reached on {max(before).isoformat()}"
        earliest, cause = min(day, first_seen), why
    day = max(window, earliest)
    return day, f" ({cause})" if day > window and day > plan[milestone] and cause else ""


def _announced_before(
    reports: Sequence[Report], milestone: Milestone, reached_on: date, share: float
) -> tuple[int, str] | None:
    """The delay the factory announced for the milestone in its last report before reaching
    it, weighed by its record, with its words; None when that report announced none."""
    said = [r for r in reports if r.stage_index < milestone.index and r.day < reached_on][-1]
    upcoming = MILESTONES[said.stage_index + 1]
    holds = _issue_delays(said.issues, said.milestone, said.milestone, upcoming, share, brief=True)
    return holds.get(milestone)


def _history_days(
    slips: Sequence[int], plan: Mapping[Milestone, date], state: ProductionState, today: date
) -> int:
    """Days a factory's record adds to (or, when it ships early, takes from) an order already
    slipping (see module docstring).

    The median past slip, shrunk by n / (n + HISTORY_PRIOR_ORDERS) so a short record counts
    little, times the share of the planned lead time still ahead. Orders not started get none:
    their lost days are all still to be observed.
    """
    if not slips or state.milestone is None:
        return 0
    typical = float(statistics.median(slips))
    shrunk = typical * len(slips) / (len(slips) + HISTORY_PRIOR_ORDERS)
    lead = (plan[Milestone.SHIPPED] - plan[Milestone.MATERIALS_IN]).days
    ahead = (plan[Milestone.SHIPPED] - max(today, plan[Milestone.MATERIALS_IN])).days
    share = min(1.0, max(0.0, ahead / lead)) if lead > 0 else 0.0
    return math.trunc(shrunk * share)


def _skip_closures(start: date, projected: date, closed: frozenset[date]) -> tuple[date, int, int]:
    """Every closed day between the start and the projection costs one more calendar day, and a
    projection that then lands on a closed day moves to the day the factory reopens.

    Returns the new projection, the closed days skipped on the way, and those waited out at
    the end (a shipment cannot leave a closed factory)."""
    if projected < start:
        return projected, 0, 0
    day, working_days_left, skipped = start, (projected - start).days, 0
    while working_days_left > 0:
        day += timedelta(days=1)
        if day in closed:
            skipped += 1
        else:
            working_days_left -= 1
    waited = 0
    while day in closed:
        day += timedelta(days=1)
        waited += 1
    return day, skipped, waited


def _own(inp: RiskInput, milestone: Milestone) -> str:
    """Words saying a milestone's date is not the factory's T&A nor the standard guess but was
    derived from the factory's own stage times (production/stage_times.py)."""
    learned = inp.fastest_days_to_next is not None and milestone in inp.derived_milestones
    return " by this factory's own stage times" if learned else ""


def _overdue_phrase(milestone: Milestone, days: int) -> str:
    if milestone is Milestone.SHIPPED:
        return f"ex-factory passed {days} d ago, not shipped"
    return f"{_label(milestone)} {days} d overdue"


def _label(milestone: Milestone) -> str:
    return milestone.value.replace("_", " ")
