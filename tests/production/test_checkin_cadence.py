from datetime import date

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS, asked_midweek, midweek_day


def test_midweek_is_three_days_after_the_weekly_slot() -> None:
    assert midweek_day(date(2026, 12, 7)) == date(2026, 12, 10)  # Monday -> Thursday


def test_orders_within_the_window_and_late_ones_are_asked_midweek() -> None:
    on = date(2026, 12, 10)
    committed_at_edge = date(2026, 12, 10).toordinal() + MIDWEEK_WINDOW_DAYS
    assert asked_midweek(date.fromordinal(committed_at_edge), on)
    assert not asked_midweek(date.fromordinal(committed_at_edge + 1), on)
    assert asked_midweek(date(2026, 11, 30), on)  # already past its committed date


def test_a_zero_window_turns_midweek_off() -> None:
    assert not asked_midweek(date(2026, 11, 30), date(2026, 12, 10), window_days=0)
