"""How long a factory really takes over each stage, learned from its own finished orders.

A plan wipbot derives for a factory that sent no T&A walks back from ex-factory with standard
durations, which are nobody's schedule: sewing takes 21 days whether the order is 2,000 pieces
or 9,000. Where the factory has finished enough orders, each stage's duration is read from
them instead, so a derived date is close to when this factory would reach the milestone, and
missing it is evidence rather than a guess gone wrong.

- A milestone's reach day is estimated as the weekly reports bound it: after the last report
  that had not reached it, on or before the first that had; the middle of that window (as the
  factory's slip record estimates a ship day). A milestone passed between two reports (cutting
  and sewing both reached in one week) gets the same window as the next one: its stage took
  0 days as measured. With reports falling on any day of the stage alike, the *mean* of such
  measurements is the stage's real mean duration; the median is not (a 4-day stage measures
  0 or 7 days, mostly 0), so the typical duration is the mean.
- Sewing scales with the order: its rate is the pieces sewn over the sewing days of the
  record's orders (pieces per calendar day, closures included), and this order's sewing time
  is its quantity at that rate, kept within the sewing times the factory was seen to take.
- A stage with fewer than MIN_ORDERS measured orders keeps the standard duration and, being a
  guess, is judged at the standard's fastest time. A learned stage is judged at its typical
  time, as a T&A the factory sent would be.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from wipbot.production.milestones import (
    FASTEST_DAYS_TO_NEXT,
    MILESTONES,
    STANDARD_DAYS_TO_NEXT,
    Milestone,
)

MIN_ORDERS = 5
"""Measured orders a stage needs before its learned duration replaces the standard."""
CHECKIN_INTERVAL_DAYS = 7

FinishedOrder = tuple[int, Sequence[tuple[date, str | None]]]
"""An order's quantity and its reports (local day, milestone name or None) in the order made."""


@dataclass(frozen=True)
class StageTimes:
    """A factory's learned stage durations in calendar days; stages absent keep the standard."""

    days: Mapping[Milestone, int]
    sewn_per_day: float | None = None
    sewing_days: tuple[int, int] = (0, 0)
    """The shortest and longest sewing the factory was seen to take."""
    orders: int = 0

    def days_to_next(self, quantity: int) -> dict[Milestone, int]:
        """Days from reaching each milestone to the next, for an order of `quantity` pieces."""
        days = {m: self.days.get(m, STANDARD_DAYS_TO_NEXT[m]) for m in STANDARD_DAYS_TO_NEXT}
        if self.sewn_per_day:
            shortest, longest = self.sewing_days
            needed = math.ceil(quantity / self.sewn_per_day)
            days[Milestone.SEWING] = min(longest, max(shortest, needed))
        return days

    def fastest_to_next(self, quantity: int) -> dict[Milestone, int]:
        """The days of each stage a derived date is judged at (see production/tna.py:
        latest_plan). A learned stage is the factory's own schedule, judged as a T&A it sent
        would be: at its typical time. A stage still at the standard keeps the standard's
        fastest time, since its date is still a guess."""
        typical = self.days_to_next(quantity)
        return {
            m: typical[m] if m in self.days else min(typical[m], FASTEST_DAYS_TO_NEXT[m])
            for m in typical
        }


def reach_days(reports: Sequence[tuple[date, str | None]]) -> dict[Milestone, date]:
    """The estimated day each milestone was reached (see the module), for those reported."""
    placed = [(day, _POSITION[name]) for day, name in reports]
    reached: dict[Milestone, date] = {}
    for milestone in MILESTONES:
        first = next((day for day, at in placed if at >= milestone.index), None)
        if first is None:
            break
        before = [day for day, at in placed if at < milestone.index and day < first]
        after = max(before) if before else first - timedelta(days=CHECKIN_INTERVAL_DAYS)
        reached[milestone] = after + timedelta(days=((first - after).days + 1) // 2)
    return reached


def learn_stage_times(orders: Sequence[FinishedOrder]) -> StageTimes | None:
    """The factory's stage durations from its finished orders; None when no stage has enough."""
    durations: dict[Milestone, list[int]] = {m: [] for m in STANDARD_DAYS_TO_NEXT}
    sewn = sewing = 0
    for quantity, reports in orders:
        reached = reach_days(reports)
        for stage in STANDARD_DAYS_TO_NEXT:
            following = MILESTONES[stage.index + 1]
            if stage in reached and following in reached:
                took = (reached[following] - reached[stage]).days
                durations[stage].append(took)
                if stage is Milestone.SEWING:
                    sewn, sewing = sewn + quantity, sewing + took
    days = {
        stage: max(1, round(statistics.fmean(took)))
        for stage, took in durations.items()
        if len(took) >= MIN_ORDERS
    }
    if not days:
        return None
    measured = [took for took in durations[Milestone.SEWING] if took > 0]
    learned_rate = Milestone.SEWING in days and sewing > 0
    return StageTimes(
        days=days,
        sewn_per_day=sewn / sewing if learned_rate else None,
        sewing_days=(min(measured), max(measured)) if learned_rate else (0, 0),
        orders=len(orders),
    )


_POSITION: dict[str | None, int] = {None: -1, **{m.value: m.index for m in MILESTONES}}
"""A reported milestone's place in the schema; -1 for "not started yet"."""
