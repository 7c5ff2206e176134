"""Scoring flags against real ex-factory dates, on tables small enough to check by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from wipbot.production.backtest import Flag, Outcome, is_late, mondays, score

MON = date(2026, 9, 7)
END = date(2026, 12, 28)


def weeks(order: str, raised_from: date | None, until: date = END) -> list[Flag]:
    """A flag every Monday, raised from `raised_from` on (never when None)."""
    return [
        Flag(order, day, raised_from is not None and day >= raised_from)
        for day in mondays(MON, until)
    ]


@pytest.mark.parametrize(
    ("shipped", "end", "late"),
    [
        (date(2026, 11, 2), END, True),
        (date(2026, 11, 1), END, False),
        (date(2026, 10, 25), END, False),
        (None, END, True),
        (None, date(2026, 10, 30), None),
    ],
)
def test_late_is_real_ex_factory_after_committed(
    shipped: date | None, end: date, late: bool | None
) -> None:
    assert is_late(Outcome("A", date(2026, 11, 1), shipped), end) is late


def test_recall_precision_and_lead_at_14_days() -> None:
    committed = date(2026, 11, 30)
    outcomes = [
        Outcome("late-caught", committed, committed + timedelta(days=5)),
        Outcome("late-caught-too-late", committed, committed + timedelta(days=9)),
        Outcome("late-missed", committed, committed + timedelta(days=2)),
        Outcome("on-time-flagged", committed, committed),
        Outcome("on-time-quiet", committed, committed - timedelta(days=3)),
    ]
    flags = [
        *weeks("late-caught", date(2026, 10, 26)),  # 35 days ahead
        *weeks("late-caught-too-late", date(2026, 11, 23)),  # 7 days ahead: too late
        *weeks("late-missed", None),
        *weeks("on-time-flagged", date(2026, 11, 9)),  # 21 days ahead
        *weeks("on-time-quiet", None),
    ]
    result = score("r", outcomes, flags, first_day=MON, last_day=END, lead_days=14)
    assert (result.orders, result.late, result.flagged, result.true_positives) == (5, 3, 2, 1)
    assert result.recall == pytest.approx(1 / 3, abs=1e-3)
    assert result.precision == 0.5
    assert result.median_lead_days == 35


def test_on_the_day_counts_only_the_last_judgement_in_time() -> None:
    committed = date(2026, 11, 30)  # the last Monday 14 days ahead is 16 November
    outcomes = [
        Outcome("late-raised-then-dropped", committed, committed + timedelta(days=4)),
        Outcome("late-raised-on-the-day", committed, committed + timedelta(days=4)),
        Outcome("on-time-raised-then-dropped", committed, committed),
        Outcome("on-time-raised-on-the-day", committed, committed),
    ]
    dropped = [
        Flag(name, day, date(2026, 10, 5) <= day <= date(2026, 10, 26))
        for name in ("late-raised-then-dropped", "on-time-raised-then-dropped")
        for day in mondays(MON, END)
    ]
    flags = [
        *dropped,
        *weeks("late-raised-on-the-day", date(2026, 11, 16)),
        *weeks("on-time-raised-on-the-day", date(2026, 11, 16)),
    ]
    result = score("r", outcomes, flags, first_day=MON, last_day=END, lead_days=14)
    assert (result.flagged, result.true_positives) == (4, 2)
    assert (result.on_the_day_flagged, result.on_the_day_true_positives) == (2, 1)
    assert (result.on_the_day_recall, result.on_the_day_precision) == (0.5, 0.5)


def test_flags_per_order_week_count_only_weeks_before_the_real_shipment() -> None:
    outcome = Outcome("A", date(2026, 9, 30), date(2026, 9, 28))
    flags = weeks("A", MON, until=date(2026, 10, 26))  # raised every Monday, shipped 09-28
    result = score("r", [outcome], flags, first_day=MON, last_day=END, lead_days=14)
    assert result.order_weeks == 3  # 09-07, 09-14, 09-21: after 09-28 it is gone
    assert result.flags_per_order_week == 1.0


def test_orders_due_too_soon_or_unknown_are_not_scored() -> None:
    outcomes = [
        Outcome("due-before-lead", MON + timedelta(days=10), MON + timedelta(days=20)),
        Outcome("not-yet-due", END + timedelta(days=30), None),
    ]
    result = score("r", outcomes, [], first_day=MON, last_day=END, lead_days=14)
    assert (result.orders, result.recall, result.precision) == (0, None, None)


def test_mondays_start_on_or_after_the_first_day() -> None:
    assert mondays(date(2026, 9, 8), date(2026, 9, 28)) == [
        date(2026, 9, 14),
        date(2026, 9, 21),
        date(2026, 9, 28),
    ]
    assert mondays(MON, MON) == [MON]
