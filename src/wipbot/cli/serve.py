"""`wipbot run`: serve everything that is configured."""

from __future__ import annotations

import math
import socket

from wipbot.bot.config import ConfigError, Settings
from wipbot.bot.runtime import serve

from .common import console, database, fail, load_settings, run

HIGHEST_PORT = 65_535
MOST_HOURS = 100_000 * 24
"""Longer than any reminder, scan or age wipbot means (about 270 years), and short enough for the
clock's date arithmetic (a timedelta of 1e300 hours overflows)."""


def run_command() -> None:
    """Serve every configured channel, the scheduler and the sender."""
    try:
        settings = load_settings()
        _check_startable(settings)
        _check_can_listen(settings.host, settings.port)
        run(_database_opens(settings))
        run(serve(settings, announce=console.print))
    except ConfigError as error:
        raise fail(str(error)) from None


def _check_startable(settings: Settings) -> None:
    """What pydantic lets through but the server, the clock or the sender cannot use: caught
    before anything starts rather than as a traceback once the port is bound."""
    if not 0 <= settings.port <= HIGHEST_PORT:
        raise fail(f"WIPBOT_PORT: {settings.port} is not a port; use 0 to {HIGHEST_PORT}")
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"{field.alias}: {value} is not a finite number")
        if name.endswith("_hours") and value > MOST_HOURS:
            raise fail(f"{field.alias}: {value} hours is too long; at most {MOST_HOURS:,}")


def _check_can_listen(host: str, port: int) -> None:
    """The address is free and ours to take, asked before the channels, the scheduler and the
    leader lock start (uvicorn finds out only after them, and they are then torn down in a
    storm of cancelled jobs). Another process may still take it in between: uvicorn says so."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for family, kind, proto, _, address in addresses:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as error:
        reason = error.strerror or str(error)
        raise fail(f"WIPBOT_HOST/WIPBOT_PORT: cannot listen on {host}:{port}: {reason}") from None


async def _database_opens(settings: Settings) -> None:
    """A DATABASE_URL that is wrong or unreachable is one line before anything starts."""
    async with database(settings):
        pass
