"""Fake platform APIs for integration tests: real HTTP servers on 127.0.0.1, port 0.

Each fake records every call and can be told to fail the next calls of a method, so the real
client libraries meet real HTTP, real status codes and real retry hints. `FakeApi` holds what all
fakes share; a platform fake adds its routes and renders failures in its platform's format.
"""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict, deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web


def listening_socket(backlog: int = 64, port: int = 0) -> socket.socket:
    """Bound to a free port (or `port`) on 127.0.0.1 and listening, for a server that is handed
    the socket (so its URL is known before it starts). The protocol is named because asyncio
    sets TCP_NODELAY only on sockets whose proto is TCP: without it every response waits ~40 ms
    for a delayed ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(backlog)
    return sock


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    in_webhook_answer: bool = False
    """Made by the body of the bot's answer to a webhook (Telegram), not by a request."""


@dataclass(frozen=True)
class Failure:
    """A scripted answer instead of the real one: `status` 429 with `retry_after`, or a 5xx."""

    status: int
    retry_after: int | None = None
    description: str = ""


class FakeApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._called = asyncio.Condition()
        self.port = 0

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Self:
        """On a free port, or on the one it had before `stop` (an outage: its state is kept)."""
        app = web.Application()
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = listening_socket(port=self.port)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "",
    ) -> None:
        """Answer the next `times` calls of `method` with `status` instead of the real answer."""
        for _ in range(times):
            self._failures[method].append(Failure(status, retry_after, description))

    def take_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    def answer_late(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` at once but answer each only `seconds`
        later, as a platform under load does: the message is delivered whether or not the
        client is still waiting for the answer."""
        for _ in range(times):
            self._delays[method].append(seconds)

    async def delay_answer(self, method: str) -> None:
        """Wait before answering a call already carried out, if `answer_late` asked to."""
        queue = self._delays.get(method)
        if queue:
            await asyncio.sleep(queue.popleft())

    async def record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._called:
            self._called.notify_all()

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for_call(self, method: str, count: int = 1) -> list[Call]:
        """Until `method` has been called `count` times, for work done in the background (bound
        it with `asyncio.timeout`)."""
        async with self._called:
            await self._called.wait_for(lambda: len(self.calls_to(method)) >= count)
        return self.calls_to(method)
