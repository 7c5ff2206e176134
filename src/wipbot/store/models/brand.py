"""A brand: the customer and its Slack workspace (its people: brand_member.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from ._base import TableModel, created_at_field


class Brand(TableModel, table=True):
    __tablename__ = "brand"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    slack_team_id: str | None = Field(default=None, unique=True, max_length=32)
    alerts_channel: str | None = Field(default=None, max_length=32)
    approvals_channel: str | None = Field(default=None, max_length=32)
    buffer_days: int = 3
    timezone: str = Field(default="UTC", max_length=64)
    """IANA name: when the brand's Monday begins, for its weekly digest."""
    created_at: datetime = created_at_field()
