"""`wipbot run`: serve everything that is configured."""

from __future__ import annotations

from wipbot.bot.config import ConfigError, Settings
from wipbot.bot.runtime import serve

from .common import console, database, fail, run


async def _database_opens(settings: Settings) -> None:
    """A DATABASE_URL that is wrong or unreachable is one line before anything starts."""
    async with database(settings):
        pass


def run_command() -> None:
    """Serve every configured channel, the scheduler and the sender."""
    try:
        settings = Settings()
        run(_database_opens(settings))
        run(serve(settings, announce=console.print))
    except ConfigError as error:
        raise fail(str(error)) from None
