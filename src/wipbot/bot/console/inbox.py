"""What waited in the outbox for a console chat (a weekly prompt, a gate decision): shown when
the shell opens, then marked sent, as a chat platform would deliver it on reconnect."""

from __future__ import annotations

from sqlmodel import col, select

from wipbot.handlers.messages import Reply, reply_from_payload
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage

from .chat import PLATFORM


async def deliver_waiting(
    session_factory: SessionFactory, chat_id: str, *, clock: Clock = system_clock
) -> list[Reply]:
    """The chat's pending replies, oldest first; each is marked sent in the same transaction."""
    async with transaction(session_factory) as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.platform == PLATFORM)
                .where(OutboxMessage.chat_id == chat_id)
                .where(OutboxMessage.status == "pending")
                .order_by(col(OutboxMessage.id))
            )
        ).all()
        replies = []
        for row in rows:
            if row.payload.get("kind") == "reply":
                replies.append(reply_from_payload(row.payload))
            row.status = "sent"
            row.attempts += 1
            row.sent_at = clock()
        return replies
