"""`wipbot run`: serve everything that is configured."""

from __future__ import annotations

from wipbot.bot.config import Settings
from wipbot.bot.runtime import serve

from .common import console, run


def run_command() -> None:
    """Serve every configured channel, the scheduler and the sender."""
    run(serve(Settings(), announce=console.print))
