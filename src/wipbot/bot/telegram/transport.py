"""Outbox payloads to the Bot API: the sender calls `deliver`, we answer in its vocabulary."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from wipbot.handlers.messages import reply_from_payload
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Delivered, DeliveryError, PermanentFailure, RetryLater

from .keyboards import inline_keyboard

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096

_EDIT_IMPOSSIBLE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
)


def fit_text(text: str) -> str:
    """Telegram refuses longer texts outright; a cut message beats a dead letter."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def delivery_error(error: TelegramError) -> DeliveryError:
    """429 and network trouble are worth another try; what Telegram refused stays refused."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # an int today, a timedelta later: both are fine here
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = error.retry_after
        return RetryLater(str(error), retry_after=_seconds(wait))
    if isinstance(error, ChatMigrated):
        return PermanentFailure(f"chat moved to {error.new_chat_id}")
    if isinstance(error, BadRequest | Forbidden):
        return PermanentFailure(str(error))
    return RetryLater(str(error))


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramTransport:
    """Renders neutral replies as messages with inline keyboards, or as edits of the message
    whose keyboard was clicked when the reply asks to replace it (`payload["message_id"]`)."""

    platform = PLATFORM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        try:
            if payload.get("kind") != "reply":
                raise PermanentFailure(f"unknown payload kind {payload.get('kind')!r}")
            sent = await self._reply(message.chat_id, payload)
        except TelegramError as error:
            raise delivery_error(error) from error
        except ValueError as error:
            raise PermanentFailure(str(error)) from error
        return Delivered(str(sent))

    async def _reply(self, chat_id: str, payload: dict[str, Any]) -> int:
        reply = reply_from_payload(payload)
        text = fit_text(reply.text)
        markup = inline_keyboard(reply.buttons)
        target = payload.get("message_id")
        if reply.edit_previous and isinstance(target, int):
            try:
                edited = await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=target, reply_markup=markup
                )
            except BadRequest as error:
                if _not_modified(error):
                    return target
                if not _edit_impossible(error):
                    raise
                log.info("telegram: cannot edit message %s, sending a new one", target)
            else:
                return edited.message_id if isinstance(edited, Message) else target
        sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
        return sent.message_id


def _not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def _edit_impossible(error: BadRequest) -> bool:
    text = error.message.lower()
    return any(reason in text for reason in _EDIT_IMPOSSIBLE)
