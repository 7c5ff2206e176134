"""How names typed by people are matched to names kept: spacing and case do not count."""

from __future__ import annotations


def key(value: str) -> str:
    """How names are matched: `po-1042 ` finds `PO-1042`."""
    return " ".join(value.split()).casefold()
