"""`wipbot run`: serve everything that is configured."""

from __future__ import annotations

from wipbot.bot.config import ConfigError, Settings
from wipbot.bot.runtime import serve

from .common import console, fail, run


def run_command() -> None:
    """Serve every configured channel, the scheduler and the sender."""
    try:
        run(serve(Settings(), announce=console.print))
    except ConfigError as error:
        raise fail(str(error)) from None
