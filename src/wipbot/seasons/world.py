"""What really happens to each production order: its factory's own plan and its real dates.

Work is counted in working days that skip the factory's closures; supplier delays are calendar
days. A factory plans backwards from the committed date around its own closures; an order that
slips runs into the closures its plan avoided. Overtime wins back part of the days lost before
sewing; an early factory ships as soon as it is ready, the others wait for their booked date.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from wipbot.production.milestones import MILESTONES, IssueFlag, Milestone

from .assumptions import Disruption, FactoryHabits, SeasonAssumptions

# Working days of each stage before the next milestone, for an average order: preparing
# materials (inspection, lab dips) before cutting, cutting before sewing, finishing, inspection.
PREP_DAYS = (4, 8)
CUT_DAYS = (3, 6)
FINISH_DAYS = (5, 8)
INSPECT_DAYS = (2, 4)
SEWN_PER_DAY = (220, 380)
SEW_DAYS = (8, 28)
CAPACITY_PACE = (0.6, 0.85)


@dataclass(frozen=True)
class Problem:
    """A real disruption: what it is, the days it costs, and the day the factory learns of it."""

    flag: IssueFlag
    days: int
    known_on: date
    until: Milestone
    """The milestone whose reaching ends it: the factory stops mentioning it then."""
    hidden: bool


@dataclass(frozen=True)
class OrderTruth:
    number: str
    factory: FactoryHabits
    quantity: int
    committed: date
    plan: dict[Milestone, date]
    """The factory's own plan: when it means to reach each milestone."""
    actual: dict[Milestone, date]
    problems: tuple[Problem, ...]

    @property
    def shipped_on(self) -> date:
        return self.actual[Milestone.SHIPPED]

    @property
    def days_late(self) -> int:
        return (self.shipped_on - self.committed).days


class Calendar:
    """A factory's working days: every day except its closures."""

    def __init__(self, factory: FactoryHabits) -> None:
        self._closed = {
            c.start + timedelta(days=i)
            for c in factory.closures
            for i in range((c.end - c.start).days + 1)
        }

    def forward(self, start: date, working_days: int) -> date:
        day = start
        while working_days > 0:
            day += timedelta(days=1)
            if day not in self._closed:
                working_days -= 1
        while day in self._closed:
            day += timedelta(days=1)
        return day

    def backward(self, end: date, working_days: int) -> date:
        day = end
        while working_days > 0:
            day -= timedelta(days=1)
            if day not in self._closed:
                working_days -= 1
        while day in self._closed:
            day -= timedelta(days=1)
        return day

    def open_on_or_before(self, day: date, earliest: date) -> date:
        """The last working day on or before `day`, but not before `earliest` (goods ready then
        leave before a closure rather than during it)."""
        while day in self._closed and day > earliest:
            day -= timedelta(days=1)
        return day


@dataclass(frozen=True)
class _Durations:
    prep: int
    cut: int
    sew: int
    finish: int
    inspect: int


def simulate_order(
    rng: random.Random,
    season: SeasonAssumptions,
    factory: FactoryHabits,
    number: str,
    quantity: int,
    committed: date,
) -> OrderTruth:
    calendar = Calendar(factory)
    work = _Durations(
        prep=rng.randint(*PREP_DAYS),
        cut=rng.randint(*CUT_DAYS),
        sew=min(SEW_DAYS[1], max(SEW_DAYS[0], math.ceil(quantity / rng.randint(*SEWN_PER_DAY)))),
        finish=rng.randint(*FINISH_DAYS),
        inspect=rng.randint(*INSPECT_DAYS),
    )
    target = committed - timedelta(days=rng.randint(*season.buffer_days))
    plan = _plan(calendar, calendar.open_on_or_before(target, date.min), work)
    trouble = factory.trouble * season.trouble_scale
    hide = min(1.0, factory.hides * season.hide_scale)
    d = season.disruptions
    problems: list[Problem] = []

    def strikes(disruption: Disruption) -> int:
        if rng.random() >= min(1.0, disruption.chance * trouble):
            return 0
        extra = rng.expovariate(1 / disruption.mean_extra_days) if disruption.mean_extra_days else 0
        return min(disruption.max_days, disruption.min_days + round(extra))

    def hidden() -> bool:
        return rng.random() < hide

    warned = plan[Milestone.MATERIALS_IN] - timedelta(days=rng.randint(*season.problem_known_days))
    materials_delay = 0
    for flag, disruption in (
        (IssueFlag.FABRIC_LATE, d.fabric_late),
        (IssueFlag.TRIMS_LATE, d.trims_late),
    ):
        days = strikes(disruption)
        if days:
            problems.append(Problem(flag, days, warned, Milestone.MATERIALS_IN, hidden()))
            materials_delay = max(materials_delay, days)
    actual: dict[Milestone, date] = {}
    actual[Milestone.MATERIALS_IN] = plan[Milestone.MATERIALS_IN] + timedelta(
        days=materials_delay + rng.randint(-2, 1)
    )
    reapproval = strikes(d.sample_reapproval)
    cutting = calendar.forward(actual[Milestone.MATERIALS_IN], work.prep)
    if reapproval:
        known = actual[Milestone.MATERIALS_IN] + timedelta(days=rng.randint(0, 3))
        problems.append(
            Problem(IssueFlag.SAMPLE_REAPPROVAL, reapproval, known, Milestone.CUTTING, hidden())
        )
        cutting = calendar.forward(cutting, reapproval)
    actual[Milestone.CUTTING] = cutting
    actual[Milestone.SEWING] = calendar.forward(cutting, work.cut)

    pace = rng.uniform(*factory.pace)
    if rng.random() < min(1.0, d.capacity.chance * trouble):
        pace = min(pace, rng.uniform(*CAPACITY_PACE))
    sew_days = round(work.sew / pace)
    lost = max(0, (actual[Milestone.SEWING] - plan[Milestone.SEWING]).days)
    sew_days = max(math.ceil(work.sew * 0.7), sew_days - round(lost * factory.recovery))
    if sew_days > work.sew + 2 and pace < 1:
        known = calendar.forward(actual[Milestone.SEWING], min(5, sew_days // 2))
        problems.append(
            Problem(IssueFlag.CAPACITY, sew_days - work.sew, known, Milestone.FINISHING, hidden())
        )
    actual[Milestone.FINISHING] = calendar.forward(actual[Milestone.SEWING], sew_days)
    actual[Milestone.INSPECTION] = calendar.forward(actual[Milestone.FINISHING], work.finish)

    ready = calendar.forward(actual[Milestone.INSPECTION], work.inspect)
    rework = strikes(d.qc_rejection)
    if rework:
        known = calendar.forward(actual[Milestone.INSPECTION], work.inspect)
        problems.append(Problem(IssueFlag.QC_REJECTION, rework, known, Milestone.SHIPPED, False))
        ready = calendar.forward(ready, rework)
    planned_ship = plan[Milestone.SHIPPED]
    if ready < planned_ship:
        booked = max(ready, planned_ship - timedelta(days=factory.early_ship_days))
        ready = calendar.open_on_or_before(booked, ready)
    vessel = strikes(d.shipping_delay)
    shipped = ready + timedelta(days=vessel)
    if vessel:
        known = ready - timedelta(days=rng.randint(0, 2))
        problems.append(Problem(IssueFlag.SHIPPING_DELAY, vessel, known, Milestone.SHIPPED, False))
    actual[Milestone.SHIPPED] = shipped
    return OrderTruth(number, factory, quantity, committed, plan, actual, tuple(problems))


def _plan(calendar: Calendar, ship: date, work: _Durations) -> dict[Milestone, date]:
    """Backwards from the planned ship date, in working days around the factory's closures."""
    inspection = calendar.backward(ship, work.inspect)
    finishing = calendar.backward(inspection, work.finish)
    sewing = calendar.backward(finishing, work.sew)
    cutting = calendar.backward(sewing, work.cut)
    materials = calendar.backward(cutting, work.prep)
    dates = (materials, cutting, sewing, finishing, inspection, ship)
    return dict(zip(MILESTONES, dates, strict=True))
