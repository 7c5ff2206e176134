"""When a brand's Monday begins, and which orders moved in the week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wipbot.production.digest import OrderWeek, digest_due, moves, week_of, week_window


@pytest.mark.parametrize(
    ("now", "timezone", "monday", "due"),
    [
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "UTC", date(2026, 3, 2), True),
        (datetime(2026, 3, 2, 8, 59, tzinfo=UTC), "UTC", date(2026, 3, 2), False),
        # Sunday 23:30 UTC is Monday 08:30 in Tokyo: not yet; 00:30 UTC is 09:30 there.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Asia/Tokyo", date(2026, 3, 2), False),
        (datetime(2026, 3, 2, 0, 30, tzinfo=UTC), "Asia/Tokyo", date(2026, 3, 2), True),
        # Monday 10:00 UTC is still Monday 05:00 in New York.
        (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "America/New_York", date(2026, 3, 2), False),
        (datetime(2026, 3, 4, 12, 0, tzinfo=UTC), "UTC", date(2026, 3, 2), False),
    ],
)
def test_the_monday_and_whether_the_digest_is_due(
    now: datetime, timezone: str, monday: date, due: bool
) -> None:
    assert week_of(now, timezone) == monday
    assert digest_due(now, timezone) is due


def test_the_window_is_the_week_before_monday_nine_local() -> None:
    since, until = week_window(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "Europe/Berlin")
    assert until == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert since == datetime(2026, 2, 23, 8, 0, tzinfo=UTC)


def test_orders_that_moved_are_those_past_their_earlier_milestone_furthest_first() -> None:
    weeks = [
        OrderWeek("A-1", "PO-A", "Saigon", "cutting", ("sewing", "cutting")),
        OrderWeek("B-1", "PO-B", "Dhaka", "sewing", ("sewing",)),
        OrderWeek("C-1", "PO-C", "Dhaka", None, ("materials_in",)),
        OrderWeek("D-1", "PO-D", "Dhaka", "finishing", ("cutting",)),
        OrderWeek("E-1", "PO-E", "Dhaka", None, ("not_started",)),
    ]
    assert [(m.order, m.from_milestone, m.to_milestone) for m in moves(weeks)] == [
        ("A-1", "cutting", "sewing"),
        ("C-1", None, "materials_in"),
    ]
