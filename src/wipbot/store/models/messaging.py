"""What the bot must remember across restarts: the outbox, conversations, seen deliveries."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, UniqueConstraint

from . import alert, factory, gate  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, json_field
from .widths import INBOUND_ID


class OutboxMessage(TableModel, table=True):
    """Written in the same transaction as the change that caused it; sent by one sender task."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The sender's read: the first pending rows by id, without walking those already sent.
        # Migration 0011 makes it partial on PostgreSQL too; the model does not name that option,
        # as naming it loads SQLAlchemy's PostgreSQL dialect in every command.
        Index("ix_outbox_message_pending", "id", sqlite_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    chat_id: str = Field(max_length=64)
    action: str = Field(default="send", max_length=16)
    payload: dict[str, Any] = json_field()
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = created_at_field()
    last_error: str = Field(default="", max_length=1000)
    dedupe_key: str | None = Field(default=None, unique=True, max_length=160)
    alert_id: int | None = Field(default=None, foreign_key="alert.id")
    gate_id: int | None = Field(default=None, foreign_key="gate.id")
    # Indexed: delivery statuses (WhatsApp) find their row by the platform's message id.
    platform_message_id: str | None = Field(default=None, max_length=128, index=True)
    delivery_status: str | None = Field(default=None, max_length=16)
    delivery_status_at: datetime | None = None
    created_at: datetime = created_at_field()
    sent_at: datetime | None = None
    # Set while a sender has the row in hand (scheduler/sender.py): others leave it alone until
    # then, and a crashed sender's claim runs out by itself.
    claimed_until: datetime | None = None


class ConversationState(TableModel, table=True):
    __tablename__ = "conversation_state"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = json_field()
    updated_at: datetime = created_at_field()


class SeenInbound(TableModel, table=True):
    """Delivery ids already handled, so retries and duplicates act once."""

    __tablename__ = "seen_inbound"
    __table_args__ = (UniqueConstraint("platform", "inbound_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    inbound_id: str = Field(max_length=INBOUND_ID)
    seen_at: datetime = created_at_field()


class PromptKind(StrEnum):
    """Which check-in round: the weekly one about every open order, or the mid-week one about
    the orders near their ex-factory date (production/checkin_cadence.py)."""

    WEEKLY = "weekly"
    MIDWEEK = "midweek"


class ScheduledPrompt(TableModel, table=True):
    """One check-in round of one factory and week, of one kind: when due, sent, reminded and
    escalated. A mid-week round is never reminded, escalated or marked answered; its `sent_at`
    is when it was done: prompted, or found nothing to ask."""

    __tablename__ = "scheduled_prompt"
    __table_args__ = (
        UniqueConstraint("factory_id", "week_of", "kind", name="uq_scheduled_prompt_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    week_of: date
    kind: str = Field(default=PromptKind.WEEKLY.value, max_length=8)
    due_at: datetime
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    answered_at: datetime | None = None
