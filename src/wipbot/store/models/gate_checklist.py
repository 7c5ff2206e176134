"""A gate's checklist: each item, who ticked it and when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, UniqueConstraint

from . import gate  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel


class GateChecklistItem(TableModel, table=True):
    __tablename__ = "gate_checklist_item"
    __table_args__ = (UniqueConstraint("gate_id", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gate.id", index=True)
    item: str = Field(max_length=32)
    done: bool = False
    done_by: str | None = Field(default=None, max_length=120)
    done_at: datetime | None = None
