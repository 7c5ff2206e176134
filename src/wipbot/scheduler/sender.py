"""The one task that sends every outbound message from the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlmodel import col, select

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import DeliveryError, Transport

MAX_ATTEMPTS = 8


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(2**attempts, 900))


async def send_due(
    session_factory: SessionFactory,
    transports: Mapping[str, Transport],
    *,
    clock: Clock = system_clock,
    limit: int = 100,
) -> int:
    """Deliver what is due, oldest first; returns how many were delivered."""
    now = clock()
    async with session_factory() as session:
        due = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending")
                .where(col(OutboxMessage.platform).in_(list(transports)))
                .where(OutboxMessage.next_attempt_at <= now)
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
        ).all()
    delivered = 0
    for message in due:
        async with session_factory() as session, session.begin():
            row = await session.get(OutboxMessage, message.id)
            if row is None or row.status != "pending":
                continue
            row.attempts += 1
            try:
                result = await transports[row.platform].deliver(row)
            except DeliveryError as error:
                row.last_error = str(error)[:1000]
                if error.permanent or row.attempts >= MAX_ATTEMPTS:
                    row.status = "dead"
                else:
                    row.next_attempt_at = clock() + backoff(row.attempts, error.retry_after)
                continue
            row.status = "sent"
            row.sent_at = clock()
            row.platform_message_id = result.platform_message_id
            delivered += 1
    return delivered
