"""The Monday digest: which channels asked for it, and each week's digest as it was sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, UniqueConstraint

from . import brand  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, json_field


class DigestSubscription(TableModel, table=True):
    """A Slack channel that opted in to the brand's Monday digest."""

    __tablename__ = "digest_subscription"
    __table_args__ = (UniqueConstraint("brand_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    channel: str = Field(max_length=32)
    subscribed_by: str = Field(default="", max_length=64)
    created_at: datetime = created_at_field()


class WeeklyDigest(TableModel, table=True):
    """One week's digest for one channel: its content is fixed when made, so a retry or a late
    send shows what the week was, and the unique key makes a second run a no-op."""

    __tablename__ = "weekly_digest"
    __table_args__ = (UniqueConstraint("brand_id", "channel", "week_of"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    channel: str = Field(max_length=32)
    week_of: date
    content: dict[str, Any] = json_field()
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = created_at_field()
