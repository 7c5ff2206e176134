"""The sample-to-bulk gate of a production order and its checklist."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from . import orders  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel


class Gate(TableModel, table=True):
    __tablename__ = "gate"

    id: int | None = Field(default=None, primary_key=True)
    production_order_id: int = Field(foreign_key="production_order.id", unique=True)
    status: str = Field(default="open", max_length=16)
    requested_at: datetime | None = None
    requested_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=64)
    decision_reason: str = Field(default="", max_length=1000)
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
