"""One inbound, one transaction: the conversation's changes and the replies they cause commit
together, so a crash either loses both (and Telegram delivers again) or neither."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.factory_chat import handle_inbound
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload
from wipbot.production.clock import Clock
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, ConversationState
from wipbot.store.outbox import enqueue

from .transport import PLATFORM


def outbox_payloads(
    replies: Sequence[Reply], clicked_message_id: int | None
) -> list[dict[str, Any]]:
    """Replies as outbox payloads; one that replaces the previous message replaces the message
    whose button was clicked (we know no other "previous" for sure)."""
    payloads = []
    for reply in replies:
        payload = reply_to_payload(reply)
        if reply.edit_previous and clicked_message_id is not None:
            payload["message_id"] = clicked_message_id
        payloads.append(payload)
    return payloads


@dataclass(frozen=True)
class Handled:
    replies: list[Reply]
    moved_on: bool
    """For a click: the conversation changed, so the choice was taken (a stale button changes
    nothing). Compared on the stored state, the one signal every handler leaves."""


async def conversation_snapshot(session: AsyncSession, chat_id: str) -> str | None:
    row = (
        await session.exec(
            select(ConversationState.flow, ConversationState.step, ConversationState.data)
            .join(Contact, col(Contact.id) == ConversationState.contact_id)
            .where(Contact.platform == PLATFORM)
            .where(Contact.chat_id == chat_id)
        )
    ).first()
    return None if row is None else json.dumps(list(row), sort_keys=True, default=str)


class Dispatcher:
    """Runs inbounds through the conversation one chat at a time: two quick clicks in one chat
    must not race on the same conversation state, while other chats go on in parallel."""

    def __init__(
        self, session_factory: SessionFactory, clock: Clock, wake_sender: Callable[[], None]
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.wake_sender = wake_sender
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}

    async def dispatch(self, inbound: Inbound, clicked_message_id: int | None = None) -> Handled:
        async with self._one_at_a_time(inbound.chat_id):
            now = self.clock()
            clicked = clicked_message_id is not None
            async with transaction(self.session_factory) as session:
                before = await conversation_snapshot(session, inbound.chat_id) if clicked else None
                replies = await handle_inbound(session, inbound, now=now)
                moved_on = (
                    clicked and await conversation_snapshot(session, inbound.chat_id) != before
                )
                for payload in outbox_payloads(replies, clicked_message_id):
                    enqueue(session, PLATFORM, inbound.chat_id, payload, not_before=now)
        if replies:
            self.wake_sender()
        return Handled(replies, moved_on)

    @asynccontextmanager
    async def _one_at_a_time(self, chat_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._holders[chat_id] = self._holders.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[chat_id] -= 1
            if not self._holders[chat_id]:
                del self._holders[chat_id], self._locks[chat_id]
