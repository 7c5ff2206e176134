"""What every chat adapter hands to the runtime: its routes, its transport, its lifecycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.outbox import Transport

from .config import Settings


async def _nothing() -> None:
    return None


def _no_wake() -> None:
    return None


@dataclass
class ChannelContext:
    """What a channel builder gets: settings, the database, the clock, and a way to say
    "the outbox has something for you" so the sender does not wait for its next poll."""

    settings: Settings
    session_factory: SessionFactory
    wake_sender: Callable[[], None] = _no_wake
    clock: Clock = system_clock


@dataclass
class Channel:
    name: str
    mode: str
    routes: list[BaseRoute] = field(default_factory=list)
    transport: Transport | None = None
    start: Callable[[], Awaitable[None]] = _nothing
    stop: Callable[[], Awaitable[None]] = _nothing
