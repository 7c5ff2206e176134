"""How long a late-risk judgement stands: the first day `assess` may answer differently.

The calendar enters the engine in a few places only: which reports count yet, the age of the
latest one (staleness), today as the end of an overdue milestone's days (when nothing was
reported, or while a fresh report dated after the plan says it is not reached yet),
the share of the lead time still ahead (factory history) and the start of the closures it skips.
Each of them changes on a day known in advance, so a scan can keep a judgement until then
instead of judging every order every time. The horizon errs early, never late: a day it names
too soon costs one judgement, a day too late would keep a wrong alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.progress import derive_state
from wipbot.production.risk import RiskInput
from wipbot.production.tna import derive_plan, latest_plan

LONGEST_STAND = timedelta(days=28)
"""Judge every order at least this often, whatever the horizon says."""


def judgement_stands_until(inp: RiskInput, today: date) -> date:
    """The first day after `today` on which `assess(inp, day)` may differ from
    `assess(inp, today)` in anything but the age of the data (its status, projection, slack,
    drivers, the stale flag and the milestone reached)."""
    tomorrow = today + timedelta(days=1)
    plan = derive_plan(inp.plan.get(Milestone.SHIPPED, inp.committed_exf), inp.plan)
    latest = latest_plan(plan, inp.derived_milestones, inp.fastest_days_to_next)
    reports = sorted(inp.reports, key=lambda r: r.reported_at)  # as assess reads them
    shipped_plan = plan[Milestone.SHIPPED]
    candidates = [
        today + LONGEST_STAND,
        inp.committed_exf,
        *plan.values(),
        *latest.values(),
        *(day for r in reports for day in (r.day, r.reported_at.date())),
    ]
    if not reports:
        # Unreported: today is the proof of an overdue first milestone, day after day.
        if today >= min(min(plan.values()), min(latest.values())):
            return tomorrow
    else:
        last = reports[-1].day
        candidates.append(last + timedelta(days=inp.stale_after_days + 1))
        state = derive_state(inp.order_quantity, reports, datetime.combine(today, time.max, UTC))
        upcoming = MILESTONES[0] if state.milestone is None else state.milestone.next()
        fresh = (today - last).days <= inp.stale_after_days
        if upcoming is not None and fresh and last > min(plan[upcoming], latest[upcoming]):
            return tomorrow  # a report proved it overdue: the overdue days run to today
        if inp.factory_slip_days and plan[Milestone.MATERIALS_IN] <= today < shipped_plan:
            return tomorrow  # the share of the lead time ahead shrinks daily
    if today >= shipped_plan and inp.non_working_days:
        return tomorrow  # closures are counted from today once the plan's ex-factory passed
    return _first_after(today, candidates)


def gate_watch_stands_until(cutting: date | None, today: date, lead_days: int) -> date | None:
    """The first day after `today` on which the gate watch may answer differently for an
    order whose gate and progress do not change: when it starts to need a decision, and when
    cutting becomes overdue."""
    if cutting is None:
        return None
    return _first_after(today, [cutting - timedelta(days=lead_days), cutting + timedelta(days=1)])


def _first_after(today: date, days: Iterable[date]) -> date:
    later = [day for day in days if day > today]
    return min(later) if later else today + LONGEST_STAND
