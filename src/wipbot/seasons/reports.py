"""What the factory's contact says each week about an order, from what really happens to it.

A contact answers when wipbot asks: on the factory's weekly slot, and mid-week too once the
order's committed date is near (sometimes a day late, sometimes not at all),
reports the milestone reached and the quantities so far truthfully, and mentions a problem from
the day the factory learns of it until the stage it holds up is done, with an estimate of the
days it costs, unless this contact keeps quiet about it. Some weeks bring a worry that comes to
nothing. Before materials arrive the answer is "not started yet", with its issues.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from wipbot.production.checkin_cadence import asked_midweek, midweek_day
from wipbot.production.milestones import MILESTONES, IssueFlag, Milestone

from .assumptions import SeasonAssumptions
from .world import OrderTruth, Problem

FIRST_REPORT_BEFORE_MATERIALS_DAYS = 21
REVISE_WHEN_DAYS_OVER_BUFFER = 3
WEEK = 7
STAGE_QUANTITIES: dict[Milestone, str] = {
    Milestone.CUTTING: "cut",
    Milestone.SEWING: "sewn",
    Milestone.FINISHING: "finished",
    Milestone.INSPECTION: "packed",
}
WORRIES: dict[Milestone | None, tuple[IssueFlag, ...]] = {
    None: (IssueFlag.FABRIC_LATE, IssueFlag.TRIMS_LATE),
    Milestone.MATERIALS_IN: (IssueFlag.TRIMS_LATE, IssueFlag.SAMPLE_REAPPROVAL),
    Milestone.CUTTING: (IssueFlag.CAPACITY, IssueFlag.TRIMS_LATE),
    Milestone.SEWING: (IssueFlag.CAPACITY, IssueFlag.OTHER),
    Milestone.FINISHING: (IssueFlag.QC_REJECTION, IssueFlag.OTHER),
    Milestone.INSPECTION: (IssueFlag.SHIPPING_DELAY, IssueFlag.QC_REJECTION),
}


@dataclass(frozen=True)
class CheckInRow:
    production_order: str
    reported_at: datetime
    """Naive local time of the factory, as a spreadsheet holds it."""
    milestone: Milestone | None
    quantities: dict[str, int]
    issues: tuple[tuple[IssueFlag, int | None], ...]
    revised_exf: date | None
    shipped_on: date | None
    note: str


def weekly_checkins(
    rng: random.Random, season: SeasonAssumptions, truth: OrderTruth
) -> list[CheckInRow]:
    factory = truth.factory
    missed = min(0.9, factory.missed_checkins * season.missed_scale)
    worries = min(0.9, factory.worries * season.worry_scale)
    hour, minute = (int(part) for part in factory.checkin_time.split(":"))
    first = truth.plan[Milestone.MATERIALS_IN] - timedelta(days=FIRST_REPORT_BEFORE_MATERIALS_DAYS)
    shipped = truth.shipped_on
    rows: list[CheckInRow] = []
    revised: date | None = None
    ad_hoc = rng.random() < season.ad_hoc_shipped
    for slot in _slots(
        first + timedelta(days=(factory.checkin_weekday - first.weekday()) % 7),
        truth.committed,
        season,
    ):
        day = slot + timedelta(days=1) if rng.random() < season.late_checkin else slot
        at = datetime.combine(day, time(hour, minute)) + timedelta(minutes=rng.randint(0, 150))
        if ad_hoc and shipped < day:
            at = datetime.combine(shipped, time(17, 0) if hour < 17 else time(hour, minute))
            day = shipped
        done = day >= shipped
        if done or rng.random() >= missed:
            row = _report(rng, season, truth, day, at, worries, revised)
            if row.milestone is not None or season.not_started_reports:
                revised = row.revised_exf or revised
                rows.append(row)
        if done:
            return rows
    raise AssertionError("the slots never end")


def _slots(first: date, committed: date, season: SeasonAssumptions) -> Iterator[date]:
    """The days wipbot asks about the order: its factory's weekly slot, and mid-week too once
    the committed date is near (production/checkin_cadence.py); other cadences only their own."""
    slot = first
    while True:
        yield slot
        midweek = midweek_day(slot)
        weekly = season.checkin_every_days == WEEK
        if weekly and asked_midweek(committed, midweek, season.midweek_checkin_days):
            yield midweek
        slot += timedelta(days=season.checkin_every_days)


def _report(
    rng: random.Random,
    season: SeasonAssumptions,
    truth: OrderTruth,
    day: date,
    at: datetime,
    worries: float,
    revised: date | None,
) -> CheckInRow:
    reached = [m for m in MILESTONES if truth.actual[m] <= day]
    milestone = reached[-1] if reached else None
    issues = [
        (p.flag, _estimate(rng, season, p))
        for p in truth.problems
        if _open(p, truth, day) and not p.hidden
    ]
    if rng.random() < worries and milestone is not Milestone.SHIPPED:
        flag = rng.choice(WORRIES[milestone])
        if flag not in {f for f, _ in issues}:
            issues.append((flag, rng.randint(2, 6)))
    new_revised = _revised(rng, season, truth, day, issues, revised)
    shipped = milestone is Milestone.SHIPPED
    return CheckInRow(
        production_order=truth.number,
        reported_at=at,
        milestone=milestone,
        quantities=_quantities(truth, day, season.ramp_up),
        issues=tuple(issues),
        revised_exf=new_revised if new_revised != revised else None,
        shipped_on=truth.shipped_on if shipped and season.shipped_on_column else None,
        note="",
    )


def _open(problem: Problem, truth: OrderTruth, day: date) -> bool:
    return problem.known_on <= day < truth.actual[problem.until]


def _estimate(rng: random.Random, season: SeasonAssumptions, problem: Problem) -> int | None:
    if rng.random() < season.issue_without_days:
        return None
    return max(1, round(problem.days * rng.uniform(*season.estimate_error)))


def _revised(
    rng: random.Random,
    season: SeasonAssumptions,
    truth: OrderTruth,
    day: date,
    issues: list[tuple[IssueFlag, int | None]],
    revised: date | None,
) -> date | None:
    """A contact facing a delay larger than its float may give a new ex-factory date, once."""
    if revised is not None:
        return revised
    estimated = max((days or 0 for _, days in issues), default=0)
    buffer = (truth.committed - truth.plan[Milestone.SHIPPED]).days
    if estimated <= buffer + REVISE_WHEN_DAYS_OVER_BUFFER:
        return None
    if rng.random() >= truth.factory.revises:
        return None
    return max(day + timedelta(days=1), truth.plan[Milestone.SHIPPED] + timedelta(days=estimated))


def _quantities(truth: OrderTruth, day: date, ramp_up: float = 1.0) -> dict[str, int]:
    """Pieces so far at each stage reached: the share of the stage's time gone, raised to
    `ramp_up` (1: evenly through the stage; above 1, a learning curve)."""
    found: dict[str, int] = {}
    for stage, name in STAGE_QUANTITIES.items():
        start = truth.actual[stage]
        following = MILESTONES[stage.index + 1]
        end = truth.actual[following]
        if day < start:
            break
        share = 1.0 if day >= end else ((day - start).days / max(1, (end - start).days)) ** ramp_up
        found[name] = round(truth.quantity * share / 10) * 10
    if day >= truth.shipped_on:
        found["shipped"] = truth.quantity
    return found
