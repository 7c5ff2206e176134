"""A factory's own stage times, read from weekly reports without their lag."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from wipbot.production.milestones import FASTEST_DAYS_TO_NEXT, MILESTONES, STANDARD_DAYS_TO_NEXT
from wipbot.production.milestones import Milestone as M
from wipbot.production.stage_times import (
    MIN_ORDERS,
    StageTimes,
    learn_stage_times,
    reach_days,
)

D = date.fromisoformat
START = date(2026, 3, 1)
# Days after START each milestone is really reached: a 4-day cutting stage, 16 days of sewing.
REAL = {
    M.MATERIALS_IN: 0,
    M.CUTTING: 5,
    M.SEWING: 9,
    M.FINISHING: 25,
    M.INSPECTION: 31,
    M.SHIPPED: 34,
}


def _weekly_reports(first: int) -> list[tuple[date, str | None]]:
    """Reports every 7 days from `first` days after START, each saying the furthest milestone
    reached by then ("not started yet" before materials)."""
    reports: list[tuple[date, str | None]] = []
    day = first
    while not reports or reports[-1][1] != M.SHIPPED.value:
        reached = [m for m in MILESTONES if REAL[m] <= day]
        reports.append((START + timedelta(days=day), reached[-1].value if reached else None))
        day += 7
    return reports


def test_a_milestone_is_reached_in_the_middle_of_the_window_its_reports_bound() -> None:
    reports = [(D("2026-03-02"), None), (D("2026-03-09"), "cutting"), (D("2026-03-16"), "sewing")]
    assert reach_days(reports) == {
        # materials and cutting both fell between the 2nd and the 9th: the 6th for both.
        M.MATERIALS_IN: D("2026-03-06"),
        M.CUTTING: D("2026-03-06"),
        M.SEWING: D("2026-03-13"),
    }


def test_weekly_reports_at_every_phase_give_the_real_mean_stage_times() -> None:
    """A 4-day stage measures 0 or 7 days from weekly reports; over every day of the week the
    reports may fall on, the mean is the real 4 (a median would say 0 or 7)."""
    orders = [(3200, _weekly_reports(first)) for first in range(-6, 1)]
    times = learn_stage_times(orders)
    assert times is not None
    real = {m: REAL[MILESTONES[m.index + 1]] - REAL[m] for m in STANDARD_DAYS_TO_NEXT}
    assert dict(times.days) == real
    assert times.sewn_per_day == pytest.approx(3200 / 16)
    assert times.sewing_days == (14, 21)


def test_too_few_finished_orders_teach_nothing() -> None:
    orders = [(3200, _weekly_reports(first)) for first in range(-(MIN_ORDERS - 2), 1)]
    assert learn_stage_times(orders) is None


def test_sewing_time_follows_the_order_s_quantity_within_the_times_seen() -> None:
    times = StageTimes(days={M.SEWING: 14, M.CUTTING: 4}, sewn_per_day=250, sewing_days=(8, 24))
    days = [times.days_to_next(quantity)[M.SEWING] for quantity in (1000, 3000, 4800, 9000)]
    assert days == [8, 12, 20, 24]
    assert times.days_to_next(3000)[M.FINISHING] == STANDARD_DAYS_TO_NEXT[M.FINISHING]


def test_a_learned_stage_is_judged_at_its_typical_time_a_standard_one_at_its_fastest() -> None:
    times = StageTimes(days={M.SEWING: 14, M.CUTTING: 4}, sewn_per_day=250, sewing_days=(8, 24))
    fastest = times.fastest_to_next(3000)
    assert fastest[M.SEWING] == 12
    assert fastest[M.CUTTING] == 4
    assert fastest[M.FINISHING] == FASTEST_DAYS_TO_NEXT[M.FINISHING]
