"""The python-telegram-bot callbacks: translate, hand over, done. One per kind of update."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from telegram import Bot, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from wipbot.production.clock import Clock

from ..unavailable import is_unavailable
from .dispatch import Dispatcher
from .keyboards import INERT_VALUE
from .translate import inbound_from_click, inbound_from_message

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")

failures: ContextVar[list[BaseException] | None] = ContextVar("telegram_failures", default=None)
"""Set by the webhook route around one update, so that it can answer 500 when handling failed
(python-telegram-bot hands callback exceptions to error handlers instead of raising them)."""
webhook_reply: ContextVar[dict[str, Any] | None] = ContextVar("telegram_reply", default=None)
"""Set (empty) by the webhook route around one update: a Bot API call put here goes back in the
body of the webhook's answer, as Telegram allows for one call, instead of a request of its own.
Long polling has no answer body, so there the call is made."""


def listeners(dispatcher: Dispatcher, clock: Clock) -> list[BaseHandler[Update, Any, Any]]:
    """Private chats only: a group would let anyone in it report as the linked contact."""

    async def on_message(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = inbound_from_message(update, clock())
        if inbound is not None:
            await dispatcher.dispatch(inbound)

    async def on_click(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        translated = None if query.data == INERT_VALUE else inbound_from_click(update, clock())
        if translated is None:
            await answer(query)
            return
        inbound, click = translated
        handled = await dispatcher.dispatch(inbound, click)
        if not handled.first:
            return  # Telegram delivered it again: the first delivery answered it already
        await answer(query)  # stops the spinner; the reply follows through the outbox
        stale = not handled.moved_on and handled.replies
        if stale and not any(reply.edit_previous for reply in handled.replies):
            await drop_keyboard(query.get_bot(), inbound.chat_id, click.message_id)

    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(filters.UpdateType.MESSAGE & private, on_message),
        CallbackQueryHandler(on_click),
    ]


async def answer(query: CallbackQuery) -> None:
    """Stops the spinner on the button: in the webhook's answer when there is one (no request
    of its own), otherwise through the Bot API."""
    reply = webhook_reply.get()
    if reply is not None and not reply:
        reply.update(method="answerCallbackQuery", callback_query_id=query.id)
        return
    try:
        await query.answer()
    except TelegramError as error:
        log.info("telegram: could not answer callback query: %s", error)


async def drop_keyboard(bot: Bot, chat_id: str, message_id: int) -> None:
    """A keyboard clicked after its question was answered loses its buttons, so the same stale
    tap cannot come again; the conversation has already answered it with the current question.
    At once and outside the outbox: it is cosmetic and must not spend the chat's one message a
    second that the next question needs. If it is lost, the keyboard stays clickable and the
    next stale tap is answered the same way."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except TelegramError as error:
        log.info("telegram: could not drop the keyboard of message %s: %s", message_id, error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if error is None:
        return
    seen = failures.get()
    if seen is not None:
        seen.append(error)
    update_id = update.update_id if isinstance(update, Update) else None
    if is_unavailable(error):
        log.warning(
            "telegram: update %s refused for now (%s); Telegram will retry", update_id, error
        )
        return
    log.error("telegram: update %s failed", update_id, exc_info=error)
