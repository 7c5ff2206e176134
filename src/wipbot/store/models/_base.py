"""Column helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.mutable import MutableDict
from sqlmodel import Column, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow)


def money_field(*, nullable: bool = False) -> Any:
    """Money is Decimal with four places: enough for unit prices in any currency we meet."""
    if nullable:
        return Field(default=None, max_digits=14, decimal_places=4)
    return Field(max_digits=14, decimal_places=4)


def json_field() -> Any:
    """A JSON dict that notices in-place changes (plain JSON columns silently drop them)."""
    return Field(
        default_factory=dict, sa_column=Column(MutableDict.as_mutable(JSON()), nullable=False)
    )


ZERO = Decimal("0")
