"""Delivery statuses from Meta, kept on the outbox row of the message they concern.

Meta may repeat a status or deliver them out of order ("read" before "delivered"), so a status only
moves forward: a repeat or a late lesser status changes nothing. Statuses for messages that are
not ours, or not yet marked sent, are dropped; "delivered" and "read" follow soon enough.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.fitting import fitted, width_of
from wipbot.store.models import OutboxMessage

from .notifications import PLATFORM, StatusUpdate

ERROR_CHARS = width_of(OutboxMessage.last_error)
_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


async def record_statuses(session: AsyncSession, statuses: Sequence[StatusUpdate]) -> int:
    """Apply the statuses; returns how many rows changed."""
    changed = 0
    for update in statuses:
        rank = _RANK.get(update.status)
        if rank is None:
            continue
        row = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.platform == PLATFORM)
                .where(OutboxMessage.platform_message_id == update.message_id)
            )
        ).first()
        if row is None or _RANK.get(row.delivery_status or "", 0) >= rank:
            continue
        row.delivery_status = update.status
        row.delivery_status_at = update.at
        if update.status == "failed":
            row.last_error = fitted(f"whatsapp: {update.error or 'failed'}", ERROR_CHARS)
        changed += 1
    return changed
