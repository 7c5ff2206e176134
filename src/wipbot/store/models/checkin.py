"""Check-ins: append-only reports from the factory floor; the current state is derived."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Field, Index

from . import factory, orders  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field


class CheckIn(TableModel, table=True):
    __tablename__ = "checkin"
    __table_args__ = (
        # A factory's latest shipments, newest first, without reading its whole history.
        Index("ix_checkin_milestone_reported_at", "milestone", "reported_at"),
        # Only check-ins from a chat name a contact (imported ones do not): the rest take no
        # index entry. Migration 0008 makes it partial on PostgreSQL too; the model does not
        # name that option, as naming it loads SQLAlchemy's PostgreSQL dialect in every command.
        Index("ix_checkin_contact_id", "contact_id", sqlite_where=text("contact_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    production_order_id: int = Field(foreign_key="production_order.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    source: str = Field(max_length=16)
    reported_at: datetime = Field(index=True)
    # None: not started yet (materials not in), so the report can still carry issues and delays.
    milestone: str | None = Field(default=None, max_length=16)
    qty_cut: int | None = None
    qty_sewn: int | None = None
    qty_finished: int | None = None
    qty_packed: int | None = None
    qty_shipped: int | None = None
    revised_exf: date | None = None
    # The day the goods really left, when the contact or the import says it (a weekly check-in
    # that says "shipped" is otherwise days after the real date).
    shipped_on: date | None = None
    note: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()


class CheckInIssue(TableModel, table=True):
    __tablename__ = "checkin_issue"

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    flag: str = Field(max_length=24)
    delay_days: int | None = None
    note: str = Field(default="", max_length=1000)
