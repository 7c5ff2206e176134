"""When the weekly prompt is due: the factory's slot, its holidays, closures and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from wipbot.production.calendar import Closure, WorkCalendar
from wipbot.scheduler.workdays import Slot, compute_due


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


CNY = Closure(date(2026, 2, 9), date(2026, 2, 27), "Chinese New Year")


@pytest.mark.parametrize(
    ("slot", "calendar", "week_of", "due", "because"),
    [
        pytest.param(
            Slot(0, time(10), "Asia/Dhaka"),
            WorkCalendar("BD"),
            date(2026, 3, 2),
            utc(2026, 3, 2, 4),
            None,
            id="dhaka-plain-monday",
        ),
        pytest.param(
            Slot(0, time(10), "Asia/Dhaka"),
            WorkCalendar("BD"),
            date(2026, 3, 23),
            utc(2026, 3, 24, 4),
            "Eid al-Fitr",
            id="dhaka-eid-moves-to-tuesday",
        ),
        pytest.param(
            Slot(4, time(10), "Asia/Dhaka"),
            WorkCalendar("BD"),
            date(2026, 3, 16),
            utc(2026, 3, 24, 4),
            "Jumu'atul-Wida",
            id="dhaka-skips-holidays-and-weekend",
        ),
        pytest.param(
            Slot(0, time(9, 30), "Asia/Shanghai"),
            WorkCalendar("CN", (CNY,)),
            date(2026, 2, 16),
            utc(2026, 2, 28, 1, 30),
            "Chinese New Year",
            id="closure-ends-on-a-working-saturday",
        ),
        pytest.param(
            Slot(0, time(9, 30), "Asia/Shanghai"),
            WorkCalendar("CN", (CNY,)),
            date(2026, 2, 2),
            utc(2026, 2, 2, 1, 30),
            None,
            id="week-before-the-closure",
        ),
        pytest.param(
            Slot(0, time(10), "America/New_York"),
            WorkCalendar("US"),
            date(2026, 5, 25),
            utc(2026, 5, 26, 14),
            "Memorial Day",
            id="new-york-memorial-day",
        ),
        pytest.param(
            Slot(0, time(10), "America/New_York"),
            WorkCalendar("US"),
            date(2026, 3, 2),
            utc(2026, 3, 2, 15),
            None,
            id="new-york-before-dst",
        ),
        pytest.param(
            Slot(0, time(10), "America/New_York"),
            WorkCalendar("US"),
            date(2026, 3, 9),
            utc(2026, 3, 9, 14),
            None,
            id="new-york-after-dst",
        ),
        pytest.param(
            Slot(0, time(10), "Europe/London"),
            WorkCalendar("GB"),
            date(2026, 3, 30),
            utc(2026, 3, 30, 9),
            None,
            id="london-bst",
        ),
        pytest.param(
            Slot(2, time(8), "Europe/Istanbul"),
            WorkCalendar("XX"),
            date(2026, 3, 2),
            utc(2026, 3, 4, 5),
            None,
            id="unknown-country-has-no-holidays",
        ),
    ],
)
def test_compute_due(
    slot: Slot, calendar: WorkCalendar, week_of: date, due: datetime, because: str | None
) -> None:
    result = compute_due(slot, week_of, calendar)
    assert result.at == due
    assert result.postponed_because == because


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (utc(2026, 3, 2, 3, 59), date(2026, 2, 23)),
        (utc(2026, 3, 2, 4, 0), date(2026, 3, 2)),
        (utc(2026, 3, 8, 23, 0), date(2026, 3, 2)),
        (utc(2026, 3, 8, 18, 0), date(2026, 3, 2)),
    ],
)
def test_latest_week_is_the_week_of_the_last_slot(now: datetime, week: date) -> None:
    assert Slot(0, time(10), "Asia/Dhaka").latest_week(now) == week


def test_weekend_workday_counts_as_working() -> None:
    china = WorkCalendar("CN")
    assert china.is_working_day(date(2026, 2, 28))
    assert not china.is_working_day(date(2026, 3, 1))
    assert not china.is_working_day(date(2026, 2, 17))
