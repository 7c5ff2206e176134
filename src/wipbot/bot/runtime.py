"""One asyncio process: the web app, every configured channel, the scheduler and the sender."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette

from wipbot.handlers.inbound_pipeline import InboundPipeline
from wipbot.scheduler.leader import leadership_for
from wipbot.scheduler.service import SchedulerService
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade
from wipbot.store.outbox import Transport

from .channel import Channel, ChannelContext
from .config import Settings
from .media import media_routes_for
from .slack import build_slack_channel
from .slow_clients import ConnectionLimits, ConnectionStats, guarded_protocol, open_file_ceiling
from .telegram import build_telegram_channel
from .web import build_web_app
from .whatsapp import build_whatsapp_channel

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


ChannelBuilder = Callable[[ChannelContext], Channel | None]


def channel_builders() -> list[ChannelBuilder]:
    """Each adapter contributes a builder that returns None when it is not configured."""
    return [build_slack_channel, build_telegram_channel, build_whatsapp_channel]


@dataclass
class Runtime:
    settings: Settings
    session_factory: SessionFactory
    channels: list[Channel]
    app: Starlette
    wake: asyncio.Event
    inbound: InboundPipeline | None = None
    connections: ConnectionStats = field(default_factory=ConnectionStats)

    @property
    def transports(self) -> dict[str, Transport]:
        return {c.name: c.transport for c in self.channels if c.transport is not None}


def build_runtime(settings: Settings, session_factory: SessionFactory) -> Runtime:
    wake = asyncio.Event()
    context = ChannelContext(settings, session_factory, wake_sender=wake.set)
    channels = [channel for build in channel_builders() if (channel := build(context)) is not None]
    media = media_routes_for(settings, session_factory)
    connections = ConnectionStats()
    app = build_web_app(
        session_factory, channels, context.inbound, extra_routes=media, connections=connections
    )
    return Runtime(settings, session_factory, channels, app, wake, context.inbound, connections)


def scheduler_service(runtime: Runtime, announce: Callable[[str], None]) -> SchedulerService:
    """The scheduler and the sender, run only while this process holds the leader lock."""
    settings = runtime.settings
    return SchedulerService(
        runtime.session_factory,
        runtime.transports,
        leadership_for(settings.database_url, poll_seconds=settings.leader_poll_seconds),
        settings.scheduler_config(),
        runtime.wake,
        announce=announce,
    )


class GracefulServer(uvicorn.Server):
    """uvicorn raises SIGTERM again once it has drained, which kills the process before the
    scheduler, the sender and the channels are stopped; here a signal only asks it to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def server_config(
    app: Starlette, settings: Settings, max_connections: int, connections: ConnectionStats
) -> uvicorn.Config:
    """uvicorn as `wipbot run` serves: every connection under the deadlines and the cap of
    bot/slow_clients.py, counted into `connections` (the app's /metrics shows them); no
    WebSocket upgrades (no route takes one, and an upgraded connection would escape the
    deadlines)."""
    limits = ConnectionLimits(
        head_seconds=settings.head_timeout_seconds,
        body_seconds=settings.body_timeout_seconds,
        send_seconds=settings.response_timeout_seconds,
        max_connections=max_connections,
    )
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        http=guarded_protocol(limits, stats=connections),
        ws="none",
        timeout_keep_alive=settings.keep_alive_seconds,
    )


async def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    await upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    runtime = build_runtime(settings, make_session_factory(engine))
    for name, mode in settings.channels().items():
        announce(f"{name}: {mode}")
    for channel in runtime.channels:
        await channel.start()
    max_connections = open_file_ceiling(settings.max_connections)
    if max_connections < settings.max_connections:
        announce(
            f"WIPBOT_MAX_CONNECTIONS: {settings.max_connections} is more than the open-file "
            f"limit allows; at most {max_connections} connections"
        )
    server = GracefulServer(
        server_config(runtime.app, settings, max_connections, runtime.connections)
    )
    duties = asyncio.create_task(scheduler_service(runtime, announce).run())
    duties.add_done_callback(lambda _: setattr(server, "should_exit", True))
    announce(f"listening on http://{settings.host}:{settings.port}")
    try:
        await server.serve()
    finally:
        duties.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await duties
        for channel in runtime.channels:
            await channel.stop()
        if runtime.inbound is not None:
            await runtime.inbound.close()
        await engine.dispose()
        announce("stopped: scheduler, sender and channels shut down")
