"""Telegram: python-telegram-bot behind the neutral inbound/reply language."""

from .channel import TelegramConfigError, build_application, build_telegram_channel
from .transport import TelegramTransport

__all__ = [
    "TelegramConfigError",
    "TelegramTransport",
    "build_application",
    "build_telegram_channel",
]
