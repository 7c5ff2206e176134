"""The people who act for a brand in Slack, with their roles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, UniqueConstraint

from . import brand  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field


class BrandMember(TableModel, table=True):
    __tablename__ = "brand_member"
    __table_args__ = (UniqueConstraint("brand_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    slack_user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=120)
    role: str = Field(default="viewer", max_length=16)
    created_at: datetime = created_at_field()
