"""A purchase order judged from its production orders: it ships when its last part ships.

The PO is as late as its latest production order, as far along as its least advanced one, and
as complete as their quantities weigh. Pure: the orders come in judged, the day is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.risk import RiskAssessment, RiskInput, RiskStatus, assess
from wipbot.production.tna import derive_plan, planned_ex_factory

SEVERITY: dict[RiskStatus, int] = {
    RiskStatus.ON_TRACK: 0,
    RiskStatus.AT_RISK: 1,
    RiskStatus.LATE: 2,
}


class JudgedOrder(Protocol):
    """What the roll-up reads of one production order's standing."""

    @property
    def number(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def current_milestone(self) -> Milestone | None: ...
    @property
    def percent_complete(self) -> float: ...
    @property
    def risk(self) -> RiskAssessment: ...


def checkin_age_days(reported_on: date, judged_on: date) -> int:
    """Whole days from the check-in's day to the judged day. The check-in's day is the
    factory's, the judged day the caller's (the server's UTC date for /po, the factory's own
    for the scan): a factory east of UTC reaches tomorrow first, so a check-in it made after its
    midnight but before UTC's carries a date one day past the judged one. It was made that
    same day, not in the future: its age is 0, never -1."""
    return max(0, (judged_on - reported_on).days)


def days_late(planned: date, actual: date | None, judged_on: date) -> int | None:
    if actual is not None:
        return (actual - planned).days
    return (judged_on - planned).days if judged_on > planned else None


def rollup(
    committed: date, orders: Sequence[JudgedOrder], judged_on: date, buffer_days: int
) -> RiskAssessment:
    """The PO is as late as its latest production order; the drivers are those of the worst."""
    if not orders:
        return assess(
            RiskInput(
                committed,
                derive_plan(planned_ex_factory(committed, {}, buffer_days)),
                1,
                (),
                derived_milestones=frozenset(MILESTONES[:-1]),
            ),
            judged_on,
        )
    worst = max(orders, key=lambda o: (SEVERITY[o.risk.status], o.risk.projected_exf))
    projected = max(o.risk.projected_exf for o in orders)
    worst_orders = [o for o in orders if o.risk.status is worst.risk.status]
    drivers = shared_drivers(worst_orders, len(orders))
    ages = [o.risk.data_age_days for o in orders if o.risk.data_age_days is not None]
    return RiskAssessment(
        projected_exf=projected,
        slack_days=(committed - projected).days,
        status=worst.risk.status,
        drivers=drivers,
        stale=any(o.risk.stale for o in orders),
        data_age_days=max(ages) if ages else None,
        stale_reason=stalest_reason(orders),
    )


def stalest_reason(orders: Sequence[JudgedOrder]) -> str | None:
    """The stale reason of the order heard from least recently (never heard from first)."""
    stale = [o for o in orders if o.risk.stale_reason]
    if not stale:
        return None
    never = [o for o in stale if o.risk.data_age_days is None]
    return (never or [max(stale, key=lambda o: o.risk.data_age_days or 0)])[0].risk.stale_reason


def shared_drivers(orders: Sequence[JudgedOrder], of_total: int) -> tuple[str, ...]:
    """Each driver once, prefixed with the production orders it concerns unless it concerns all."""
    owners: dict[str, list[str]] = {}
    for order in orders:
        for driver in order.risk.drivers:
            owners.setdefault(driver, []).append(order.number)
    return tuple(
        driver if len(numbers) == of_total else f"{', '.join(numbers)}: {driver}"
        for driver, numbers in owners.items()
    )


def least_advanced(orders: Sequence[JudgedOrder]) -> Milestone | None:
    if not orders or any(o.current_milestone is None for o in orders):
        return None
    return min((o.current_milestone for o in orders if o.current_milestone), key=lambda m: m.index)


def weighted_percent(orders: Sequence[JudgedOrder]) -> float:
    quantity = sum(o.quantity for o in orders)
    if not quantity:
        return 0.0
    return round(sum(o.percent_complete * o.quantity for o in orders) / quantity, 1)
