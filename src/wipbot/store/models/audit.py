"""Every decision, who made it and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field

from . import brand  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, json_field

NAME_CHARS = 120
"""The longest actor and subject stored; store/audit.py shortens longer ones."""


class AuditLog(TableModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int | None = Field(default=None, foreign_key="brand.id", index=True)
    at: datetime = created_at_field()
    actor: str = Field(max_length=NAME_CHARS)
    action: str = Field(max_length=48)
    subject: str = Field(default="", max_length=NAME_CHARS)
    details: dict[str, Any] = json_field()
