"""The command menu, in each language we ship: Telegram shows the one matching the user's app."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from wipbot.handlers.chat_text import COMMANDS
from wipbot.handlers.i18n import LANGUAGES, translator

log = logging.getLogger(__name__)


def telegram_language_code(language: str) -> str:
    """Telegram wants two-letter ISO 639-1 codes: zh-Hans is "zh"."""
    return language.split("-")[0].lower()


def bot_commands(language: str | None) -> list[BotCommand]:
    _ = translator(language)
    return [BotCommand(command, _(description)) for command, description in COMMANDS]


async def register_commands(bot: Bot) -> None:
    """Cosmetic: a failure is logged, never a reason not to start."""
    try:
        await bot.set_my_commands(bot_commands(None))
        for language in LANGUAGES:
            await bot.set_my_commands(
                bot_commands(language), language_code=telegram_language_code(language)
            )
    except TelegramError as error:
        log.warning("telegram: could not register the command menu: %s", error)
