"""The base of every table and the column helpers they share."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.mutable import MutableDict
from sqlmodel import Column, Field, SQLModel
from sqlmodel.main import SQLModelConfig


class TableModel(SQLModel):
    """What every table derives from: a SQLModel whose pydantic validator and serializer are
    built when first used, not when the class is defined.

    A table's instances are not validated: SQLModel's `__init__` of a table sets the values as
    given, and the rows the database returns are not validated either. The validator is only
    needed by `model_validate` and `model_dump`, which build it on their first call, so a
    command such as `wipbot po status` does not build one for every table it reads.
    """

    model_config = SQLModelConfig(defer_build=True)


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
