"""Factories, their closures, and the people there we talk to."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import Field, UniqueConstraint

from . import brand  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field


class Factory(TableModel, table=True):
    __tablename__ = "factory"
    __table_args__ = (UniqueConstraint("brand_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=120)
    country: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=16)
    checkin_weekday: int = 0
    checkin_time: time = Field(default=time(10, 0))
    created_at: datetime = created_at_field()


class FactoryClosure(TableModel, table=True):
    """A known shutdown beyond public holidays, e.g. the Chinese New Year weeks."""

    __tablename__ = "factory_closure"

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    start: date
    end: date
    reason: str = Field(default="", max_length=120)


class Contact(TableModel, table=True):
    """A person at a factory; linked to a chat only through a one-time invite code."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    name: str = Field(max_length=120)
    platform: str = Field(max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    invite_code: str | None = Field(default=None, unique=True, max_length=64)
    invite_expires_at: datetime | None = None
    linked_at: datetime | None = None
    last_inbound_at: datetime | None = None
    active: bool = True
    role: str = Field(default="contact", max_length=16)
    """`contact` answers the weekly check-in; `inspector` only reports QC inspections."""
    created_at: datetime = created_at_field()
