"""Updating a record in place and knowing whether anything changed, for honest summaries."""

from __future__ import annotations

from typing import Any


def assign(record: Any, **values: Any) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed
