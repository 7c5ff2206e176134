"""Telegram deliveries into the shared inbound pipeline (handlers/inbound_pipeline.py): the
conversation's changes and the replies they cause commit together, so a crash either loses both
(and Telegram delivers again) or neither."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.factory_chat import Handled, handle_delivery
from wipbot.handlers.inbound_pipeline import InboundPipeline, Step
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload
from wipbot.handlers.taking_turns import TakingTurns

from ..unavailable import is_unavailable
from .keyboards import SELECTED_MARK
from .translate import Click
from .transport import PLATFORM

log = logging.getLogger(__name__)

RETRY_PAUSES = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Long polling: seconds between attempts at an update refused for now; the last repeats."""


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
    redelivered callback query is not answered again).

    A webhook's update refused for now (saturated, database unreachable) is answered so that
    Telegram delivers it again. Long polling has no such second delivery: the next getUpdates
    confirms every update fetched before it. So there an update refused for now is tried again
    here, in the chat's turn, until it goes through; later updates of that chat wait behind it,
    in order."""

    def __init__(
        self,
        pipeline: InboundPipeline,
        *,
        platform_redelivers: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pipeline = pipeline
        self.platform_redelivers = platform_redelivers
        self._sleep = sleep
        self._chats: TakingTurns[str] = TakingTurns()

    async def dispatch(self, inbound: Inbound, click: Click | None = None) -> Handled:

        async def work(session: AsyncSession, now: datetime) -> Step[Handled]:
            handled = await handle_delivery(session, inbound, now=now)
            payloads = outbox_payloads(handled.replies, click, moved_on=handled.moved_on)
            return Step(handled, payloads)

        if self.platform_redelivers:
            return await self.pipeline.run(PLATFORM, inbound.chat_id, work)
        async with self._chats.turn(inbound.chat_id):
            return await self._until_accepted(inbound.chat_id, work)

    async def _until_accepted(
        self, chat: str, work: Callable[[AsyncSession, datetime], Awaitable[Step[Handled]]]
    ) -> Handled:
        attempt = 0
        while True:
            try:
                return await self.pipeline.run(PLATFORM, chat, work)
            except Exception as error:
                if not is_unavailable(error):
                    raise
                pause = RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)]
                attempt += 1
                log.warning(
                    "telegram: an update of chat %s refused for now (%s); trying again in %s s",
                    chat,
                    error,
                    pause,
                )
                await self._sleep(pause)
