"""The Bolt app: listeners acknowledge at once and do their work after the ack."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from wipbot.bot.config import SLACK_SEND_TIMEOUT_SECONDS

from . import digest_listeners, gate_listeners, home_listeners, po_listeners, qc_listeners
from .after_ack import STALE_BUTTON, ephemeral, tell_safely
from .deps import SlackDeps
from .rate_limit import BriefRateLimitRetry

log = logging.getLogger("wipbot.slack")

ANYTHING = re.compile(".*")
"""Registered last: Bolt gives a request to the first listener that matches it."""


class _SameTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the client
    we hand it (built from that very token), or our `authorize`, wins; with our variable named
    like Bolt's, that warning would greet every start for nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and "will be ignored" not in message


logging.getLogger(f"slack_bolt.{AsyncApp.__name__}").addFilter(_SameTokenNotice())


def listener_client(token: str, base_url: str) -> AsyncWebClient:
    """For answers to a person (modals, ephemerals, Home): wait out one brief rate limit, then
    give up."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            BriefRateLimitRetry(),
        ],
    )


SLACK_CONNECT_TIMEOUT_SECONDS = 10.0
"""How long opening a connection to Slack may take: past it nothing was sent, and the sender
tries again."""


class UnwrittenErrorRetry(AsyncConnectionErrorRetryHandler):
    """The SDK's retry of a failed connection, but not of a read timeout: aiohttp's
    `SocketTimeoutError` is a `ServerConnectionError` too, and retried it posted a message
    Slack had most likely posted already."""

    async def _can_retry_async(self, *, error: Exception | None = None, **kwargs: Any) -> bool:
        if isinstance(error, aiohttp.SocketTimeoutError):
            return False
        return await super()._can_retry_async(error=error, **kwargs)


class OutboxWebClient(AsyncWebClient):
    """An AsyncWebClient whose requests tell a request that never left from an answer that did
    not come. The SDK gives each request one total timeout (30 s), and when it ran out nothing
    said whether Slack had the request; here opening the connection has its own timeout
    (`ConnectionTimeoutError`, surely not sent) and the wait for the answer another,
    `answer_timeout`, whose timer aiohttp starts once the request is written
    (`SocketTimeoutError`: Slack may well have carried it out)."""

    def __init__(self, *, answer_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer_timeout = answer_timeout
        self._timeouts = aiohttp.ClientTimeout(
            total=None,
            connect=SLACK_CONNECT_TIMEOUT_SECONDS,
            sock_connect=SLACK_CONNECT_TIMEOUT_SECONDS,
            sock_read=answer_timeout,
        )

    @property
    def longest_request_seconds(self) -> float:
        """The longest one request may take: opening the connection, then the answer."""
        return SLACK_CONNECT_TIMEOUT_SECONDS + self.answer_timeout

    async def _request(  # type: ignore[no-untyped-def]  # as the SDK's own
        self, *, http_verb, api_url, req_args
    ) -> dict[str, Any]:
        timed = {**req_args, "timeout": self._timeouts}  # aiohttp's per-request timeouts
        return await super()._request(http_verb=http_verb, api_url=api_url, req_args=timed)


def outbox_client(
    token: str, base_url: str, answer_timeout: float = SLACK_SEND_TIMEOUT_SECONDS
) -> OutboxWebClient:
    """For the outbox: a 429 goes back to the sender, which owns backoff and rate limits; a
    post whose answer timed out is not posted again by the SDK (`UnwrittenErrorRetry`)."""
    return OutboxWebClient(
        token=token,
        base_url=base_url,
        answer_timeout=answer_timeout,
        retry_handlers=[UnwrittenErrorRetry()],
    )


class BotIdentity(AsyncAuthorize):
    """Who the bot is, handed to Bolt through its public `authorize` hook: auth.test is asked
    once (by `warm_up` at start, else by the first request) and its answer serves every request.

    Bolt's own single-workspace authorization also caches auth.test, but fills its cache only
    on the first request, and every request that arrives before that answer asks again. The
    result is the one Bolt builds from auth.test for a single workspace.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._answer: AsyncSlackResponse | None = None
        self._asking = asyncio.Lock()

    async def warm_up(self) -> dict[str, Any]:
        answer = await self._auth_test()
        return dict(answer.data) if isinstance(answer.data, dict) else {}

    async def _auth_test(self) -> AsyncSlackResponse:
        async with self._asking:
            if self._answer is None:
                self._answer = await self.client.auth_test()
            return self._answer

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        answer = await self._auth_test()
        token = self.client.token
        bot = token is not None and token.startswith("xoxb-")
        scopes = answer.headers.get("x-oauth-scopes")
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id") if bot else None,
            bot_token=token if bot else None,
            user_id=user_id or (None if bot else answer.get("user_id")),
            user_token=None if bot else token,
            bot_scopes=scopes if bot else None,
            user_scopes=None if bot else scopes,
        )


BOLT_APP_NAME = "wipbot-slack"
"""Bolt names a logger after its app and, on every request, sets that logger's level and copies
handlers onto it: named "wipbot", it overwrote the level of the whole package's logger, and a
process serving Slack stopped logging wipbot's INFO lines after its first Slack request."""


def build_bolt_app(identity: BotIdentity, signing_secret: str, deps: SlackDeps) -> AsyncApp:
    app = AsyncApp(
        client=identity.client,
        authorize=identity,
        signing_secret=signing_secret,
        process_before_response=False,
        name=BOLT_APP_NAME,
    )
    po_listeners.register(app, deps)
    gate_listeners.register(app, deps)
    home_listeners.register(app, deps)
    qc_listeners.register(app, deps)
    digest_listeners.register(app, deps)

    @app.action(ANYTHING)
    async def other_action(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A button this version does not have (an old message's): said so, not a 404 that
        shows the person only a warning sign."""
        await ack()
        if body.get("response_url"):
            await tell_safely(ephemeral(respond), STALE_BUTTON)

    @app.command(ANYTHING)
    async def other_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        known = "/po, /gate, /qc, /landed or /digest"
        await ack(f"wipbot does not know {command.get('command')}; try {known}.")

    @app.view(ANYTHING)
    async def other_view(ack: AsyncAck) -> None:
        await ack()

    @app.view_closed(ANYTHING)
    async def view_closed(ack: AsyncAck) -> None:
        await ack()

    @app.event(ANYTHING)
    async def other_event(ack: AsyncAck) -> None:
        """Events no listener above wants (Slack sends `app_uninstalled` and `tokens_revoked`
        to every app, and may add kinds): Bolt answered them 404, and Slack retries any answer
        but 200 and turns off the events of an app whose deliveries mostly fail."""
        await ack()

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack listener failed for %s: %r", body.get("type"), error, exc_info=error)

    return app
