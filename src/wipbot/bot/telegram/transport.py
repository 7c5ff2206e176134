"""Outbox payloads to the Bot API: the sender calls `deliver`, we answer in its vocabulary."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # what Bot._post builds
from telegram.warnings import PTBDeprecationWarning

from wipbot.handlers.messages import reply_from_payload
from wipbot.store.outbox import (
    Delivered,
    DeliveryError,
    Outbound,
    PermanentFailure,
    RetryLater,
    Unconfirmed,
)

from .keyboards import inline_keyboard
from .sender_request import AiohttpRequest, AnswerTimedOut

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
    """429 and network trouble are worth another try; what Telegram refused stays refused. A
    sendMessage whose answer timed out is not tried again (`_reply`)."""
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
    whose keyboard was clicked when the reply asks to replace it (`payload["message_id"]`).

    It posts through the Bot's own request object, so the connection pool, the timeouts and
    the mapping of Telegram's answers to RetryAfter, BadRequest, Forbidden and NetworkError are
    python-telegram-bot's, but it reads the answer as JSON: all it needs of the sent message is
    its id, and building the Message (with its chat, sender and keyboard) cost a fifth of a
    send's CPU."""

    platform = PLATFORM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @property
    def send_seconds(self) -> float:
        """The longest one Bot API call may take (the sender starts none it cannot see end
        within its lease); an unknown request object: PTB's default 5 s for each of its four
        timeouts."""
        request = self.bot.request
        return request.longest_request_seconds if isinstance(request, AiohttpRequest) else 20.0

    async def deliver(self, message: Outbound) -> Delivered:
        payload = message.payload
        try:
            if payload.get("kind") != "reply":
                raise PermanentFailure(f"unknown payload kind {payload.get('kind')!r}")
            sent = await self._reply(message.chat_id, payload)
        except TelegramError as error:
            raise delivery_error(error) from error
        except ValueError as error:
            raise PermanentFailure(str(error)) from error
        return Delivered(None if sent is None else str(sent))

    async def _call(self, method: str, values: dict[str, Any]) -> object:
        """One Bot API call, its parameters encoded as the Bot's own methods encode them."""
        parameters = [RequestParameter.from_input(k, v) for k, v in values.items() if v is not None]
        url = f"{self.bot.base_url}/{method}"
        return await self.bot.request.post(url, request_data=RequestData(parameters))

    async def _reply(self, chat_id: str, payload: dict[str, Any]) -> int | None:
        reply = reply_from_payload(payload)
        text = fit_text(reply.text)
        markup = inline_keyboard(reply.buttons)
        target = payload.get("message_id")
        if reply.edit_previous and isinstance(target, int):
            try:
                edited = await self._call(
                    "editMessageText",
                    {
                        "chat_id": chat_id,
                        "message_id": target,
                        "text": text,
                        "reply_markup": markup,
                    },
                )
            except BadRequest as error:
                if _not_modified(error):
                    return target
                if not _edit_impossible(error):
                    raise
                log.info("telegram: cannot edit message %s, sending a new one", target)
            else:
                return _message_id(edited) or target
        try:
            sent = await self._call(
                "sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": markup}
            )
        except AnswerTimedOut as error:
            # sent, answer lost: most likely in the chat already, so not sent again. An edit
            # above that timed out is retried instead: repeating it changes nothing.
            raise Unconfirmed(f"sendMessage: {error}") from error
        found = _message_id(sent)
        if found is None:
            # Telegram said ok: the message went. Sending it again for want of its id (nothing
            # reads it back) put it in the chat twice.
            log.warning("telegram: sendMessage answered ok without a message id: %.80r", sent)
        return found


def _message_id(answer: object) -> int | None:
    """The id of the message in a Bot API answer (an edit of an inline message answers True)."""
    if isinstance(answer, dict):
        found = answer.get("message_id")
        if isinstance(found, int):
            return found
    return None


def _not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def _edit_impossible(error: BadRequest) -> bool:
    text = error.message.lower()
    return any(reason in text for reason in _EDIT_IMPOSSIBLE)
