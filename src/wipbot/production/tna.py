"""Time-and-action plans: a planned date for every milestone, so progress can be judged anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from itertools import pairwise

from wipbot.production.milestones import (
    FASTEST_DAYS_TO_NEXT,
    MILESTONES,
    STANDARD_DAYS_TO_NEXT,
    Milestone,
)


def derive_plan(
    ex_factory: date,
    given: Mapping[Milestone, date] | None = None,
    days_to_next: Mapping[Milestone, int] | None = None,
) -> dict[Milestone, date]:
    """Fill the dates the import left out by walking back from ex-factory with standard durations
    (or `days_to_next`: the factory's own, learned from its finished orders).

    Each date is when the milestone is *reached*; reaching `shipped` is the ex-factory date.
    Given dates always win. A derived date is never put before an earlier given date: when the
    given dates leave less time than the standard durations, the gap is compressed rather than
    reported as an impossible plan. Given dates out of milestone order are an error.
    """
    given = dict(given or {})
    shipped = given.get(Milestone.SHIPPED)
    if shipped is not None and shipped != ex_factory:
        raise ValueError(
            f"planned shipped date {shipped.isoformat()} differs from the ex-factory date "
            f"{ex_factory.isoformat()}; shipped is reached on ex-factory"
        )
    given[Milestone.SHIPPED] = ex_factory
    _check_order(given)
    durations = days_to_next or STANDARD_DAYS_TO_NEXT

    plan: dict[Milestone, date] = {Milestone.SHIPPED: ex_factory}
    for milestone in reversed(MILESTONES[:-1]):
        if milestone in given:
            plan[milestone] = given[milestone]
            continue
        following = plan[MILESTONES[milestone.index + 1]]
        backwards = following - timedelta(days=durations[milestone])
        floor = _latest_given_before(milestone, given)
        plan[milestone] = max(backwards, floor) if floor is not None else backwards
    return {milestone: plan[milestone] for milestone in MILESTONES}


def latest_plan(
    plan: Mapping[Milestone, date],
    derived: frozenset[Milestone],
    fastest_to_next: Mapping[Milestone, int] | None = None,
) -> dict[Milestone, date]:
    """The plan with each derived date moved to the latest it can be and still make ex-factory.

    Dates the factory gave stay. A derived date is only a guess at the factory's schedule, so
    it moves to the next date less the fastest plausible duration (FASTEST_DAYS_TO_NEXT), never
    earlier than it was: missing it is then proof of lost days, not of a guess gone wrong.
    `fastest_to_next` replaces the standard fastest durations with the factory's own.
    """
    fastest_days = fastest_to_next or FASTEST_DAYS_TO_NEXT
    latest = {Milestone.SHIPPED: plan[Milestone.SHIPPED]}
    for milestone in reversed(MILESTONES[:-1]):
        if milestone not in derived:
            latest[milestone] = plan[milestone]
            continue
        following = latest[MILESTONES[milestone.index + 1]]
        fastest = following - timedelta(days=fastest_days[milestone])
        latest[milestone] = max(plan[milestone], fastest)
    return {milestone: latest[milestone] for milestone in MILESTONES}


def _check_order(given: Mapping[Milestone, date]) -> None:
    ordered = [(m, given[m]) for m in MILESTONES if m in given]
    for (earlier, earlier_day), (later, later_day) in pairwise(ordered):
        if later_day < earlier_day:
            raise ValueError(
                f"{later} on {later_day.isoformat()} is planned before {earlier} on "
                f"{earlier_day.isoformat()}; milestones must not go backwards"
            )


def _latest_given_before(milestone: Milestone, given: Mapping[Milestone, date]) -> date | None:
    earlier = [given[m] for m in MILESTONES[: milestone.index] if m in given]
    return max(earlier) if earlier else None


def planned_ex_factory(committed: date, given: Mapping[Milestone, date], buffer_days: int) -> date:
    """The factory's target ex-factory: the planned shipped date when given, else the committed
    date less the brand's buffer, so an order that keeps its plan keeps the brand's float and
    reads on track (never before a planned date that was given)."""
    if Milestone.SHIPPED in given:
        return given[Milestone.SHIPPED]
    return max([committed - timedelta(days=buffer_days), *given.values()])
