"""The outbox sender's HTTP client for the Bot API: python-telegram-bot's request interface
(`BaseRequest`) over aiohttp instead of httpx.

Only the HTTP exchange is ours (`do_request`): python-telegram-bot still encodes the parameters,
reads Telegram's answer and maps it to RetryAfter, BadRequest, Forbidden, ChatMigrated or
NetworkError. What changes is the cost: httpx and httpcore (over anyio) spent about two thirds
of the sender's CPU per message on a POST to a kept-alive connection; aiohttp's client, already
the Slack SDK's, does the same exchange for much less.
"""

from __future__ import annotations

import json
import logging
import math
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)


def parse_answer(payload: bytes) -> dict[str, Any]:
    """PTB logs a full traceback for every answer that is not JSON (a proxy's 502 page); the
    sender retries those anyway, and its own log line says so."""
    try:
        data = json.loads(payload.decode("utf-8", "replace"))
    except ValueError as error:
        raise TelegramError("Invalid server response") from error
    if not isinstance(data, dict):
        raise TelegramError("Invalid server response")
    return data


class AnswerTimedOut(TimedOut):
    """The whole request was written and no answer came within the read timeout: unlike a
    refused connection or a connect timeout, Telegram may well have carried it out. PTB's own
    TimedOut does not tell the two apart; a transport that sends messages must (`Unconfirmed`)."""


FLOOD_WAIT_UNKNOWN = 1
"""Seconds to wait after a 429 that names no usable wait: Telegram's own smallest."""


def flood_wait(payload: bytes, header: str | None) -> int:
    """The wait a 429 asks for, in whole seconds. PTB raises RetryAfter only for a positive
    `parameters.retry_after`; a 429 with 0, none, a string or a proxy's page became a plain
    NetworkError, which the sender counts as a failed attempt and dead-letters after a few."""
    try:
        parameters = json.loads(payload.decode("utf-8", "replace")).get("parameters")
        given: Any = parameters.get("retry_after")
    except (ValueError, AttributeError):
        given = None
    for value in (given, header):
        try:
            seconds = float(value) if isinstance(value, int | float | str) else math.nan
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return max(FLOOD_WAIT_UNKNOWN, math.ceil(min(seconds, 2**31)))
    return FLOOD_WAIT_UNKNOWN


class AiohttpRequest(BaseRequest):
    """Kept-alive connections, at most `connection_pool_size` of them, HTTP/1.1.

    Timeouts end a request in one of two ways: before it was written (waiting for a pooled
    connection, opening one, a refused connection: `TimedOut` or `NetworkError`, safe to
    send again) or after (no answer within the read timeout: `AnswerTimedOut`)."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._defaults = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    @property
    def longest_request_seconds(self) -> float:
        """The longest one request may take with the default timeouts: a pooled connection, a
        new one, the answer (None, no limit: infinite)."""
        waits = [self._defaults[name] for name in ("pool", "connect", "read")]
        return math.inf if None in waits else sum(w for w in waits if w is not None)

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        return parse_answer(payload)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        if request_data is not None and request_data.contains_files:
            raise ValueError("the outbox sender uploads no files")
        data = request_data.json_parameters if request_data is not None else None
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as answer:
                body = await answer.read()
        except aiohttp.SocketTimeoutError as error:
            # aiohttp starts this timer only once the request is written
            raise AnswerTimedOut(
                f"Timed out: no answer within {timeout.sock_read} s of the request"
            ) from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        # the URL carries the token: only the method's name is logged
        log.debug("Bot API: %s /%s %s", method, url.rpartition("/")[2], answer.status)
        if answer.status == HTTPStatus.TOO_MANY_REQUESTS:
            raise RetryAfter(flood_wait(body, answer.headers.get("Retry-After")))
        return answer.status, body

    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        """PTB's four timeouts in aiohttp's terms: waiting for a pooled connection and opening
        one count against `connect`; waiting for the answer against `sock_read`, whose timer
        starts once the request is written. aiohttp has no write timeout, and `write` does not
        lengthen the read timeout: a test's 1 s read timeout was 5 s while it did."""
        given = {"read": read, "write": write, "connect": connect, "pool": pool}
        value = {
            name: self._defaults[name] if v is BaseRequest.DEFAULT_NONE else v
            for name, v in given.items()
        }
        waits = [value["pool"], value["connect"]]
        connecting = None if None in waits else sum(w for w in waits if w is not None)
        return aiohttp.ClientTimeout(
            connect=connecting, sock_connect=value["connect"], sock_read=value["read"]
        )
