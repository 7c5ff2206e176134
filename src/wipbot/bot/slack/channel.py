"""The Slack channel: /slack/events over HTTP, Socket Mode when an app-level token is set."""

from __future__ import annotations

import logging
import time

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from wipbot.bot.channel import Channel, ChannelContext
from wipbot.bot.media_links import photo_links

from .app import BotIdentity, build_bolt_app, listener_client, outbox_client
from .deps import SlackDeps
from .inbound import refusal, well_formed
from .transport import SlackTransport

log = logging.getLogger("wipbot.slack")

EVENTS_PATH = "/slack/events"


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Socket Mode with the check the HTTP route makes (`refusal`): an envelope whose payload
    Slack would never send (a NUL in a command, an id wider than its column) reaches no
    listener, and is not acknowledged, as the route answers such a body 400."""

    async def handle(  # type: ignore[override]  # as Bolt's own: its base names another client
        self, client: SocketModeClient, req: SocketModeRequest
    ) -> None:
        if not isinstance(req.payload, dict) or not well_formed(req.payload):
            log.warning("slack: a socket mode %s no Slack request would carry; refused", req.type)
            return
        await super().handle(client, req)


class SlackChannel(Channel):
    """A Channel that also exposes its Bolt app and listener work, for tests and the demo."""

    bolt: AsyncApp
    deps: SlackDeps
    socket_mode: AsyncSocketModeHandler | None


def build_slack_channel(context: ChannelContext) -> SlackChannel | None:
    settings = context.settings
    if not settings.slack_enabled or settings.slack_bot_token is None:
        return None
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret
    deps = SlackDeps(
        context.session_factory,
        context.clock,
        context.wake_sender,
        photo_url=photo_links(settings, context.clock),
    )
    identity = BotIdentity(listener_client(token, settings.slack_api_url))
    bolt = build_bolt_app(identity, secret.get_secret_value() if secret else "", deps)
    routes: list[BaseRoute] = []
    if secret is not None:
        handler = AsyncSlackRequestHandler(bolt)
        signing_secret = secret.get_secret_value()

        async def events(request: Request) -> Response:
            refused = await refusal(request, signing_secret, time.time())
            return refused or await handler.handle(request)

        routes.append(Route(EVENTS_PATH, events, methods=["POST"]))
    socket_mode = None
    if settings.slack_app_token is not None:
        socket_mode = CheckedSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())

    async def start() -> None:
        try:
            me = await identity.warm_up()
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Slack down or the token wrong: the other channels still start; Bolt tries again
            # on the first request, and the outbox keeps what it cannot send yet.
            log.warning("slack: auth.test failed at start: %s", error)
        else:
            log.info("slack: connected as %s in team %s", me.get("user"), me.get("team_id"))
        if socket_mode is not None:
            await socket_mode.connect_async()

    async def stop() -> None:
        if socket_mode is not None:
            await socket_mode.close_async()
        await deps.work.wait_idle()

    channel = SlackChannel(
        name="slack",
        mode=settings.channels()["slack"],
        routes=routes,
        transport=SlackTransport(
            outbox_client(token, settings.slack_api_url, settings.slack_send_timeout_seconds),
            context.session_factory,
            clock=context.clock,
        ),
        start=start,
        stop=stop,
    )
    channel.bolt, channel.deps, channel.socket_mode = bolt, deps, socket_mode
    return channel
