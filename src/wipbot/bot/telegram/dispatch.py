"""Telegram deliveries into the shared inbound pipeline (handlers/inbound_pipeline.py): the
conversation's changes and the replies they cause commit together, so a crash either loses both
(and Telegram delivers again) or neither."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.factory_chat import Handled, handle_delivery
from wipbot.handlers.inbound_pipeline import InboundPipeline, Step
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload

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


class Dispatcher:
    """Telegram's side of the shared inbound pipeline: a click also learns whether it moved the
    conversation on (to mark the choice) and whether this was its first delivery (a redelivered
    callback query is not answered again)."""

    def __init__(self, pipeline: InboundPipeline) -> None:
        self.pipeline = pipeline

    async def dispatch(self, inbound: Inbound, clicked_message_id: int | None = None) -> Handled:

        async def work(session: AsyncSession, now: datetime) -> Step[Handled]:
            handled = await handle_delivery(session, inbound, now=now)
            return Step(handled, outbox_payloads(handled.replies, clicked_message_id))

        return await self.pipeline.run(PLATFORM, inbound.chat_id, work)
