"""One asyncio process: the web app, every configured channel, the scheduler and the sender."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from wipbot.scheduler.sender import send_due
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade
from wipbot.store.outbox import Transport

from .channel import Channel, ChannelContext
from .config import Settings
from .web import build_web_app

ChannelBuilder = Callable[[ChannelContext], Channel | None]


def channel_builders() -> list[ChannelBuilder]:
    """Each adapter contributes a builder that returns None when it is not configured."""
    return []


@dataclass
class Runtime:
    settings: Settings
    session_factory: SessionFactory
    channels: list[Channel]
    app: Starlette
    wake: asyncio.Event

    @property
    def transports(self) -> dict[str, Transport]:
        return {c.name: c.transport for c in self.channels if c.transport is not None}


def build_runtime(settings: Settings, session_factory: SessionFactory) -> Runtime:
    wake = asyncio.Event()
    context = ChannelContext(settings, session_factory, wake_sender=wake.set)
    channels = [channel for build in channel_builders() if (channel := build(context)) is not None]
    app = build_web_app(session_factory, channels)
    return Runtime(settings, session_factory, channels, app, wake)


async def sender_loop(runtime: Runtime, interval: float = 1.0) -> None:
    while True:
        runtime.wake.clear()
        await send_due(runtime.session_factory, runtime.transports)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.wake.wait(), interval)


async def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    await upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    runtime = build_runtime(settings, make_session_factory(engine))
    for name, mode in settings.channels().items():
        announce(f"{name}: {mode}")
    for channel in runtime.channels:
        await channel.start()
    sender = asyncio.create_task(sender_loop(runtime))
    server = uvicorn.Server(
        uvicorn.Config(runtime.app, host=settings.host, port=settings.port, log_level="info")
    )
    announce(f"listening on http://{settings.host}:{settings.port}")
    try:
        await server.serve()
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        for channel in runtime.channels:
            await channel.stop()
        await engine.dispose()
