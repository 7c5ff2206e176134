"""`wipbot run`: serve everything that is configured."""

from __future__ import annotations

import asyncio

from wipbot.bot.config import ConfigError, Settings
from wipbot.bot.runtime import serve, server_loop_factory

from .common import console, fail


def run_command() -> None:
    """Serve every configured channel, the scheduler and the sender."""
    try:
        with asyncio.Runner(loop_factory=server_loop_factory()) as runner:
            runner.run(serve(Settings(), announce=console.print))
    except ConfigError as error:
        raise fail(str(error)) from None
