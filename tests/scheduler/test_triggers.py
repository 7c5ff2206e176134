"""The weekly job's APScheduler trigger fires at the factory's local time, across DST changes,
and agrees with compute_due on every ordinary week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from wipbot.production.calendar import WorkCalendar
from wipbot.scheduler.jobs import prompt_trigger
from wipbot.scheduler.workdays import Slot, compute_due


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slot", "fired", "following"),
    [
        pytest.param(
            Slot(0, time(10), "America/New_York"),
            utc(2026, 3, 2, 15),
            utc(2026, 3, 9, 14),
            id="new-york-spring-forward",
        ),
        pytest.param(
            Slot(0, time(10), "America/New_York"),
            utc(2026, 10, 26, 14),
            utc(2026, 11, 2, 15),
            id="new-york-fall-back",
        ),
        pytest.param(
            Slot(0, time(10), "Europe/London"),
            utc(2026, 3, 23, 10),
            utc(2026, 3, 30, 9),
            id="london-spring-forward",
        ),
        pytest.param(
            Slot(0, time(10), "Asia/Dhaka"),
            utc(2026, 3, 2, 4),
            utc(2026, 3, 9, 4),
            id="dhaka-no-dst",
        ),
        pytest.param(
            Slot(3, time(16, 45), "Asia/Ho_Chi_Minh"),
            utc(2026, 3, 5, 9, 45),
            utc(2026, 3, 12, 9, 45),
            id="saigon-thursday",
        ),
    ],
)
def test_next_fire_time_keeps_local_time(slot: Slot, fired: datetime, following: datetime) -> None:
    trigger = prompt_trigger(slot)
    assert trigger.get_next_fire_time(None, fired - timedelta(minutes=1)) == fired
    assert trigger.get_next_fire_time(fired, fired) == following


def test_trigger_and_compute_due_agree_for_a_year_of_ordinary_weeks() -> None:
    slot = Slot(1, time(9), "America/New_York")
    calendar = WorkCalendar("US")
    trigger = prompt_trigger(slot)
    fire = trigger.get_next_fire_time(None, utc(2026, 1, 1))
    week = date(2026, 1, 5)
    checked = 0
    for _ in range(52):
        due = compute_due(slot, week, calendar)
        if due.postponed_because is None:
            assert due.at == fire
            checked += 1
        assert fire is not None
        fire = trigger.get_next_fire_time(fire, fire)
        week += timedelta(days=7)
    assert checked >= 48
