"""The python-telegram-bot callbacks: translate, hand over, done. One per kind of update."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from telegram import Bot, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from wipbot.handlers.messages import Button
from wipbot.production.clock import Clock

from ..unavailable import is_unavailable
from .dispatch import Dispatcher
from .keyboards import INERT_VALUE, inline_keyboard
from .translate import inbound_from_click, inbound_from_message

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")

failures: ContextVar[list[BaseException] | None] = ContextVar("telegram_failures", default=None)
"""Set by the webhook route around one update, so that it can answer 500 when handling failed
(python-telegram-bot hands callback exceptions to error handlers instead of raising them)."""


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
        handled = await dispatcher.dispatch(inbound, click.message_id)
        if not handled.first:
            return  # Telegram delivered it again: the first delivery answered it already
        await answer(query)  # stops the spinner; the reply follows through the outbox
        if handled.replies and not any(reply.edit_previous for reply in handled.replies):
            shown = click.chosen if handled.moved_on else ()
            await show_choice(query.get_bot(), inbound.chat_id, click.message_id, shown)

    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(filters.UpdateType.MESSAGE & private, on_message),
        CallbackQueryHandler(on_click),
    ]


async def answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as error:
        log.info("telegram: could not answer callback query: %s", error)


async def show_choice(bot: Bot, chat_id: str, message_id: int, shown: tuple[Button, ...]) -> None:
    """Reduce a clicked keyboard to the choice taken (or to nothing when the click was stale),
    at once and outside the outbox: it is cosmetic, paced by the user's own clicks, and must not
    spend the chat's one message a second that the next question needs. If it is lost, the old
    keyboard stays clickable and the conversation answers a stale click with the current
    question."""
    try:
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=inline_keyboard(shown)
        )
    except TelegramError as error:
        log.info("telegram: could not mark the choice on message %s: %s", message_id, error)


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
