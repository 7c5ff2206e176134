"""Typed quantities and days, as the factory floor types them."""

from __future__ import annotations

import pytest

from wipbot.handlers.checkin_input import parse_count, parse_days, parse_quantity
from wipbot.production.language import COUNT_CEILING


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("800", 800),
        (" 800 pcs ", 800),
        ("800件", 800),
        ("৮০০", 800),
        ("৮০০ পিস", 800),
        ("８００", 800),
        ("1,200", 1200),
        ("1.200", 1200),
        ("1 200", 1200),
        ("0", 0),
        ("-5", None),
        ("1.5", None),
        ("12,34", None),
        ("800 9", None),
        ("800 900", 800900),  # a space groups thousands, as "1 200" does
        ("lots", None),
        ("", None),
        ("9" * 5000, COUNT_CEILING),  # int() refuses strings of more than 4,300 digits
        ("1" + ",000" * 1500, COUNT_CEILING),
        ("0" * 5000 + "7", 7),
    ],
)
def test_parse_count(typed: str, count: int | None) -> None:
    assert parse_count(typed) == count


@pytest.mark.parametrize(
    ("typed", "order", "quantity"),
    [("1,100", 1000, 1100), ("1,101", 1000, None), ("1000", 1000, 1000), ("9" * 5000, 1000, None)],
)
def test_quantity_is_at_most_ten_percent_over_the_order(
    typed: str, order: int, quantity: int | None
) -> None:
    assert parse_quantity(typed, order) == quantity


@pytest.mark.parametrize(("typed", "days"), [("7", 7), ("7 days", 7), ("365", 365), ("366", None)])
def test_parse_days(typed: str, days: int | None) -> None:
    assert parse_days(typed) == days
