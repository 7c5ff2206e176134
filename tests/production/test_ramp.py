"""A factory's output curve, learned from its finished orders, and readings placed on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from wipbot.production.milestones import MILESTONES
from wipbot.production.milestones import Milestone as M
from wipbot.production.progress import Report
from wipbot.production.ramp import RAMP_BOUNDS, FinishedReadings, learn_ramp, time_share
from wipbot.production.risk import RiskInput, RiskStatus, assess
from wipbot.production.tna import derive_plan

STAGE_DAYS = {M.MATERIALS_IN: 5, M.CUTTING: 6, M.SEWING: 20, M.FINISHING: 10, M.INSPECTION: 4}


def finished_order(start: date, ramp: float, quantity: int = 3000) -> FinishedReadings:
    """An order whose stages last STAGE_DAYS and whose output follows time ** ramp, reported
    every three days (often enough that the reach days are close to the real ones)."""
    reached, day = {}, start
    for stage in MILESTONES:
        reached[stage] = day
        day += timedelta(days=STAGE_DAYS.get(stage, 0))
    reports = []
    for offset in range(0, (reached[M.SHIPPED] - start).days + 1, 3):
        on = start + timedelta(days=offset)
        at = max((m for m in MILESTONES if reached[m] <= on), key=lambda m: m.index)
        quantities = {}
        for stage in MILESTONES[1:-1]:
            following = MILESTONES[stage.index + 1]
            if on < reached[stage] or stage.quantity_field is None:
                continue
            gone = min(1.0, (on - reached[stage]).days / (reached[following] - reached[stage]).days)
            quantities[stage.quantity_field] = round(quantity * gone**ramp)
        reports.append((on, at.value, quantities))
    return quantity, reports


def record(ramp: float, orders: int = 20) -> list[FinishedReadings]:
    return [finished_order(date(2026, 3, 1) + timedelta(days=2 * n), ramp) for n in range(orders)]


def test_even_output_is_learned_as_even() -> None:
    assert learn_ramp(record(1.0)) == pytest.approx(1.0, abs=0.08)  # 0.95: reach days are estimates


def test_a_learning_curve_is_learned() -> None:
    assert 1.25 < learn_ramp(record(1.5)) < 1.55  # 1.34


def test_a_short_record_counts_little_and_none_means_even() -> None:
    assert learn_ramp([]) == 1.0
    one = learn_ramp(record(1.5, orders=1))
    assert 1.0 < one < learn_ramp(record(1.5))


def test_the_exponent_stays_within_its_bounds() -> None:
    assert learn_ramp(record(4.0, orders=60)) == RAMP_BOUNDS[1]


@pytest.mark.parametrize(
    ("done", "ramp", "share"),
    [(0, 1.5, 0.0), (1000, 1.0, 1 / 3), (1000, 1.5, (1 / 3) ** (1 / 1.5)), (3600, 1.5, 1.0)],
)
def test_time_share(done: int, ramp: float, share: float) -> None:
    assert time_share(done, 3000, ramp) == pytest.approx(share)


# Sewing 2,100 pieces from 30 May to 20 June (21 days), committed on 30 June.
PLAN = derive_plan(date(2025, 6, 30))
ORDER = 2100


def judged(reports: list[Report], today: date, ramp: float) -> tuple[RiskStatus, tuple[str, ...]]:
    found = assess(RiskInput(date(2025, 6, 30), PLAN, ORDER, reports, ramp=ramp), today)
    return found.status, found.drivers


def sewing(day: date, sewn: int) -> Report:
    return Report(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), M.SEWING, {"sewn": sewn})


# A third of the sewing time gone, a fifth of the pieces sewn: a learning curve's first week.
RAMPING = round(ORDER * (1 / 3) ** 1.5)


def test_a_reading_on_the_factorys_curve_is_on_plan() -> None:
    week = date(2025, 6, 6)
    assert judged([sewing(week, RAMPING)], week, 1.0)[0] is RiskStatus.LATE
    assert judged([sewing(week, RAMPING)], week, 1.5) == (RiskStatus.ON_TRACK, ())


def test_the_pace_is_measured_on_the_curve_too() -> None:
    first, second = date(2025, 6, 3), date(2025, 6, 10)
    reports = [
        sewing(first, round(ORDER * (4 / 21) ** 1.5)),
        sewing(second, round(ORDER * (12 / 21) ** 1.5)),
    ]
    status, drivers = judged(reports, second, 1.0)
    assert status is RiskStatus.LATE and drivers[0] == "sewing output behind plan"
    assert judged(reports, second, 1.5) == (RiskStatus.ON_TRACK, ())


def test_a_ramp_outside_its_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match="ramp"):
        RiskInput(date(2025, 6, 30), PLAN, ORDER, (), ramp=0.1)
