"""Typed numbers as factory staff type them: "800", "800 pcs", "৮০০", "８００", "1,200".

Separators are thousands separators only ("1,200" and the Vietnamese/Turkish "1.200"): piece
counts and days have no fractions, so "1.5" is refused rather than guessed.
"""

from __future__ import annotations

import re

from wipbot.production.language import prepare_text, whole_number

_NUMBER = re.compile(r"^(?P<num>\d{1,3}(?:[,.\s]\d{3})+|\d+)(?:\s*(?P<unit>\D{0,12}))?$")
MAX_DELAY_DAYS = 365


def parse_count(text: str) -> int | None:
    """A whole non-negative number, with an optional short unit word after it; else None."""
    prepared = prepare_text(text).strip()
    match = _NUMBER.match(prepared)
    if match is None:
        return None
    unit = (match.group("unit") or "").strip()
    if unit and (any(ch.isdigit() for ch in unit) or unit[0] in ",.-+/"):
        return None
    return whole_number(re.sub(r"\D", "", match.group("num")))


def quantity_limit(order_quantity: int) -> int:
    """Up to 10 % over the order: cutting allowances and overshipment tolerance, not typos."""
    return order_quantity + order_quantity // 10


def parse_quantity(text: str, order_quantity: int) -> int | None:
    """Pieces done, within 0..110 % of the order quantity; None for anything else."""
    count = parse_count(text)
    if count is None or count > quantity_limit(order_quantity):
        return None
    return count


def parse_days(text: str) -> int | None:
    """Days of delay, 0 to a year."""
    count = parse_count(text)
    if count is None or count > MAX_DELAY_DAYS:
        return None
    return count
