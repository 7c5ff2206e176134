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

from .keyboards import SELECTED_MARK
from .translate import Click
from .transport import PLATFORM


def outbox_payloads(
    replies: Sequence[Reply], click: Click | None, *, moved_on: bool = False
) -> list[dict[str, Any]]:
    """Replies as outbox payloads; one that replaces the previous message replaces the message
    whose button was clicked (we know no other "previous" for sure).

    A click that moved the conversation on has its choice shown at the top of the next message
    ("✓ Sewing"): the answer given stands right above the next question, in the one message
    the step sends anyway, instead of a second request that marks it on the old keyboard."""
    payloads = []
    for index, reply in enumerate(replies):
        payload = reply_to_payload(reply)
        if reply.edit_previous and click is not None:
            payload["message_id"] = click.message_id
        elif index == 0 and moved_on and click is not None and click.label:
            payload["text"] = f"{SELECTED_MARK}{click.label}\n{reply.text}"
        payloads.append(payload)
    return payloads


class Dispatcher:
    """Telegram's side of the shared inbound pipeline: a click also learns whether it moved the
    conversation on (to show the choice taken) and whether this was its first delivery (a
    redelivered callback query is not answered again)."""

    def __init__(self, pipeline: InboundPipeline) -> None:
        self.pipeline = pipeline

    async def dispatch(self, inbound: Inbound, click: Click | None = None) -> Handled:

        async def work(session: AsyncSession, now: datetime) -> Step[Handled]:
            handled = await handle_delivery(session, inbound, now=now)
            payloads = outbox_payloads(handled.replies, click, moved_on=handled.moved_on)
            return Step(handled, payloads)

        return await self.pipeline.run(PLATFORM, inbound.chat_id, work)
