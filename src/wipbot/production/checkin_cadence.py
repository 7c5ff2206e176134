"""When an order is asked about: every week, and mid-week too once its ex-factory date is near.

A weekly report leaves a missed milestone unseen for up to a week, and near the end a week is
most of the warning a brand can get: replayed on six generated seasons, a second report a week
for orders within six weeks of their committed date raised recall 14 days ahead by 0.03-0.13
(mean 0.70 to 0.77) for 0.02 of precision (docs/backtest.md, "Asking more often near the
end"). Orders further out keep the weekly rhythm, so a factory is asked twice a week only about
the orders that decide the month.
"""

from __future__ import annotations

from datetime import date, timedelta

MIDWEEK_OFFSET_DAYS = 3
"""The mid-week check-in comes this many days after the factory's weekly slot (Thursday for a
Monday slot), at the same local time."""

MIDWEEK_WINDOW_DAYS = 42
"""Orders whose committed ex-factory date is at most this many days away (or already past)
are asked mid-week too: the default of `WIPBOT_MIDWEEK_CHECKIN_DAYS`."""


def midweek_day(weekly_slot_day: date) -> date:
    """The day of the mid-week check-in of the week whose weekly slot falls on this day."""
    return weekly_slot_day + timedelta(days=MIDWEEK_OFFSET_DAYS)


def asked_midweek(committed_exf: date, on: date, window_days: int = MIDWEEK_WINDOW_DAYS) -> bool:
    """Whether an open order is asked about in the mid-week check-in held on `on`: its
    committed date is within `window_days` (late orders stay in); 0 turns mid-week off."""
    return window_days > 0 and (committed_exf - on).days <= window_days
