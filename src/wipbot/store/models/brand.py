"""A brand: the customer, its Slack workspace and the people who act for it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from ._base import Table, created_at_field


class Brand(Table, table=True):
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
