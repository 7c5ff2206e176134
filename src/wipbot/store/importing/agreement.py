"""Values repeated on many rows (a PO's ex-factory date on each of its lines) must agree."""

from __future__ import annotations

from datetime import date
from typing import Any

from .cells import Row


def shown(value: Any) -> str:
    return repr(value.isoformat()) if isinstance(value, date) else repr(str(value))


class Agreement:
    """The first value given for each (group, field), and the line it came from."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, str], tuple[Any, int]] = {}

    def check(self, row: Row, group: str, label: str, field: str, value: Any) -> None:
        """Blank cells agree with anything: the value is given once and may be repeated."""
        if value is None:
            return
        first = self._first.setdefault((group, field), (value, row.line))
        if first[0] != value:
            row.error(
                field,
                f"{shown(value)} differs from {shown(first[0])} on line {first[1]} for {label}",
            )

    def get(self, group: str, field: str) -> tuple[Any, int] | None:
        return self._first.get((group, field))
