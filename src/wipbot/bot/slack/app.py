"""The Bolt app: listeners acknowledge at once and do their work after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from . import digest_listeners, gate_listeners, home_listeners, po_listeners, qc_listeners
from .deps import SlackDeps

log = logging.getLogger("wipbot.slack")


class _SameTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the client
    we hand it (built from that very token) wins; with our variable named like Bolt's, that
    warning would greet every start for nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger(f"slack_bolt.{AsyncApp.__name__}").addFilter(_SameTokenNotice())


def listener_client(token: str, base_url: str) -> AsyncWebClient:
    """For answers to a person (modals, ephemerals, Home): wait out one rate limit, then give up."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


def outbox_client(token: str, base_url: str) -> AsyncWebClient:
    """For the outbox: a 429 goes back to the sender, which owns backoff and rate limits."""
    return AsyncWebClient(
        token=token, base_url=base_url, retry_handlers=[AsyncConnectionErrorRetryHandler()]
    )


def build_bolt_app(client: AsyncWebClient, signing_secret: str, deps: SlackDeps) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        name="wipbot",
    )
    po_listeners.register(app, deps)
    gate_listeners.register(app, deps)
    home_listeners.register(app, deps)
    qc_listeners.register(app, deps)
    digest_listeners.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack listener failed for %s: %r", body.get("type"), error, exc_info=error)

    return app


async def warm_up(app: AsyncApp) -> dict[str, Any]:
    """Call auth.test once at start, so no request waits for it (and none fails on it) later.

    Bolt caches the answer in its single-team authorization middleware, but only fills the
    cache on the first request; that is the only place to put it.
    """
    result = await app.client.auth_test()
    for middleware in app._async_middleware_list:  # Bolt offers no public hook for this
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = result
    return dict(result.data) if isinstance(result.data, dict) else {}
