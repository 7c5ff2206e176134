"""Alerts: one open per subject and kind, posted once and then updated in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field

from . import brand, orders  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, json_field


class Alert(TableModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "uq_alert_open_subject",
            "brand_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    kind: str = Field(max_length=24)
    subject: str = Field(max_length=64)
    production_order_id: int | None = Field(default=None, foreign_key="production_order.id")
    severity: str = Field(default="warning", max_length=16)
    summary: str = Field(default="", max_length=500)
    details: dict[str, Any] = json_field()
    revision: int = 1
    opened_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    resolved_at: datetime | None = None
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
