"""Refuse a request body larger than its route will ever be sent, before anyone reads it.

Every route reads its whole body into memory and parses it; a signed multi-megabyte body kept a
worker busy for seconds. A body past the limit is answered 413 as soon as its Content-Length says
so, or as soon as the bytes streamed in pass it, and the route never runs.

A client that hangs up before its body is complete (a truncated body, a malformed chunk) is
owed no answer and gets none: starlette's ClientDisconnect escaped every route and uvicorn
logged it as an "Exception in ASGI application" with a traceback, once per hostile request.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""Far above a Telegram update (a message is at most 4,096 characters) or a Slack request."""


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: `limits` maps a path to its own ceiling; others get `default`."""

    def __init__(
        self,
        app: ASGIApp,
        default: int = DEFAULT_MAX_BODY_BYTES,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        if _declared_length(scope) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit)
        except ClientDisconnect:
            return


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _refuse(send: Send, limit: int) -> None:
    body = f"request body larger than {limit} bytes".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
