"""Telegram deliveries into the shared inbound pipeline (handlers/inbound_pipeline.py): the
conversation's changes and the replies they cause commit together, so a crash either loses both
(and Telegram delivers again) or neither."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.factory_chat import handle_inbound
from wipbot.handlers.inbound_pipeline import InboundPipeline, Step
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload
from wipbot.store.inbound import seen_before
from wipbot.store.models import Contact, ConversationState

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
    first: bool = True
    """False for a delivery seen before (Telegram delivering the same update again)."""


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
    """Telegram's side of the shared inbound pipeline: a click also learns whether it moved the
    conversation on (to mark the choice) and whether this was its first delivery (a redelivered
    callback query is not answered again)."""

    def __init__(self, pipeline: InboundPipeline) -> None:
        self.pipeline = pipeline

    async def dispatch(self, inbound: Inbound, clicked_message_id: int | None = None) -> Handled:
        clicked = clicked_message_id is not None

        async def work(session: AsyncSession, now: datetime) -> Step[Handled]:
            first = not clicked or not await seen_before(
                session, inbound.platform, inbound.inbound_id
            )
            before = await conversation_snapshot(session, inbound.chat_id) if clicked else None
            replies = await handle_inbound(session, inbound, now=now)
            moved_on = clicked and await conversation_snapshot(session, inbound.chat_id) != before
            payloads = outbox_payloads(replies, clicked_message_id)
            return Step(Handled(replies, moved_on, first), payloads)

        return await self.pipeline.run(PLATFORM, inbound.chat_id, work)
