"""What every chat adapter hands to the runtime: its routes, its transport, its lifecycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from wipbot.store.outbox import Transport


async def _nothing() -> None:
    return None


@dataclass
class Channel:
    name: str
    mode: str
    routes: list[BaseRoute] = field(default_factory=list)
    transport: Transport | None = None
    start: Callable[[], Awaitable[None]] = _nothing
    stop: Callable[[], Awaitable[None]] = _nothing
