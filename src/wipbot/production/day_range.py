"""The days wipbot accepts from a person or a file: years 1900 to 2999.

The engine adds weeks of stage times, windows and closures to a day, which runs past Python's
calendar (years 1 to 9999) near either end; no order is that old or that far ahead, so a day
outside this range is a typing mistake to refuse, not a date to store.
"""

from __future__ import annotations

from datetime import date

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def out_of_range(day: date) -> str | None:
    """Why the day cannot be accepted, or None when it can."""
    if EARLIEST_DAY <= day <= LATEST_DAY:
        return None
    return f"out of range; give a date from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
