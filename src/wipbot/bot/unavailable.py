"""Failures that say "not now" rather than "never": the process is saturated, or the database
cannot be reached. A webhook answers them 503 so the platform delivers again, and logs one line
without a traceback (they come in storms, and the cause is elsewhere); Slack's work after the
ack tells the person to try again in a minute. This is the one place that decides it."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError

from wipbot.handlers.inbound_pipeline import Saturated

_CONNECTION_WORDS = ("connection", "connect", "closed", "database is locked", "timeout")


def is_unavailable(error: BaseException) -> bool:
    """True for "not now": saturation, a refused or dropped connection, a timeout, a locked
    database, anywhere in the chain of causes; False for a mistake in the data or the code."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Saturated | ConnectionError | TimeoutError | InterfaceError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OSError) and not isinstance(current, FileNotFoundError):
            return True
        name = type(current).__name__
        if "Connection" in name or name == "CannotConnectNowError":
            return True
        if isinstance(current, DBAPIError):
            message = str(current.orig).lower()
            if any(word in message for word in _CONNECTION_WORDS):
                return True
        current = current.__cause__ or current.__context__
    return False
