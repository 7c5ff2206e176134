"""What every chat adapter hands to the runtime: its routes, its transport, its lifecycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from wipbot.handlers.inbound_pipeline import InboundPipeline
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
    inbound: InboundPipeline = field(init=False)
    """Every chat adapter's way in, shared so that its queue and metrics are the process's."""

    def __post_init__(self) -> None:
        self.inbound = InboundPipeline(
            self.session_factory, clock=self.clock, wake_sender=self.wake_sender
        )


@dataclass
class Channel:
    name: str
    mode: str
    routes: list[BaseRoute] = field(default_factory=list)
    body_limits: dict[str, int] = field(default_factory=dict)
    """Paths whose platform may send more than `body_limit.DEFAULT_MAX_BODY_BYTES`."""
    transport: Transport | None = None
    start: Callable[[], Awaitable[None]] = _nothing
    stop: Callable[[], Awaitable[None]] = _nothing
